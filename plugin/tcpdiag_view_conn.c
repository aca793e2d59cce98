/* tcpdiag_view_conn.c - the "TCP Diagnostics" subtree of one TCP header: conversation, handshake, states.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Renders a stored verdict and the endpoints stored with it; never looks at
 * other dissectors' fields, so it gives the same result on every pass.
 */
#include "tcpdiag_view_conn.h"

#include "core/tcpdiag_handshake.h"
#include "core/tcpdiag_state.h"
#include "tcpdiag_host.h"
#include "tcpdiag_nstime.h"
#include "tcpdiag_view_notices.h"
#include "tcpdiag_view_wanted.h"

static int proto_tcpdiag = -1;
static int hf_stream = -1, hf_client = -1, hf_server = -1, hf_direction = -1;
static int hf_roles_inferred = -1, hf_quoted = -1, hf_one_direction = -1;
static int hf_handshake = -1, hf_hs_rtt = -1, hf_hs_rtt_server = -1, hf_hs_rtt_client = -1;
static int hf_hs_syn_count = -1, hf_hs_synack_count = -1;
static int hf_state_client = -1, hf_state_server = -1, hf_state_change = -1;
static int hf_close_wait_duration = -1, hf_evidence = -1;
static gint ett_tcpdiag = -1, ett_handshake = -1;
static tcpdiag_field_set conn_fields;

static void add_time(proto_tree *tree, tvbuff_t *tvb, int hf, gint64 ns)
{
    nstime_t t = tcpdiag_nstime_of(ns);
    proto_item *it = proto_tree_add_time(tree, hf, tvb, 0, 0, &t);
    proto_item_set_generated(it);
}

static void add_state(proto_tree *tree, tvbuff_t *tvb, int hf, guint8 st)
{
    proto_item *it = proto_tree_add_string(tree, hf, tvb, 0, 0, tcpdiag_state_name(st));
    proto_item_append_text(it, " (%s)", tcpdiag_state_meaning(st));
    proto_item_set_generated(it);
}

static const char *change_text(packet_info *pinfo, const tcpdiag_verdict *v)
{
    const char *parts[2] = { NULL, NULL };
    guint n = 0;
    if (v->prev_client != v->state_client)
        parts[n++] = wmem_strdup_printf(pinfo->pool, "client %s -> %s",
                                        tcpdiag_state_name(v->prev_client), tcpdiag_state_name(v->state_client));
    if (v->prev_server != v->state_server)
        parts[n++] = wmem_strdup_printf(pinfo->pool, "server %s -> %s",
                                        tcpdiag_state_name(v->prev_server), tcpdiag_state_name(v->state_server));
    return n == 2 ? wmem_strdup_printf(pinfo->pool, "%s, %s", parts[0], parts[1]) : parts[0];
}

static void add_handshake(proto_tree *tree, tvbuff_t *tvb, const tcpdiag_verdict *v)
{
    proto_item *it = proto_tree_add_string(tree, hf_handshake, tvb, 0, 0,
                                           tcpdiag_handshake_name(v->handshake));
    proto_item_append_text(it, " (%s)", tcpdiag_handshake_meaning(v->handshake));
    proto_item_set_generated(it);
    proto_tree *hs = proto_item_add_subtree(it, ett_handshake);
    if (v->rtt_known)
        add_time(hs, tvb, hf_hs_rtt, v->rtt_ns);
    if (v->rtt_server_known)
        add_time(hs, tvb, hf_hs_rtt_server, v->rtt_server_ns);
    if (v->rtt_client_known)
        add_time(hs, tvb, hf_hs_rtt_client, v->rtt_client_ns);
    if (v->syn_count) {
        it = proto_tree_add_uint(hs, hf_hs_syn_count, tvb, 0, 0, v->syn_count);
        proto_item_set_generated(it);
    }
    if (v->synack_count) {
        it = proto_tree_add_uint(hs, hf_hs_synack_count, tvb, 0, 0, v->synack_count);
        proto_item_set_generated(it);
    }
}

static void add_conn_fields(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *top,
                            const tcpdiag_verdict *v, const tcpdiag_tuple *ends, const char *change)
{
    if (v->quoted) {
        proto_item *q = proto_tree_add_item(t, hf_quoted, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(q);
        proto_item_append_text(top, ", TCP header quoted in an ICMP error (not a transmission)");
    }
    if (v->conv_id != TCPDIAG_NO_CONV) {
        if (v->has_stream) {
            proto_item *it = proto_tree_add_uint(t, hf_stream, tvb, 0, 0, v->stream);
            proto_item_set_generated(it);
        }
        if (ends && (proto_field_is_referenced(tree, hf_client) ||
                     proto_field_is_referenced(tree, hf_server))) {
            proto_item *it = proto_tree_add_string(t, hf_client, tvb, 0, 0,
                                                   tcpdiag_endpoint_str(pinfo->pool, ends, TRUE));
            proto_item_set_generated(it);
            it = proto_tree_add_string(t, hf_server, tvb, 0, 0,
                                       tcpdiag_endpoint_str(pinfo->pool, ends, FALSE));
            proto_item_set_generated(it);
        }
        proto_item *dir = proto_tree_add_string(t, hf_direction, tvb, 0, 0,
                                                v->from_server ? "server_to_client" : "client_to_server");
        proto_item_set_generated(dir);
        if (v->roles_inferred) {
            proto_item *it = proto_tree_add_item(t, hf_roles_inferred, tvb, 0, 0, ENC_NA);
            proto_item_append_text(it, ": no SYN captured, the lower port is taken as the server");
            proto_item_set_generated(it);
        }
        if (v->one_direction) {
            proto_item *it = proto_tree_add_item(t, hf_one_direction, tvb, 0, 0, ENC_NA);
            proto_item_append_text(it, ": the capture has not seen the %s send anything",
                                   v->from_server ? "client" : "server");
            proto_item_set_generated(it);
        }
        add_handshake(t, tvb, v);
        add_state(t, tvb, hf_state_client, v->state_client);
        add_state(t, tvb, hf_state_server, v->state_server);
        if (change) {
            proto_item *it = proto_tree_add_string(t, hf_state_change, tvb, 0, 0, change);
            proto_item_set_generated(it);
        }
        if (v->close_wait_ns > 0)
            add_time(t, tvb, hf_close_wait_duration, v->close_wait_ns);
        proto_item_append_text(top, ": handshake %s, client %s, server %s",
                               tcpdiag_handshake_name(v->handshake),
                               tcpdiag_state_name(v->state_client), tcpdiag_state_name(v->state_server));
    } else {
        proto_item_append_text(top, ", no conversation in this capture matches the quoted header");
    }
    if (v->evidence_frame) {
        proto_item *it = proto_tree_add_uint(t, hf_evidence, tvb, 0, 0, v->evidence_frame);
        proto_item_set_generated(it);
    }
}

void tcpdiag_view_top_open(tcpdiag_view_top *top)
{
    top->item = proto_tree_add_item(top->parent, proto_tcpdiag, top->tvb, 0, 0, ENC_NA);
    proto_item_set_generated(top->item);
    top->tree = proto_item_add_subtree(top->item, ett_tcpdiag);
}

gboolean tcpdiag_view_conn_has_experts(const tcpdiag_verdict *v)
{
    return v->notices != 0;
}

void tcpdiag_view_conn_render(packet_info *pinfo, tcpdiag_view_top *top, const tcpdiag_verdict *v,
                              const tcpdiag_tuple *ends, gboolean experts)
{
    gboolean fields = tcpdiag_fields_wanted(top->parent, &conn_fields);
    experts = experts && tcpdiag_view_conn_has_experts(v);
    if (!fields && !experts)
        return;
    const char *change = v->prev_client != v->state_client || v->prev_server != v->state_server
                             ? change_text(pinfo, v) : NULL;
    if (fields)
        add_conn_fields(tcpdiag_top_tree(top), top->tvb, pinfo, top->parent, tcpdiag_top_item(top), v, ends, change);
    if (experts)
        tcpdiag_view_notices_render(pinfo, tcpdiag_top_item(top), v, change);
}

void tcpdiag_view_conn_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_stream, { "Stream index", "tcpdiag.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Same index as tcp.stream", HFILL } },
        { &hf_client, { "Client", "tcpdiag.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The endpoint that opened the connection (sent the SYN), address:port", HFILL } },
        { &hf_server, { "Server", "tcpdiag.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The endpoint that accepted the connection, address:port", HFILL } },
        { &hf_direction, { "Direction", "tcpdiag.direction", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent this segment: client_to_server or server_to_client", HFILL } },
        { &hf_roles_inferred, { "Roles inferred", "tcpdiag.roles_inferred", FT_NONE, BASE_NONE, NULL, 0x0,
          "No SYN was captured: client and server were guessed from the ports", HFILL } },
        { &hf_quoted, { "Quoted in ICMP error", "tcpdiag.quoted", FT_NONE, BASE_NONE, NULL, 0x0,
          "This TCP header is quoted inside an ICMP error: it is not a transmission", HFILL } },
        { &hf_one_direction, { "One direction only", "tcpdiag.one_direction", FT_NONE, BASE_NONE, NULL, 0x0,
          "The capture shows this conversation's segments in one direction only (asymmetric routing, "
          "one-way SPAN): the other side acknowledged data the capture never saw", HFILL } },
        { &hf_handshake, { "Handshake", "tcpdiag.handshake", FT_STRING, BASE_NONE, NULL, 0x0,
          "How far the three-way handshake got: complete, syn_only, syn_synack, rejected, simultaneous, aborted, not_seen", HFILL } },
        { &hf_hs_rtt, { "Handshake RTT", "tcpdiag.handshake.rtt", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the client's SYN to its final ACK, as seen at the capture point", HFILL } },
        { &hf_hs_rtt_server, { "Server leg (SYN to SYN-ACK)", "tcpdiag.handshake.rtt.server", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Round trip from the capture point to the server and back", HFILL } },
        { &hf_hs_rtt_client, { "Client leg (SYN-ACK to ACK)", "tcpdiag.handshake.rtt.client", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Round trip from the capture point to the client and back", HFILL } },
        { &hf_hs_syn_count, { "SYNs sent", "tcpdiag.handshake.syn_count", FT_UINT16, BASE_DEC, NULL, 0x0,
          "SYN segments the client sent so far (more than 1: the SYN was retransmitted)", HFILL } },
        { &hf_hs_synack_count, { "SYN-ACKs sent", "tcpdiag.handshake.synack_count", FT_UINT16, BASE_DEC, NULL, 0x0,
          "SYN-ACK segments the server sent so far (more than 1: retransmitted)", HFILL } },
        { &hf_state_client, { "Client state", "tcpdiag.state.client", FT_STRING, BASE_NONE, NULL, 0x0,
          "The client socket's state as netstat -an on the client would show it after this segment", HFILL } },
        { &hf_state_server, { "Server state", "tcpdiag.state.server", FT_STRING, BASE_NONE, NULL, 0x0,
          "The server socket's state as netstat -an on the server would show it after this segment", HFILL } },
        { &hf_state_change, { "State change", "tcpdiag.state.change", FT_STRING, BASE_NONE, NULL, 0x0,
          "An endpoint's state changed with this segment", HFILL } },
        { &hf_close_wait_duration, { "Time in CLOSE_WAIT", "tcpdiag.state.close_wait_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "How long an endpoint has been in CLOSE_WAIT: its application has not closed the socket", HFILL } },
        { &hf_evidence, { "Evidence", "tcpdiag.evidence", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The frame this finding refers to", HFILL } },
    };
    static gint *ett[] = { &ett_tcpdiag, &ett_handshake };
    proto_tcpdiag = proto;
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    conn_fields.hf = hf;
    conn_fields.count = array_length(hf);
}
