/* tcpdiag_verdict_pack.c - a verdict split into its per-header slot and its shared part.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_verdict_pack.h"

#include <string.h>

/* The verdict's bools are packed bit by bit, written out rather than from a
 * table of offsets: packing runs for every header and unpacking for every
 * dissection, and a loop over a table cost about 170 instructions a packet. */
static uint8_t bit_if(bool set, uint8_t bit)
{
    return set ? bit : 0;
}

void tcpdiag_verdict_pack(const tcpdiag_verdict *v, tcpdiag_verdict_slot *slot, tcpdiag_verdict_shared *shared)
{
    memset(slot, 0, sizeof *slot);
    slot->notices = v->notices;
    slot->payload_len = v->payload_len;
    slot->mss_largest[0] = v->mss.largest[0];
    slot->mss_largest[1] = v->mss.largest[1];
    slot->mss_new_reasons = v->mss.new_reasons;
    slot->state_client = v->state_client;
    slot->state_server = v->state_server;
    slot->prev_client = v->prev_client;
    slot->prev_server = v->prev_server;
    slot->flags = v->flags;
    slot->checksum = v->checksum;
    slot->retrans_kind = v->retrans_kind;
    slot->lookalike = v->lookalike;
    slot->mss_seg = v->mss.seg;
    slot->bits = bit_if(v->from_server, TCPDIAG_SLOT_FROM_SERVER) | bit_if(v->quoted, TCPDIAG_SLOT_QUOTED) |
                 bit_if(v->has_retrans_info, TCPDIAG_SLOT_HAS_RETRANS_INFO) |
                 bit_if(v->first_fragment, TCPDIAG_SLOT_FIRST_FRAGMENT) |
                 bit_if(v->fragment_completion, TCPDIAG_SLOT_FRAGMENT_COMPLETION);

    /* Field by field into zeroed memory: the padding stays zero. */
    memset(shared, 0, sizeof *shared);
    shared->conv_id = v->conv_id;
    shared->stream = v->stream;
    shared->evidence_frame = v->evidence_frame;
    shared->handshake = v->handshake;
    shared->syn_count = v->syn_count;
    shared->synack_count = v->synack_count;
    shared->icmp_type = v->icmp_type;
    shared->icmp_code = v->icmp_code;
    shared->rtt_ns = v->rtt_ns;
    shared->rtt_server_ns = v->rtt_server_ns;
    shared->rtt_client_ns = v->rtt_client_ns;
    shared->close_wait_ns = v->close_wait_ns;
    const tcpdiag_mss_verdict *m = &v->mss;
    for (int side = 0; side < 2; side++) {
        shared->mss[side] = m->mss[side];
        shared->mss_send[side] = m->send_mss[side];
        shared->mss_wscale[side] = m->wscale[side];
    }
    shared->mss_reasons = m->reasons;
    shared->mss_link_mss = m->link_mss;
    shared->mss_path_mtu = m->path_mtu;
    shared->mss_icmp_frame = m->icmp_frame;
    shared->mss_risk = m->risk;
    shared->mss_pmtud = m->pmtud;
    shared->mss_link = m->link;
    shared->mss_link_vlans = m->link_vlans;
    shared->mss_opts = m->opts;
    shared->mss_family = m->family;
    shared->bits = bit_if(v->has_stream, TCPDIAG_SHARED_HAS_STREAM) |
                   bit_if(v->roles_inferred, TCPDIAG_SHARED_ROLES_INFERRED) |
                   bit_if(v->one_direction, TCPDIAG_SHARED_ONE_DIRECTION) |
                   bit_if(v->rtt_known, TCPDIAG_SHARED_RTT_KNOWN) |
                   bit_if(v->rtt_server_known, TCPDIAG_SHARED_RTT_SERVER_KNOWN) |
                   bit_if(v->rtt_client_known, TCPDIAG_SHARED_RTT_CLIENT_KNOWN) |
                   bit_if(v->icmp_v6, TCPDIAG_SHARED_ICMP_V6) | bit_if(m->known, TCPDIAG_SHARED_MSS_KNOWN);
}

void tcpdiag_verdict_expand(const tcpdiag_verdict_shared *shared, tcpdiag_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->conv_id = shared->conv_id;
    v->stream = shared->stream;
    v->evidence_frame = shared->evidence_frame;
    v->handshake = shared->handshake;
    v->syn_count = shared->syn_count;
    v->synack_count = shared->synack_count;
    v->icmp_type = shared->icmp_type;
    v->icmp_code = shared->icmp_code;
    v->rtt_ns = shared->rtt_ns;
    v->rtt_server_ns = shared->rtt_server_ns;
    v->rtt_client_ns = shared->rtt_client_ns;
    v->close_wait_ns = shared->close_wait_ns;
    tcpdiag_mss_verdict *m = &v->mss;
    for (int side = 0; side < 2; side++) {
        m->mss[side] = shared->mss[side];
        m->send_mss[side] = shared->mss_send[side];
        m->wscale[side] = shared->mss_wscale[side];
    }
    m->reasons = shared->mss_reasons;
    m->link_mss = shared->mss_link_mss;
    m->path_mtu = shared->mss_path_mtu;
    m->icmp_frame = shared->mss_icmp_frame;
    m->risk = shared->mss_risk;
    m->pmtud = shared->mss_pmtud;
    m->link = shared->mss_link;
    m->link_vlans = shared->mss_link_vlans;
    m->opts = shared->mss_opts;
    m->family = shared->mss_family;
    uint8_t bits = shared->bits;
    v->has_stream = bits & TCPDIAG_SHARED_HAS_STREAM;
    v->roles_inferred = bits & TCPDIAG_SHARED_ROLES_INFERRED;
    v->one_direction = bits & TCPDIAG_SHARED_ONE_DIRECTION;
    v->rtt_known = bits & TCPDIAG_SHARED_RTT_KNOWN;
    v->rtt_server_known = bits & TCPDIAG_SHARED_RTT_SERVER_KNOWN;
    v->rtt_client_known = bits & TCPDIAG_SHARED_RTT_CLIENT_KNOWN;
    v->icmp_v6 = bits & TCPDIAG_SHARED_ICMP_V6;
    m->known = bits & TCPDIAG_SHARED_MSS_KNOWN;
}

void tcpdiag_verdict_apply_slot(const tcpdiag_verdict_slot *slot, tcpdiag_verdict *v)
{
    tcpdiag_mss_verdict *m = &v->mss;
    v->notices = slot->notices;
    v->payload_len = slot->payload_len;
    m->largest[0] = slot->mss_largest[0];
    m->largest[1] = slot->mss_largest[1];
    m->new_reasons = slot->mss_new_reasons;
    v->state_client = slot->state_client;
    v->state_server = slot->state_server;
    v->prev_client = slot->prev_client;
    v->prev_server = slot->prev_server;
    v->flags = slot->flags;
    v->checksum = slot->checksum;
    v->retrans_kind = slot->retrans_kind;
    v->lookalike = slot->lookalike;
    m->seg = slot->mss_seg;
    uint8_t bits = slot->bits;
    v->from_server = bits & TCPDIAG_SLOT_FROM_SERVER;
    v->quoted = bits & TCPDIAG_SLOT_QUOTED;
    v->has_retrans_info = bits & TCPDIAG_SLOT_HAS_RETRANS_INFO;
    v->first_fragment = bits & TCPDIAG_SLOT_FIRST_FRAGMENT;
    v->fragment_completion = bits & TCPDIAG_SLOT_FRAGMENT_COMPLETION;
}

void tcpdiag_verdict_unpack(const tcpdiag_verdict_slot *slot, const tcpdiag_verdict_shared *shared,
                            tcpdiag_verdict *v)
{
    tcpdiag_verdict_expand(shared, v);
    tcpdiag_verdict_apply_slot(slot, v);
}
