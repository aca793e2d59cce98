/* test_handshake_table.c - every cell of the handshake verdict table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Expected values from RFC 9293 s3.5: the handshake is
 * SYN, SYN-ACK, ACK. Only the two "in progress" verdicts (syn_only,
 * syn_synack) can move, and rejected when the same SYN is re-sent (the
 * refusal did not end the attempt); not_seen, complete, simultaneous and
 * aborted are final for a conversation (a new SYN on the 4-tuple opens a
 * new conversation instead). Every pair not listed leaves the verdict alone.
 */
#include "tcpdiag_check.h"
#include "tcpdiag_handshake.h"

#define H(x) TCPDIAG_HS_##x
#define E(x) TCPDIAG_HS_EV_##x

typedef struct cell {
    tcpdiag_handshake from;
    tcpdiag_hs_event ev;
    tcpdiag_handshake to;
} cell;

static const cell expected_changes[] = {
    /* ---- syn_only: the client's SYN(s), nothing back yet ---- */
    { H(SYN_ONLY), E(SYN_FROM_SERVER), H(SIMULTANEOUS) }, /* a bare SYN the other way: simultaneous open */
    { H(SYN_ONLY), E(SYNACK), H(SYN_SYNACK) },            /* the server answered */
    { H(SYN_ONLY), E(FINAL_ACK), H(COMPLETE) },           /* the client acked a SYN-ACK the tap missed */
    { H(SYN_ONLY), E(RST_FROM_SERVER), H(REJECTED) },     /* RST answering the SYN: connection refused */
    /* A client reset before any answer was seen ends the attempt; the server
     * did not refuse it, so it is an abort, not a rejection. */
    { H(SYN_ONLY), E(RST_FROM_CLIENT), H(ABORTED) },
    { H(SYN_ONLY), E(ICMP_UNREACHABLE), H(REJECTED) },    /* destination unreachable quoting the SYN */

    /* ---- syn_synack: final ACK missing ---- */
    { H(SYN_SYNACK), E(FINAL_ACK), H(COMPLETE) },
    { H(SYN_SYNACK), E(RST_FROM_SERVER), H(ABORTED) },    /* reset after the SYN-ACK, before the final ACK */
    { H(SYN_SYNACK), E(RST_FROM_CLIENT), H(ABORTED) },    /* e.g. the client rejects a SYN-ACK with a bad ACK */
    /* SYN_FROM_SERVER / SYNACK (repeats) change nothing; an ICMP unreachable
     * for a SYN that was already answered is stale: no change. */

    /* ---- rejected: the same SYN re-sent means the client did not give up ---- */
    { H(REJECTED), E(SYN_RETRY), H(SYN_ONLY) },
    /* SYN_RETRY while syn_only is a plain retransmission: no change; after an
     * answer (syn_synack, complete ...) it changes nothing either. */
};

static const char *hs_nm(long long v)
{
    return tcpdiag_handshake_name((tcpdiag_handshake)v);
}

static const char *ev_nm(int ev)
{
    return tcpdiag_hs_event_name((tcpdiag_hs_event)ev);
}

static tcpdiag_handshake expected_next(tcpdiag_handshake from, tcpdiag_hs_event ev)
{
    for (size_t i = 0; i < sizeof expected_changes / sizeof expected_changes[0]; i++)
        if (expected_changes[i].from == from && expected_changes[i].ev == ev)
            return expected_changes[i].to;
    return from;
}

static void test_every_cell(void)
{
    for (int hs = H(NOT_SEEN); hs < H(COUNT); hs++) {
        for (int ev = 0; ev < TCPDIAG_HS_EV_COUNT; ev++) {
            check_context("%s + %s", hs_nm(hs), ev_nm(ev));
            CHECK_EQ_NAMED(tcpdiag_handshake_next((tcpdiag_handshake)hs, (tcpdiag_hs_event)ev),
                           expected_next((tcpdiag_handshake)hs, (tcpdiag_hs_event)ev), hs_nm);
        }
    }
    check_context("%s", "");
}

static void test_names(void)
{
    static const struct { tcpdiag_handshake hs; const char *name; } names[] = {
        { H(NOT_SEEN), "not_seen" }, { H(SYN_ONLY), "syn_only" },
        { H(SYN_SYNACK), "syn_synack" }, { H(COMPLETE), "complete" },
        { H(REJECTED), "rejected" }, { H(SIMULTANEOUS), "simultaneous" },
        { H(ABORTED), "aborted" },
    };
    CHECK_EQ_INT(sizeof names / sizeof names[0], H(COUNT) - H(NOT_SEEN));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_context("name of %s", names[i].name);
        CHECK_EQ_STR(tcpdiag_handshake_name(names[i].hs), names[i].name);
        const char *m = tcpdiag_handshake_meaning(names[i].hs);
        CHECK(m != NULL && m[0] != '\0');
    }
    check_context("%s", "");
}

static void test_out_of_range(void)
{
    const tcpdiag_handshake bad[] = { (tcpdiag_handshake)0, H(COUNT), (tcpdiag_handshake)200 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_context("bad verdict %d", (int)bad[i]);
        const char *n = tcpdiag_handshake_name(bad[i]);
        const char *m = tcpdiag_handshake_meaning(bad[i]);
        CHECK(n != NULL && n[0] != '\0');
        CHECK(m != NULL && m[0] != '\0');
        for (int ev = 0; ev < TCPDIAG_HS_EV_COUNT; ev++)
            CHECK_EQ_INT(tcpdiag_handshake_next(bad[i], (tcpdiag_hs_event)ev), bad[i]);
    }
    for (int hs = H(NOT_SEEN); hs < H(COUNT); hs++) {
        check_context("bad event on %s", hs_nm(hs));
        CHECK_EQ_INT(tcpdiag_handshake_next((tcpdiag_handshake)hs, TCPDIAG_HS_EV_COUNT), hs);
        CHECK_EQ_INT(tcpdiag_handshake_next((tcpdiag_handshake)hs, (tcpdiag_hs_event)200), hs);
    }
    check_context("%s", "");
}

int main(void)
{
    test_every_cell();
    test_names();
    test_out_of_range();
    return tcpdiag_check_finish("test_handshake_table");
}
