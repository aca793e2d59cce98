/* tcpdiag_conv.c - one TCP header through the tracker: the conversation it belongs to, then each job in order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

#include <string.h>

#include "tcpdiag_tuple.h"

static void fill_verdict(const conv_private *p, const uint8_t prev[2], tcpdiag_verdict *out)
{
    const tcpdiag_conv *c = &p->pub;
    out->one_direction = p->silent_side >= 0 && !p->last_frame_from[p->silent_side];
    out->conv_id = c->id;
    out->handshake = c->handshake;
    out->state_client = c->ep[TCPDIAG_CLIENT].state;
    out->state_server = c->ep[TCPDIAG_SERVER].state;
    out->prev_client = prev[TCPDIAG_CLIENT];
    out->prev_server = prev[TCPDIAG_SERVER];
    out->roles_inferred = c->roles_inferred;
    out->syn_count = c->ep[TCPDIAG_CLIENT].syn_count;
    out->synack_count = c->ep[TCPDIAG_SERVER].synack_count;
    out->rtt_known = c->rtt_known;
    out->rtt_ns = c->rtt_ns;
    out->rtt_server_known = c->rtt_server_known;
    out->rtt_server_ns = c->rtt_server_ns;
    out->rtt_client_known = c->rtt_client_known;
    out->rtt_client_ns = c->rtt_client_ns;
    if (out->prev_client != out->state_client || out->prev_server != out->state_server)
        set_note(out, TCPDIAG_NOTE_STATE_CHANGE);
}

static bool is_syn_of(const tcpdiag_conv *c, const tcpdiag_segment *seg)
{
    const tcpdiag_endpoint *client = &c->ep[TCPDIAG_CLIENT];
    if (seg->flags_known)
        return (seg->flags & TCPDIAG_SYN) && !(seg->flags & TCPDIAG_ACK);
    return client->isn_known && seg->seq == client->isn;
}

/* An ICMP error quoting one of our headers: not a transmission. It can only
 * refuse a connection that is still opening. */
static void process_quoted(tcpdiag_tracker *t, const tcpdiag_segment *seg, tcpdiag_verdict *out)
{
    conv_private *p = tcpdiag_conv_find(t, &seg->tuple);
    out->quoted = true;
    out->icmp_type = seg->icmp_type;
    out->icmp_code = seg->icmp_code;
    out->icmp_v6 = seg->icmp_v6;
    set_note(out, TCPDIAG_NOTE_QUOTED_IN_ICMP);
    if (!p) {
        out->conv_id = TCPDIAG_NO_CONV;
        return;
    }
    tcpdiag_conv *c = &p->pub;
    /* A quote cut to 8 bytes gets no tcp.stream from Wireshark: the
     * conversation's own makes `tcpdiag.stream == N` show this error too. */
    if (!out->has_stream && c->has_stream) {
        out->stream = c->stream;
        out->has_stream = true;
    }
    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    bool from_client = tcpdiag_tuple_same_direction(&seg->tuple, &c->tuple);
    out->from_server = !from_client;
    bool unreachable = seg->quoted_by == TCPDIAG_ICMP_UNREACH_HARD ||
                       seg->quoted_by == TCPDIAG_ICMP_UNREACH_SOFT;
    tcpdiag_flow *quoted_flow = p->flow[from_client ? TCPDIAG_CLIENT : TCPDIAG_SERVER];
    if (seg->quoted_by == TCPDIAG_ICMP_FRAG_NEEDED && quoted_flow)
        tcpdiag_flow_note_icmp_ptb(quoted_flow, seg);
    if (unreachable)
        p->icmp_frame = seg->frame;
    /* A SYN retried after a refusal reopens the verdict, so syn_only covers it. */
    if (unreachable && from_client && c->handshake == TCPDIAG_HS_SYN_ONLY && is_syn_of(c, seg)) {
        hs_event(c, TCPDIAG_HS_EV_ICMP_UNREACHABLE);
        set_note(out, TCPDIAG_NOTE_REJECTED_ICMP);
        out->evidence_frame = c->syn_frame;
        /* Linux drops a SYN_SENT socket on any destination unreachable, soft
         * codes included (tcp_v4_err/tcp_v6_err); other stacks may retry. */
        apply(&c->ep[TCPDIAG_CLIENT], TCPDIAG_EV_RCV_HARD_ERROR);
        apply(&c->ep[TCPDIAG_SERVER], TCPDIAG_EV_NOT_REACHED);
    }
    tcpdiag_syn_record syn[2];
    syn_records(c, syn);
    tcpdiag_mss_quoted(&p->mss, syn, seg, from_client ? TCPDIAG_CLIENT : TCPDIAG_SERVER, &out->mss);
    fill_verdict(p, prev, out);
}

static void process_first_fragment(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                                   seg_facts *f, tcpdiag_verdict *out, tcpdiag_retrans_info *info)
{
    tcpdiag_conv *c = &p->pub;
    f->dir = tcpdiag_tuple_same_direction(&seg->tuple, &c->tuple) ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    out->from_server = f->dir == TCPDIAG_SERVER;
    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    out->first_fragment = true;
    tcpdiag_conv_track_retrans(t, p, seg, f, false, out, info);
    tcpdiag_syn_record syn[2];
    syn_records(c, syn);
    tcpdiag_mss_first_fragment(&p->mss, syn, seg, f->dir, info, &out->mss);
    fill_verdict(p, prev, out);
}

/* Neither endpoint will send anything new (TIME_WAIT only answers a repeated FIN). */
static bool both_closed(uint8_t a, uint8_t b)
{
    return (a == TCPDIAG_STATE_CLOSED || a == TCPDIAG_STATE_TIME_WAIT) &&
           (b == TCPDIAG_STATE_CLOSED || b == TCPDIAG_STATE_TIME_WAIT);
}

void tcpdiag_tracker_process(tcpdiag_tracker *t, const tcpdiag_segment *seg, tcpdiag_verdict *out,
                             tcpdiag_retrans_info *retrans)
{
    tcpdiag_retrans_info scratch;
    tcpdiag_retrans_info *info = retrans ? retrans : &scratch;
    memset(info, 0, sizeof *info);
    memset(out, 0, sizeof *out);
    out->flags = seg->flags;
    out->checksum = seg->checksum;
    out->stream = seg->stream;
    out->has_stream = seg->has_stream;
    out->payload_len = seg->payload_len;
    if (seg->quoted_by != TCPDIAG_ICMP_NONE) {
        process_quoted(t, seg, out);
        return;
    }

    seg_facts f = { 0 };
    if (seg->flags_known) {
        f.syn = seg->flags & TCPDIAG_SYN;
        f.ack = seg->flags & TCPDIAG_ACK;
        f.fin = seg->flags & TCPDIAG_FIN;
        f.rst = seg->flags & TCPDIAG_RST;
    }
    f.bare_syn = f.syn && !f.ack && !f.rst;
    f.synack = f.syn && f.ack && !f.rst;

    conv_private *p = tcpdiag_conv_find(t, &seg->tuple);
    if (seg->ip_frag == TCPDIAG_FRAG_FIRST) {
        /* Only the TCP header of a datagram that was never reassembled here:
         * not a segment the receiver got, but worth remembering as sent. */
        if (p)
            process_first_fragment(t, p, seg, &f, out, info);
        else
            out->conv_id = TCPDIAG_NO_CONV;
        return;
    }
    uint64_t evicted_before = t->evicted;
    if (p && f.bare_syn && tcpdiag_conv_syn_starts_new(&p->pub, seg)) {
        p = tcpdiag_conv_create(t, seg);
        set_note(out, TCPDIAG_NOTE_PORT_REUSE);
    } else if (!p) {
        p = tcpdiag_conv_create(t, seg);
        if (p->pub.roles_inferred)
            set_note(out, TCPDIAG_NOTE_MIDSTREAM);
    }
    if (t->evicted != evicted_before)
        set_note(out, TCPDIAG_NOTE_CONVERSATION_DROPPED);
    tcpdiag_conv_touch(t, p);
    tcpdiag_conv *c = &p->pub;
    f.dir = tcpdiag_tuple_same_direction(&seg->tuple, &c->tuple) ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    out->from_server = f.dir == TCPDIAG_SERVER;

    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    tcpdiag_syn_record syn[2];
    bool repeat_syn = seg->flags_known && tcpdiag_conv_repeats_syn(c, seg, &f);
    if (repeat_syn && tcpdiag_retrans_syn_duplicate(&p->pub.ep[f.dir].syn_tx, seg, info)) {
        /* The same SYN datagram again (a SPAN port copying both directions):
         * not a new attempt, so no SYN count, state or retransmission. */
        out->lookalike = info->lookalike;
        out->has_retrans_info = true;
        tcpdiag_mss_segment(&p->mss, syn_records(c, syn), seg, f.dir, info, &out->mss);
    } else if (seg->flags_known) {
        tcpdiag_conv_track_handshake(c, seg, &f, out);
        tcpdiag_conv_track_states(c, seg, &f, out);
        tcpdiag_conv_watch_close_wait(t, p, seg, prev, out);
        tcpdiag_conv_watch_one_direction(p, seg, &f, out);
        tcpdiag_conv_track_retrans(t, p, seg, &f, repeat_syn, out, info);
        tcpdiag_mss_segment(&p->mss, syn_records(c, syn), seg, f.dir, info, &out->mss);
        if (both_closed(c->ep[0].state, c->ep[1].state) && !both_closed(prev[0], prev[1])) {
            /* Most conversations of a large capture end long before it
             * does: the room their flows kept for more ranges is waste. */
            tcpdiag_flow_shrink(p->flow[0]);
            tcpdiag_flow_shrink(p->flow[1]);
        }
        if (f.syn && !f.rst && seg->options_cut)
            set_note(out, TCPDIAG_NOTE_SYN_OPTIONS_CUT);
    } else {
        /* Flags, and perhaps sequence numbers, were not captured: guessing
         * them would invent transmissions and state changes. */
        set_note(out, TCPDIAG_NOTE_HEADER_CUT);
    }

    c->last_frame = seg->frame;
    c->last_ns = seg->time_ns;
    c->stream = seg->stream;
    c->has_stream = seg->has_stream;
    fill_verdict(p, prev, out);
}
