/* tcpdiag_syn.h - what one side's SYN (or SYN-ACK) announced, and what the two together decide.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One record per side, kept in the endpoint (tcpdiag_conv.h); the tracker
 * (window scaling of the flows) and the MSS rules (tcpdiag_mss.h) read the
 * same records through the same rule, so they cannot disagree about an
 * option (RFC 7323, RFC 2018: an option is in use only when both SYNs
 * carried it).
 */
#ifndef TCPDIAG_SYN_H
#define TCPDIAG_SYN_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_segment.h"

typedef struct tcpdiag_syn_record {
    bool     seen;          /* this side's SYN / SYN-ACK was captured */
    bool     options_cut;   /* ... but not all its options (snaplen) */
    uint8_t  options;       /* enum tcpdiag_option_flag it carried */
    uint8_t  wscale;        /* its window scale shift, when it carried the option */
    uint16_t mss;           /* its MSS option, 0 = none */
} tcpdiag_syn_record;

/* A SYN or SYN-ACK of this side (the latest one counts). */
void tcpdiag_syn_record_take(tcpdiag_syn_record *r, const tcpdiag_segment *syn);

typedef enum tcpdiag_option_use {
    TCPDIAG_OPTION_UNDECIDED,  /* a SYN not captured, or cut where the option may have been */
    TCPDIAG_OPTION_OFF,        /* a SYN captured whole lacks it */
    TCPDIAG_OPTION_ON,         /* both SYNs carried it */
} tcpdiag_option_use;

/* Whether option `opt` (one enum tcpdiag_option_flag bit) is in use on the
 * connection, from the client's and the server's records. */
tcpdiag_option_use tcpdiag_syn_option_use(const tcpdiag_syn_record syn[2], uint8_t opt);

/* The MSS this side announced is known: its SYN was captured with the
 * option, or captured whole without it. */
bool tcpdiag_syn_mss_known(const tcpdiag_syn_record *r);

#endif
