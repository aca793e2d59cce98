/* test_state_table.c - every cell of the endpoint state table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The expected table below is written by hand from RFC 9293 (s3.3.2 state
 * diagram, s3.10.7 segment arrival) and Linux behaviour, for a passive tap:
 *  - "sent" events are certain: the segment is on the wire, so the sender
 *    did what its stack does when it sends it;
 *  - "received" events assume the segment is delivered;
 *  - LISTEN is presumed from a SYN addressed to the endpoint (it is shown
 *    until the endpoint answers: SYN_RECEIVED is "got a request AND answered");
 *  - TIME_WAIT is ended by an RST, as Linux does with tcp_rfc1337=0;
 *  - UNKNOWN (capture began mid-connection) changes only on evidence the
 *    endpoint itself sends, plus an RST received and a SYN received (LISTEN);
 *  - NOT_REACHED (ICMP error: the SYN never got there) only undoes LISTEN:
 *    any other state was reached by the endpoint's own segments.
 * Every (state, event) pair not listed must leave the state unchanged.
 */
#include <stdbool.h>

#include "tcpdiag_check.h"
#include "tcpdiag_state.h"

#define S(x) TCPDIAG_STATE_##x
#define E(x) TCPDIAG_EV_##x

typedef struct cell {
    tcpdiag_state from;
    tcpdiag_event ev;
    tcpdiag_state to;
} cell;

static const cell expected_changes[] = {
    /* ---- UNKNOWN: mid-stream; the endpoint's own segments are evidence ---- */
    { S(UNKNOWN), E(SND_SYN), S(SYN_SENT) },          /* a bare SYN is an active open */
    { S(UNKNOWN), E(SND_SYNACK), S(SYN_RECEIVED) },   /* a SYN-ACK answers a SYN it received */
    { S(UNKNOWN), E(SND_ACK), S(ESTABLISHED) },       /* synchronized, no FIN seen: most likely ESTABLISHED */
    { S(UNKNOWN), E(SND_ACK_OF_FIN), S(CLOSE_WAIT) }, /* it acked the peer's FIN without having sent one */
    { S(UNKNOWN), E(SND_FIN), S(FIN_WAIT_1) },        /* active close from a synchronized state */
    { S(UNKNOWN), E(SND_RST), S(CLOSED) },            /* sending RST aborts the connection */
    { S(UNKNOWN), E(RCV_SYN), S(LISTEN) },            /* LISTEN presumed from a SYN addressed to it */
    { S(UNKNOWN), E(RCV_RST), S(CLOSED) },            /* an RST delivered to a connection closes it */

    /* ---- CLOSED ---- */
    { S(CLOSED), E(SND_SYN), S(SYN_SENT) },           /* active open (RFC 9293 OPEN call) */
    { S(CLOSED), E(SND_SYNACK), S(SYN_RECEIVED) },    /* it answered a SYN the tap missed */
    { S(CLOSED), E(RCV_SYN), S(LISTEN) },             /* LISTEN presumed from a SYN addressed to it */

    /* ---- LISTEN ---- */
    { S(LISTEN), E(SND_SYN), S(SYN_SENT) },           /* RFC 9293: SEND in LISTEN -> SYN_SENT */
    { S(LISTEN), E(SND_SYNACK), S(SYN_RECEIVED) },    /* it answered the SYN */
    { S(LISTEN), E(SND_RST), S(CLOSED) },             /* RST to a SYN: there was no listener */
    /* An ICMP error says the SYN never reached it: the LISTEN presumed from
     * that SYN's assumed delivery is withdrawn. */
    { S(LISTEN), E(NOT_REACHED), S(CLOSED) },
    /* RCV_RST in LISTEN is ignored (RFC 9293 s3.10.7.2). */

    /* ---- SYN_SENT ---- */
    { S(SYN_SENT), E(SND_SYNACK), S(SYN_RECEIVED) },  /* simultaneous open: it answers the peer SYN */
    { S(SYN_SENT), E(SND_ACK), S(ESTABLISHED) },      /* it acked a SYN-ACK the tap did not see */
    /* Acking the peer's FIN proves it got the (unseen) SYN-ACK, went
     * ESTABLISHED and then took the FIN: CLOSE_WAIT.  It cannot do less than
     * SND_ACK above; the tracker reports this event INSTEAD of SND_ACK. */
    { S(SYN_SENT), E(SND_ACK_OF_FIN), S(CLOSE_WAIT) },
    { S(SYN_SENT), E(SND_RST), S(CLOSED) },           /* the client aborts its own attempt */
    { S(SYN_SENT), E(RCV_SYN), S(SYN_RECEIVED) },     /* simultaneous open (RFC 9293 s3.5) */
    { S(SYN_SENT), E(RCV_SYNACK), S(ESTABLISHED) },   /* valid SYN-ACK: handshake done for the client */
    { S(SYN_SENT), E(RCV_RST), S(CLOSED) },           /* connection refused */
    { S(SYN_SENT), E(RCV_HARD_ERROR), S(CLOSED) },    /* ICMP hard error aborts connect() */

    /* ---- SYN_RECEIVED ---- */
    { S(SYN_RECEIVED), E(SND_ACK_OF_FIN), S(CLOSE_WAIT) }, /* it took the peer's FIN (RFC 9293: FIN in SYN-RECEIVED -> CLOSE-WAIT) */
    { S(SYN_RECEIVED), E(SND_FIN), S(FIN_WAIT_1) },   /* RFC 9293: CLOSE in SYN-RECEIVED sends FIN */
    { S(SYN_RECEIVED), E(SND_RST), S(CLOSED) },
    { S(SYN_RECEIVED), E(RCV_SYNACK), S(ESTABLISHED) },   /* simultaneous open completes */
    { S(SYN_RECEIVED), E(RCV_ACK_OF_SYN), S(ESTABLISHED) },/* the final ACK */
    { S(SYN_RECEIVED), E(RCV_FIN), S(CLOSE_WAIT) },   /* RFC 9293 s3.10.7.4, eighth */
    { S(SYN_RECEIVED), E(RCV_RST), S(CLOSED) },       /* the connection (not the listener) is gone */
    { S(SYN_RECEIVED), E(RCV_HARD_ERROR), S(CLOSED) },/* Linux drops an opening connection on a hard error */

    /* ---- ESTABLISHED ---- */
    { S(ESTABLISHED), E(SND_ACK_OF_FIN), S(CLOSE_WAIT) }, /* passive close: FIN received and acked */
    { S(ESTABLISHED), E(SND_FIN), S(FIN_WAIT_1) },    /* active close */
    { S(ESTABLISHED), E(SND_RST), S(CLOSED) },
    { S(ESTABLISHED), E(RCV_FIN), S(CLOSE_WAIT) },    /* FIN assumed delivered */
    { S(ESTABLISHED), E(RCV_RST), S(CLOSED) },
    /* RCV_HARD_ERROR: Linux treats ICMP errors on established sockets as soft. */

    /* ---- FIN_WAIT_1 ---- */
    { S(FIN_WAIT_1), E(SND_ACK_OF_FIN), S(CLOSING) }, /* acks peer FIN while its own is unacked: crossing FINs */
    { S(FIN_WAIT_1), E(SND_RST), S(CLOSED) },
    { S(FIN_WAIT_1), E(RCV_ACK_OF_FIN), S(FIN_WAIT_2) },
    { S(FIN_WAIT_1), E(RCV_FIN), S(CLOSING) },        /* simultaneous close */
    { S(FIN_WAIT_1), E(RCV_RST), S(CLOSED) },

    /* ---- FIN_WAIT_2 ---- */
    { S(FIN_WAIT_2), E(SND_ACK_OF_FIN), S(TIME_WAIT) },/* it acked the peer FIN: it got it */
    { S(FIN_WAIT_2), E(SND_RST), S(CLOSED) },
    { S(FIN_WAIT_2), E(RCV_FIN), S(TIME_WAIT) },
    { S(FIN_WAIT_2), E(RCV_RST), S(CLOSED) },

    /* ---- CLOSE_WAIT ---- */
    { S(CLOSE_WAIT), E(SND_FIN), S(LAST_ACK) },       /* the application closed too */
    { S(CLOSE_WAIT), E(SND_RST), S(CLOSED) },
    { S(CLOSE_WAIT), E(RCV_RST), S(CLOSED) },

    /* ---- CLOSING ---- */
    { S(CLOSING), E(SND_RST), S(CLOSED) },
    { S(CLOSING), E(RCV_ACK_OF_FIN), S(TIME_WAIT) },
    { S(CLOSING), E(RCV_RST), S(CLOSED) },

    /* ---- LAST_ACK ---- */
    { S(LAST_ACK), E(SND_RST), S(CLOSED) },
    { S(LAST_ACK), E(RCV_ACK_OF_FIN), S(CLOSED) },    /* the last ACK */
    { S(LAST_ACK), E(RCV_RST), S(CLOSED) },

    /* ---- TIME_WAIT ---- */
    { S(TIME_WAIT), E(SND_SYN), S(SYN_SENT) },        /* reuse of the 4-tuple by the TIME_WAIT side */
    /* Linux accepts a new SYN in TIME_WAIT (tcp_timewait_state_process ->
     * TCP_TW_SYN), drops the TIME_WAIT socket and answers with a SYN-ACK:
     * a SYN-ACK on the wire proves the new incarnation is SYN_RECEIVED,
     * exactly as from CLOSED. */
    { S(TIME_WAIT), E(SND_SYNACK), S(SYN_RECEIVED) },
    { S(TIME_WAIT), E(SND_RST), S(CLOSED) },          /* TCP_TW_RST: Linux kills the TIME_WAIT socket */
    { S(TIME_WAIT), E(RCV_RST), S(CLOSED) },          /* tcp_rfc1337=0 */
    { S(TIME_WAIT), E(RCV_SYN), S(LISTEN) },          /* LISTEN presumed from a SYN addressed to it */
};

static const char *state_nm(long long v)
{
    return tcpdiag_state_name((tcpdiag_state)v);
}

static tcpdiag_state expected_next(tcpdiag_state from, tcpdiag_event ev)
{
    for (size_t i = 0; i < sizeof expected_changes / sizeof expected_changes[0]; i++)
        if (expected_changes[i].from == from && expected_changes[i].ev == ev)
            return expected_changes[i].to;
    return from;
}

static void test_every_cell(void)
{
    /* The expected list itself must not name a cell twice nor a no-op. */
    size_t n = sizeof expected_changes / sizeof expected_changes[0];
    for (size_t i = 0; i < n; i++) {
        CHECK(expected_changes[i].from != expected_changes[i].to);
        for (size_t j = i + 1; j < n; j++)
            CHECK(!(expected_changes[i].from == expected_changes[j].from &&
                    expected_changes[i].ev == expected_changes[j].ev));
    }

    for (int st = S(UNKNOWN); st < S(COUNT); st++) {
        for (int ev = 0; ev < TCPDIAG_EV_COUNT; ev++) {
            check_context("%s + %s", state_nm(st), tcpdiag_event_name((tcpdiag_event)ev));
            CHECK_EQ_NAMED(tcpdiag_state_next((tcpdiag_state)st, (tcpdiag_event)ev),
                           expected_next((tcpdiag_state)st, (tcpdiag_event)ev), state_nm);
        }
    }
    check_context("%s", "");
}

static void test_names(void)
{
    static const struct { tcpdiag_state st; const char *name; } names[] = {
        { S(LISTEN), "LISTEN" },         { S(SYN_SENT), "SYN_SENT" },
        { S(SYN_RECEIVED), "SYN_RECEIVED" }, { S(ESTABLISHED), "ESTABLISHED" },
        { S(FIN_WAIT_1), "FIN_WAIT_1" }, { S(FIN_WAIT_2), "FIN_WAIT_2" },
        { S(CLOSE_WAIT), "CLOSE_WAIT" }, { S(CLOSING), "CLOSING" },
        { S(LAST_ACK), "LAST_ACK" },     { S(TIME_WAIT), "TIME_WAIT" },
        { S(CLOSED), "CLOSED" },         { S(UNKNOWN), "UNKNOWN" },
    };
    CHECK_EQ_INT(sizeof names / sizeof names[0], S(COUNT) - S(UNKNOWN));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_context("name of %s", names[i].name);
        CHECK_EQ_STR(tcpdiag_state_name(names[i].st), names[i].name);
        const char *m = tcpdiag_state_meaning(names[i].st);
        CHECK(m != NULL && m[0] != '\0');
    }
    for (int ev = 0; ev < TCPDIAG_EV_COUNT; ev++) {
        check_context("event %d", ev);
        const char *en = tcpdiag_event_name((tcpdiag_event)ev);
        CHECK(en != NULL && en[0] != '\0' && strcmp(en, "?") != 0);
    }
    check_context("%s", "");
}

static void test_out_of_range(void)
{
    /* 0 is the table's "no change" marker and COUNT is past the end: neither
     * is a state; both must be handled without reading outside the tables. */
    const tcpdiag_state bad_states[] = { (tcpdiag_state)0, S(COUNT), (tcpdiag_state)200 };
    for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++) {
        check_context("bad state %d", (int)bad_states[i]);
        const char *nm = tcpdiag_state_name(bad_states[i]);
        const char *m = tcpdiag_state_meaning(bad_states[i]);
        CHECK(nm != NULL && nm[0] != '\0');
        CHECK(m != NULL && m[0] != '\0');
        for (int ev = 0; ev < TCPDIAG_EV_COUNT; ev++)
            CHECK_EQ_INT(tcpdiag_state_next(bad_states[i], (tcpdiag_event)ev), bad_states[i]);
    }
    const tcpdiag_event bad_events[] = { TCPDIAG_EV_COUNT, (tcpdiag_event)200 };
    for (size_t i = 0; i < sizeof bad_events / sizeof bad_events[0]; i++) {
        check_context("bad event %d", (int)bad_events[i]);
        const char *en = tcpdiag_event_name(bad_events[i]);
        CHECK(en != NULL);
        for (int st = S(UNKNOWN); st < S(COUNT); st++)
            CHECK_EQ_INT(tcpdiag_state_next((tcpdiag_state)st, bad_events[i]), st);
    }
    check_context("%s", "");
}

int main(void)
{
    test_every_cell();
    test_names();
    test_out_of_range();
    return tcpdiag_check_finish("test_state_table");
}
