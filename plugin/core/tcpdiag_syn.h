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

/* Both rules below are asked several times for every header (the MSS
 * verdict, window scaling): inline, they cost a few instructions, where a
 * call cost more than the rule. */
static inline bool tcpdiag_syn_carries(const tcpdiag_syn_record *r, uint8_t opt)
{
    return (r->options & opt) != 0;
}

/* Whether option `opt` (one enum tcpdiag_option_flag bit) is in use on the
 * connection, from the client's and the server's records. */
static inline tcpdiag_option_use tcpdiag_syn_option_use(const tcpdiag_syn_record syn[2], uint8_t opt)
{
    if (!syn[0].seen || !syn[1].seen)
        return TCPDIAG_OPTION_UNDECIDED;
    if (tcpdiag_syn_carries(&syn[0], opt) && tcpdiag_syn_carries(&syn[1], opt))
        return TCPDIAG_OPTION_ON;
    /* A side that lacks it off for sure only when its options were all captured. */
    for (int side = 0; side < 2; side++)
        if (!tcpdiag_syn_carries(&syn[side], opt) && !syn[side].options_cut)
            return TCPDIAG_OPTION_OFF;
    return TCPDIAG_OPTION_UNDECIDED;
}

/* The MSS this side announced is known: its SYN was captured with the
 * option, or captured whole without it. */
static inline bool tcpdiag_syn_mss_known(const tcpdiag_syn_record *r)
{
    return r->seen && (tcpdiag_syn_carries(r, TCPDIAG_OPT_MSS) || !r->options_cut);
}

#endif
