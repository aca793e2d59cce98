/* tcpdiag_handshake.h - how far the three-way handshake got.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_HANDSHAKE_H
#define TCPDIAG_HANDSHAKE_H

/* Value 0 is reserved: in the transition table it means "no change". */
typedef enum tcpdiag_handshake {
    TCPDIAG_HS_NOT_SEEN = 1,   /* capture began after the handshake */
    TCPDIAG_HS_SYN_ONLY,       /* SYN(s) sent, nothing back yet */
    TCPDIAG_HS_SYN_SYNACK,     /* SYN-ACK seen, final ACK missing */
    TCPDIAG_HS_COMPLETE,
    TCPDIAG_HS_REJECTED,       /* SYN answered by RST or ICMP unreachable */
    TCPDIAG_HS_SIMULTANEOUS,   /* both sides sent a bare SYN */
    TCPDIAG_HS_ABORTED,        /* reset after the SYN-ACK, before the final ACK */
    TCPDIAG_HS_COUNT
} tcpdiag_handshake;

typedef enum tcpdiag_hs_event {
    TCPDIAG_HS_EV_SYN_FROM_SERVER,    /* a bare SYN the other way: simultaneous open */
    TCPDIAG_HS_EV_SYNACK,             /* SYN-ACK from the server */
    TCPDIAG_HS_EV_FINAL_ACK,          /* client ACK without SYN */
    TCPDIAG_HS_EV_RST_FROM_SERVER,
    TCPDIAG_HS_EV_RST_FROM_CLIENT,
    TCPDIAG_HS_EV_ICMP_UNREACHABLE,   /* destination unreachable quoting the SYN */
    TCPDIAG_HS_EV_SYN_RETRY,          /* the client re-sends its SYN (same ISN) */
    TCPDIAG_HS_EV_COUNT
} tcpdiag_hs_event;

tcpdiag_handshake tcpdiag_handshake_next(tcpdiag_handshake cur, tcpdiag_hs_event ev);

/* "complete", "syn_only", ... as display filters match them. */
const char *tcpdiag_handshake_name(tcpdiag_handshake hs);
const char *tcpdiag_handshake_meaning(tcpdiag_handshake hs);
/* "SYNACK", "FINAL_ACK", ... for messages. */
const char *tcpdiag_hs_event_name(tcpdiag_hs_event ev);

#endif
