/* tcpdiag_verdict.h - what the core concludes about one TCP header.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Small and self-contained: the glue stores one per TCP header per frame on
 * the first pass and renders only from it afterwards.
 */
#ifndef TCPDIAG_VERDICT_H
#define TCPDIAG_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_mss.h"
#include "tcpdiag_notice.h"

#define TCPDIAG_NO_CONV UINT32_MAX

typedef struct tcpdiag_verdict {
    uint32_t conv_id;          /* TCPDIAG_NO_CONV for a quoted header of an unknown conversation */
    uint32_t stream;
    uint32_t notices;          /* bit (1u << tcpdiag_notice) */
    uint32_t evidence_frame;   /* e.g. the SYN an RST or ICMP error answers; 0 = none */
    uint8_t  handshake;        /* tcpdiag_handshake */
    uint8_t  state_client;     /* tcpdiag_state after this header */
    uint8_t  state_server;
    uint8_t  prev_client;      /* tcpdiag_state before this header */
    uint8_t  prev_server;
    bool     from_server;      /* direction of this header */
    bool     has_stream;
    bool     roles_inferred;   /* no SYN seen: client/server guessed from the ports */
    bool     quoted;
    bool     one_direction;    /* the capture shows this conversation in one direction only (so far) */
    bool     rtt_known, rtt_server_known, rtt_client_known;
    uint16_t syn_count;        /* client SYNs sent so far (1 = no retransmission) */
    uint16_t synack_count;
    uint8_t  icmp_type, icmp_code;
    bool     icmp_v6;
    int64_t  rtt_ns;           /* SYN -> final ACK */
    int64_t  rtt_server_ns;    /* SYN -> SYN-ACK: tap to server and back */
    int64_t  rtt_client_ns;    /* SYN-ACK -> ACK: tap to client and back */
    int64_t  close_wait_ns;    /* how long an endpoint has been in CLOSE_WAIT */
    uint32_t payload_len;
    uint8_t  flags;            /* TCP flags of this header */
    uint8_t  checksum;         /* tcpdiag_checksum of this header */
    uint8_t  retrans_kind;     /* tcpdiag_retrans_kind, NONE when not a retransmission */
    uint8_t  lookalike;        /* tcpdiag_lookalike */
    bool     has_retrans_info; /* the tracker filled a tcpdiag_retrans_info for this header */
    bool     first_fragment;   /* only the first IP fragment of a segment: sent, not yet received */
    bool     fragment_completion; /* the last fragment of a datagram whose first fragment
                                     was already counted as the transmission */
    tcpdiag_mss_verdict mss;   /* MSS / fragmentation / path-MTU risk so far */
} tcpdiag_verdict;

static inline bool tcpdiag_verdict_has(const tcpdiag_verdict *v, tcpdiag_notice n)
{
    return (v->notices >> n) & 1u;
}

#endif
