/* tcpdiag_proto.c - protocol registration and the postdissector itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * First pass: extract every TCP header of the frame, run the core tracker,
 * store the verdicts with the frame. Every pass (including the first):
 * render and tap from the stored verdicts only, so one pass, two passes and
 * GUI clicks all show the same thing.
 */
#include "tcpdiag_glue.h"

#include <epan/prefs.h>
#include <epan/tap.h>

void proto_register_tcpdiag(void);
void proto_reg_handoff_tcpdiag(void);

tcpdiag_ids tcpdiag_id = {
    .proto = -1, .tap = -1,
    .hf_stream = -1, .hf_client = -1, .hf_server = -1, .hf_direction = -1,
    .hf_roles_inferred = -1, .hf_quoted = -1,
    .hf_handshake = -1, .hf_hs_rtt = -1, .hf_hs_rtt_server = -1, .hf_hs_rtt_client = -1,
    .hf_hs_syn_count = -1, .hf_hs_synack_count = -1,
    .hf_state_client = -1, .hf_state_server = -1, .hf_state_change = -1,
    .hf_close_wait_duration = -1, .hf_evidence = -1,
    .ett_tcpdiag = -1, .ett_handshake = -1, .ett_state = -1,
};

static dissector_handle_t tcpdiag_handle;
static tcpdiag_tracker *tracker;
/* The stored record of each frame, indexed by frame number (NULL: no TCP).
 * 8 bytes a frame, where p_add_proto_data costs a list node and a key
 * record (~50 bytes) on every frame. The records live in file scope. */
static GPtrArray *frame_records;
static guint pref_close_wait_warn_s = 5;
/* Enough for the busiest real captures (a Linux host tracks at most 262144
 * connections by default, nf_conntrack_max), small enough that a SYN flood
 * cannot make tcpdiag's own state grow without bound. */
static guint pref_max_conversations = 500000;

const tcpdiag_tuple *tcpdiag_ends_of(const tcpdiag_verdict *v)
{
    if (!tracker || v->conv_id == TCPDIAG_NO_CONV)
        return NULL;
    return tcpdiag_tracker_tuple(tracker, v->conv_id);
}

guint64 tcpdiag_conversations_dropped(void)
{
    return tracker ? tcpdiag_tracker_evicted(tracker) : 0;
}

guint tcpdiag_conversation_cap(void)
{
    return pref_max_conversations;
}

static void tcpdiag_init(void)
{
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    cfg.close_wait_warn_ns = (gint64)pref_close_wait_warn_s * 1000000000;
    tcpdiag_view_retrans_config(&cfg.retrans);
    cfg.max_conversations = pref_max_conversations;
    tracker = tcpdiag_tracker_new(&cfg);
}

static void tcpdiag_cleanup(void)
{
    tcpdiag_tracker_free(tracker);
    tracker = NULL;
    if (frame_records)   /* created with the first record */
        g_ptr_array_free(frame_records, TRUE);
    frame_records = NULL;
}

static void store_record(guint32 frame, tcpdiag_frame_record *rec)
{
    if (!frame_records)
        frame_records = g_ptr_array_new();
    if (frame >= frame_records->len)
        g_ptr_array_set_size(frame_records, (gint)frame + 1);
    g_ptr_array_index(frame_records, frame) = rec;
}

static tcpdiag_frame_record *stored_record(guint32 frame)
{
    return frame_records && frame < frame_records->len ? g_ptr_array_index(frame_records, frame) : NULL;
}

static tcpdiag_frame_record *analyse_frame(proto_tree *tree, packet_info *pinfo)
{
    tcpdiag_segment segs[TCPDIAG_MAX_LAYERS];
    guint n = tcpdiag_extract(tree, pinfo, segs, TCPDIAG_MAX_LAYERS);
    if (n == 0)
        return NULL;
    tcpdiag_frame_record *rec = wmem_alloc0(wmem_file_scope(),
                                            sizeof *rec + n * sizeof(tcpdiag_layer_record));
    rec->count = (guint8)n;
    for (guint i = 0; i < n; i++) {
        tcpdiag_retrans_info info;
        tcpdiag_tracker_process(tracker, &segs[i], &rec->layer[i].v, &info);
        /* Most segments are plain: keep the details only where there are some. */
        if (rec->layer[i].v.has_retrans_info)
            rec->layer[i].retrans = wmem_memdup(wmem_file_scope(), &info, sizeof info);
    }
    return rec;
}

static int dissect_tcpdiag(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    tcpdiag_frame_record *rec;
    if (!PINFO_FD_VISITED(pinfo)) {
        rec = analyse_frame(tree, pinfo);
        if (rec)
            store_record(pinfo->num, rec);
    } else {
        rec = stored_record(pinfo->num);
    }
    if (!rec)
        return 0;
    for (guint i = 0; i < rec->count; i++) {
        const tcpdiag_layer_record *layer = &rec->layer[i];
        proto_item *top;
        proto_tree *sub = tcpdiag_tree_render(tvb, pinfo, tree, &layer->v, tcpdiag_ends_of(&layer->v), &top);
        tcpdiag_view_retrans_render(tvb, pinfo, sub, top, &layer->v, layer->retrans);
        tcpdiag_view_mss_render(tvb, pinfo, sub, top, &layer->v);
        tap_queue_packet(tcpdiag_id.tap, pinfo, layer);
    }
    return tvb_captured_length(tvb);
}

void proto_register_tcpdiag(void)
{
    static hf_register_info hf[] = {
        { &tcpdiag_id.hf_stream, { "Stream index", "tcpdiag.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Same index as tcp.stream", HFILL } },
        { &tcpdiag_id.hf_client, { "Client", "tcpdiag.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The endpoint that opened the connection (sent the SYN), address:port", HFILL } },
        { &tcpdiag_id.hf_server, { "Server", "tcpdiag.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The endpoint that accepted the connection, address:port", HFILL } },
        { &tcpdiag_id.hf_direction, { "Direction", "tcpdiag.direction", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent this segment: client_to_server or server_to_client", HFILL } },
        { &tcpdiag_id.hf_roles_inferred, { "Roles inferred", "tcpdiag.roles_inferred", FT_NONE, BASE_NONE, NULL, 0x0,
          "No SYN was captured: client and server were guessed from the ports", HFILL } },
        { &tcpdiag_id.hf_quoted, { "Quoted in ICMP error", "tcpdiag.quoted", FT_NONE, BASE_NONE, NULL, 0x0,
          "This TCP header is quoted inside an ICMP error: it is not a transmission", HFILL } },
        { &tcpdiag_id.hf_handshake, { "Handshake", "tcpdiag.handshake", FT_STRING, BASE_NONE, NULL, 0x0,
          "How far the three-way handshake got: complete, syn_only, syn_synack, rejected, simultaneous, aborted, not_seen", HFILL } },
        { &tcpdiag_id.hf_hs_rtt, { "Handshake RTT", "tcpdiag.handshake.rtt", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the client's SYN to its final ACK, as seen at the capture point", HFILL } },
        { &tcpdiag_id.hf_hs_rtt_server, { "Server leg (SYN to SYN-ACK)", "tcpdiag.handshake.rtt.server", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Round trip from the capture point to the server and back", HFILL } },
        { &tcpdiag_id.hf_hs_rtt_client, { "Client leg (SYN-ACK to ACK)", "tcpdiag.handshake.rtt.client", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Round trip from the capture point to the client and back", HFILL } },
        { &tcpdiag_id.hf_hs_syn_count, { "SYNs sent", "tcpdiag.handshake.syn_count", FT_UINT16, BASE_DEC, NULL, 0x0,
          "SYN segments the client sent so far (more than 1: the SYN was retransmitted)", HFILL } },
        { &tcpdiag_id.hf_hs_synack_count, { "SYN-ACKs sent", "tcpdiag.handshake.synack_count", FT_UINT16, BASE_DEC, NULL, 0x0,
          "SYN-ACK segments the server sent so far (more than 1: retransmitted)", HFILL } },
        { &tcpdiag_id.hf_state_client, { "Client state", "tcpdiag.state.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The client socket's state as netstat -an on the client would show it after this segment", HFILL } },
        { &tcpdiag_id.hf_state_server, { "Server state", "tcpdiag.state.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The server socket's state as netstat -an on the server would show it after this segment", HFILL } },
        { &tcpdiag_id.hf_state_change, { "State change", "tcpdiag.state.change", FT_STRING, BASE_NONE, NULL, 0x0,
          "An endpoint's state changed with this segment", HFILL } },
        { &tcpdiag_id.hf_close_wait_duration, { "Time in CLOSE_WAIT", "tcpdiag.state.close_wait_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "How long an endpoint has been in CLOSE_WAIT: its application has not closed the socket", HFILL } },
        { &tcpdiag_id.hf_evidence, { "Evidence", "tcpdiag.evidence", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The frame this finding refers to", HFILL } },
    };
    static gint *ett[] = {
        &tcpdiag_id.ett_tcpdiag, &tcpdiag_id.ett_handshake, &tcpdiag_id.ett_state,
    };

    tcpdiag_id.proto = proto_register_protocol("TCP Diagnostics", "tcpdiag", "tcpdiag");
    proto_register_field_array(tcpdiag_id.proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    tcpdiag_expert_register(tcpdiag_id.proto);

    module_t *module = prefs_register_protocol(tcpdiag_id.proto, NULL);
    prefs_register_uint_preference(module, "close_wait_warning",
        "Warn when CLOSE_WAIT lasts (seconds)",
        "A socket that stays in CLOSE_WAIT this long means its application is not closing it",
        10, &pref_close_wait_warn_s);
    prefs_register_uint_preference(module, "max_conversations",
        "Conversations tracked at most (0 = no limit)",
        "Beyond this many conversations the one idle the longest is dropped, so that a SYN flood "
        "cannot exhaust memory. A later segment of a dropped conversation starts a new one "
        "(handshake not_seen), and a second pass can no longer name its client and server. "
        "The -z tcpdiag,summary report counts the dropped conversations.",
        10, &pref_max_conversations);
    tcpdiag_view_retrans_register(tcpdiag_id.proto, module);
    tcpdiag_view_mss_register(tcpdiag_id.proto);

    register_init_routine(tcpdiag_init);
    register_cleanup_routine(tcpdiag_cleanup);
    tcpdiag_id.tap = register_tap("tcpdiag");
    tcpdiag_summary_register();
    tcpdiag_report_netstat_register();
    tcpdiag_report_conns_register();
    tcpdiag_stats_tree_register();
}

void proto_reg_handoff_tcpdiag(void)
{
    tcpdiag_handle = create_dissector_handle(dissect_tcpdiag, tcpdiag_id.proto);
    register_postdissector(tcpdiag_handle);
    tcpdiag_extract_register_wanted(tcpdiag_handle);
}
