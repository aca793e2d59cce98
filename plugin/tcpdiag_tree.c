/* tcpdiag_tree.c - the "TCP Diagnostics" subtree and Expert Info of one TCP header.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Renders a stored verdict; never looks at other dissectors' fields, so it
 * gives the same result on every pass.
 */
#include "tcpdiag_glue.h"

#include <epan/address.h>
#include <epan/to_str.h>

#include "core/tcpdiag_handshake.h"
#include "core/tcpdiag_state.h"

const char *tcpdiag_endpoint_str(wmem_allocator_t *scope, const tcpdiag_tuple *t, gboolean source)
{
    address addr;
    const guint8 *bytes = source ? t->src : t->dst;
    guint16 port = source ? t->sport : t->dport;
    if (t->family == 6) {
        set_address(&addr, AT_IPv6, 16, bytes);
        return wmem_strdup_printf(scope, "[%s]:%u", address_to_str(scope, &addr), port);
    }
    set_address(&addr, AT_IPv4, 4, bytes);
    return wmem_strdup_printf(scope, "%s:%u", address_to_str(scope, &addr), port);
}

static void add_time(proto_tree *tree, tvbuff_t *tvb, int hf, gint64 ns)
{
    nstime_t t = { .secs = (time_t)(ns / 1000000000), .nsecs = (int)(ns % 1000000000) };
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

static void add_expert(packet_info *pinfo, proto_item *top, const tcpdiag_verdict *v, const char *change)
{
    for (int n = 0; n < TCPDIAG_NOTE_COUNT; n++) {
        if (!tcpdiag_verdict_has(v, (tcpdiag_notice)n))
            continue;
        expert_field *ei = &tcpdiag_id.ei[n];
        switch ((tcpdiag_notice)n) {
        case TCPDIAG_NOTE_STATE_CHANGE:
            expert_add_info_format(pinfo, top, ei, "Connection state: %s", change);
            break;
        case TCPDIAG_NOTE_SYN_UNANSWERED:
            expert_add_info_format(pinfo, top, ei,
                "SYN sent %u times without an answer (host down, or port filtered)", v->syn_count);
            break;
        case TCPDIAG_NOTE_SYNACK_REPEATED:
            expert_add_info_format(pinfo, top, ei,
                "SYN-ACK sent %u times: the client's final ACK did not arrive", v->synack_count);
            break;
        case TCPDIAG_NOTE_REJECTED_ICMP:
            expert_add_info_format(pinfo, top, ei,
                "Connection rejected by ICMP%s destination unreachable (type %u, code %u) for the SYN in frame %u",
                v->icmp_v6 ? "v6" : "", v->icmp_type, v->icmp_code, v->evidence_frame);
            break;
        case TCPDIAG_NOTE_CLOSE_WAIT_LINGERS:
            expert_add_info_format(pinfo, top, ei,
                "Socket in CLOSE_WAIT for %.1f s: the peer closed but this application has not closed its socket",
                (double)v->close_wait_ns / 1e9);
            break;
        case TCPDIAG_NOTE_DATA_BEFORE_HANDSHAKE:
            expert_add_info_format(pinfo, top, ei,
                "%u bytes of data sent before the handshake completed", v->payload_len);
            break;
        case TCPDIAG_NOTE_SYN_WITH_DATA:
            expert_add_info_format(pinfo, top, ei,
                "SYN carries %u bytes of data (TCP Fast Open)", v->payload_len);
            break;
        case TCPDIAG_NOTE_CONVERSATION_DROPPED:
            expert_add_info_format(pinfo, top, ei,
                "Conversation limit reached (preference tcpdiag.max_conversations = %u): tcpdiag stopped "
                "following the conversation idle the longest to make room for this one; a later segment "
                "of that conversation starts a new one whose states are unknown",
                tcpdiag_conversation_cap());
            break;
        default:
            expert_add_info(pinfo, top, ei);
            break;
        }
    }
}

static void add_handshake(proto_tree *tree, tvbuff_t *tvb, const tcpdiag_verdict *v)
{
    proto_item *it = proto_tree_add_string(tree, tcpdiag_id.hf_handshake, tvb, 0, 0,
                                           tcpdiag_handshake_name(v->handshake));
    proto_item_append_text(it, " (%s)", tcpdiag_handshake_meaning(v->handshake));
    proto_item_set_generated(it);
    proto_tree *hs = proto_item_add_subtree(it, tcpdiag_id.ett_handshake);
    if (v->rtt_known)
        add_time(hs, tvb, tcpdiag_id.hf_hs_rtt, v->rtt_ns);
    if (v->rtt_server_known)
        add_time(hs, tvb, tcpdiag_id.hf_hs_rtt_server, v->rtt_server_ns);
    if (v->rtt_client_known)
        add_time(hs, tvb, tcpdiag_id.hf_hs_rtt_client, v->rtt_client_ns);
    if (v->syn_count) {
        it = proto_tree_add_uint(hs, tcpdiag_id.hf_hs_syn_count, tvb, 0, 0, v->syn_count);
        proto_item_set_generated(it);
    }
    if (v->synack_count) {
        it = proto_tree_add_uint(hs, tcpdiag_id.hf_hs_synack_count, tvb, 0, 0, v->synack_count);
        proto_item_set_generated(it);
    }
}

proto_tree *tcpdiag_tree_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                const tcpdiag_verdict *v, const tcpdiag_tuple *ends, proto_item **top_out)
{
    proto_item *top = proto_tree_add_item(tree, tcpdiag_id.proto, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(top);
    proto_tree *t = proto_item_add_subtree(top, tcpdiag_id.ett_tcpdiag);
    const char *change = (v->prev_client != v->state_client || v->prev_server != v->state_server)
                             ? change_text(pinfo, v) : NULL;

    if (v->quoted) {
        proto_item *q = proto_tree_add_item(t, tcpdiag_id.hf_quoted, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(q);
        proto_item_append_text(top, ", TCP header quoted in an ICMP error (not a transmission)");
    }
    if (v->conv_id != TCPDIAG_NO_CONV) {
        if (v->has_stream) {
            proto_item *it = proto_tree_add_uint(t, tcpdiag_id.hf_stream, tvb, 0, 0, v->stream);
            proto_item_set_generated(it);
        }
        if (ends && (proto_field_is_referenced(tree, tcpdiag_id.hf_client) ||
                     proto_field_is_referenced(tree, tcpdiag_id.hf_server))) {
            proto_item *it = proto_tree_add_string(t, tcpdiag_id.hf_client, tvb, 0, 0,
                                                   tcpdiag_endpoint_str(pinfo->pool, ends, TRUE));
            proto_item_set_generated(it);
            it = proto_tree_add_string(t, tcpdiag_id.hf_server, tvb, 0, 0,
                                       tcpdiag_endpoint_str(pinfo->pool, ends, FALSE));
            proto_item_set_generated(it);
        }
        proto_item *dir = proto_tree_add_string(t, tcpdiag_id.hf_direction, tvb, 0, 0,
                                                v->from_server ? "server_to_client" : "client_to_server");
        proto_item_set_generated(dir);
        if (v->roles_inferred) {
            proto_item *it = proto_tree_add_item(t, tcpdiag_id.hf_roles_inferred, tvb, 0, 0, ENC_NA);
            proto_item_append_text(it, ": no SYN captured, the lower port is taken as the server");
            proto_item_set_generated(it);
        }
        add_handshake(t, tvb, v);
        add_state(t, tvb, tcpdiag_id.hf_state_client, v->state_client);
        add_state(t, tvb, tcpdiag_id.hf_state_server, v->state_server);
        if (change) {
            proto_item *it = proto_tree_add_string(t, tcpdiag_id.hf_state_change, tvb, 0, 0, change);
            proto_item_set_generated(it);
        }
        if (v->close_wait_ns > 0)
            add_time(t, tvb, tcpdiag_id.hf_close_wait_duration, v->close_wait_ns);
        proto_item_append_text(top, ": handshake %s, client %s, server %s",
                               tcpdiag_handshake_name(v->handshake),
                               tcpdiag_state_name(v->state_client), tcpdiag_state_name(v->state_server));
    } else {
        proto_item_append_text(top, ", no conversation in this capture matches the quoted header");
    }
    if (v->evidence_frame) {
        proto_item *it = proto_tree_add_uint(t, tcpdiag_id.hf_evidence, tvb, 0, 0, v->evidence_frame);
        proto_item_set_generated(it);
    }
    add_expert(pinfo, top, v, change);
    *top_out = top;
    return t;
}
