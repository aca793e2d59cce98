/* tcpdiag_state.c - RFC 9293 endpoint state machine, driven by what a tap sees.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The table is the whole machine: rows are the current state, columns the
 * event, an empty cell means the event leaves the state alone (a
 * retransmitted FIN, an RST to a listener, data in FIN_WAIT_2 ...).
 */
#include "tcpdiag_state.h"

#include "tcpdiag_words.h"

#include <stddef.h>

#define S(x) TCPDIAG_STATE_##x
#define E(x) [TCPDIAG_EV_##x]

static const uint8_t transition[TCPDIAG_STATE_COUNT][TCPDIAG_EV_COUNT] = {
    [S(UNKNOWN)] = {
        /* Capture began mid-connection: only what the endpoint itself sends is evidence. */
        E(SND_SYN) = S(SYN_SENT), E(SND_SYNACK) = S(SYN_RECEIVED),
        E(SND_ACK) = S(ESTABLISHED), E(SND_ACK_OF_FIN) = S(CLOSE_WAIT),
        E(SND_FIN) = S(FIN_WAIT_1), E(SND_RST) = S(CLOSED),
        E(RCV_SYN) = S(LISTEN), E(RCV_RST) = S(CLOSED),
    },
    [S(CLOSED)] = {
        E(SND_SYN) = S(SYN_SENT), E(SND_SYNACK) = S(SYN_RECEIVED),
        E(RCV_SYN) = S(LISTEN),
    },
    [S(LISTEN)] = {
        /* LISTEN is presumed from a SYN addressed to the endpoint. An RST in
         * reply proves there was no listener; an RST received is ignored. */
        E(SND_SYN) = S(SYN_SENT), E(SND_SYNACK) = S(SYN_RECEIVED),
        E(SND_RST) = S(CLOSED),
        E(NOT_REACHED) = S(CLOSED),
    },
    [S(SYN_SENT)] = {
        E(SND_SYNACK) = S(SYN_RECEIVED),
        /* An ACK without having seen the SYN-ACK: the SYN-ACK escaped the tap. */
        E(SND_ACK) = S(ESTABLISHED), E(SND_ACK_OF_FIN) = S(CLOSE_WAIT),
        E(SND_RST) = S(CLOSED),
        E(RCV_SYN) = S(SYN_RECEIVED),  /* simultaneous open */
        E(RCV_SYNACK) = S(ESTABLISHED),
        E(RCV_RST) = S(CLOSED), E(RCV_HARD_ERROR) = S(CLOSED),
    },
    [S(SYN_RECEIVED)] = {
        E(SND_ACK_OF_FIN) = S(CLOSE_WAIT),
        E(SND_FIN) = S(FIN_WAIT_1), E(SND_RST) = S(CLOSED),
        E(RCV_SYNACK) = S(ESTABLISHED), E(RCV_ACK_OF_SYN) = S(ESTABLISHED),
        E(RCV_FIN) = S(CLOSE_WAIT),
        E(RCV_RST) = S(CLOSED), E(RCV_HARD_ERROR) = S(CLOSED),
    },
    [S(ESTABLISHED)] = {
        E(SND_ACK_OF_FIN) = S(CLOSE_WAIT),
        E(SND_FIN) = S(FIN_WAIT_1), E(SND_RST) = S(CLOSED),
        E(RCV_FIN) = S(CLOSE_WAIT), E(RCV_RST) = S(CLOSED),
    },
    [S(FIN_WAIT_1)] = {
        /* Acking the peer's FIN while ours is unacknowledged: the FINs crossed. */
        E(SND_ACK_OF_FIN) = S(CLOSING),
        E(SND_RST) = S(CLOSED),
        E(RCV_ACK_OF_FIN) = S(FIN_WAIT_2),
        E(RCV_FIN) = S(CLOSING), E(RCV_RST) = S(CLOSED),
    },
    [S(FIN_WAIT_2)] = {
        E(SND_ACK_OF_FIN) = S(TIME_WAIT),
        E(SND_RST) = S(CLOSED),
        E(RCV_FIN) = S(TIME_WAIT), E(RCV_RST) = S(CLOSED),
    },
    [S(CLOSE_WAIT)] = {
        E(SND_FIN) = S(LAST_ACK), E(SND_RST) = S(CLOSED),
        E(RCV_RST) = S(CLOSED),
    },
    [S(CLOSING)] = {
        E(SND_RST) = S(CLOSED),
        E(RCV_ACK_OF_FIN) = S(TIME_WAIT), E(RCV_RST) = S(CLOSED),
    },
    [S(LAST_ACK)] = {
        E(SND_RST) = S(CLOSED),
        E(RCV_ACK_OF_FIN) = S(CLOSED), E(RCV_RST) = S(CLOSED),
    },
    [S(TIME_WAIT)] = {
        /* Linux accepts a new SYN in TIME_WAIT and answers it (TCP_TW_SYN). */
        E(SND_SYN) = S(SYN_SENT), E(SND_SYNACK) = S(SYN_RECEIVED),
        E(SND_RST) = S(CLOSED),
        /* Linux (tcp_rfc1337=0) lets an RST end TIME_WAIT early. */
        E(RCV_RST) = S(CLOSED),
        E(RCV_SYN) = S(LISTEN),
    },
};

tcpdiag_state tcpdiag_state_next(tcpdiag_state cur, tcpdiag_event ev)
{
    if (cur < TCPDIAG_STATE_UNKNOWN || cur >= TCPDIAG_STATE_COUNT || ev >= TCPDIAG_EV_COUNT)
        return cur;
    uint8_t next = transition[cur][ev];
    return next ? (tcpdiag_state)next : cur;
}

static const tcpdiag_word state_words[TCPDIAG_STATE_COUNT] = {
    [S(UNKNOWN)]      = { "UNKNOWN", "The capture has not yet shown what state this socket is in" },
    [S(CLOSED)]       = { "CLOSED", "No connection: the socket is closed (or never existed)" },
    [S(LISTEN)]       = { "LISTEN", "A server waits for connection requests on this port (passive open)" },
    [S(SYN_SENT)]     = { "SYN_SENT", "This side asked the peer for a connection (active open) and waits for SYN-ACK" },
    [S(SYN_RECEIVED)] = { "SYN_RECEIVED", "This side got a connection request and answered it, but the confirming ACK has not arrived" },
    [S(ESTABLISHED)]  = { "ESTABLISHED", "The handshake is done; both sides are connected" },
    [S(FIN_WAIT_1)]   = { "FIN_WAIT_1", "This side asked to close (active close) and waits for its FIN to be acknowledged" },
    [S(FIN_WAIT_2)]   = { "FIN_WAIT_2", "This side's FIN was acknowledged; it waits for the peer application to close" },
    [S(CLOSE_WAIT)]   = { "CLOSE_WAIT", "The peer closed (its FIN was received); the local application has not closed yet" },
    [S(CLOSING)]      = { "CLOSING", "Both sides sent FIN at once; this side waits for the ACK of its own FIN" },
    [S(LAST_ACK)]     = { "LAST_ACK", "The peer closed first and this side then sent its FIN; it waits for the last ACK" },
    [S(TIME_WAIT)]    = { "TIME_WAIT", "Closed; the socket lingers to absorb late or duplicate segments" },
};

const char *tcpdiag_state_name(tcpdiag_state st)
{
    return TCPDIAG_WORD_OF(state_words, st)->name;
}

const char *tcpdiag_state_meaning(tcpdiag_state st)
{
    return TCPDIAG_WORD_OF(state_words, st)->meaning;
}

const char *tcpdiag_event_name(tcpdiag_event ev)
{
    static const tcpdiag_word event_words[TCPDIAG_EV_COUNT] = {
        { "sends SYN", "" }, { "sends SYN-ACK", "" }, { "sends ACK", "" }, { "acknowledges peer FIN", "" },
        { "sends FIN", "" }, { "sends RST", "" }, { "receives SYN", "" }, { "receives SYN-ACK", "" },
        { "receives ACK of its SYN", "" }, { "receives ACK of its FIN", "" }, { "receives FIN", "" },
        { "receives RST", "" }, { "receives ICMP hard error", "" }, { "was not reached by the SYN", "" },
    };
    return TCPDIAG_WORD_OF(event_words, ev)->name;
}
