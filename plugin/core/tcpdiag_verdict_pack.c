/* tcpdiag_verdict_pack.c - a verdict split into its per-header slot and its shared part.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_verdict_pack.h"

#include <stddef.h>
#include <string.h>

/* One bool of the verdict and its bit in the slot. */
typedef struct slot_flag {
    size_t  offset;
    uint8_t bit;
} slot_flag;

static const slot_flag slot_flags[] = {
    { offsetof(tcpdiag_verdict, from_server), TCPDIAG_SLOT_FROM_SERVER },
    { offsetof(tcpdiag_verdict, quoted), TCPDIAG_SLOT_QUOTED },
    { offsetof(tcpdiag_verdict, has_retrans_info), TCPDIAG_SLOT_HAS_RETRANS_INFO },
    { offsetof(tcpdiag_verdict, first_fragment), TCPDIAG_SLOT_FIRST_FRAGMENT },
    { offsetof(tcpdiag_verdict, fragment_completion), TCPDIAG_SLOT_FRAGMENT_COMPLETION },
};

void tcpdiag_verdict_pack(const tcpdiag_verdict *v, tcpdiag_verdict_slot *slot, tcpdiag_verdict *shared)
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
    for (size_t i = 0; i < sizeof slot_flags / sizeof slot_flags[0]; i++)
        if (*((const bool *)((const char *)v + slot_flags[i].offset)))
            slot->bits |= slot_flags[i].bit;

    /* Field by field into zeroed memory: the padding stays zero. */
    memset(shared, 0, sizeof *shared);
    shared->conv_id = v->conv_id;
    shared->stream = v->stream;
    shared->evidence_frame = v->evidence_frame;
    shared->handshake = v->handshake;
    shared->has_stream = v->has_stream;
    shared->roles_inferred = v->roles_inferred;
    shared->one_direction = v->one_direction;
    shared->rtt_known = v->rtt_known;
    shared->rtt_server_known = v->rtt_server_known;
    shared->rtt_client_known = v->rtt_client_known;
    shared->syn_count = v->syn_count;
    shared->synack_count = v->synack_count;
    shared->icmp_type = v->icmp_type;
    shared->icmp_code = v->icmp_code;
    shared->icmp_v6 = v->icmp_v6;
    shared->rtt_ns = v->rtt_ns;
    shared->rtt_server_ns = v->rtt_server_ns;
    shared->rtt_client_ns = v->rtt_client_ns;
    shared->close_wait_ns = v->close_wait_ns;
    const tcpdiag_mss_verdict *m = &v->mss;
    tcpdiag_mss_verdict *sm = &shared->mss;
    for (int side = 0; side < 2; side++) {
        sm->mss[side] = m->mss[side];
        sm->send_mss[side] = m->send_mss[side];
        sm->wscale[side] = m->wscale[side];
    }
    sm->reasons = m->reasons;
    sm->link_mss = m->link_mss;
    sm->path_mtu = m->path_mtu;
    sm->icmp_frame = m->icmp_frame;
    sm->risk = m->risk;
    sm->pmtud = m->pmtud;
    sm->link = m->link;
    sm->link_vlans = m->link_vlans;
    sm->opts = m->opts;
    sm->family = m->family;
    sm->known = m->known;
}

void tcpdiag_verdict_unpack(const tcpdiag_verdict_slot *slot, const tcpdiag_verdict *shared, tcpdiag_verdict *v)
{
    *v = *shared;
    v->notices = slot->notices;
    v->payload_len = slot->payload_len;
    v->mss.largest[0] = slot->mss_largest[0];
    v->mss.largest[1] = slot->mss_largest[1];
    v->mss.new_reasons = slot->mss_new_reasons;
    v->state_client = slot->state_client;
    v->state_server = slot->state_server;
    v->prev_client = slot->prev_client;
    v->prev_server = slot->prev_server;
    v->flags = slot->flags;
    v->checksum = slot->checksum;
    v->retrans_kind = slot->retrans_kind;
    v->lookalike = slot->lookalike;
    v->mss.seg = slot->mss_seg;
    for (size_t i = 0; i < sizeof slot_flags / sizeof slot_flags[0]; i++)
        *((bool *)((char *)v + slot_flags[i].offset)) = (slot->bits & slot_flags[i].bit) != 0;
}
