/* tcpdiag_flow.c - per-direction bookkeeping: ranges sent, gaps, ACKs, SACK, window, RTT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_flow.h"

#include <glib.h>
#include <string.h>

#include "tcpdiag_seq.h"

tcpdiag_flow *tcpdiag_flow_new(void)
{
    return g_new0(tcpdiag_flow, 1);
}

const tcpdiag_flow_incidents tcpdiag_flow_no_incidents;

tcpdiag_flow_incidents *tcpdiag_flow_incidents_to_note(tcpdiag_flow *f)
{
    if (!f->incidents)
        f->incidents = g_new0(tcpdiag_flow_incidents, 1);
    return f->incidents;
}

void tcpdiag_flow_start(tcpdiag_flow *f, uint32_t snd_max, uint32_t syns)
{
    f->snd_max = snd_max;
    f->snd_max_known = true;
    f->data_segs = syns;
    f->retrans_segs = syns > 1 ? syns - 1 : 0;
}

void tcpdiag_flow_free(tcpdiag_flow *f)
{
    if (!f)
        return;
    g_free(f->tx);
    g_free(f->holes);
    g_free(f->loss_ns);
    g_free(f->incidents);
    g_free(f);
}

void tcpdiag_flow_shrink(tcpdiag_flow *f)
{
    if (!f || f->tx_cap == f->tx_count)
        return;
    if (f->tx_head > 0) {
        memmove(f->tx, f->tx + f->tx_head, f->tx_count * sizeof *f->tx);
        f->tx_head = 0;
    }
    f->tx_cap = f->tx_count;
    if (f->tx_cap == 0) {
        g_free(f->tx);
        f->tx = NULL;
    } else {
        f->tx = g_renew(tcpdiag_tx, f->tx, f->tx_cap);
    }
}

void tcpdiag_flow_set_window_scale(tcpdiag_flow *f, uint8_t shift)
{
    f->rcv_wscale = shift;
    f->rcv_wscale_known = true;
}

void tcpdiag_flow_note_icmp_ptb(tcpdiag_flow *f, const tcpdiag_segment *quoted)
{
    tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
    in->icmp_ptb_frame = quoted->frame;
    in->icmp_ptb_ns = quoted->time_ns;
    in->icmp_ptb_mtu = quoted->icmp_mtu;
}

uint32_t tcpdiag_flow_retrans_count(const tcpdiag_flow *f)
{
    return f ? f->retrans_segs : 0;
}

uint32_t tcpdiag_flow_data_segments(const tcpdiag_flow *f)
{
    return f ? f->data_segs : 0;
}

/* ---- ranges sent ----------------------------------------------------------- */

tcpdiag_tx *tcpdiag_flow_tx_at(tcpdiag_flow *f, uint32_t i)
{
    return &f->tx[f->tx_head + i];
}

uint32_t tcpdiag_flow_tx_find(tcpdiag_flow *f, uint32_t seq)
{
    uint32_t lo = 0, hi = f->tx_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tcpdiag_seq_leq(tcpdiag_flow_tx_at(f, mid)->end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Forget the oldest ranges: acknowledged ones beyond what spurious-retransmission
 * checks need, and anything at all once the table is full. */
static void tx_trim(tcpdiag_flow *f)
{
    uint32_t drop = f->tx_acked > TCPDIAG_FLOW_KEEP_ACKED ? f->tx_acked - TCPDIAG_FLOW_KEEP_ACKED : 0;
    if (f->tx_count - drop >= TCPDIAG_FLOW_MAX_TX)
        drop = f->tx_count - TCPDIAG_FLOW_MAX_TX + 1;
    f->tx_head += drop;
    f->tx_count -= drop;
    f->tx_acked -= MIN(drop, f->tx_acked);
}

/* Ranges a flow has room for at first, and the factor its room grows by. */
#define TX_FIRST_CAP 2u
#define TX_GROWTH    2u

/* Room for one more range: compact to the front or grow (doubling, capped). */
static void tx_make_room(tcpdiag_flow *f)
{
    if (f->tx_head + f->tx_count < f->tx_cap)
        return;
    if (f->tx_head > 0) {
        memmove(f->tx, f->tx + f->tx_head, f->tx_count * sizeof *f->tx);
        f->tx_head = 0;
        if (f->tx_count < f->tx_cap)
            return;
    }
    /* The SYN is not a range (a flow starts after it), so a short
     * connection sends two a direction: its request or response, and its
     * FIN. Room for two, doubled when needed: starting at four left the
     * unused half of every closed short flow behind as a free chunk too
     * small for the next flow's array (measured: about 215 bytes a
     * 9-frame connection; tests/adversarial/README.md). */
    f->tx_cap = f->tx_cap ? f->tx_cap * TX_GROWTH : TX_FIRST_CAP;
    f->tx = g_renew(tcpdiag_tx, f->tx, f->tx_cap);
}

tcpdiag_tx *tcpdiag_flow_tx_insert(tcpdiag_flow *f, uint32_t at, const tcpdiag_segment *seg,
                                   uint32_t seq, uint32_t end)
{
    uint32_t before = f->tx_count;
    tx_trim(f);
    at -= MIN(at, before - f->tx_count);
    tx_make_room(f);
    tcpdiag_tx *slot = tcpdiag_flow_tx_at(f, at);
    if (at < f->tx_count)
        memmove(slot + 1, slot, (f->tx_count - at) * sizeof *slot);
    f->tx_count++;
    if (at < f->tx_acked)
        f->tx_acked = at;
    memset(slot, 0, sizeof *slot);
    slot->seq = seq;
    slot->end = end;
    slot->first_frame = slot->last_frame = seg->frame;
    slot->first_ns = slot->last_ns = seg->time_ns;
    slot->tsval = seg->tsval;
    slot->ip_id = seg->ip_id;
    slot->ip_ttl = seg->ip_ttl;
    slot->tx_count = 1;
    if (seg->checksum == TCPDIAG_CSUM_BAD)
        slot->flags |= TCPDIAG_TX_CSUM_BAD_FIRST | TCPDIAG_TX_CSUM_BAD_LAST;
    return slot;
}

bool tcpdiag_flow_tx_split(tcpdiag_flow *f, uint32_t i, uint32_t seq)
{
    if (f->tx_count >= TCPDIAG_FLOW_MAX_TX)
        return false;
    tx_make_room(f);
    tcpdiag_tx *left = tcpdiag_flow_tx_at(f, i);
    memmove(left + 1, left, (f->tx_count - i) * sizeof *left);
    f->tx_count++;
    if (i < f->tx_acked)
        f->tx_acked++;
    left->end = seq;
    (left + 1)->seq = seq;
    return true;
}

/* ---- gaps ------------------------------------------------------------------ */

void tcpdiag_flow_hole_add(tcpdiag_flow *f, uint32_t seq, uint32_t end, const tcpdiag_segment *seg)
{
    if (!f->holes)
        f->holes = g_new(tcpdiag_hole, TCPDIAG_FLOW_MAX_HOLES);
    if (f->hole_count == TCPDIAG_FLOW_MAX_HOLES) {  /* the oldest gap is the least useful */
        memmove(f->holes, f->holes + 1, (TCPDIAG_FLOW_MAX_HOLES - 1) * sizeof f->holes[0]);
        f->hole_count--;
    }
    f->holes[f->hole_count++] = (tcpdiag_hole){
        .seq = seq, .end = end, .frame = seg->frame, .ns = seg->time_ns,
        .tsval = seg->tsval, .ip_id = seg->ip_id, .has_tsval = (seg->options & TCPDIAG_OPT_TS) != 0,
    };
}

bool tcpdiag_flow_hole_fill(tcpdiag_flow *f, uint32_t seq, uint32_t end, tcpdiag_hole *found)
{
    for (uint32_t i = 0; i < f->hole_count; i++) {
        tcpdiag_hole *h = &f->holes[i];
        if (!tcpdiag_seq_lt(seq, h->end) || !tcpdiag_seq_gt(end, h->seq))
            continue;
        *found = *h;
        bool keep_left = tcpdiag_seq_gt(seq, h->seq);
        bool keep_right = tcpdiag_seq_lt(end, h->end);
        if (keep_left && keep_right) {
            tcpdiag_hole right = *h;
            right.seq = end;
            h->end = seq;
            if (f->hole_count < TCPDIAG_FLOW_MAX_HOLES)
                f->holes[f->hole_count++] = right;
        } else if (keep_left) {
            h->end = seq;
        } else if (keep_right) {
            h->seq = end;
        } else {
            memmove(h, h + 1, (f->hole_count - i - 1) * sizeof *h);
            f->hole_count--;
        }
        return true;
    }
    return false;
}

/* ACKed data is no longer a gap. */
static void holes_acked(tcpdiag_flow *f, uint32_t ack)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < f->hole_count; i++) {
        tcpdiag_hole h = f->holes[i];
        if (tcpdiag_seq_leq(h.end, ack))
            continue;
        if (tcpdiag_seq_lt(h.seq, ack))
            h.seq = ack;
        f->holes[kept++] = h;
    }
    f->hole_count = kept;
}

/* ---- pace -------------------------------------------------------------------- */

/* What "evenly spaced" takes. The average needs a few dozen gaps to forget
 * how the flow started (after 16 segments, the first gap weighs 12%). A mean
 * deviation of at most a quarter of the mean gap is a paced stream: behind
 * the lab's tbf bottlenecks the data's deviation was about 1% of its gap
 * (tuning half, the median of the tail drops seen there), while senders on
 * paths without one send bursts at the links' speed, with a deviation as
 * large as the gap itself (the median of the random drops seen there: 1.5
 * times it). An eighth instead of a quarter: 97 fewer tail drops named,
 * 6 fewer random drops misnamed. */
enum { PACED_MIN_SEGMENTS = 16, PACED_DEV_SHARE = 4 };

static void spacing_add(tcpdiag_spacing *sp, int64_t gap)
{
    gap = CLAMP(gap, 0, (int64_t)UINT32_MAX);
    int64_t avg = sp->avg_ns;
    if (!avg && !sp->dev_ns) {   /* the first gap starts the average */
        sp->avg_ns = (uint32_t)gap;
        return;
    }
    int64_t dev = gap > avg ? gap - avg : avg - gap;
    sp->dev_ns = (uint32_t)((int64_t)sp->dev_ns + (dev - (int64_t)sp->dev_ns) / 8);
    sp->avg_ns = (uint32_t)(avg + (gap - avg) / 8);
}

bool tcpdiag_flow_data_paced(const tcpdiag_flow *f)
{
    const tcpdiag_spacing *sp = &f->data_spacing;
    return f->data_segs >= PACED_MIN_SEGMENTS && sp->avg_ns && (uint64_t)sp->dev_ns * PACED_DEV_SHARE <= sp->avg_ns;
}

/* ---- the receiver's answers ------------------------------------------------ */

static void rtt_sample(tcpdiag_flow *f, int64_t sample)
{
    if (sample <= 0)
        return;
    f->rtt_latest_ns = sample;
    f->rtt_recent_ns[f->rtt_samples % G_N_ELEMENTS(f->rtt_recent_ns)] = sample;
    if (!f->rtt_samples || sample < f->rtt_min_ns)
        f->rtt_min_ns = sample;
    f->rtt_srtt_ns = f->rtt_samples ? f->rtt_srtt_ns + (sample - f->rtt_srtt_ns) / 8 : sample;
    f->rtt_samples++;
}

/* Mark ranges below the new cumulative ACK; one RTT sample from the newest
 * range sent only once (Karn: a re-sent range's ACK is ambiguous). */
static void delivered(tcpdiag_flow *f, const tcpdiag_tx *tx, uint32_t frame)
{
    if (tx->last_ns > f->delivered_xmit_ns) {
        f->delivered_xmit_ns = tx->last_ns;
        f->delivered_frame = frame;
    }
}

static void ranges_acked(tcpdiag_flow *f, uint32_t ack, int64_t now, uint32_t frame)
{
    tcpdiag_tx *newest_clean = NULL;
    uint32_t i = f->tx_acked;
    for (; i < f->tx_count; i++) {
        tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (tcpdiag_seq_gt(tx->end, ack))
            break;
        f->tx_acked = i + 1;
        if (tx->flags & TCPDIAG_TX_ACKED)
            continue;
        tx->flags |= TCPDIAG_TX_ACKED;
        delivered(f, tx, frame);
        uint32_t len = tx->end - tx->seq;
        if (len > f->max_acked_len && !(tx->flags & TCPDIAG_TX_FRAG_PENDING))
            f->max_acked_len = len;
        if (tx->tx_count == 1)
            newest_clean = tx;
    }
    if (newest_clean)
        rtt_sample(f, now - newest_clean->last_ns);
}

static void ranges_sacked(tcpdiag_flow *f, uint32_t left, uint32_t right, uint32_t frame)
{
    for (uint32_t i = tcpdiag_flow_tx_find(f, left); i < f->tx_count; i++) {
        tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!tcpdiag_seq_lt(tx->seq, right))
            break;
        if (tcpdiag_seq_geq(tx->seq, left) && tcpdiag_seq_leq(tx->end, right)) {
            tx->flags |= TCPDIAG_TX_SACKED;
            delivered(f, tx, frame);
            uint32_t len = tx->end - tx->seq;
            if (len > f->max_acked_len && !(tx->flags & TCPDIAG_TX_FRAG_PENDING))
                f->max_acked_len = len;
        }
    }
}

/* A duplicate the receiver reports (DSACK): the re-sent range it covers. */
static uint32_t dsack_resend(tcpdiag_flow *f, const tcpdiag_sack_block *b, tcpdiag_dsack *dsack)
{
    for (uint32_t i = tcpdiag_flow_tx_find(f, b->left); i < f->tx_count; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!tcpdiag_seq_lt(tx->seq, b->right))
            break;
        if (tx->tx_count >= 2) {
            dsack->ack_was_seen = tx->flags & TCPDIAG_TX_RESENT_ACKED;
            dsack->fast = tx->flags & TCPDIAG_TX_RESENT_FAST;
            const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
            dsack->window_full = in->window_full_frame && in->window_full_ns >= tx->first_ns &&
                                 in->window_full_ns < tx->last_ns;
            return tx->last_frame;
        }
    }
    return 0;
}

static uint32_t take_sack(tcpdiag_flow *f, const tcpdiag_segment *seg, tcpdiag_dsack *dsack)
{
    uint32_t unneeded = 0;
    for (uint8_t i = 0; i < seg->sack_count; i++) {
        const tcpdiag_sack_block *b = &seg->sack[i];
        if (!tcpdiag_seq_lt(b->left, b->right))
            continue;
        /* RFC 2883: a first block at or below the cumulative ACK, or inside
         * the second one, reports data received twice. */
        bool duplicate = i == 0 && (tcpdiag_seq_leq(b->right, seg->ack) ||
                                (seg->sack_count > 1 && tcpdiag_seq_geq(b->left, seg->sack[1].left) &&
                                 tcpdiag_seq_leq(b->right, seg->sack[1].right)));
        if (duplicate) {
            unneeded = dsack_resend(f, b, dsack);
            continue;
        }
        if (tcpdiag_seq_leq(b->right, seg->ack))
            continue;
        ranges_sacked(f, b->left, b->right, seg->frame);
        const tcpdiag_flow_incidents *seen = tcpdiag_flow_incidents_of(f);
        if (!seen->sack_high_known || tcpdiag_seq_gt(b->right, seen->sack_high)) {
            tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
            in->sack_high = b->right;
            in->sack_high_known = true;
            in->sack_frame = seg->frame;
            in->sack_ns = seg->time_ns;
        }
    }
    return unneeded;
}

static void take_window(tcpdiag_flow *f, const tcpdiag_segment *seg)
{
    uint32_t win = seg->window;
    if (f->rcv_wscale_known && !(seg->flags & TCPDIAG_SYN))
        win <<= f->rcv_wscale;
    f->window = win;
    if (seg->window == 0 && !(seg->flags & (TCPDIAG_SYN | TCPDIAG_RST))) {
        tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
        in->zero_window_frame = seg->frame;
        in->zero_window_ns = seg->time_ns;
        return;
    }
    /* Only a scaled window is comparable with the bytes in flight. */
    if (f->rcv_wscale_known && f->snd_max_known && f->ack_known) {
        uint32_t in_flight = f->snd_max - seg->ack;
        if (in_flight > 0 && in_flight < (1u << 30) && in_flight >= win) {
            tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
            in->window_full_frame = seg->frame;
            in->window_full_ns = seg->time_ns;
        }
    }
}

uint32_t tcpdiag_flow_take_ack(tcpdiag_flow *f, const tcpdiag_segment *seg, tcpdiag_dsack *dsack)
{
    f->last_heard_ns = seg->time_ns;
    f->last_heard_frame = seg->frame;
    if (!seg->flags_known || !(seg->flags & TCPDIAG_ACK) || (seg->flags & TCPDIAG_RST))
        return 0;
    take_window(f, seg);
    bool pure = seg->payload_len == 0 && !(seg->flags & (TCPDIAG_SYN | TCPDIAG_FIN));
    if (!f->ack_known || tcpdiag_seq_gt(seg->ack, f->highest_ack)) {
        f->ack_known = true;
        f->highest_ack = seg->ack;
        f->ack_frame = seg->frame;
        f->ack_ns = seg->time_ns;
        f->dup_acks = 0;
        ranges_acked(f, seg->ack, seg->time_ns, seg->frame);
        holes_acked(f, seg->ack);
    } else if (seg->ack == f->highest_ack && pure && f->snd_max_known &&
               tcpdiag_seq_gt(f->snd_max, seg->ack)) {
        /* RFC 5681: same ACK, no data, data outstanding. */
        f->dup_acks++;
        f->dup_ack_frame = seg->frame;
        f->dup_ack_ns = seg->time_ns;
    }
    return seg->sack_count ? take_sack(f, seg, dsack) : 0;
}

/* Arrival time minus send time by the sender's timestamp clock, read as
 * 1 ms ticks (Linux, the BSDs); tcpdiag_flow_owd_rise checks that reading. */
static void owd_sample(tcpdiag_flow *f, const tcpdiag_segment *seg)
{
    if (!f->owd_origin_known) {
        f->owd_origin_known = true;
        f->owd_origin_ts = seg->tsval;
        f->owd_origin_ns = seg->time_ns;
    }
    int32_t ticks = (int32_t)(seg->tsval - f->owd_origin_ts);
    int64_t owd = (seg->time_ns - f->owd_origin_ns) - (int64_t)ticks * 1000000;
    f->owd_last_ts = seg->tsval;
    f->owd_last_ns = seg->time_ns;
    f->owd_recent_ns[f->owd_samples % G_N_ELEMENTS(f->owd_recent_ns)] = owd;
    if (!f->owd_samples || owd < f->owd_min_ns)
        f->owd_min_ns = owd;
    f->owd_samples++;
}

int64_t tcpdiag_flow_owd_rise(const tcpdiag_flow *f)
{
    const uint32_t n = G_N_ELEMENTS(f->owd_recent_ns);
    if (f->owd_samples < n)
        return 0;
    /* The clock must tick about once a millisecond (between half and twice
     * that over at least 20 ms): other rates (4 ms, 10 ms ticks) would read
     * as a delay growing with time. */
    int64_t span_ns = f->owd_last_ns - f->owd_origin_ns;
    int64_t span_ms = (int32_t)(f->owd_last_ts - f->owd_origin_ts);
    if (span_ns < 20 * 1000000LL || span_ms * 2000000 < span_ns || span_ms * 500000 > span_ns)
        return 0;
    int64_t floor = f->owd_recent_ns[0];
    for (uint32_t i = 1; i < n; i++)
        floor = MIN(floor, f->owd_recent_ns[i]);
    return floor - f->owd_min_ns;
}

void tcpdiag_flow_note_sent(tcpdiag_flow *f, const tcpdiag_segment *seg)
{
    f->last_send_ns = seg->time_ns;
    if (seg->payload_len) {
        if (f->last_data_ns)
            spacing_add(&f->data_spacing, seg->time_ns - f->last_data_ns);
        f->last_data_ns = seg->time_ns;
    }
    f->last_send_frame = seg->frame;
    if (seg->options & TCPDIAG_OPT_TS) {
        if (!f->newest_tsval_known || (int32_t)(seg->tsval - f->newest_tsval) > 0) {
            f->newest_tsval = seg->tsval;
            f->newest_tsval_known = true;
        }
        owd_sample(f, seg);
    }
    if (seg->tuple.family != 4 || seg->ip_id == 0)
        return;
    if (f->ip_id_known) {
        uint16_t step = (uint16_t)(seg->ip_id - f->last_ip_id);
        /* Linux numbers a connection's DF datagrams one by one; a small jump
         * means datagrams of this sender never reached the capture point. */
        if (step >= 2 && step <= 64) {
            tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
            in->ip_id_gaps += step - 1u;
            in->ip_id_gap_frame = seg->frame;
            in->ip_id_gap_ns = seg->time_ns;
            in->ip_id_gap_acks = seg->flags_known && (seg->flags & TCPDIAG_ACK);
            in->ip_id_gap_ack = seg->ack;
        }
        /* An ID from inside a recent jump arrived late: that datagram was
         * reordered, not lost, so the jump overstated the losses. */
        if (step > 0x8000 && (uint16_t)(f->last_ip_id - seg->ip_id) < 64 && tcpdiag_flow_incidents_of(f)->ip_id_gaps)
            f->incidents->ip_id_gaps--;
        if (step == 0 || step > 0x8000)
            return;  /* a duplicate or an older datagram: keep the run */
        if (f->ip_id_run < TCPDIAG_IP_ID_RUN_PROVEN)
            f->ip_id_run = step == 1 ? (uint8_t)(f->ip_id_run + 1u) : 0;
    }
    f->ip_id_known = true;
    f->last_ip_id = seg->ip_id;
}

void tcpdiag_flow_note_reordering(tcpdiag_flow *f, uint32_t frame)
{
    tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
    in->reorder_count++;
    in->reorder_frame = frame;
}
