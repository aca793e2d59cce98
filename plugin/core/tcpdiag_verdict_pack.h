/* tcpdiag_verdict_pack.h - a verdict split into what changes from one TCP header to the next and what it shares with its neighbours.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A capture holds millions of headers, and most of a verdict (handshake,
 * round trips, SYN counts, MSS and path facts) is the same for long runs of
 * one conversation's headers. The per-frame store keeps a small slot per
 * header and shares the rest: the "shared" part is a verdict whose per-header
 * fields are zero, so that two neighbours with the same shared facts compare
 * equal byte for byte. Packing and unpacking lose nothing.
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

/* `shared` gets the verdict with every per-header field zero (and its padding
 * zero): compare it with memcmp. */
void tcpdiag_verdict_pack(const tcpdiag_verdict *v, tcpdiag_verdict_slot *slot, tcpdiag_verdict *shared);
/* The verdict again, from its slot and shared part. */
void tcpdiag_verdict_unpack(const tcpdiag_verdict_slot *slot, const tcpdiag_verdict *shared, tcpdiag_verdict *v);

#endif
