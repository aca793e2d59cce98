/* tcpdiag_verdict_pack.h - a verdict split into what changes from one TCP header to the next and what it shares with its neighbours.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A capture holds millions of headers, and most of a verdict (handshake,
 * round trips, SYN counts, MSS and path facts) is the same for long runs of
 * one conversation's headers. The per-frame store keeps a small slot per
 * header and shares the rest: the "shared" part holds only the fields that
 * are not per header (80 bytes, against 120 for a whole verdict), with zero
 * padding, so that two neighbours with the same shared facts compare equal
 * byte for byte. Packing and unpacking lose nothing.
 */
#ifndef TCPDIAG_VERDICT_PACK_H
#define TCPDIAG_VERDICT_PACK_H

#include <stdint.h>

#include "tcpdiag_verdict.h"

enum tcpdiag_slot_bit {
    TCPDIAG_SLOT_FROM_SERVER         = 0x01,
    TCPDIAG_SLOT_QUOTED              = 0x02,
    TCPDIAG_SLOT_HAS_RETRANS_INFO    = 0x04,
    TCPDIAG_SLOT_FIRST_FRAGMENT      = 0x08,
    TCPDIAG_SLOT_FRAGMENT_COMPLETION = 0x10,
    TCPDIAG_SLOT_FREE_BITS           = 0xe0,   /* not the verdict's: free for the store */
};

/* The per-header part of a verdict. */
typedef struct tcpdiag_verdict_slot {
    uint32_t notices;
    uint32_t payload_len;
    uint16_t mss_largest[2];
    uint16_t mss_new_reasons;
    uint8_t  state_client, state_server, prev_client, prev_server;
    uint8_t  flags;
    uint8_t  checksum;
    uint8_t  retrans_kind;
    uint8_t  lookalike;
    uint8_t  mss_seg;
    uint8_t  bits;             /* enum tcpdiag_slot_bit */
} tcpdiag_verdict_slot;

/* The bools of the shared part, in tcpdiag_verdict_shared.bits. */
enum tcpdiag_shared_bit {
    TCPDIAG_SHARED_HAS_STREAM       = 0x01,
    TCPDIAG_SHARED_ROLES_INFERRED   = 0x02,
    TCPDIAG_SHARED_ONE_DIRECTION    = 0x04,
    TCPDIAG_SHARED_RTT_KNOWN        = 0x08,
    TCPDIAG_SHARED_RTT_SERVER_KNOWN = 0x10,
    TCPDIAG_SHARED_RTT_CLIENT_KNOWN = 0x20,
    TCPDIAG_SHARED_ICMP_V6          = 0x40,
    TCPDIAG_SHARED_MSS_KNOWN        = 0x80,
};

/* The part of a verdict its conversation's neighbouring headers share:
 * every field that is not in the slot, grouped by size (no padding but the
 * zeroed tail). The mss_ fields are the verdict's mss.* ones. */
typedef struct tcpdiag_verdict_shared {
    int64_t  rtt_ns, rtt_server_ns, rtt_client_ns;
    int64_t  close_wait_ns;
    uint32_t conv_id;
    uint32_t stream;
    uint32_t evidence_frame;
    uint32_t mss_icmp_frame;
    uint16_t syn_count, synack_count;
    uint16_t mss[2], mss_send[2];
    uint16_t mss_reasons, mss_link_mss, mss_path_mtu;
    uint8_t  handshake, icmp_type, icmp_code;
    uint8_t  mss_risk, mss_pmtud, mss_link, mss_link_vlans, mss_opts, mss_wscale[2], mss_family;
    uint8_t  bits;             /* enum tcpdiag_shared_bit */
} tcpdiag_verdict_shared;

/* `shared` gets the fields that are not per header, its padding zero:
 * compare it with memcmp. */
void tcpdiag_verdict_pack(const tcpdiag_verdict *v, tcpdiag_verdict_slot *slot, tcpdiag_verdict_shared *shared);
/* The verdict again, from its slot and shared part. */
void tcpdiag_verdict_unpack(const tcpdiag_verdict_slot *slot, const tcpdiag_verdict_shared *shared,
                            tcpdiag_verdict *v);
/* The same in two steps, so that a reader can keep a shared part expanded
 * for its neighbours: `v` gets the shared fields (per-header ones zero),
 * then the slot writes every per-header field. */
void tcpdiag_verdict_expand(const tcpdiag_verdict_shared *shared, tcpdiag_verdict *v);
void tcpdiag_verdict_apply_slot(const tcpdiag_verdict_slot *slot, tcpdiag_verdict *v);

#endif
