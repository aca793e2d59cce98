/* tcpdiag_retrans.c - is this segment a retransmission, of which kind, and why.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Detection is sequence space: a segment re-sending space this direction
 * already sent (data, SYN or FIN) is a retransmission however far back the
 * original is. Lookalikes are told apart first (keep-alives, zero-window
 * probes, the same datagram captured twice, reordering before the capture
 * point). Causes are candidates scored from the evidence captured so far,
 * most probable first; each names the frame that supports it.
 */
#include "tcpdiag_retrans.h"

#include <glib.h>
#include <string.h>

#include "tcpdiag_evidence.h"
#include "tcpdiag_flow.h"
#include "tcpdiag_seq.h"
#include "tcpdiag_time.h"

/* Linux never retransmits on a timer sooner than this (TCP_RTO_MIN). */
#define RTO_FLOOR_NS      (200 * TCPDIAG_NS_PER_MS)
/* A copy of the same datagram this soon is the capture's doing (two taps, a span port). */
#define CAPTURE_DUP_NS    (10 * TCPDIAG_NS_PER_MS)
/* Without a measured round trip, a gap filled this soon is reordering. */
#define REORDER_DEFAULT_NS (3 * TCPDIAG_NS_PER_MS)
/* No stack's timer re-sends sooner than this after the previous copy: Linux's
 * shortest, a tail-loss probe, waits two round trips plus 2 jiffies (2 ms at
 * HZ=1000); RTOs are 200 ms (Linux, macOS) to 1 s (RFC 6298). Sooner, the
 * sender was answering the receiver's ACKs, even when the capture missed them. */
#define TIMER_FLOOR_NS    (2 * TCPDIAG_NS_PER_MS)
/* IP IDs this far behind the gap's are the same sender's earlier datagrams. */
#define IP_ID_ORDER_SPAN  64

/* ---- SYN and SYN-ACK ------------------------------------------------------- */

static void syn_history_datagram(tcpdiag_syn_history *h, const tcpdiag_segment *seg)
{
    h->ip_id = seg->ip_id;
    h->ip_ttl = seg->ip_ttl;
    h->tsval = seg->tsval;
}

void tcpdiag_syn_history_first(tcpdiag_syn_history *h, const tcpdiag_segment *seg)
{
    memset(h, 0, sizeof *h);
    h->first_frame = h->last_frame = seg->frame;
    h->last_ns = seg->time_ns;
    h->count = 1;
    syn_history_datagram(h, seg);
}

/* Causes are added most probable first. */
static void add_cause(tcpdiag_retrans_info *info, tcpdiag_evidence ev, tcpdiag_cause c, tcpdiag_where w,
                      uint32_t frame, uint32_t count)
{
    if (info->ncauses >= TCPDIAG_MAX_CAUSES)
        return;
    info->cause[info->ncauses] = (tcpdiag_cause_item){
        .cause = (uint8_t)c, .where = (uint8_t)w, .evidence = (uint8_t)ev,
        .confidence = tcpdiag_evidence_confidence(ev, info->ncauses == 0),
        .frame = frame, .count = count,
    };
    info->ncauses++;
}

static void set_interval(tcpdiag_retrans_info *info, int64_t interval, int64_t previous)
{
    info->interval_ns = interval;
    info->interval_known = true;
    if (previous > 0) {
        info->backoff_milli = (uint32_t)MIN((interval * 1000) / previous, (int64_t)UINT32_MAX);
        info->backoff_known = true;
    }
}

void tcpdiag_retrans_syn(const tcpdiag_retrans_context *ctx, tcpdiag_syn_history *h,
                         const tcpdiag_segment *seg, bool synack, tcpdiag_retrans_info *info)
{
    int64_t interval = seg->time_ns - h->last_ns;
    info->kind = synack ? TCPDIAG_RK_SYNACK : TCPDIAG_RK_SYN;
    info->original = h->first_frame;
    info->original_known = true;
    info->previous = h->last_frame;
    info->attempt = h->count;
    info->bytes = 1;
    set_interval(info, interval, h->last_interval_ns);

    if (synack && ctx->peer_repeated_syn) {
        /* What passed here from the client since is its SYN again, which
         * no ACK of the SYN-ACK is: the SYN-ACK was lost on its way to the
         * client, and the server re-sends it for the repeated SYN. */
        add_cause(info, EV_PEER_REPEATED_SYN, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_AFTER_TAP, ctx->peer_reply_frame, 0);
    } else if (ctx->peer_reply_frame) {
        /* The answer passed the capture point and still the sender repeated:
         * it was lost between here and the sender (or arrived too late). */
        add_cause(info, EV_SYN_REPLY_SEEN, TCPDIAG_CAUSE_ACK_LOST, TCPDIAG_WHERE_BEFORE_TAP, ctx->peer_reply_frame, 0);
    } else {
        if (ctx->icmp_frame)
            add_cause(info, EV_SYN_ICMP, TCPDIAG_CAUSE_NO_ANSWER, TCPDIAG_WHERE_AFTER_TAP, ctx->icmp_frame, 0);
        else
            add_cause(info, EV_SYN_UNANSWERED, TCPDIAG_CAUSE_NO_ANSWER, TCPDIAG_WHERE_AFTER_TAP, h->last_frame, h->count);
        add_cause(info, EV_SYN_LOST, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_AFTER_TAP, h->last_frame, 0);
    }
    h->count++;
    h->last_interval_ns = interval;
    h->last_frame = seg->frame;
    h->last_ns = seg->time_ns;
    syn_history_datagram(h, seg);
}

/* ---- ICMP and fragments ---------------------------------------------------- */

/* A range whose datagram went out fragmented and never completed here. */
static uint32_t fragment_lost_frame(tcpdiag_flow *f, uint32_t seq, uint32_t end)
{
    for (uint32_t i = tcpdiag_flow_tx_find(f, seq); i < f->tx_count; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!tcpdiag_seq_lt(tx->seq, end))
            break;
        if (tx->flags & TCPDIAG_TX_FRAG_PENDING)
            return tx->first_frame;
    }
    return 0;
}

/* The last fragment completed a datagram whose first fragment was already
 * counted: the same transmission, now whole. */
static bool completes_fragmented(tcpdiag_flow *f, const tcpdiag_segment *seg, uint32_t end)
{
    uint32_t at = tcpdiag_flow_tx_find(f, seg->seq);
    if (at >= f->tx_count)
        return false;
    tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, at);
    if (!(tx->flags & TCPDIAG_TX_FRAG_PENDING) || tx->seq != seg->seq || tx->ip_id != seg->ip_id)
        return false;
    tx->flags &= (uint8_t)~TCPDIAG_TX_FRAG_PENDING;
    if (tcpdiag_seq_gt(end, tx->end) && tx->end == f->snd_max) {
        tx->end = end;
        f->snd_max = end;
    }
    return true;
}

/* ---- lookalikes ------------------------------------------------------------ */

static tcpdiag_lookalike probe_lookalike(const tcpdiag_flow *f, const tcpdiag_segment *seg)
{
    if (seg->payload_len > 1 || (seg->flags & (TCPDIAG_SYN | TCPDIAG_FIN | TCPDIAG_RST)) ||
        !f->ack_known || !f->snd_max_known)
        return TCPDIAG_LA_NONE;
    /* RFC 9293 3.8.6.1 / Linux tcp_xmit_probe_skb: one byte (or none) just below what was acknowledged. */
    bool below_una = seg->seq == f->highest_ack - 1u;
    bool at_una = seg->seq == f->highest_ack && seg->payload_len == 1;
    if (tcpdiag_flow_incidents_of(f)->zero_window_frame && f->window == 0 && (below_una || at_una))
        return TCPDIAG_LA_ZERO_WINDOW_PROBE;
    if (below_una && f->highest_ack == f->snd_max)
        return TCPDIAG_LA_KEEPALIVE;
    return TCPDIAG_LA_NONE;
}

/* The datagram of an earlier transmission again: same IP ID, timestamp and
 * TTL. A re-send is a new datagram with a new IPv4 ID. Where the ID says
 * nothing (IPv6, or ID 0 as on Linux SYN-ACKs) a re-send within the same
 * millisecond repeats every byte, timestamp included; what tells it apart
 * is why it was sent: a re-send that soon answers the receiver, so a copy
 * needs the receiver to have been silent since the earlier one
 * (`receiver_spoke`). */
static bool same_datagram(uint16_t ip_id, uint8_t ip_ttl, uint32_t tsval, const tcpdiag_segment *seg,
                          bool receiver_spoke)
{
    if (ip_ttl != seg->ip_ttl || tsval != seg->tsval)
        return false;
    if (seg->tuple.family == 4 && seg->ip_id != 0)
        return ip_id == seg->ip_id;
    return (seg->options & TCPDIAG_OPT_TS) && !receiver_spoke;
}

typedef enum send_order {
    SENT_UNKNOWN,   /* no marks to compare: judge by timing */
    SENT_BEFORE,    /* the original, overtaken on the way */
    SENT_AFTER,     /* a re-send */
} send_order;

/* Was `seg` sent before or after an earlier-seen datagram of the same
 * sender (IPv4 ID `ip_id`, timestamp `tsval` when `has_tsval`)? A re-send
 * is stamped (TCP timestamp, IPv4 ID) later than everything sent before
 * it; an original overtaken on the way carries older marks. The IPv4 ID
 * is exact; a timestamp only orders segments a tick apart. */
static send_order send_order_of(uint16_t ip_id, bool has_tsval, uint32_t tsval, const tcpdiag_segment *seg)
{
    if (seg->tuple.family == 4 && seg->ip_id != 0 && ip_id != 0) {
        uint16_t behind = (uint16_t)(ip_id - seg->ip_id);
        uint16_t ahead = (uint16_t)(seg->ip_id - ip_id);
        if (behind > 0 && behind <= IP_ID_ORDER_SPAN)
            return SENT_BEFORE;
        if (ahead > 0 && ahead <= 0x8000)
            return SENT_AFTER;
    }
    if (has_tsval && (seg->options & TCPDIAG_OPT_TS) && seg->tsval != tsval)
        return (int32_t)(seg->tsval - tsval) < 0 ? SENT_BEFORE : SENT_AFTER;
    return SENT_UNKNOWN;
}

/* The segment filling a gap, against the segment that revealed the gap.
 * Stamped in the same tick as that one, it is still known to be late when
 * data stamped in a later tick already passed here: it was overtaken, and
 * a re-send in that tick would have had to answer a report of the gap
 * sooner than one clock tick (1 ms on Linux) - the original is likelier. */
static send_order gap_send_order(const tcpdiag_flow *f, const tcpdiag_hole *h, const tcpdiag_segment *seg)
{
    send_order o = send_order_of(h->ip_id, h->has_tsval, h->tsval, seg);
    if (o == SENT_UNKNOWN && h->has_tsval && (seg->options & TCPDIAG_OPT_TS) && f->newest_tsval_known &&
        (int32_t)(seg->tsval - f->newest_tsval) < 0)
        return SENT_BEFORE;
    return o;
}

/* A copy of data already seen here, stamped before the copy seen: an
 * earlier transmission that was overtaken by it on the way (the original
 * arriving after its own re-send), not a re-send. */
static bool stamped_before_copy(const tcpdiag_tx *tx, const tcpdiag_segment *seg)
{
    return send_order_of(tx->ip_id, tx->tsval != 0, tx->tsval, seg) == SENT_BEFORE;
}

/* A copy within 10 ms is the capture's own; a later one came through the network. */
static void mark_duplicate(tcpdiag_retrans_info *info, const tcpdiag_segment *seg, int64_t earlier_ns,
                           uint32_t earlier_frame)
{
    info->lookalike = seg->time_ns - earlier_ns < CAPTURE_DUP_NS ? TCPDIAG_LA_DUPLICATE_CAPTURE
                                                                : TCPDIAG_LA_NETWORK_DUPLICATE;
    info->related = earlier_frame;
}

bool tcpdiag_retrans_syn_duplicate(const tcpdiag_syn_history *h, const tcpdiag_segment *seg,
                                   tcpdiag_retrans_info *info)
{
    if (!h->count || !same_datagram(h->ip_id, h->ip_ttl, h->tsval, seg, false))
        return false;
    mark_duplicate(info, seg, h->last_ns, h->last_frame);
    return true;
}

/* ---- kinds ----------------------------------------------------------------- */

typedef struct resend {
    const tcpdiag_retrans_context *ctx;
    tcpdiag_flow       *f;
    const tcpdiag_segment *seg;
    uint32_t seq, end;          /* sequence space of the segment */
    uint32_t old_end;           /* end of the part that had been sent before */
    tcpdiag_tx before;          /* the first overlapped range as it was before this re-send */
    bool     original_seen;
    bool     tail;              /* it re-sends the highest data sent so far */
    bool     acked;             /* the capture point had seen all of it acknowledged */
    bool     id_skipped;        /* first seen here, right after a datagram of the sender that vanished */
    bool     at_pace;           /* ... and as soon after it as the sender's datagrams came before */
    uint32_t hole_frame;        /* the original escaped the capture: gap noticed here */
    uint32_t hole_len;          /* ... and the whole gap's length before this filled part of it */
} resend;

/* The receiver reported a gap at `since` or later: duplicate ACKs, or a
 * SACK block (above this data when `above_it`). */
static bool gap_reported_since(const tcpdiag_flow *f, const resend *r, int64_t since, bool above_it)
{
    bool dups = f->dup_acks >= r->ctx->cfg->dup_ack_threshold && f->dup_ack_ns >= since;
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    bool sack = in->sack_high_known && in->sack_ns >= since && (!above_it || tcpdiag_seq_gt(in->sack_high, r->seq));
    return dups || sack;
}

static bool loss_signalled_since(const tcpdiag_flow *f, const resend *r)
{
    int64_t since = r->before.last_ns;
    /* Data sent after this one's latest transmission has arrived (RACK). */
    bool later_arrived = f->delivered_xmit_ns > since;
    return gap_reported_since(f, r, since, true) || later_arrived;
}

/* Re-sends since the oldest unacknowledged data: a loss episode is under way. */
static bool in_recovery(tcpdiag_flow *f, const resend *r)
{
    for (uint32_t i = f->tx_acked; i < f->tx_count; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (tcpdiag_seq_geq(tx->seq, r->seq))
            break;
        if (tx->tx_count > 1)
            return true;
    }
    return false;
}

/* Still repairing what was outstanding when the retransmission timer fired. */
static bool in_rto_recovery(tcpdiag_flow *f, const resend *r)
{
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    if (!in->rto_recovery)
        return false;
    if (f->ack_known && tcpdiag_seq_geq(f->highest_ack, in->rto_recovery_end)) {
        f->incidents->rto_recovery = false;
        return false;
    }
    return tcpdiag_seq_lt(r->seq, in->rto_recovery_end);
}

/* Room for a sender's pacing between the ACK it answers and its answer
 * (Linux paces by the rate, BBR always: 2.4 ms per 1.1 kB segment at
 * 3.7 Mbit/s, the lab's slowest bottleneck). */
static const int64_t ACK_ANSWER_SLACK_NS = 20 * TCPDIAG_NS_PER_MS;

/* No ACK can have made this re-send: the receiver was silent for longer
 * than any fast path waits; or for longer than the sender takes to answer
 * an ACK (twice the round trip, and a round trip plus pacing), while the
 * copy before went out a timer's time ago (an RTO in the middle of a fast
 * recovery, the duplicate ACKs having stopped). */
static bool receiver_silent_for_timer(const tcpdiag_flow *f, const resend *r, const tcpdiag_retrans_info *info)
{
    if (f->last_heard_ns <= 0)
        return false;
    int64_t silent = r->seg->time_ns - f->last_heard_ns;
    if (silent >= RTO_FLOOR_NS && silent >= 2 * r->ctx->rtt_ns)
        return true;
    int64_t rtt = MAX(MAX(r->ctx->rtt_ns, f->rtt_srtt_ns), f->rtt_latest_ns);
    return info->interval_known && info->interval_ns >= RTO_FLOOR_NS && rtt > 0 && silent >= 2 * rtt &&
           silent >= rtt + ACK_ANSWER_SLACK_NS;
}

/* Behind the loss a gap shows only when later data arrives, too late for
 * the receiver to have reported it; its reports of other gaps in the last
 * timer period say the sender is in fast recovery already, which repairs
 * this loss too (Linux stays in Recovery until all it had sent is
 * acknowledged). */
static bool recovering_behind_gap(const tcpdiag_flow *f, const resend *r)
{
    return r->hole_frame && gap_reported_since(f, r, r->before.first_ns - RTO_FLOOR_NS, false);
}

static bool still_stuck(const tcpdiag_flow *f, const resend *r);
static bool gap_filled_cut(const tcpdiag_flow *f, const resend *r);

static tcpdiag_retrans_kind classify_data(tcpdiag_flow *f, const resend *r, const tcpdiag_retrans_info *info)
{
    const tcpdiag_segment *seg = r->seg;
    bool bare_fin = seg->payload_len == 0 && (seg->flags & TCPDIAG_FIN);
    if (in_rto_recovery(f, r))
        return TCPDIAG_RK_RTO;
    /* Right behind the datagram that vanished, at the pace the sender kept
     * before: it was busy answering ACKs, no timer had fired. */
    if (r->at_pace)
        return TCPDIAG_RK_FAST;
    /* RFC 1191 / 8201: the stack re-sends at once in smaller pieces. */
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    if (in->icmp_ptb_frame && in->icmp_ptb_ns >= r->before.last_ns)
        return TCPDIAG_RK_PMTU;
    /* Linux re-cuts its segments only after repeated timeouts: a gap filled
     * that way is the timeout's recovery, whatever the receiver reports now
     * (the capture point behind a black hole saw neither the originals nor
     * the timer's first re-sends). */
    if (!in->icmp_ptb_frame && still_stuck(f, r) && gap_filled_cut(f, r))
        return TCPDIAG_RK_RTO;
    if (info->interval_known && info->interval_ns < TIMER_FLOOR_NS)
        return TCPDIAG_RK_FAST;
    /* Fast recovery re-sends as the receiver's ACKs come in; after a silence
     * longer than any fast path waits, the timer sent it, whatever the
     * receiver had signalled before (a black hole: small segments SACKed at
     * once, the full-size one re-sent only when the RTO fires). */
    if (!receiver_silent_for_timer(f, r, info) && (loss_signalled_since(f, r) || recovering_behind_gap(f, r)))
        return TCPDIAG_RK_FAST;
    /* Tail-loss probe (RFC 8985 7): first re-send of the last segment, sooner
     * than a retransmission timer, with no loss episode under way. */
    int64_t rtt = r->ctx->rtt_ns > 0 ? r->ctx->rtt_ns : 0;
    if (r->tail && info->attempt == 1 && !in_recovery(f, r) &&
        info->interval_ns < 2 * rtt + RTO_FLOOR_NS + RTO_FLOOR_NS / 4)
        return TCPDIAG_RK_PROBE;  /* a lone FIN is probed like data (Linux counts it a TLP) */
    return bare_fin ? TCPDIAG_RK_FIN : TCPDIAG_RK_RTO;
}

static tcpdiag_retrans_kind classify(tcpdiag_flow *f, const resend *r, const tcpdiag_retrans_info *info)
{
    tcpdiag_retrans_kind k = classify_data(f, r, info);
    if (k == TCPDIAG_RK_RTO && !tcpdiag_flow_incidents_of(f)->rto_recovery) {
        tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
        in->rto_recovery = true;
        in->rto_recovery_end = f->snd_max;
    }
    return k;
}

/* ---- causes ---------------------------------------------------------------- */



/* The ranking policy. Each kind of evidence gives its cause a score; the
 * causes are listed by their best score. */
static const uint8_t evidence_score[EV_COUNT] = {
    /* A checksum is a fact about the bytes: bad on both copies means the
     * sender computes it wrongly; bad on the original, good now, means it
     * was damaged on the way and the receiver dropped it. */
    [EV_BAD_CHECKSUM_TWICE] = 100,
    [EV_BAD_CHECKSUM] = 95,
    /* A fast re-send answers duplicate ACKs; the data being acknowledged
     * when it came means the original had arrived: the duplicate ACKs were
     * for data overtaken on the way, not lost (above the ACK evidence, which
     * explains timer re-sends). */
    [EV_FAST_BUT_ACKED] = 93,
    /* The capture saw the data acknowledged: the re-send cannot be about a
     * lost segment; the ACK crossed it or was lost after the tap. */
    [EV_ACK_BEFORE_RESEND] = 92,
    /* A router said in so many words that the original was too big. */
    [EV_ICMP_TOO_BIG] = 91,
    /* A missing fragment loses the whole datagram; seen directly. */
    [EV_FRAGMENT_MISSING] = 90,
    /* The capture saw the original arrive, late: it was not lost before here. */
    [EV_ORIGINAL_OVERTAKEN] = 90,
    /* The sender itself gave up on its segment size: full-size data that
     * never arrived comes back cut smaller (Linux path MTU probing after
     * repeated timeouts). Random loss and queues never make a sender re-cut;
     * the ICMP above says the same thing outright when it was seen. */
    [EV_RESENT_SMALLER] = 89,
    /* Many losses on a growing queue: congestion explains them better than
     * any single segment's fate. */
    [EV_BURST_ON_QUEUE] = 88,
    /* Size-selective loss with no ICMP: inferred from a pattern, below the
     * direct signs above. */
    [EV_FULL_SIZE_STUCK] = 86,
    /* A timer while the round trip grows: the ACK is likely queued, not lost. */
    [EV_TIMER_ON_QUEUE] = 84,
    /* A receiver that could not take more explains a stall without loss;
     * a zero window says so outright, a filled one by arithmetic. */
    [EV_ZERO_WINDOW] = 82,
    [EV_WINDOW_FILLED] = 80,
    /* A gap in data that a bottleneck paces: its queue is where segments
     * are dropped, above the bare place of the loss (below). A random drop
     * on the same path reads the same: on the lab's tuning half, 577 tail
     * drops more were named congestion, 82 random drops (all on paths with
     * a tbf bottleneck) fewer segment_lost. */
    [EV_PACED_GAP_BEFORE_TAP] = 79,
    /* The receiver's datagrams went missing after the original: its ACK
     * was most likely among them. */
    [EV_IP_ID_GAP_AFTER] = 80,
    /* The tap saw a gap: lost before the capture point, located exactly. */
    [EV_GAP_BEFORE_TAP] = 78,
    /* The same place, told by the sender's IP IDs instead of a gap. */
    [EV_ID_SKIPPED_BEFORE] = 78,
    /* The flow's own record (DSACKs, late originals) says its fast re-sends
     * are mostly needless: above an unexplained loss after the capture point. */
    [EV_PATH_MOSTLY_REORDERS] = 77,
    /* An earlier return-path loss beats an unexplained data loss only as
     * long as this data had not needed re-sending before (see propose_acks). */
    [EV_IP_ID_GAP_EARLIER] = 76,
    /* Passed the tap, never acknowledged: lost after it, the usual case. */
    [EV_NEVER_ACKED] = 75,
    /* Repeated re-sends into silence: host down, path broken, filtered. */
    [EV_SILENT_PEER] = 72,
    /* Some reordering on this path, but losses too: a candidate behind them. */
    [EV_PATH_REORDERS] = 70,
    /* Duplicate ACKs name the trigger, not the loss itself. */
    [EV_DUP_ACKS] = 65,
    /* A full window with a reported gap: the gap is the likelier story. */
    [EV_ZERO_WINDOW_AND_GAP] = 60,
    [EV_WINDOW_FILLED_AND_GAP] = 58,
    /* A few losses close together: congestion is possible, not shown. */
    [EV_BURST] = 55,
    [EV_NOTHING] = 10,
    /* SYNs: the answer seen here and lost before the sender first; nothing
     * at all back, the peer is not answering; the SYN lost is the runner-up. */
    [EV_SYN_REPLY_SEEN] = 92,
    [EV_PEER_REPEATED_SYN] = 92,
    [EV_SYN_ICMP] = 72,
    [EV_SYN_UNANSWERED] = 72,
    [EV_SYN_LOST] = 70,
};

typedef struct candidate {
    int score;
    tcpdiag_evidence ev;
    tcpdiag_cause_item item;
} candidate;

typedef struct candidates {
    candidate c[TCPDIAG_CAUSE_COUNT];
    uint32_t n;
} candidates;

static void propose(candidates *cs, tcpdiag_evidence ev, tcpdiag_cause cause, tcpdiag_where where,
                    uint32_t frame, uint32_t count)
{
    int score = evidence_score[ev];
    for (uint32_t i = 0; i < cs->n; i++)
        if (cs->c[i].item.cause == cause) {
            if (score > cs->c[i].score)
                cs->c[i] = (candidate){ score, ev, { .cause = (uint8_t)cause, .where = (uint8_t)where, .frame = frame, .count = count } };
            return;
        }
    if (cs->n < G_N_ELEMENTS(cs->c))
        cs->c[cs->n++] = (candidate){ score, ev, { .cause = (uint8_t)cause, .where = (uint8_t)where, .frame = frame, .count = count } };
}

static int by_score(const void *a, const void *b)
{
    return ((const candidate *)b)->score - ((const candidate *)a)->score;
}

/* Distinct losses of this direction within two round trips of now. */
static uint32_t losses_nearby(const tcpdiag_flow *f, int64_t now, int64_t rtt)
{
    /* A queue overflowing drops a burst within a round trip or two; random
     * drops on a busy path spread out. */
    int64_t window = CLAMP(2 * rtt, 10 * TCPDIAG_NS_PER_MS, 2000 * TCPDIAG_NS_PER_MS);
    uint32_t n = 0, have = MIN(f->loss_total, (uint32_t)TCPDIAG_FLOW_MAX_EVENTS);
    for (uint32_t i = 0; i < have; i++)
        if (now - f->loss_ns[i] <= window)
            n++;
    return n;
}

/* What counts as a queue. A standing queue lifts the floor of the recent
 * round trips by a quarter, and by 1 ms at least: less is the jitter of a
 * busy host, while a 3-packet queue at 5 Mbit/s already adds 7 ms (lab: tbf
 * queues of 3-100 kB; the 5 ms required before missed most small queues).
 * The one-way rise is read from the sender's TCP timestamps, whole
 * milliseconds: two ticks are more than rounding. Five losses within two
 * round trips make a burst a queue overflow: random loss comes in runs of a
 * few packets too (three instead, on the lab's tuning half: 273 more
 * congestion causes right, 79 segment_lost and 21 reordering fewer; the
 * mean over the classes did not move, so the stricter rule stays). */
static const int64_t QUEUE_RTT_RISE_MIN_NS = 1 * TCPDIAG_NS_PER_MS;
static const int64_t QUEUE_OWD_RISE_MIN_NS = 2 * TCPDIAG_NS_PER_MS;
enum { BURST_ON_QUEUE_MIN = 5 };

/* Queueing shows as a round trip whose recent floor is above the best one
 * seen (a short queue on a long path never doubles it); the floor of several
 * samples ignores delayed ACKs. */
static bool rtt_rising(const tcpdiag_flow *f)
{
    const uint32_t n = G_N_ELEMENTS(f->rtt_recent_ns);
    if (f->rtt_samples < n)
        return false;
    int64_t floor = f->rtt_recent_ns[0];
    for (uint32_t i = 1; i < n; i++)
        floor = MIN(floor, f->rtt_recent_ns[i]);
    return 4 * floor >= 5 * f->rtt_min_ns && floor - f->rtt_min_ns >= QUEUE_RTT_RISE_MIN_NS;
}

/* A queue between the sender and the capture point: the round trip through
 * it rises (capture point before the queue), or the one-way delay from the
 * sender does (behind it, where the round trip measured here misses the
 * queue). A rise the size of a round trip's eighth, and two timestamp
 * ticks at least, is queueing, not jitter. */
static bool queue_growing(const tcpdiag_flow *f, int64_t rtt)
{
    return rtt_rising(f) || tcpdiag_flow_owd_rise(f) >= MAX(QUEUE_OWD_RISE_MIN_NS, rtt / 8);
}

static void propose_checksum(candidates *cs, const resend *r)
{
    bool was_bad = r->before.flags & TCPDIAG_TX_CSUM_BAD_LAST;
    if (!was_bad || !r->original_seen)
        return;
    if (r->seg->checksum == TCPDIAG_CSUM_BAD)
        propose(cs, EV_BAD_CHECKSUM_TWICE, TCPDIAG_CAUSE_SENDER_CHECKSUM, TCPDIAG_WHERE_UNKNOWN, r->before.last_frame, 0);
    else
        propose(cs, EV_BAD_CHECKSUM, TCPDIAG_CAUSE_CHECKSUM_ERROR, TCPDIAG_WHERE_UNKNOWN, r->before.last_frame, 0);
}

/* What makes a segment "full-size": within an eighth of the largest this
 * sender has sent, and above 576 bytes, the datagram size every IPv4 path
 * must carry (below it a black hole cannot be told from plain loss). A
 * re-send is "cut smaller" below seven eighths of it: less is the room SACK
 * blocks take from a segment of a sender that also receives (at most 40
 * option bytes, 3% of 1448). */
enum { SMALL_DATAGRAM_MAX = 576 };

static bool full_size(const tcpdiag_flow *f, uint32_t len)
{
    return len > SMALL_DATAGRAM_MAX && len + len / 8 >= f->max_seg_len;
}

static bool cut_smaller(uint32_t len, uint32_t than)
{
    return 8 * (uint64_t)len < 7 * (uint64_t)than;
}

/* The largest segment this sender has used or may use: what it sent, or
 * the MSS its receiver announced (a capture behind the black hole never
 * sees a full-size segment). */
static uint32_t full_len(const tcpdiag_flow *f, const resend *r)
{
    return MAX(f->max_seg_len, r->ctx->peer_mss);
}

/* Linux suspects a black hole only after tcp_retries1 (3) timeouts of the
 * same data, at least 0.2 + 0.4 + 0.8 s with its 200 ms minimum timer; a
 * sender that an ICMP error told re-cuts within a round trip. */
static const int64_t RECUT_AFTER_NS = 1000 * TCPDIAG_NS_PER_MS;

/* Nothing of [seq, ...) acknowledged or SACKed yet. */
static bool still_stuck(const tcpdiag_flow *f, const resend *r)
{
    return (!f->ack_known || tcpdiag_seq_leq(f->highest_ack, r->seq)) &&
           !(r->before.flags & (TCPDIAG_TX_ACKED | TCPDIAG_TX_SACKED));
}

/* Behind a black hole from the start, the tap sees neither the full-size
 * data nor its timed-out copies: the sender is silent for as long as those
 * timeouts take, then its first re-cut segments arrive and only they reveal
 * the gap. So the gap counts as old when it opened in the burst that ended
 * such a silence, at or after where that burst began, and nothing this
 * sender ever got through here was full-size for its receiver. */
static bool resumed_cut_after_silence(const tcpdiag_flow *f, const resend *r)
{
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    return in->quiet_end_ns && r->before.first_ns >= in->quiet_end_ns &&
           tcpdiag_seq_geq(r->seq, in->quiet_end_seq) && cut_smaller(f->max_seg_len, r->ctx->peer_mss);
}

/* A gap of several segments that waited through repeated timeouts (or
 * opened in the burst ending them) is filled with segments well below the
 * receiver's MSS. */
static bool gap_filled_cut(const tcpdiag_flow *f, const resend *r)
{
    uint32_t now = r->old_end - r->seq;
    return r->hole_frame && r->hole_len >= 2 * now && r->ctx->peer_mss > SMALL_DATAGRAM_MAX &&
           cut_smaller(now, r->ctx->peer_mss) &&
           (r->seg->time_ns - r->before.first_ns >= RECUT_AFTER_NS || resumed_cut_after_silence(f, r));
}

/* The sender lowered its segment size: a full-size range that never
 * arrived is re-sent cut smaller; or, where the capture never saw the
 * originals, a gap of several segments waited through repeated timeouts
 * and is then filled with segments well below the receiver's MSS.
 * Everything sent at the old size and re-sent at the new one shares that
 * fate (see propose_path). */
static void note_recut(tcpdiag_flow *f, const resend *r)
{
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    if (in->recut_frame || in->icmp_ptb_frame || !still_stuck(f, r))
        return;
    uint32_t was = r->before.end - r->before.seq, now = r->old_end - r->seq;
    bool resent_cut = r->original_seen && r->seq == r->before.seq && full_size(f, was) && cut_smaller(now, was);
    if (resent_cut || gap_filled_cut(f, r))
        tcpdiag_flow_incidents_to_note(f)->recut_frame = r->seg->frame;
}

/* Every range still missing is full-size: size is what fails, not everything. */
static bool only_full_size_missing(tcpdiag_flow *f)
{
    for (uint32_t i = f->tx_acked; i < f->tx_count; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!(tx->flags & (TCPDIAG_TX_ACKED | TCPDIAG_TX_SACKED)) && !full_size(f, tx->end - tx->seq))
            return false;
    }
    return true;
}

/* Outstanding segments larger than anything that ever arrived. */
static uint32_t big_ones_missing(tcpdiag_flow *f, uint32_t fits)
{
    uint32_t n = 0;
    for (uint32_t i = f->tx_acked; i < f->tx_count && n < 2; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!(tx->flags & (TCPDIAG_TX_ACKED | TCPDIAG_TX_SACKED)) && tx->end - tx->seq > fits)
            n++;
    }
    return n;
}

static void propose_path(candidates *cs, tcpdiag_flow *f, const resend *r, uint16_t attempt)
{
    uint32_t frag = fragment_lost_frame(f, r->seq, r->old_end);
    if (frag)
        propose(cs, EV_FRAGMENT_MISSING, TCPDIAG_CAUSE_IP_FRAGMENT_LOST, TCPDIAG_WHERE_UNKNOWN, frag, 0);
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    if (in->icmp_ptb_frame && in->icmp_ptb_ns >= r->before.first_ns)
        propose(cs, EV_ICMP_TOO_BIG, TCPDIAG_CAUSE_PATH_MTU_EXCEEDED, TCPDIAG_WHERE_AFTER_TAP,
                in->icmp_ptb_frame, in->icmp_ptb_mtu);
    uint32_t len = r->old_end - r->seq;
    bool stuck = !f->ack_known || tcpdiag_seq_leq(f->highest_ack, r->seq);
    if (!stuck || frag)
        return;
    /* Data first sent at the old size comes back at a smaller one, nothing
     * of it acknowledged: the sender re-cut it after its full-size copies
     * kept vanishing (no ICMP told it to). */
    if (in->recut_frame && !in->icmp_ptb_frame && r->before.first_frame && r->before.first_frame < in->recut_frame &&
        cut_smaller(len, full_len(f, r)) && still_stuck(f, r)) {
        propose(cs, EV_RESENT_SMALLER, TCPDIAG_CAUSE_PMTU_BLACKHOLE, TCPDIAG_WHERE_AFTER_TAP, in->recut_frame, len);
        return;
    }
    /* Full-size data keeps coming back while smaller segments got through:
     * re-sent with backoff, or several of them missing at once. When only
     * the handshake got through (this direction's SYN acknowledged, no data
     * yet), only backoff counts, only if the receiver never reported a gap
     * (a receiver that got nothing has nothing to report, while after
     * random loss at the start the later segments arrive and are reported)
     * and only while all that is missing is full-size (a burst that also
     * took a shorter segment is not selective about size). */
    bool data_passed = f->max_acked_len > 0;
    bool handshake_passed = !data_passed && f->ack_known && r->ctx->rtt_ns > 0;
    bool gap_never_reported = f->dup_acks == 0 && !in->sack_high_known && f->delivered_xmit_ns == 0;
    bool never_fits = full_size(f, len) && len > f->max_acked_len;
    bool keeps_failing = data_passed ? attempt >= 2 || big_ones_missing(f, f->max_acked_len) >= 2
                                     : handshake_passed && attempt >= 2 && gap_never_reported &&
                                       only_full_size_missing(f);
    if (never_fits && keeps_failing)
        propose(cs, EV_FULL_SIZE_STUCK, TCPDIAG_CAUSE_PMTU_BLACKHOLE, TCPDIAG_WHERE_AFTER_TAP, r->before.first_frame, len);
}

/* The receiver's datagram that revealed its IP ID gap was sent after the
 * missing ones, a round trip or more after the original passed here, and
 * still did not acknowledge (or SACK) the data: the receiver did not have
 * it then. Its lost datagrams cannot have carried this data's ACK, so the
 * gap does not explain this re-send. */
static bool gap_shows_data_missing(const tcpdiag_flow *f, const tcpdiag_flow *back, const resend *r)
{
    int64_t rtt = f->rtt_samples ? f->rtt_min_ns : r->ctx->rtt_ns;
    const tcpdiag_flow_incidents *back_in = tcpdiag_flow_incidents_of(back);
    return back_in->ip_id_gap_acks && rtt > 0 && back_in->ip_id_gap_ns - r->before.first_ns >= rtt &&
           tcpdiag_seq_lt(back_in->ip_id_gap_ack, r->old_end) && !(r->before.flags & TCPDIAG_TX_SACKED);
}

static void propose_acks(candidates *cs, tcpdiag_flow *f, const tcpdiag_flow *back, const resend *r)
{
    bool loss_signalled = loss_signalled_since(f, r);
    const tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_of(f);
    if (f->ack_known && tcpdiag_seq_geq(f->highest_ack, r->old_end)) {
        /* An ACK that passed here less than a round trip to the sender ago
         * simply had not arrived yet: ACK and re-send crossed. */
        int64_t leg = MAX(2 * r->ctx->rtt_sender_leg_ns, TCPDIAG_NS_PER_MS);
        bool crossed = r->seg->time_ns - f->ack_ns < leg;
        propose(cs, EV_ACK_BEFORE_RESEND, crossed ? TCPDIAG_CAUSE_ACK_LATE : TCPDIAG_CAUSE_ACK_LOST,
                TCPDIAG_WHERE_BEFORE_TAP, f->ack_frame, 0);
    }
    /* The receiver's IP IDs skipped: some of its datagrams (ACKs) never made it here. */
    const tcpdiag_flow_incidents *back_in = back ? tcpdiag_flow_incidents_of(back) : &tcpdiag_flow_no_incidents;
    if (back_in->ip_id_gaps && r->original_seen) {
        /* A gap after the original is direct evidence; earlier ones show a
         * lossy return path, which beats an unexplained data loss only
         * while the data itself has not needed re-sending before. */
        bool after = back_in->ip_id_gap_ns > r->before.first_ns;
        bool refuted = after && gap_shows_data_missing(f, back, r);
        if (!refuted && (after || f->loss_total == 0))
            propose(cs, after ? EV_IP_ID_GAP_AFTER : EV_IP_ID_GAP_EARLIER, TCPDIAG_CAUSE_ACK_LOST, TCPDIAG_WHERE_BEFORE_TAP, back_in->ip_id_gap_frame,
                    back_in->ip_id_gaps);
    }
    if (loss_signalled) {
        bool sack = in->sack_high_known && tcpdiag_seq_gt(in->sack_high, r->seq);
        propose(cs, EV_DUP_ACKS, TCPDIAG_CAUSE_DUP_ACK_SIGNALLED, TCPDIAG_WHERE_UNKNOWN,
                sack && in->sack_ns >= f->dup_ack_ns ? in->sack_frame : f->dup_ack_frame, f->dup_acks);
    }
    /* The receiver could not take more around the time the original went out:
     * its ACKs come late (slow reader, delayed ACK) rather than data being lost. */
    int64_t since = r->before.first_ns - r->ctx->rtt_ns;
    if (in->zero_window_frame && in->zero_window_ns >= since)
        propose(cs, loss_signalled ? EV_ZERO_WINDOW_AND_GAP : EV_ZERO_WINDOW, TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL, TCPDIAG_WHERE_UNKNOWN,
                in->zero_window_frame, 0);
    else if (in->window_full_frame && in->window_full_ns >= since)
        propose(cs, loss_signalled ? EV_WINDOW_FILLED_AND_GAP : EV_WINDOW_FILLED, TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL, TCPDIAG_WHERE_UNKNOWN,
                in->window_full_frame, 0);
}

static void propose_loss(candidates *cs, tcpdiag_flow *f, const resend *r, uint16_t attempt)
{
    bool acked = f->ack_known && tcpdiag_seq_geq(f->highest_ack, r->old_end);
    if (r->id_skipped)
        propose(cs, EV_ID_SKIPPED_BEFORE, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_BEFORE_TAP, r->before.first_frame, 1);
    else if (!r->original_seen) {
        propose(cs, EV_GAP_BEFORE_TAP, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_BEFORE_TAP, r->hole_frame, 0);
        if (tcpdiag_flow_data_paced(f))
            propose(cs, EV_PACED_GAP_BEFORE_TAP, TCPDIAG_CAUSE_CONGESTION, TCPDIAG_WHERE_BEFORE_TAP, r->hole_frame,
                    (uint32_t)(f->data_spacing.avg_ns / TCPDIAG_NS_PER_US));
    } else if (!acked && !(r->before.flags & TCPDIAG_TX_SACKED)) {
        propose(cs, EV_NEVER_ACKED, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_AFTER_TAP, r->before.first_frame, 0);
    }

    /* A queue stretches the round trip: judge "close together" by the larger one. */
    int64_t rtt = MAX(r->ctx->rtt_ns, f->rtt_srtt_ns);
    uint32_t nearby = losses_nearby(f, r->seg->time_ns, rtt) + (attempt == 1);  /* this one too */
    /* One drop is bad luck; a burst of them on a growing queue is congestion. */
    if (nearby >= 3)
        propose(cs, nearby >= BURST_ON_QUEUE_MIN && queue_growing(f, rtt) ? EV_BURST_ON_QUEUE : EV_BURST, TCPDIAG_CAUSE_CONGESTION, TCPDIAG_WHERE_UNKNOWN,
                r->seg->frame, nearby);
    /* Nothing at all from the receiver since the data first went out. */
    if (attempt >= 2 && f->last_heard_ns < r->before.first_ns)
        propose(cs, EV_SILENT_PEER, TCPDIAG_CAUSE_NO_ANSWER, TCPDIAG_WHERE_AFTER_TAP,
                f->last_heard_frame ? f->last_heard_frame : r->before.first_frame, attempt);
}

/* The receiver asked for data that was only overtaken: its original
 * arrived here after later data, or this path has reordered before. */
static void propose_reordering(candidates *cs, const tcpdiag_flow *f, const resend *r, uint8_t kind)
{
    if (!r->original_seen)
        return;
    if (r->acked) {
        if (kind == TCPDIAG_RK_FAST)
            propose(cs, EV_FAST_BUT_ACKED, TCPDIAG_CAUSE_REORDERING, TCPDIAG_WHERE_UNKNOWN, f->ack_frame, 0);
        return;
    }
    if (r->before.flags & TCPDIAG_TX_REORDERED)
        propose(cs, EV_ORIGINAL_OVERTAKEN, TCPDIAG_CAUSE_REORDERING, TCPDIAG_WHERE_BEFORE_TAP,
                r->before.first_frame, 0);
    else if (kind == TCPDIAG_RK_FAST && tcpdiag_flow_incidents_of(f)->reorder_count) {
        const tcpdiag_flow_incidents *in = f->incidents;
        propose(cs, 2 * in->reorder_count > in->fast_resends ? EV_PATH_MOSTLY_REORDERS : EV_PATH_REORDERS,
                TCPDIAG_CAUSE_REORDERING, TCPDIAG_WHERE_UNKNOWN, in->reorder_frame, in->reorder_count);
    }
}

/* A timer fired while the round trip was growing and the receiver reported
 * no gap: the ACK is most likely stuck in the same queue, not lost. */
static void propose_late_ack(candidates *cs, tcpdiag_flow *f, const resend *r, uint8_t kind)
{
    bool timer = kind == TCPDIAG_RK_PROBE || kind == TCPDIAG_RK_RTO || kind == TCPDIAG_RK_FIN;
    if (timer && r->original_seen && !loss_signalled_since(f, r) && rtt_rising(f))
        propose(cs, EV_TIMER_ON_QUEUE, TCPDIAG_CAUSE_ACK_LATE, TCPDIAG_WHERE_UNKNOWN, r->before.last_frame,
                (uint32_t)MIN(f->rtt_latest_ns / TCPDIAG_NS_PER_MS, (int64_t)UINT32_MAX));
}

static void rank_causes(tcpdiag_flow *f, const tcpdiag_flow *back, const resend *r,
                        tcpdiag_retrans_info *info)
{
    candidates cs = { .n = 0 };
    propose_late_ack(&cs, f, r, info->kind);
    propose_checksum(&cs, r);
    propose_path(&cs, f, r, info->attempt);
    propose_acks(&cs, f, back, r);
    propose_loss(&cs, f, r, info->attempt);
    propose_reordering(&cs, f, r, info->kind);
    if (cs.n == 0)
        propose(&cs, EV_NOTHING, TCPDIAG_CAUSE_SEGMENT_LOST, TCPDIAG_WHERE_UNKNOWN, r->before.first_frame, 0);
    qsort(cs.c, cs.n, sizeof cs.c[0], by_score);
    for (uint32_t i = 0; i < cs.n; i++)
        add_cause(info, cs.c[i].ev, (tcpdiag_cause)cs.c[i].item.cause, (tcpdiag_where)cs.c[i].item.where,
                  cs.c[i].item.frame, cs.c[i].item.count);
}

/* ---- sequence space -------------------------------------------------------- */

static void new_data(tcpdiag_flow *f, const tcpdiag_segment *seg, uint32_t seq, uint32_t end)
{
    if (f->snd_max_known && tcpdiag_seq_gt(seq, f->snd_max))
        tcpdiag_flow_hole_add(f, f->snd_max, seq, seg);
    /* This segment uses up the window the receiver last offered. */
    if (f->ack_known && f->rcv_wscale_known && f->window > 0 &&
        tcpdiag_seq_geq(end, f->highest_ack + f->window)) {
        tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
        in->window_full_frame = seg->frame;
        in->window_full_ns = seg->time_ns;
    }
    tcpdiag_flow_tx_insert(f, f->tx_count, seg, seq, end);
    f->snd_max = end;
    f->snd_max_known = true;
}

/* Update every range the re-send covers; returns how many bytes had been seen before. */
static uint32_t resend_ranges(tcpdiag_flow *f, const tcpdiag_segment *seg, uint32_t seq, uint32_t end)
{
    uint32_t bytes = 0;
    for (uint32_t i = tcpdiag_flow_tx_find(f, seq); i < f->tx_count; i++) {
        tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!tcpdiag_seq_lt(tx->seq, end))
            break;
        /* Re-packetised: only the part re-sent now gets this transmission. */
        if (tcpdiag_seq_lt(tx->seq, seq) && tcpdiag_flow_tx_split(f, i, seq))
            continue;
        if (tcpdiag_seq_gt(tx->end, end))
            tcpdiag_flow_tx_split(f, i, end);
        tx = tcpdiag_flow_tx_at(f, i);
        uint32_t lo = tcpdiag_seq_gt(tx->seq, seq) ? tx->seq : seq;
        uint32_t hi = tcpdiag_seq_lt(tx->end, end) ? tx->end : end;
        bytes += hi - lo;
        tx->last_interval_ns = seg->time_ns - tx->last_ns;
        tx->last_ns = seg->time_ns;
        tx->last_frame = seg->frame;
        tx->tsval = seg->tsval;
        tx->ip_id = seg->ip_id;
        tx->ip_ttl = seg->ip_ttl;
        if (tx->tx_count < UINT16_MAX)
            tx->tx_count++;
        tx->flags = (uint8_t)((tx->flags & ~TCPDIAG_TX_CSUM_BAD_LAST) |
                              (seg->checksum == TCPDIAG_CSUM_BAD ? TCPDIAG_TX_CSUM_BAD_LAST : 0));
    }
    return bytes;
}

/* What a later DSACK of the re-sent ranges [seq, end) needs to know: whether
 * this re-send answered the receiver (fast: the DSACK then shows reordering)
 * and whether its ACK had already passed the capture point (then it was lost). */
static void mark_resend(tcpdiag_flow *f, uint32_t seq, uint32_t end, bool fast, bool acked)
{
    for (uint32_t i = tcpdiag_flow_tx_find(f, seq); i < f->tx_count; i++) {
        tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (!tcpdiag_seq_lt(tx->seq, end))
            break;
        tx->flags = (uint16_t)(fast ? tx->flags | TCPDIAG_TX_RESENT_FAST : tx->flags & ~TCPDIAG_TX_RESENT_FAST);
        if (acked)
            tx->flags |= TCPDIAG_TX_RESENT_ACKED;
    }
}

static void count_loss(tcpdiag_flow *f, int64_t ns)
{
    if (!f->loss_ns)
        f->loss_ns = g_new(int64_t, TCPDIAG_FLOW_MAX_EVENTS);
    f->loss_ns[f->loss_next] = ns;
    f->loss_next = (f->loss_next + 1) % TCPDIAG_FLOW_MAX_EVENTS;
    f->loss_total++;
}

static void rate_check(const tcpdiag_retrans_context *ctx, tcpdiag_flow *f, tcpdiag_retrans_info *info)
{
    info->data_segs = f->data_segs;
    info->retrans_segs = f->retrans_segs;
    if (f->rate_warned || f->data_segs < ctx->cfg->rate_min_segments)
        return;
    if ((uint64_t)f->retrans_segs * 10000u > (uint64_t)f->data_segs * ctx->cfg->rate_warn_bp) {
        f->rate_warned = true;
        info->rate_over = true;
    }
}

/* The sender reset the connection while its re-sent data was never acknowledged. */
static void check_gave_up(tcpdiag_flow *f, tcpdiag_retrans_info *info)
{
    for (uint32_t i = f->tx_acked; i < f->tx_count; i++) {
        const tcpdiag_tx *tx = tcpdiag_flow_tx_at(f, i);
        if (tx->flags & TCPDIAG_TX_ACKED || tx->tx_count < 2)
            continue;
        if (tx->tx_count - 1u > info->attempt) {
            info->gave_up = true;
            info->attempt = (uint16_t)(tx->tx_count - 1u);
            info->original = tx->first_frame;
            info->previous = tx->last_frame;
        }
    }
}

/* Space that was sent before: a retransmission, or a lookalike. */
/* Kind, causes and counts of a re-send whose ranges are recorded. */
static void judge_resend(tcpdiag_flow *f, const tcpdiag_flow *back, resend *r, tcpdiag_retrans_info *info)
{
    /* Already acknowledged here: spurious, whatever made the sender re-send it. */
    r->acked = f->ack_known && tcpdiag_seq_leq(r->old_end, f->highest_ack);
    info->spurious = r->acked;
    info->kind = (uint8_t)classify(f, r, info);
    note_recut(f, r);
    mark_resend(f, r->seq, r->old_end, info->kind == TCPDIAG_RK_FAST, r->acked && r->original_seen);
    if (info->kind == TCPDIAG_RK_FAST)
        tcpdiag_flow_incidents_to_note(f)->fast_resends++;
    rank_causes(f, back, r, info);
    if (info->attempt == 1)
        count_loss(f, r->seg->time_ns);
    f->data_segs++;
    f->retrans_segs++;
}

static void resent_space(const tcpdiag_retrans_context *ctx, tcpdiag_flow *f, const tcpdiag_flow *back,
                         const tcpdiag_segment *seg, uint32_t seq, uint32_t end,
                         tcpdiag_retrans_info *info)
{
    resend r = { .ctx = ctx, .f = f, .seg = seg, .seq = seq, .end = end, .original_seen = true };
    r.old_end = tcpdiag_seq_lt(end, f->snd_max) ? end : f->snd_max;
    r.tail = r.old_end == f->snd_max;

    tcpdiag_hole hole;
    if (tcpdiag_flow_hole_fill(f, seq, r.old_end, &hole)) {
        int64_t window = ctx->rtt_ns > 0 ? ctx->rtt_ns : REORDER_DEFAULT_NS;
        tcpdiag_tx *filled = tcpdiag_flow_tx_insert(f, tcpdiag_flow_tx_find(f, seq), seg, seq, r.old_end);
        f->data_segs++;
        send_order order = gap_send_order(f, &hole, seg);
        bool reordered = order == SENT_BEFORE || (order == SENT_UNKNOWN && seg->time_ns - hole.ns < window);
        if (reordered) {
            filled->flags |= TCPDIAG_TX_REORDERED;
            tcpdiag_flow_note_reordering(f, seg->frame);
            info->lookalike = TCPDIAG_LA_OUT_OF_ORDER;
            info->related = hole.frame;
            return;
        }
        filled->flags |= TCPDIAG_TX_FROM_HOLE;
        r.original_seen = false;
        r.hole_frame = hole.frame;
        r.hole_len = hole.end - hole.seq;
        r.before = (tcpdiag_tx){ .seq = seq, .end = r.old_end, .first_frame = hole.frame,
                                 .last_frame = hole.frame, .first_ns = hole.ns, .last_ns = hole.ns };
        info->attempt = 1;
        info->previous = hole.frame;
    } else {
        uint32_t at = tcpdiag_flow_tx_find(f, seq);
        tcpdiag_tx *first = at < f->tx_count ? tcpdiag_flow_tx_at(f, at) : NULL;
        if (first && tcpdiag_seq_lt(first->seq, r.old_end)) {
            if (first->seq == seg->seq && first->end == end &&
                same_datagram(first->ip_id, first->ip_ttl, first->tsval, seg,
                              f->last_heard_ns > first->last_ns)) {
                mark_duplicate(info, seg, first->last_ns, first->last_frame);
                return;
            }
            if (stamped_before_copy(first, seg)) {
                first->flags |= TCPDIAG_TX_REORDERED;
                tcpdiag_flow_note_reordering(f, seg->frame);
                info->lookalike = TCPDIAG_LA_OUT_OF_ORDER;
                info->related = first->last_frame;
                return;
            }
            r.before = *first;
            info->original = first->first_frame;
            info->original_known = !(first->flags & TCPDIAG_TX_FROM_HOLE);
            info->previous = first->last_frame;
            info->attempt = first->tx_count;
            set_interval(info, seg->time_ns - first->last_ns, first->last_interval_ns);
        } else {
            /* Older than anything still remembered. */
            r.original_seen = false;
            r.before = (tcpdiag_tx){ .seq = seq, .end = r.old_end };
            info->attempt = 1;
        }
        info->bytes = resend_ranges(f, seg, seq, r.old_end);
    }
    if (!info->bytes)
        info->bytes = r.old_end - seq;
    if (tcpdiag_seq_gt(end, f->snd_max))
        new_data(f, seg, f->snd_max, end);
    judge_resend(f, back, &r, info);
}

/* The sender's datagram before this segment, as the capture point saw it. */
typedef struct sent_before {
    int64_t  ns;
    uint32_t frame;
    uint16_t ip_id;
    bool     ip_id_known;
} sent_before;

/* Data that continues exactly where the data seen here ended can still be a
 * re-send: behind a bottleneck that dropped the tail, the re-sent tail is
 * the first copy of its bytes to pass. A sender that numbers its datagrams
 * one by one (proven by a run of them) skipped one number just before it,
 * and the datagram it sent before that carried the end of the data seen
 * here: the missing one left in between. Had it carried new data, that data
 * starts at or beyond this segment, which the sender therefore sends again
 * now. It may instead have been a bare ACK or a re-send of older data; in
 * the lab's tuning half 185 of 202 such segments were re-sends. Only one
 * number skipped: a host's own firewall or full queue refusing a datagram
 * makes TCP try the same data again under a new number, often several times
 * in a row, and those tries are no retransmissions (every skip of 3 or more
 * there was one). Not on a path seen reordering: there the missing datagram
 * is as likely only late (11 of the 17 wrong ones in the tuning half, none
 * of the 185 right). Frames above the receiver's MSS mean segmentation
 * offload at the capture point, where one frame uses several numbers. */
static bool sent_after_vanished(const tcpdiag_retrans_context *ctx, tcpdiag_flow *f, const tcpdiag_segment *seg,
                                const sent_before *before)
{
    if (seg->tuple.family != 4 || seg->ip_id == 0 || !before->ip_id_known ||
        (uint16_t)(seg->ip_id - before->ip_id) != 2 || !tcpdiag_flow_ip_ids_per_connection(f) ||
        !f->snd_max_known || seg->seq != f->snd_max || seg->ip_frag != TCPDIAG_FRAG_NONE ||
        !ctx->peer_mss || f->max_seg_len > ctx->peer_mss || !f->tx_count ||
        tcpdiag_flow_incidents_of(f)->reorder_count)
        return false;
    const tcpdiag_tx *front = tcpdiag_flow_tx_at(f, f->tx_count - 1);
    return front->end == f->snd_max && front->first_frame == before->frame && front->last_frame == before->frame;
}

static void resent_unseen_tail(const tcpdiag_retrans_context *ctx, tcpdiag_flow *f, const tcpdiag_flow *back,
                               const tcpdiag_segment *seg, uint32_t end, const sent_before *before,
                               tcpdiag_retrans_info *info)
{
    uint32_t seq = seg->seq;
    /* The spacing of the two datagrams before (the front's and the one
     * before it): behind a slow bottleneck a sender's pace exceeds any
     * fixed floor. Twice that, or the floor, is no timer's wait; half the
     * shortest retransmission timer at most (an idle sender's spacing says
     * nothing of its pace). */
    int64_t pace = TIMER_FLOOR_NS;
    if (f->tx_count >= 2)
        pace = CLAMP(2 * (before->ns - tcpdiag_flow_tx_at(f, f->tx_count - 2)->last_ns), TIMER_FLOOR_NS,
                     RTO_FLOOR_NS / 2);
    new_data(f, seg, seq, end);
    tcpdiag_flow_tx_at(f, f->tx_count - 1)->flags |= TCPDIAG_TX_FROM_HOLE;
    resend r = { .ctx = ctx, .f = f, .seg = seg, .seq = seq, .end = end, .old_end = end, .tail = true,
                 .id_skipped = true, .at_pace = seg->time_ns - before->ns < pace,
                 .before = { .seq = seq, .end = end, .first_frame = before->frame, .last_frame = before->frame,
                             .first_ns = before->ns, .last_ns = before->ns } };
    info->attempt = 1;
    info->bytes = end - seq;
    judge_resend(f, back, &r, info);
}

/* Data after a silence as long as the re-cut needs (see resumed_cut_after_silence). */
static void note_silence_end(tcpdiag_flow *f, const tcpdiag_segment *seg)
{
    if (!f->last_send_ns || seg->payload_len == 0 || seg->time_ns - f->last_send_ns < RECUT_AFTER_NS)
        return;
    tcpdiag_flow_incidents *in = tcpdiag_flow_incidents_to_note(f);
    in->quiet_end_ns = seg->time_ns;
    in->quiet_end_seq = seg->seq;
}

/* Why a re-send the receiver reports as received twice (DSACK) was made. */
static tcpdiag_cause unneeded_cause(const tcpdiag_dsack *dsack, const tcpdiag_flow *acks_sender)
{
    if (dsack->window_full)
        return TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL;
    if (dsack->ack_was_seen)
        return TCPDIAG_CAUSE_ACK_LOST;
    /* The receiver asked for it with duplicate ACKs while the original was still on its way. */
    if (dsack->fast)
        return TCPDIAG_CAUSE_REORDERING;
    return acks_sender && tcpdiag_flow_incidents_of(acks_sender)->ip_id_gaps ? TCPDIAG_CAUSE_ACK_LOST : TCPDIAG_CAUSE_ACK_LATE;
}

void tcpdiag_retrans_process(const tcpdiag_retrans_context *ctx, tcpdiag_flow *out_flow,
                             tcpdiag_flow *back_flow, const tcpdiag_segment *seg,
                             tcpdiag_retrans_info *info)
{
    sent_before before = { 0 };
    if (out_flow) {
        before = (sent_before){ .ns = out_flow->last_send_ns, .frame = out_flow->last_send_frame,
                                .ip_id = out_flow->last_ip_id, .ip_id_known = out_flow->ip_id_known };
        note_silence_end(out_flow, seg);
        tcpdiag_flow_note_sent(out_flow, seg);
    }
    if (back_flow) {
        tcpdiag_dsack dsack = { 0 };
        info->unneeded = tcpdiag_flow_take_ack(back_flow, seg, &dsack);
        /* The original had filled the receiver's window: it was slow to
         * ACK. Its ACK had passed here before the re-send, or datagrams of
         * this receiver are missing at the capture point: its ACKs were
         * being lost. Otherwise the ACK was only late. */
        if (info->unneeded)
            info->unneeded_cause = unneeded_cause(&dsack, out_flow);
        /* A fast re-send the receiver got twice: its original had only been
         * overtaken by later data. */
        if (info->unneeded && info->unneeded_cause == TCPDIAG_CAUSE_REORDERING)
            tcpdiag_flow_note_reordering(back_flow, seg->frame);
    }
    if (!out_flow)
        return;
    tcpdiag_flow *f = out_flow;
    if (seg->flags & TCPDIAG_RST) {
        check_gave_up(f, info);
        return;
    }
    if (seg->payload_len > f->max_seg_len)
        f->max_seg_len = seg->payload_len;

    uint32_t len = seg->payload_len + ((seg->flags & TCPDIAG_SYN) ? 1u : 0u) +
                   ((seg->flags & TCPDIAG_FIN) ? 1u : 0u);
    info->lookalike = (uint8_t)probe_lookalike(f, seg);
    if (info->lookalike == TCPDIAG_LA_ZERO_WINDOW_PROBE)
        info->related = tcpdiag_flow_incidents_of(f)->zero_window_frame;
    if (info->lookalike != TCPDIAG_LA_NONE || len == 0)
        return;
    uint32_t seq = seg->seq, end = seg->seq + len;
    /* A repeated SYN or SYN-ACK is judged by tcpdiag_retrans_syn. */
    if ((seg->flags & TCPDIAG_SYN) && f->snd_max_known && tcpdiag_seq_leq(end, f->snd_max)) {
        f->data_segs++;
        f->retrans_segs++;
        return;
    }
    if (seg->ip_frag == TCPDIAG_FRAG_REASSEMBLED && completes_fragmented(f, seg, end)) {
        info->fragment_completion = true;
        return;
    }
    if (sent_after_vanished(ctx, f, seg, &before)) {
        resent_unseen_tail(ctx, f, back_flow, seg, end, &before, info);
    } else if (!f->snd_max_known || tcpdiag_seq_geq(seq, f->snd_max)) {
        new_data(f, seg, seq, end);
        if (seg->ip_frag == TCPDIAG_FRAG_FIRST)
            tcpdiag_flow_tx_at(f, f->tx_count - 1)->flags |= TCPDIAG_TX_FRAG_PENDING;
        f->data_segs++;
    } else {
        resent_space(ctx, f, back_flow, seg, seq, end, info);
    }
    rate_check(ctx, f, info);
}
