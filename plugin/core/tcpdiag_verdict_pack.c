/* tcpdiag_verdict_pack.c - a verdict split into its per-header slot and its shared part.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_verdict_pack.h"

#include <stddef.h>
#include <string.h>

/* One bool of the verdict and its bit in a slot or a shared part. */
typedef struct verdict_flag {
    size_t  offset;
    uint8_t bit;
} verdict_flag;

#define FLAG_COUNT(table) (sizeof(table) / sizeof((table)[0]))

static const verdict_flag slot_flags[] = {
    { offsetof(tcpdiag_verdict, from_server), TCPDIAG_SLOT_FROM_SERVER },
    { offsetof(tcpdiag_verdict, quoted), TCPDIAG_SLOT_QUOTED },
    { offsetof(tcpdiag_verdict, has_retrans_info), TCPDIAG_SLOT_HAS_RETRANS_INFO },
    { offsetof(tcpdiag_verdict, first_fragment), TCPDIAG_SLOT_FIRST_FRAGMENT },
    { offsetof(tcpdiag_verdict, fragment_completion), TCPDIAG_SLOT_FRAGMENT_COMPLETION },
};

static const verdict_flag shared_flags[] = {
    { offsetof(tcpdiag_verdict, has_stream), TCPDIAG_SHARED_HAS_STREAM },
    { offsetof(tcpdiag_verdict, roles_inferred), TCPDIAG_SHARED_ROLES_INFERRED },
    { offsetof(tcpdiag_verdict, one_direction), TCPDIAG_SHARED_ONE_DIRECTION },
    { offsetof(tcpdiag_verdict, rtt_known), TCPDIAG_SHARED_RTT_KNOWN },
    { offsetof(tcpdiag_verdict, rtt_server_known), TCPDIAG_SHARED_RTT_SERVER_KNOWN },
    { offsetof(tcpdiag_verdict, rtt_client_known), TCPDIAG_SHARED_RTT_CLIENT_KNOWN },
    { offsetof(tcpdiag_verdict, icmp_v6), TCPDIAG_SHARED_ICMP_V6 },
    { offsetof(tcpdiag_verdict, mss.known), TCPDIAG_SHARED_MSS_KNOWN },
};

static uint8_t flags_to_bits(const tcpdiag_verdict *v, const verdict_flag *table, size_t n)
{
    uint8_t bits = 0;
    for (size_t i = 0; i < n; i++)
        if (*((const bool *)((const char *)v + table[i].offset)))
            bits |= table[i].bit;
    return bits;
}

static void bits_to_flags(uint8_t bits, const verdict_flag *table, size_t n, tcpdiag_verdict *v)
{
    for (size_t i = 0; i < n; i++)
        *((bool *)((char *)v + table[i].offset)) = (bits & table[i].bit) != 0;
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
    slot->bits = flags_to_bits(v, slot_flags, FLAG_COUNT(slot_flags));

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
    shared->bits = flags_to_bits(v, shared_flags, FLAG_COUNT(shared_flags));
}

void tcpdiag_verdict_unpack(const tcpdiag_verdict_slot *slot, const tcpdiag_verdict_shared *shared,
                            tcpdiag_verdict *v)
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
    bits_to_flags(shared->bits, shared_flags, FLAG_COUNT(shared_flags), v);

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
    bits_to_flags(slot->bits, slot_flags, FLAG_COUNT(slot_flags), v);
}
