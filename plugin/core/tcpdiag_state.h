/* tcpdiag_state.h - the socket state of one TCP endpoint, as netstat names it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_STATE_H
#define TCPDIAG_STATE_H

#include <stdint.h>

/* Value 0 is reserved: in the transition table it means "no change". */
typedef enum tcpdiag_state {
    TCPDIAG_STATE_UNKNOWN = 1,
    TCPDIAG_STATE_CLOSED,
    TCPDIAG_STATE_LISTEN,
    TCPDIAG_STATE_SYN_SENT,
    TCPDIAG_STATE_SYN_RECEIVED,
    TCPDIAG_STATE_ESTABLISHED,
    TCPDIAG_STATE_FIN_WAIT_1,
    TCPDIAG_STATE_FIN_WAIT_2,
    TCPDIAG_STATE_CLOSE_WAIT,
    TCPDIAG_STATE_CLOSING,
    TCPDIAG_STATE_LAST_ACK,
    TCPDIAG_STATE_TIME_WAIT,
    TCPDIAG_STATE_COUNT
} tcpdiag_state;

/* What the tap saw happen to one endpoint. Sent events are certain (the
 * segment is on the wire); received events assume the segment arrives. */
typedef enum tcpdiag_event {
    TCPDIAG_EV_SND_SYN,        /* bare SYN: active open */
    TCPDIAG_EV_SND_SYNACK,     /* answers a SYN */
    TCPDIAG_EV_SND_ACK,        /* synchronized segment (ACK/data), no SYN/FIN/RST */
    TCPDIAG_EV_SND_ACK_OF_FIN, /* acknowledges the peer's FIN: proof it arrived */
    TCPDIAG_EV_SND_FIN,
    TCPDIAG_EV_SND_RST,
    TCPDIAG_EV_RCV_SYN,
    TCPDIAG_EV_RCV_SYNACK,     /* only when its ACK number is valid */
    TCPDIAG_EV_RCV_ACK_OF_SYN,
    TCPDIAG_EV_RCV_ACK_OF_FIN,
    TCPDIAG_EV_RCV_FIN,
    TCPDIAG_EV_RCV_RST,
    TCPDIAG_EV_RCV_HARD_ERROR, /* ICMP error that makes the stack abort an opening connection */
    TCPDIAG_EV_NOT_REACHED,    /* an ICMP error says the SYN never reached this side */
    TCPDIAG_EV_COUNT
} tcpdiag_event;

/* The state after the event; the same state when the event changes nothing. */
tcpdiag_state tcpdiag_state_next(tcpdiag_state cur, tcpdiag_event ev);

/* "ESTABLISHED", "TIME_WAIT", ... exactly as netstat prints them. */
const char *tcpdiag_state_name(tcpdiag_state st);

/* One sentence a network engineer understands. */
const char *tcpdiag_state_meaning(tcpdiag_state st);

/* Short event name for unit-test messages and debug output. */
const char *tcpdiag_event_name(tcpdiag_event ev);

#endif
