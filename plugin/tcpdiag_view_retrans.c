/* tcpdiag_view_retrans.c - fields, tree items and Expert Info for retransmissions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tcpdiag.retrans exists only on a retransmission (a present boolean-like
 * item matches a filter even when "false"). Lookalikes get
 * tcpdiag.not_retrans instead, so users can see why a segment that
 * re-sends old sequence numbers was not counted.
 */
#include "tcpdiag_view_retrans.h"

#include <epan/expert.h>

#include "tcpdiag_nstime.h"
#include "tcpdiag_prefs.h"
#include "tcpdiag_view_wanted.h"

static int hf_retrans = -1, hf_kind = -1, hf_original = -1, hf_previous = -1, hf_attempt = -1;
static int hf_bytes = -1, hf_interval = -1, hf_backoff = -1, hf_cause = -1, hf_cause_frame = -1;
static int hf_cause_where = -1, hf_rate = -1, hf_data_segs = -1, hf_retrans_segs = -1;
static int hf_gave_up = -1, hf_not_retrans = -1, hf_not_retrans_frame = -1, hf_capture_point = -1;
static int hf_checksum = -1, hf_unneeded = -1, hf_unneeded_cause = -1;
static int hf_cause_evidence = -1, hf_cause_confidence = -1;
static gint ett_retrans = -1, ett_cause = -1;
static tcpdiag_field_set retrans_fields;

static expert_field ei_kind[TCPDIAG_RK_COUNT];
static expert_field ei_cause[TCPDIAG_CAUSE_COUNT];
static expert_field ei_lookalike[TCPDIAG_LA_COUNT];
static expert_field ei_unneeded = EI_INIT;
static expert_field ei_gave_up = EI_INIT, ei_rate = EI_INIT, ei_checksum_bad = EI_INIT;


/* The server leg's share of the handshake round trip places the capture point. */
/* From the stored verdict only: the conversation may have learnt more since. */
static const char *capture_point_text(wmem_allocator_t *scope, const tcpdiag_verdict *v)
{
    if (!v->rtt_server_known || !v->rtt_client_known || v->rtt_server_ns + v->rtt_client_ns <= 0)
        return NULL;
    double share = (double)v->rtt_server_ns / (double)(v->rtt_server_ns + v->rtt_client_ns);
    const char *place = share > 0.8 ? "near the client" : share < 0.2 ? "near the server" : "between client and server";
    return wmem_strdup_printf(scope, "%s (%.0f%% of the handshake round trip is on the server side)",
                              place, share * 100.0);
}

static const char *cause_sentence(wmem_allocator_t *scope, const tcpdiag_cause_item *ci)
{
    const char *meaning = tcpdiag_cause_meaning((tcpdiag_cause)ci->cause);
    const char *where = tcpdiag_where_phrase((tcpdiag_where)ci->where);
    switch ((tcpdiag_cause)ci->cause) {
    case TCPDIAG_CAUSE_SEGMENT_LOST:
        if (ci->where == TCPDIAG_WHERE_BEFORE_TAP)
            return wmem_strdup_printf(scope, "the original was lost %s: the capture never saw it (gap noticed at frame %u)", where, ci->frame);
        if (ci->where == TCPDIAG_WHERE_AFTER_TAP)
            return wmem_strdup_printf(scope, "the original (frame %u) was lost %s: it was never acknowledged", ci->frame, where);
        break;
    case TCPDIAG_CAUSE_ACK_LOST:
        if (ci->count)
            return wmem_strdup_printf(scope, "%s: %u datagram(s) of the receiver never reached the capture point (its IP IDs skip, frame %u)", meaning, ci->count, ci->frame);
        return wmem_strdup_printf(scope, "%s: frame %u acknowledged the data before this re-send", meaning, ci->frame);
    case TCPDIAG_CAUSE_DUP_ACK_SIGNALLED:
        return wmem_strdup_printf(scope, "%s (%u duplicate ACKs, latest evidence frame %u)", meaning, ci->count, ci->frame);
    case TCPDIAG_CAUSE_PATH_MTU_EXCEEDED:
        return wmem_strdup_printf(scope, "%s (frame %u reports MTU %u)", meaning, ci->frame, ci->count);
    case TCPDIAG_CAUSE_PMTU_BLACKHOLE:
        return wmem_strdup_printf(scope, "%s (%u-byte segment first sent in frame %u)", meaning, ci->count, ci->frame);
    case TCPDIAG_CAUSE_ACK_LATE:
        if (ci->count)
            return wmem_strdup_printf(scope, "%s: the round trip had grown to %u ms (a queue on the path) and the receiver reported no gap", meaning, ci->count);
        return wmem_strdup_printf(scope, "%s: frame %u acknowledged the data just before this re-send; they crossed", meaning, ci->frame);
    case TCPDIAG_CAUSE_CONGESTION:
        if (ci->where == TCPDIAG_WHERE_BEFORE_TAP)
            return wmem_strdup_printf(scope, "data arrived evenly spaced, one segment every %u us (a bottleneck's pace), "
                                      "and this one was missing (gap at frame %u): the bottleneck's queue dropped it",
                                      ci->count, ci->frame);
        return wmem_strdup_printf(scope, "%s (%u losses within two round trips)", meaning, ci->count);
    case TCPDIAG_CAUSE_REORDERING:
        if (ci->count)
            return wmem_strdup_printf(scope, "%s: this path has reordered %u time(s) already, latest frame %u", meaning, ci->count, ci->frame);
        return wmem_strdup_printf(scope, "%s: the original (frame %u) arrived here after later data", meaning, ci->frame);
    default:
        break;
    }
    if (ci->frame)
        return wmem_strdup_printf(scope, "%s (evidence: frame %u)", meaning, ci->frame);
    return meaning;
}

static proto_item *add_gen(proto_item *it)
{
    proto_item_set_generated(it);
    return it;
}

static void add_timing(proto_tree *t, tvbuff_t *tvb, const tcpdiag_retrans_info *r)
{
    if (r->interval_known) {
        nstime_t ns = tcpdiag_nstime_of(r->interval_ns);
        add_gen(proto_tree_add_time(t, hf_interval, tvb, 0, 0, &ns));
    }
    if (r->backoff_known) {
        double ratio = r->backoff_milli / 1000.0;
        proto_item *it = add_gen(proto_tree_add_double(t, hf_backoff, tvb, 0, 0, ratio));
        if (ratio > 1.7 && ratio < 2.3)
            proto_item_append_text(it, " (exponential backoff)");
        else if (ratio > 0.8 && ratio < 1.25)
            proto_item_append_text(it, " (constant interval)");
    }
}

static void add_causes(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo, const tcpdiag_retrans_info *r)
{
    for (guint i = 0; i < r->ncauses; i++) {
        const tcpdiag_cause_item *ci = &r->cause[i];
        proto_item *it = add_gen(proto_tree_add_string(t, hf_cause, tvb, 0, 0, tcpdiag_cause_name((tcpdiag_cause)ci->cause)));
        proto_item_append_text(it, " (%s)", cause_sentence(pinfo->pool, ci));
        proto_tree *ct = proto_item_add_subtree(it, ett_cause);
        if (ci->frame)
            add_gen(proto_tree_add_uint(ct, hf_cause_frame, tvb, 0, 0, ci->frame));
        if (ci->where != TCPDIAG_WHERE_UNKNOWN)
            add_gen(proto_tree_add_string(ct, hf_cause_where, tvb, 0, 0, tcpdiag_where_name((tcpdiag_where)ci->where)));
        add_gen(proto_tree_add_string(ct, hf_cause_evidence, tvb, 0, 0, tcpdiag_evidence_name(ci->evidence)));
        if (ci->confidence <= 100) {
            proto_item *c = add_gen(proto_tree_add_uint(ct, hf_cause_confidence, tvb, 0, 0, ci->confidence));
            proto_item_append_text(c, "%% (of the lab's retransmissions with this evidence, this share had this cause)");
        }
    }
}

static void add_rate(proto_tree *t, tvbuff_t *tvb, const tcpdiag_retrans_info *r)
{
    if (!r->data_segs)
        return;
    add_gen(proto_tree_add_double(t, hf_rate, tvb, 0, 0, 100.0 * r->retrans_segs / r->data_segs));
    add_gen(proto_tree_add_uint(t, hf_retrans_segs, tvb, 0, 0, r->retrans_segs));
    add_gen(proto_tree_add_uint(t, hf_data_segs, tvb, 0, 0, r->data_segs));
}

/* "frame N", or what is known when the first transmission escaped the capture. */
static const char *original_text(wmem_allocator_t *pool, const tcpdiag_retrans_info *r)
{
    return r->original_known ? wmem_strdup_printf(pool, "frame %u", r->original)
                              : "a transmission the capture did not see";
}

/* "rto", or "rto, spurious" when the data had already been acknowledged. */
static const char *kind_text(wmem_allocator_t *pool, const tcpdiag_retrans_info *r)
{
    const char *kind = tcpdiag_retrans_kind_name((tcpdiag_retrans_kind)r->kind);
    return r->spurious ? wmem_strdup_printf(pool, "%s, %s", kind, tcpdiag_retrans_kind_name(TCPDIAG_RK_SPURIOUS))
                       : kind;
}

static void add_experts(packet_info *pinfo, proto_item *item, const tcpdiag_retrans_info *r)
{
    if (r->kind != TCPDIAG_RK_NONE) {
        const char *top = r->ncauses ? tcpdiag_cause_name((tcpdiag_cause)r->cause[0].cause) : "unknown";
        const char *why = r->ncauses ? cause_sentence(pinfo->pool, &r->cause[0]) : "";
        expert_add_info_format(pinfo, item, &ei_kind[r->spurious ? TCPDIAG_RK_SPURIOUS : r->kind],
            "Retransmission (%s), attempt %u of %s: probable cause %s - %s",
            kind_text(pinfo->pool, r), r->attempt,
            original_text(pinfo->pool, r), top, why);
        for (guint i = 1; i < r->ncauses; i++)
            expert_add_info_format(pinfo, item, &ei_cause[r->cause[i].cause],
                "Also possible for this retransmission: %s - %s",
                tcpdiag_cause_name((tcpdiag_cause)r->cause[i].cause), cause_sentence(pinfo->pool, &r->cause[i]));
    }
    if (r->lookalike != TCPDIAG_LA_NONE)
        expert_add_info(pinfo, item, &ei_lookalike[r->lookalike]);
    if (r->gave_up)
        expert_add_info_format(pinfo, item, &ei_gave_up,
            "The sender gave up: reset after %u re-sends of the data first sent in %s, never acknowledged",
            r->attempt, original_text(pinfo->pool, r));
    if (r->rate_over)
        expert_add_info_format(pinfo, item, &ei_rate,
            "This sender has re-sent %u of %u segments (%.2f%%), above the %g%% threshold",
            r->retrans_segs, r->data_segs, 100.0 * r->retrans_segs / r->data_segs,
            tcpdiag_prefs_rate_threshold_pct());
}

gboolean tcpdiag_view_retrans_has_experts(const tcpdiag_verdict *v, const tcpdiag_retrans_info *r)
{
    return r || v->checksum == TCPDIAG_CSUM_BAD;
}

void tcpdiag_view_retrans_render(packet_info *pinfo, tcpdiag_view_top *view_top,
                                 const tcpdiag_verdict *v, const tcpdiag_retrans_info *r, gboolean experts)
{
    gboolean odd_checksum = v->checksum == TCPDIAG_CSUM_BAD || v->checksum == TCPDIAG_CSUM_PARTIAL;
    gboolean retrans_shown = r && (experts || tcpdiag_fields_wanted(view_top->parent, &retrans_fields));
    /* Asked on its own: a capture taken on the sending host has a partial sum on
     * every segment it sent, which a filter on tcpdiag.retrans does not need. */
    gboolean checksum_shown = odd_checksum && ((experts && v->checksum == TCPDIAG_CSUM_BAD) ||
                                               proto_field_is_referenced(view_top->parent, hf_checksum));
    if (!retrans_shown && !checksum_shown)
        return;
    tvbuff_t *tvb = view_top->tvb;
    proto_tree *tree = tcpdiag_top_tree(view_top);
    proto_item *top = view_top->item;
    if (checksum_shown) {
        proto_item *it = add_gen(proto_tree_add_string(tree, hf_checksum, tvb, 0, 0,
                                 v->checksum == TCPDIAG_CSUM_BAD ? "bad" : "partial"));
        if (v->checksum == TCPDIAG_CSUM_BAD) {
            if (experts)
                expert_add_info(pinfo, it, &ei_checksum_bad);
        }
        else
            proto_item_append_text(it, " (only the pseudo-header sum: captured on the sending host before checksum offload, not an error)");
    }
    if (!retrans_shown)
        return;
    proto_item *item = top;
    if (r->kind != TCPDIAG_RK_NONE) {
        item = add_gen(proto_tree_add_item(tree, hf_retrans, tvb, 0, 0, ENC_NA));
        const char *kind = kind_text(pinfo->pool, r);
        proto_item_append_text(item, ": %s, attempt %u", kind, r->attempt);
        if (r->original_known)
            proto_item_append_text(item, " of frame %u", r->original);
        proto_item_append_text(top, ", retransmission (%s)", kind);
        proto_tree *t = proto_item_add_subtree(item, ett_retrans);
        proto_item *k = add_gen(proto_tree_add_string(t, hf_kind, tvb, 0, 0, tcpdiag_retrans_kind_name((tcpdiag_retrans_kind)r->kind)));
        proto_item_append_text(k, " (%s)", tcpdiag_retrans_kind_meaning((tcpdiag_retrans_kind)r->kind));
        /* A second value, so that tcpdiag.retrans.kind == "spurious" finds these too. */
        if (r->spurious) {
            k = add_gen(proto_tree_add_string(t, hf_kind, tvb, 0, 0, tcpdiag_retrans_kind_name(TCPDIAG_RK_SPURIOUS)));
            proto_item_append_text(k, " (%s)", tcpdiag_retrans_kind_meaning(TCPDIAG_RK_SPURIOUS));
        }
        if (r->original_known)
            add_gen(proto_tree_add_uint(t, hf_original, tvb, 0, 0, r->original));
        if (r->previous && r->previous != r->original)
            add_gen(proto_tree_add_uint(t, hf_previous, tvb, 0, 0, r->previous));
        add_gen(proto_tree_add_uint(t, hf_attempt, tvb, 0, 0, r->attempt));
        add_gen(proto_tree_add_uint(t, hf_bytes, tvb, 0, 0, r->bytes));
        add_timing(t, tvb, r);
        add_causes(t, tvb, pinfo, r);
        const char *where = capture_point_text(pinfo->pool, v);
        if (where)
            add_gen(proto_tree_add_string(t, hf_capture_point, tvb, 0, 0, where));
        add_rate(t, tvb, r);
    } else if (r->lookalike != TCPDIAG_LA_NONE) {
        item = add_gen(proto_tree_add_string(tree, hf_not_retrans, tvb, 0, 0,
                       tcpdiag_lookalike_name((tcpdiag_lookalike)r->lookalike)));
        proto_item_append_text(item, " (%s)", tcpdiag_lookalike_meaning((tcpdiag_lookalike)r->lookalike));
        if (r->related)
            add_gen(proto_tree_add_uint(proto_item_add_subtree(item, ett_retrans), hf_not_retrans_frame, tvb, 0, 0, r->related));
    } else if (r->gave_up) {
        item = add_gen(proto_tree_add_item(tree, hf_gave_up, tvb, 0, 0, ENC_NA));
        proto_item_append_text(item, ": after %u re-sends of %s", r->attempt, original_text(pinfo->pool, r));
    }
    if (r->rate_over && r->kind == TCPDIAG_RK_NONE)
        add_rate(tree, tvb, r);
    if (r->unneeded) {
        proto_item *u = add_gen(proto_tree_add_uint(tree, hf_unneeded, tvb, 0, 0, r->unneeded));
        proto_item_append_text(u, " (the receiver reports it got that data twice: DSACK)");
        add_gen(proto_tree_add_string(proto_item_add_subtree(u, ett_cause), hf_unneeded_cause, tvb, 0, 0,
                                      tcpdiag_cause_name((tcpdiag_cause)r->unneeded_cause)));
        if (experts)
            expert_add_info_format(pinfo, u, &ei_unneeded,
                "The re-send in frame %u was not needed: the receiver already had the data (DSACK); its ACK was %s",
                r->unneeded, r->unneeded_cause == TCPDIAG_CAUSE_ACK_LOST ? "lost on the way back"
                             : r->unneeded_cause == TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL ? "late: the original had filled the receiver's window"
                             : r->unneeded_cause == TCPDIAG_CAUSE_REORDERING ? "never missing: the original was overtaken by later data (reordering) and the duplicate ACKs asked too early"
                             : "late, not lost");
    }
    if (experts)
        add_experts(pinfo, item, r);
}

void tcpdiag_view_retrans_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_retrans, { "Retransmission", "tcpdiag.retrans", FT_NONE, BASE_NONE, NULL, 0x0,
          "Present only when this segment re-sends sequence space (data, SYN or FIN) the same side already sent", HFILL } },
        { &hf_kind, { "Kind", "tcpdiag.retrans.kind", FT_STRING, BASE_NONE, NULL, 0x0,
          "What made the sender re-send: rto, fast, probe, syn, synack, fin or pmtu; a second value spurious when the data had already been acknowledged at the capture point", HFILL } },
        { &hf_original, { "Original transmission", "tcpdiag.retrans.original", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_PREV), 0x0,
          "The first transmission of this data, when it was captured", HFILL } },
        { &hf_previous, { "Previous transmission", "tcpdiag.retrans.previous", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_PREV), 0x0,
          "The latest earlier transmission of this data", HFILL } },
        { &hf_attempt, { "Attempt", "tcpdiag.retrans.attempt", FT_UINT16, BASE_DEC, NULL, 0x0,
          "1 for the first re-send of this data, 2 for the next ...", HFILL } },
        { &hf_bytes, { "Bytes re-sent", "tcpdiag.retrans.bytes", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Sequence space of this segment that had been sent before (partial overlaps count only that part)", HFILL } },
        { &hf_interval, { "Interval", "tcpdiag.retrans.interval", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time since the previous transmission of the same data", HFILL } },
        { &hf_backoff, { "Backoff", "tcpdiag.retrans.backoff", FT_DOUBLE, BASE_NONE, NULL, 0x0,
          "This interval divided by the previous one: about 2 is exponential backoff", HFILL } },
        { &hf_cause, { "Probable cause", "tcpdiag.retrans.cause", FT_STRING, BASE_NONE, NULL, 0x0,
          "Probable causes, most probable first, each with its evidence", HFILL } },
        { &hf_cause_frame, { "Evidence", "tcpdiag.retrans.cause.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The frame that supports this cause", HFILL } },
        { &hf_cause_where, { "Where", "tcpdiag.retrans.cause.where", FT_STRING, BASE_NONE, NULL, 0x0,
          "Which side of the capture point the loss happened: before_capture_point (sender side) or after_capture_point (receiver side)", HFILL } },
        { &hf_cause_evidence, { "Evidence kind", "tcpdiag.retrans.cause.evidence", FT_STRING, BASE_NONE, NULL, 0x0,
          "What in the capture named this cause (ack_before_resend, gap_before_tap, never_acked, original_overtaken ...)", HFILL } },
        { &hf_cause_confidence, { "Confidence", "tcpdiag.retrans.cause.confidence", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Percent of the capture lab's retransmissions (tuning half, kernel truth) where this kind of evidence, at this rank, named the true cause; absent where the lab had too few cases", HFILL } },
        { &hf_capture_point, { "Capture point", "tcpdiag.retrans.capture_point", FT_STRING, BASE_NONE, NULL, 0x0,
          "Where the capture was taken between client and server, from the handshake round trip legs", HFILL } },
        { &hf_rate, { "Sender retransmission rate (%)", "tcpdiag.retrans.rate", FT_DOUBLE, BASE_NONE, NULL, 0x0,
          "Re-sent segments / segments carrying data, SYN or FIN, sent so far by this side", HFILL } },
        { &hf_retrans_segs, { "Re-sent segments so far", "tcpdiag.retrans.count", FT_UINT32, BASE_DEC, NULL, 0x0,
          NULL, HFILL } },
        { &hf_data_segs, { "Segments sent so far", "tcpdiag.retrans.sent", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Segments carrying data, SYN or FIN sent so far by this side", HFILL } },
        { &hf_gave_up, { "Sender gave up", "tcpdiag.retrans.gave_up", FT_NONE, BASE_NONE, NULL, 0x0,
          "This reset follows re-sends that were never acknowledged", HFILL } },
        { &hf_not_retrans, { "Not a retransmission", "tcpdiag.not_retrans", FT_STRING, BASE_NONE, NULL, 0x0,
          "Re-uses old sequence numbers but is not a retransmission: out_of_order, keepalive, zero_window_probe, duplicate_capture, network_duplicate", HFILL } },
        { &hf_not_retrans_frame, { "Related frame", "tcpdiag.not_retrans.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The frame duplicated, the gap filled, or the zero window answered", HFILL } },
        { &hf_unneeded, { "Unneeded re-send", "tcpdiag.retrans.unneeded", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "This ACK's DSACK block shows the receiver got that frame's data twice: the retransmission was not needed", HFILL } },
        { &hf_unneeded_cause, { "Why it was re-sent", "tcpdiag.retrans.unneeded.cause", FT_STRING, BASE_NONE, NULL, 0x0,
          "ack_late (the ACK of the original came after the sender's timer), ack_lost (the receiver's ACKs were being lost), receiver_window_full (the original filled the receiver's window; it was slow to ACK) or reordering (a fast re-send of an original that was only overtaken)", HFILL } },
        { &hf_checksum, { "TCP checksum", "tcpdiag.checksum", FT_STRING, BASE_NONE, NULL, 0x0,
          "tcpdiag's own check of the TCP checksum, shown when not good: bad, or partial (checksum offload on the capturing host)", HFILL } },
    };
    static gint *ett[] = { &ett_retrans, &ett_cause };
    proto_register_field_array(proto, hf, array_length(hf));
    retrans_fields.hf = hf;
    retrans_fields.count = array_length(hf);
    proto_register_subtree_array(ett, array_length(ett));

    static ei_register_info ei[] = {
        { &ei_kind[TCPDIAG_RK_RTO], { "tcpdiag.retrans.rto", PI_SEQUENCE, PI_WARN, "Retransmission after a timeout", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_FAST], { "tcpdiag.retrans.fast", PI_SEQUENCE, PI_WARN, "Fast retransmission (duplicate ACKs / SACK)", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_SPURIOUS], { "tcpdiag.retrans.spurious", PI_SEQUENCE, PI_NOTE, "Spurious retransmission: the data had been acknowledged", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_PROBE], { "tcpdiag.retrans.probe", PI_SEQUENCE, PI_NOTE, "Tail-loss probe", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_SYN], { "tcpdiag.retrans.syn", PI_SEQUENCE, PI_WARN, "SYN retransmission", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_SYNACK], { "tcpdiag.retrans.synack", PI_SEQUENCE, PI_WARN, "SYN-ACK retransmission", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_FIN], { "tcpdiag.retrans.fin", PI_SEQUENCE, PI_WARN, "FIN retransmission", EXPFILL } },
        { &ei_kind[TCPDIAG_RK_PMTU], { "tcpdiag.retrans.pmtu", PI_SEQUENCE, PI_NOTE, "Re-sent smaller after an ICMP path MTU report", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_SEGMENT_LOST], { "tcpdiag.cause.segment_lost", PI_SEQUENCE, PI_NOTE, "Also possible: the original segment was lost", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_ACK_LOST], { "tcpdiag.cause.ack_lost", PI_SEQUENCE, PI_NOTE, "Also possible: the acknowledgement was lost", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_ACK_LATE], { "tcpdiag.cause.ack_late", PI_SEQUENCE, PI_NOTE, "Also possible: the acknowledgement came late", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_DUP_ACK_SIGNALLED], { "tcpdiag.cause.dup_ack_signalled", PI_SEQUENCE, PI_NOTE, "Also possible: the receiver signalled the loss", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_CHECKSUM_ERROR], { "tcpdiag.cause.checksum_error", PI_CHECKSUM, PI_WARN, "Also possible: the original was damaged (bad checksum)", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_SENDER_CHECKSUM], { "tcpdiag.cause.sender_checksum", PI_CHECKSUM, PI_WARN, "Also possible: the sender computes bad checksums", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL], { "tcpdiag.cause.receiver_window_full", PI_SEQUENCE, PI_NOTE, "Also possible: the receiver's window was full", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_IP_FRAGMENT_LOST], { "tcpdiag.cause.ip_fragment_lost", PI_REASSEMBLE, PI_WARN, "Also possible: an IP fragment of the original was lost", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_PMTU_BLACKHOLE], { "tcpdiag.cause.pmtu_blackhole", PI_PROTOCOL, PI_WARN, "Also possible: path MTU black hole", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_PATH_MTU_EXCEEDED], { "tcpdiag.cause.path_mtu_exceeded", PI_PROTOCOL, PI_NOTE, "Also possible: the original was too big for the path", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_CONGESTION], { "tcpdiag.cause.congestion", PI_SEQUENCE, PI_NOTE, "Also possible: congestion", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_NO_ANSWER], { "tcpdiag.cause.no_answer", PI_SEQUENCE, PI_NOTE, "Also possible: no answer from the peer", EXPFILL } },
        { &ei_cause[TCPDIAG_CAUSE_REORDERING], { "tcpdiag.cause.reordering", PI_SEQUENCE, PI_NOTE, "Also possible: the original was reordered, not lost", EXPFILL } },
        { &ei_lookalike[TCPDIAG_LA_OUT_OF_ORDER], { "tcpdiag.not_retrans.out_of_order", PI_SEQUENCE, PI_NOTE, "Out-of-order segment: reordered before the capture point, not a retransmission", EXPFILL } },
        { &ei_lookalike[TCPDIAG_LA_KEEPALIVE], { "tcpdiag.not_retrans.keepalive", PI_SEQUENCE, PI_CHAT, "TCP keep-alive, not a retransmission", EXPFILL } },
        { &ei_lookalike[TCPDIAG_LA_ZERO_WINDOW_PROBE], { "tcpdiag.not_retrans.zero_window_probe", PI_SEQUENCE, PI_NOTE, "Zero-window probe, not a retransmission", EXPFILL } },
        { &ei_lookalike[TCPDIAG_LA_NETWORK_DUPLICATE], { "tcpdiag.not_retrans.network_duplicate", PI_SEQUENCE, PI_NOTE, "The same datagram seen again much later (same IP ID and bytes): duplicated on the path, not re-sent", EXPFILL } },
        { &ei_lookalike[TCPDIAG_LA_DUPLICATE_CAPTURE], { "tcpdiag.not_retrans.duplicate_capture", PI_SEQUENCE, PI_NOTE, "The same datagram captured twice (same IP ID and bytes): capture artefact, not a retransmission", EXPFILL } },
        { &ei_unneeded, { "tcpdiag.unneeded_resend", PI_SEQUENCE, PI_NOTE, "A retransmission turned out unneeded (DSACK)", EXPFILL } },
        { &ei_gave_up, { "tcpdiag.sender_gave_up", PI_SEQUENCE, PI_ERROR, "The sender gave up after unanswered retransmissions", EXPFILL } },
        { &ei_rate, { "tcpdiag.retrans.rate_high", PI_SEQUENCE, PI_WARN, "Retransmission rate above the threshold", EXPFILL } },
        { &ei_checksum_bad, { "tcpdiag.checksum.bad", PI_CHECKSUM, PI_WARN, "Bad TCP checksum: the segment was damaged on the way (the receiver drops it)", EXPFILL } },
    };
    expert_module_t *module = expert_register_protocol(proto);
    expert_register_field_array(module, ei, array_length(ei));
    tcpdiag_wanted_add_experts(ei, array_length(ei));
}
