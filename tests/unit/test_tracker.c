/* test_tracker.c - hand-written segment sequences through tcpdiag_tracker_process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every scenario asserts the verdict after EVERY segment. Expected values
 * are reasoned from RFC 9293 (and RFC 7413 for TCP Fast Open, Linux for the
 * ICMP and TIME_WAIT behaviour) for a tap between the two hosts: what an
 * endpoint sends is certain, what it receives is assumed delivered.
 *
 * Default conversation: client 10.0.0.1:40000 -> server 10.0.0.2:80,
 * client ISN 1000, server ISN 5000. Times in ns, 1 ms steps unless stated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcpdiag_check.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_handshake.h"
#include "tcpdiag_state.h"

#define MS 1000000LL
#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)   /* an ordinary absolute capture time */

enum { C = 0, Sv = 1 };           /* who sends: client or server */

#define SYN TCPDIAG_SYN
#define SA (TCPDIAG_SYN | TCPDIAG_ACK)
#define A TCPDIAG_ACK
#define PA (TCPDIAG_PSH | TCPDIAG_ACK)
#define FA (TCPDIAG_FIN | TCPDIAG_ACK)
#define R TCPDIAG_RST
#define RA (TCPDIAG_RST | TCPDIAG_ACK)

#define CI 1000u
#define SI 5000u

#define N(x) (1u << TCPDIAG_NOTE_##x)
#define STCH N(STATE_CHANGE)

/* ---- naming for failure messages ------------------------------------------ */

static const char *st_nm(long long v)
{
    return tcpdiag_state_name((tcpdiag_state)v);
}

static const char *hs_nm(long long v)
{
    return tcpdiag_handshake_name((tcpdiag_handshake)v);
}

/* Every notice set in v, by the core's own names (none can be missing). */
static const char *notes_nm(long long v)
{
    /* Room for every bit of the 32-bit mask, each named at most 31 characters. */
    static char buf[4][32 * 32 + 8];
    static int which;
    char *b = buf[which++ & 3];
    size_t used = 0;
    b[0] = '\0';
    for (int i = 0; i < 32; i++) {
        if (!((unsigned long long)v & (1ull << i)))
            continue;
        used += (size_t)snprintf(b + used, sizeof buf[0] - used, "%s%.31s", used ? "|" : "",
                                 tcpdiag_notice_name((tcpdiag_notice)i));
    }
    if (!used)
        strcpy(b, "none");
    return b;
}

static const char *conv_nm(long long v)
{
    return v == TCPDIAG_NO_CONV ? "NO_CONV" : "a conversation";
}

/* ---- the harness ------------------------------------------------------------ */

typedef struct sim {
    const char *name;
    tcpdiag_tracker *t;
    tcpdiag_tuple cs;         /* client -> server */
    tcpdiag_tuple sc;         /* server -> client */
    uint32_t frame;
    int64_t now;
    tcpdiag_verdict v;
} sim;

static tcpdiag_tuple tuple4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
    tcpdiag_tuple t;
    memset(&t, 0, sizeof t);
    t.family = 4;
    for (int i = 0; i < 4; i++) {
        t.src[i] = (uint8_t)(src >> (24 - 8 * i));
        t.dst[i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    t.sport = sport;
    t.dport = dport;
    return t;
}

static tcpdiag_tuple tuple6(uint8_t src_last, uint16_t sport, uint8_t dst_last, uint16_t dport)
{
    /* 2001:db8::<last> */
    tcpdiag_tuple t;
    memset(&t, 0, sizeof t);
    t.family = 6;
    t.src[0] = t.dst[0] = 0x20;
    t.src[1] = t.dst[1] = 0x01;
    t.src[2] = t.dst[2] = 0x0d;
    t.src[3] = t.dst[3] = 0xb8;
    t.src[15] = src_last;
    t.dst[15] = dst_last;
    t.sport = sport;
    t.dport = dport;
    return t;
}

static tcpdiag_tuple reversed(const tcpdiag_tuple *in)
{
    tcpdiag_tuple t = *in;
    memcpy(t.src, in->dst, sizeof t.src);
    memcpy(t.dst, in->src, sizeof t.dst);
    t.sport = in->dport;
    t.dport = in->sport;
    return t;
}

static void sim_init_tuple(sim *s, const char *name, tcpdiag_tuple cs, int64_t close_wait_warn_ns)
{
    memset(s, 0, sizeof *s);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    cfg.close_wait_warn_ns = close_wait_warn_ns;
    s->name = name;
    s->t = tcpdiag_tracker_new(&cfg);
    s->cs = cs;
    s->sc = reversed(&cs);
    s->now = T0;
    check_context("%s", name);
}

static void sim_init(sim *s, const char *name)
{
    sim_init_tuple(s, name, tuple4(0x0A000001u, 40000, 0x0A000002u, 80), 3600 * SEC);
}

static void sim_free(sim *s)
{
    tcpdiag_tracker_free(s->t);
    check_context("%s", "");
}

static tcpdiag_segment mkseg(const tcpdiag_tuple *tu, uint8_t flags, uint32_t seq, uint32_t ack,
                             uint32_t len)
{
    tcpdiag_segment g;
    memset(&g, 0, sizeof g);
    g.tuple = *tu;
    g.flags_known = true;
    g.flags = flags;
    g.seq = seq;
    g.ack = (flags & TCPDIAG_ACK) ? ack : 0;
    g.payload_len = len;
    g.window = 65535;
    g.has_stream = true;
    g.stream = 7;
    return g;
}

/* Feeds a prepared segment dt ns after the previous one. */
static const tcpdiag_verdict *feed(sim *s, tcpdiag_segment *g, int64_t dt)
{
    s->now += dt;
    g->frame = ++s->frame;
    g->time_ns = s->now;
    check_context("%s, frame %u", s->name, (unsigned)s->frame);
    tcpdiag_tracker_process(s->t, g, &s->v, NULL);
    return &s->v;
}

/* One segment from the client (C) or the server (Sv). */
static const tcpdiag_verdict *tx_dt(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                                    uint32_t len, int64_t dt)
{
    tcpdiag_segment g = mkseg(from == C ? &s->cs : &s->sc, flags, seq, ack, len);
    return feed(s, &g, dt);
}

static const tcpdiag_verdict *tx(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                                 uint32_t len)
{
    return tx_dt(s, from, flags, seq, ack, len, 1 * MS);
}

/* A header quoted in an ICMP error. `from` is who sent the quoted segment. */
static const tcpdiag_verdict *quoted(sim *s, int from, bool flags_known, uint8_t flags, uint32_t seq,
                                     tcpdiag_icmp_error why, uint8_t type, uint8_t code)
{
    tcpdiag_segment g = mkseg(from == C ? &s->cs : &s->sc, flags, seq, 0, 0);
    g.flags_known = flags_known;
    if (!flags_known)
        g.flags = 0;
    g.quoted_by = why;
    g.icmp_type = type;
    g.icmp_code = code;
    return feed(s, &g, 1 * MS);
}

#define EXPECT(v, hs, cli, srv)                                                  \
    do {                                                                         \
        CHECK_EQ_NAMED((v)->handshake, TCPDIAG_HS_##hs, hs_nm);                  \
        CHECK_EQ_NAMED((v)->state_client, TCPDIAG_STATE_##cli, st_nm);           \
        CHECK_EQ_NAMED((v)->state_server, TCPDIAG_STATE_##srv, st_nm);           \
    } while (0)

#define EXPECT_PREV(v, cli, srv)                                                 \
    do {                                                                         \
        CHECK_EQ_NAMED((v)->prev_client, TCPDIAG_STATE_##cli, st_nm);            \
        CHECK_EQ_NAMED((v)->prev_server, TCPDIAG_STATE_##srv, st_nm);            \
    } while (0)

/* Exactly these notices. */
#define EXPECT_NOTES(v, mask) CHECK_EQ_NAMED((v)->notices, (mask), notes_nm)
#define EXPECT_NOTE(v, n) CHECK(tcpdiag_verdict_has((v), TCPDIAG_NOTE_##n))
#define EXPECT_NO_NOTE(v, n) CHECK(!tcpdiag_verdict_has((v), TCPDIAG_NOTE_##n))

#define EXPECT_NO_RTT(v)                                                         \
    do {                                                                         \
        CHECK(!(v)->rtt_known);                                                  \
        CHECK(!(v)->rtt_server_known);                                           \
        CHECK(!(v)->rtt_client_known);                                           \
    } while (0)

/* SYN, SYN-ACK, ACK with the default ISNs; each verdict checked. */
static void open_conn(sim *s)
{
    const tcpdiag_verdict *v;
    v = tx(s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    v = tx(s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
}

/* ---- scenarios --------------------------------------------------------------- */

static void test_normal_open_client_close(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "normal open + client close");

    /* SYN: active open; the server is presumed to LISTEN (a SYN is addressed to it). */
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_PREV(v, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK(!v->from_server);
    CHECK(!v->roles_inferred);
    CHECK(!v->quoted);
    CHECK(v->has_stream);
    CHECK_EQ_INT(v->stream, 7);
    CHECK_EQ_INT(v->syn_count, 1);
    CHECK_EQ_INT(v->synack_count, 0);
    EXPECT_NO_RTT(v);

    /* SYN-ACK 10 ms later: server answered (SYN_RECEIVED); the client gets a
     * valid SYN-ACK (ack = ISN+1), assumed delivered: ESTABLISHED.
     * Tap -> server -> tap = 10 ms. */
    v = tx_dt(&s, Sv, SA, SI, CI + 1, 0, 10 * MS);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_PREV(v, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK(v->from_server);
    CHECK_EQ_INT(v->synack_count, 1);
    CHECK(v->rtt_server_known);
    CHECK_EQ_INT(v->rtt_server_ns, 10 * MS);
    CHECK(!v->rtt_known);
    CHECK(!v->rtt_client_known);

    /* Final ACK 1 ms later: complete. SYN -> ACK = 11 ms, tap -> client -> tap = 1 ms. */
    v = tx_dt(&s, C, A, CI + 1, SI + 1, 0, 1 * MS);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_PREV(v, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    CHECK(v->rtt_known);
    CHECK_EQ_INT(v->rtt_ns, 11 * MS);
    CHECK(v->rtt_client_known);
    CHECK_EQ_INT(v->rtt_client_ns, 1 * MS);
    CHECK(v->rtt_server_known);
    CHECK_EQ_INT(v->rtt_server_ns, 10 * MS);

    /* Data both ways: nothing changes, nothing to report; RTTs stay. */
    v = tx(&s, C, PA, CI + 1, SI + 1, 100);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    CHECK_EQ_INT(v->payload_len, 100);
    CHECK_EQ_INT(v->rtt_ns, 11 * MS);
    v = tx(&s, Sv, PA, SI + 1, CI + 101, 200);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, A, CI + 101, SI + 201, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);

    /* Client FIN (occupies seq CI+101): active close; the server takes the FIN: CLOSE_WAIT. */
    v = tx(&s, C, FA, CI + 101, SI + 201, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    /* Server ACKs the FIN: client FIN_WAIT_2; the server has been CLOSE_WAIT 1 ms. */
    v = tx(&s, Sv, A, SI + 201, CI + 102, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->close_wait_ns, 1 * MS);
    /* Server FIN: LAST_ACK; the client takes it: TIME_WAIT. */
    v = tx(&s, Sv, FA, SI + 201, CI + 102, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    EXPECT_NOTES(v, STCH);
    /* Last ACK: the server is CLOSED, the client stays in TIME_WAIT. */
    v = tx(&s, C, A, CI + 102, SI + 202, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    EXPECT_PREV(v, TIME_WAIT, LAST_ACK);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->conv_id, 0);

    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    const tcpdiag_conv *c = tcpdiag_tracker_conv(s.t, 0);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(c->tuple.sport, 40000);
        CHECK_EQ_INT(c->tuple.dport, 80);
        CHECK_EQ_INT(c->first_frame, 1);
        CHECK_EQ_INT(c->last_frame, s.frame);
    }
    CHECK(tcpdiag_tracker_conv(s.t, 1) == NULL);
    sim_free(&s);
}

static void test_server_close_first(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "server closes first");
    open_conn(&s);
    v = tx(&s, Sv, FA, SI + 1, CI + 1, 0);        /* server active close */
    EXPECT(v, COMPLETE, CLOSE_WAIT, FIN_WAIT_1);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, A, CI + 1, SI + 2, 0);          /* client acks the FIN */
    EXPECT(v, COMPLETE, CLOSE_WAIT, FIN_WAIT_2);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, FA, CI + 1, SI + 2, 0);         /* client closes too */
    EXPECT(v, COMPLETE, LAST_ACK, TIME_WAIT);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, Sv, A, SI + 2, CI + 2, 0);         /* last ACK */
    EXPECT(v, COMPLETE, CLOSED, TIME_WAIT);
    EXPECT_NOTES(v, STCH);
    sim_free(&s);
}

/* The server sends [SI+1, SI+1001) and [SI+1001, SI+2001), then its FIN
 * with [SI+2001, SI+2501); the first segment never reaches the client
 * (lost after the tap). Hand reasoning: the FIN passing the tap is taken
 * as delivered (client CLOSE_WAIT), but the client's next ACK stays at
 * SI+1 and SACKs [SI+1001, SI+2502): it holds the FIN, yet data before it
 * is missing, and TCP acts on a FIN only in sequence order, so the client
 * is still ESTABLISHED (as netstat there says) and stays so on its second
 * such ACK. The re-sent first segment fills the gap; the client's ACK of
 * SI+2502 covers the FIN: CLOSE_WAIT, the server FIN_WAIT_2. Control: the
 * same ACK without SACK could have left before the FIN arrived (crossing):
 * the FIN is still on its way, CLOSE_WAIT stays. */
static void test_fin_held_behind_gap(void)
{
    for (int sacked = 0; sacked < 2; sacked++) {
        sim s;
        const tcpdiag_verdict *v;
        sim_init(&s, sacked ? "FIN held behind a gap" : "FIN crossing an ACK");
        open_conn(&s);
        tx(&s, Sv, A, SI + 1, CI + 1, 1000);
        tx(&s, Sv, A, SI + 1001, CI + 1, 1000);
        v = tx(&s, Sv, FA, SI + 2001, CI + 1, 500);
        EXPECT(v, COMPLETE, CLOSE_WAIT, FIN_WAIT_1);
        for (int i = 0; i < 2; i++) {
            tcpdiag_segment d = mkseg(&s.cs, A, CI + 1, SI + 1, 0);
            if (sacked) {
                d.sack_count = 1;
                d.sack[0] = (tcpdiag_sack_block){ SI + 1001, SI + 2502 };
                d.options = TCPDIAG_OPT_SACK;
            }
            v = feed(&s, &d, 1 * MS);
            if (sacked)
                EXPECT(v, COMPLETE, ESTABLISHED, FIN_WAIT_1);
            else
                EXPECT(v, COMPLETE, CLOSE_WAIT, FIN_WAIT_1);
        }
        tx(&s, Sv, A, SI + 1, CI + 1, 1000);
        v = tx(&s, C, A, CI + 1, SI + 2502, 0);
        EXPECT(v, COMPLETE, CLOSE_WAIT, FIN_WAIT_2);
        sim_free(&s);
    }
}

static void test_half_close(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "half-close");
    open_conn(&s);
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);         /* client: done sending */
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    v = tx(&s, Sv, A, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    /* The server keeps sending: legal in CLOSE_WAIT, not "data after FIN"
     * (it is the client that sent the FIN). */
    v = tx(&s, Sv, PA, SI + 1, CI + 2, 500);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, A, CI + 2, SI + 501, 0);        /* FIN_WAIT_2 still acks data */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, PA, SI + 501, CI + 2, 500);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, A, CI + 2, SI + 1001, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    v = tx(&s, Sv, FA, SI + 1001, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, A, CI + 2, SI + 1002, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    sim_free(&s);
}

static void test_simultaneous_open(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "simultaneous open");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    /* A bare SYN back (not a SYN-ACK): simultaneous open (RFC 9293 fig. 8).
     * Server: active open -> SYN_SENT. Client SYN_SENT takes a SYN -> SYN_RECEIVED. */
    v = tx(&s, Sv, SYN, SI, 0, 0);
    EXPECT(v, SIMULTANEOUS, SYN_RECEIVED, SYN_SENT);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK(v->from_server);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    /* Each side now sends SYN,ACK. The client's answers the server SYN; the
     * server (SYN_SENT) gets a valid SYN-ACK: ESTABLISHED. This SYN-ACK is
     * the client's first, not a re-send: no SYNACK_REPEATED, and the client
     * still sent exactly one SYN (syn_count: 1 = no retransmission). */
    v = tx(&s, C, SA, CI, SI + 1, 0);
    EXPECT(v, SIMULTANEOUS, SYN_RECEIVED, ESTABLISHED);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->syn_count, 1);
    /* The server's SYN-ACK: the client (SYN_RECEIVED) gets it: ESTABLISHED.
     * Again the server's first SYN-ACK. */
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SIMULTANEOUS, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH);
    /* Data: nothing to report (not "before handshake": both are synchronized). */
    v = tx(&s, C, PA, CI + 1, SI + 1, 10);
    EXPECT(v, SIMULTANEOUS, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, A, SI + 1, CI + 11, 0);
    EXPECT(v, SIMULTANEOUS, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    /* No SYN -> SYN-ACK -> final ACK sequence: no handshake RTT legs. */
    CHECK(!v->rtt_known);
    CHECK(!v->rtt_client_known);
    sim_free(&s);
}

static void test_simultaneous_close(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "simultaneous close");
    open_conn(&s);
    /* Client FIN passes the tap first: assumed delivered, server CLOSE_WAIT. */
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    /* Server FIN whose ACK (CI+1) does NOT cover the client's FIN: when the
     * server sent it, the client FIN had not arrived - the FINs crossed. The
     * server went ESTABLISHED -> FIN_WAIT_1, and the client FIN still on its
     * way takes it to CLOSING. The client (FIN_WAIT_1) takes the server FIN:
     * CLOSING. */
    v = tx(&s, Sv, FA, SI + 1, CI + 1, 0);
    EXPECT(v, COMPLETE, CLOSING, CLOSING);
    EXPECT_NOTES(v, STCH);
    /* Client ACKs the server FIN: the server (CLOSING) gets the ACK of its FIN: TIME_WAIT. */
    v = tx(&s, C, A, CI + 2, SI + 2, 0);
    EXPECT(v, COMPLETE, CLOSING, TIME_WAIT);
    EXPECT_NOTES(v, STCH);
    /* Server ACKs the client FIN: client TIME_WAIT too. */
    v = tx(&s, Sv, A, SI + 2, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, TIME_WAIT);
    EXPECT_NOTES(v, STCH);
    sim_free(&s);
}

static void test_fin_ack_piggybacked(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "FIN+ACK piggybacked");
    open_conn(&s);
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    /* The server's FIN also acks the client FIN (ack CI+2): the client gets
     * the ACK of its FIN (FIN_WAIT_2) then the FIN (TIME_WAIT) in one segment. */
    v = tx(&s, Sv, FA, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    EXPECT_PREV(v, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, A, CI + 2, SI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    EXPECT_NOTES(v, STCH);
    sim_free(&s);
}

static void test_retransmitted_fin(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "retransmitted FIN");
    open_conn(&s);
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    /* Same FIN again (its ACK was slow): nothing changes, nothing to report. */
    v = tx_dt(&s, C, FA, CI + 1, SI + 1, 0, 200 * MS);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, A, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    v = tx(&s, Sv, FA, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    /* The server re-sends its FIN (the last ACK was lost): no change; the
     * client in TIME_WAIT re-acks it - still TIME_WAIT, server still LAST_ACK
     * until that ACK passes. */
    v = tx_dt(&s, Sv, FA, SI + 1, CI + 2, 0, 200 * MS);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, A, CI + 2, SI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    sim_free(&s);
}

/* ---- RST in every state ---- */

enum stage {
    ST_SYN_ONLY, ST_SYN_SYNACK, ST_ESTABLISHED, ST_FW1_CW, ST_FW2_CW, ST_TW_LASTACK,
    ST_CLOSING, ST_MIDSTREAM, ST_COUNT
};

static const char *const stage_name[ST_COUNT] = {
    "SYN_SENT/LISTEN", "ESTABLISHED/SYN_RECEIVED", "ESTABLISHED/ESTABLISHED",
    "FIN_WAIT_1/CLOSE_WAIT", "FIN_WAIT_2/CLOSE_WAIT", "TIME_WAIT/LAST_ACK",
    "CLOSING/CLOSING", "UNKNOWN/ESTABLISHED (mid-stream)",
};

/* Drives a fresh conversation to a stage; returns the client's and server's next seq. */
static void build_stage(sim *s, enum stage st, uint32_t *cseq, uint32_t *sseq)
{
    const tcpdiag_verdict *v;
    *cseq = CI + 1;
    *sseq = SI + 1;
    if (st == ST_MIDSTREAM) {
        v = tx(s, Sv, PA, SI + 1, CI + 1, 10);
        EXPECT(v, NOT_SEEN, UNKNOWN, ESTABLISHED);
        *sseq = SI + 11;
        return;
    }
    v = tx(s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    if (st == ST_SYN_ONLY)
        return;
    v = tx(s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    if (st == ST_SYN_SYNACK)
        return;
    v = tx(s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    if (st == ST_ESTABLISHED)
        return;
    if (st == ST_CLOSING) {
        v = tx(s, C, FA, CI + 1, SI + 1, 0);
        v = tx(s, Sv, FA, SI + 1, CI + 1, 0);     /* crossing FINs */
        EXPECT(v, COMPLETE, CLOSING, CLOSING);
        *cseq = CI + 2;
        *sseq = SI + 2;
        return;
    }
    v = tx(s, C, FA, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    *cseq = CI + 2;
    if (st == ST_FW1_CW)
        return;
    v = tx(s, Sv, A, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    if (st == ST_FW2_CW)
        return;
    v = tx(s, Sv, FA, SI + 1, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    *sseq = SI + 2;
}

static void test_rst_in_each_state(void)
{
    for (int st = 0; st < ST_COUNT; st++) {
        for (int from = C; from <= Sv; from++) {
            sim s;
            char name[120];
            snprintf(name, sizeof name, "RST from %s in %s", from == C ? "client" : "server",
                     stage_name[st]);
            sim_init(&s, name);
            uint32_t cseq, sseq;
            build_stage(&s, (enum stage)st, &cseq, &sseq);
            uint8_t before_hs = s.v.handshake;
            const tcpdiag_verdict *v;
            if (st == ST_SYN_ONLY && from == Sv) {
                /* RST,ACK answering the SYN: refused. No listener: both CLOSED. */
                v = tx(&s, Sv, RA, 0, CI + 1, 0);
                EXPECT(v, REJECTED, CLOSED, CLOSED);
                EXPECT_NOTES(v, STCH | N(REJECTED_RST));
            } else if (st == ST_SYN_ONLY) {
                /* The client gives up with an RST: it is CLOSED; an RST is
                 * ignored by a listener (RFC 9293 s3.10.7.2): server stays
                 * LISTEN. No answer was seen, the server did not refuse:
                 * the attempt is aborted. */
                v = tx(&s, C, R, CI + 1, 0, 0);
                EXPECT(v, ABORTED, CLOSED, LISTEN);
                EXPECT_NOTES(v, STCH | N(HANDSHAKE_ABORTED));
            } else if (st == ST_SYN_SYNACK) {
                /* Reset after the SYN-ACK, before the final ACK: aborted. */
                v = from == C ? tx(&s, C, R, cseq, 0, 0) : tx(&s, Sv, R, sseq, 0, 0);
                EXPECT(v, ABORTED, CLOSED, CLOSED);
                EXPECT_NOTES(v, STCH | N(HANDSHAKE_ABORTED));
            } else {
                /* Any synchronized state (TIME_WAIT included, Linux
                 * tcp_rfc1337=0) is ended by an RST sent or received. The
                 * handshake verdict is final and stays. */
                v = from == C ? tx(&s, C, R, cseq, 0, 0) : tx(&s, Sv, R, sseq, 0, 0);
                CHECK_EQ_NAMED(v->handshake, before_hs, hs_nm);
                CHECK_EQ_NAMED(v->state_client, TCPDIAG_STATE_CLOSED, st_nm);
                CHECK_EQ_NAMED(v->state_server, TCPDIAG_STATE_CLOSED, st_nm);
                EXPECT_NOTES(v, STCH);
            }
            CHECK_EQ_INT(v->conv_id, 0);
            CHECK_EQ_INT(v->from_server, from == Sv);
            sim_free(&s);
        }
    }
}

static void test_connection_refused(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "connection refused");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    /* RST,ACK acking the SYN: nothing listens. rejected; both CLOSED;
     * the evidence is the SYN it answers (frame 1). */
    v = tx(&s, Sv, RA, 0, CI + 1, 0);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    EXPECT_PREV(v, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, STCH | N(REJECTED_RST));
    CHECK_EQ_INT(v->evidence_frame, 1);
    CHECK(v->from_server);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    sim_free(&s);

    /* With a retransmitted SYN: the RST answers the latest SYN (frame 2). */
    sim_init(&s, "connection refused after SYN retransmission");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx_dt(&s, C, SYN, CI, 0, 0, 1 * SEC);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, N(SYN_UNANSWERED));
    v = tx(&s, Sv, RA, 0, CI + 1, 0);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH | N(REJECTED_RST));
    CHECK_EQ_INT(v->evidence_frame, 2);
    CHECK_EQ_INT(v->syn_count, 2);
    sim_free(&s);
}

static void test_syn_retransmissions(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "SYN retransmissions");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NO_NOTE(v, SYN_UNANSWERED);
    CHECK_EQ_INT(v->syn_count, 1);
    /* Linux backoff: 1 s, then 2 s more. Same ISN: the same attempt. */
    v = tx_dt(&s, C, SYN, CI, 0, 0, 1 * SEC);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, N(SYN_UNANSWERED));
    CHECK_EQ_INT(v->syn_count, 2);
    CHECK_EQ_INT(v->conv_id, 0);
    v = tx_dt(&s, C, SYN, CI, 0, 0, 2 * SEC);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, N(SYN_UNANSWERED));
    CHECK_EQ_INT(v->syn_count, 3);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    /* The answer, 20 ms after the LATEST SYN: that is the round trip. */
    v = tx_dt(&s, Sv, SA, SI, CI + 1, 0, 20 * MS);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH);
    CHECK(v->rtt_server_known);
    CHECK_EQ_INT(v->rtt_server_ns, 20 * MS);
    CHECK_EQ_INT(v->synack_count, 1);
    v = tx_dt(&s, C, A, CI + 1, SI + 1, 0, 1 * MS);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    CHECK_EQ_INT(v->rtt_ns, 21 * MS);
    CHECK_EQ_INT(v->rtt_client_ns, 1 * MS);
    CHECK_EQ_INT(v->syn_count, 3);
    sim_free(&s);

    /* SYN-ACK re-sent: the final ACK did not come in time. */
    sim_init(&s, "SYN-ACK retransmission");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NO_NOTE(v, SYNACK_REPEATED);
    v = tx_dt(&s, Sv, SA, SI, CI + 1, 0, 1 * SEC);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, N(SYNACK_REPEATED));
    CHECK_EQ_INT(v->synack_count, 2);
    CHECK_EQ_INT(v->syn_count, 1);
    v = tx(&s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    sim_free(&s);
}

static void test_synack_bad_ack(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "SYN-ACK with wrong ack");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    /* ack 7777 != ISN+1: not an answer to this SYN. The client does not take
     * it (stays SYN_SENT; RFC 9293 answers with an RST). The server did send
     * a SYN-ACK (certain): SYN_RECEIVED. A SYN-ACK was seen: syn_synack. */
    v = tx(&s, Sv, SA, SI, 7777, 0);
    EXPECT(v, SYN_SYNACK, SYN_SENT, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH | N(SYNACK_BAD_ACK));
    /* The client's RST (seq = the bad ack, RFC 9293 s3.10.7.3): both CLOSED;
     * reset after the SYN-ACK before the final ACK: aborted. */
    v = tx(&s, C, R, 7777, 0, 0);
    EXPECT(v, ABORTED, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_ABORTED));
    sim_free(&s);
}

static void test_final_ack_bad(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "final ACK with wrong ack");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    /* ack 9999: beyond anything the server sent (SND.NXT = SI+1): not an
     * acceptable ACK (RFC 9293 SYN-RECEIVED check): the server stays. */
    v = tx(&s, C, A, CI + 1, 9999, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, N(FINAL_ACK_BAD));
    CHECK(!v->rtt_known);
    /* ack SI: below ISN+1, it does not cover the SYN either. */
    v = tx(&s, C, A, CI + 1, SI, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, N(FINAL_ACK_BAD));
    /* A correct one completes it. */
    v = tx(&s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    CHECK(v->rtt_known);
    sim_free(&s);
}

static void test_midstream(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "mid-stream start");
    /* First captured segment: data from port 80 to port 40000. No SYN: the
     * roles are guessed, lower port = server; so the sender is the server.
     * It sent a synchronized segment: ESTABLISHED; the client is UNKNOWN
     * until it sends something. */
    v = tx(&s, Sv, PA, 7000, 3000, 100);
    EXPECT(v, NOT_SEEN, UNKNOWN, ESTABLISHED);
    EXPECT_PREV(v, UNKNOWN, UNKNOWN);
    EXPECT_NOTES(v, STCH | N(MIDSTREAM));
    CHECK(v->roles_inferred);
    CHECK(v->from_server);
    CHECK_EQ_INT(v->syn_count, 0);
    EXPECT_NO_RTT(v);
    const tcpdiag_conv *c = tcpdiag_tracker_conv(s.t, v->conv_id);
    CHECK(c != NULL);
    if (c) {   /* oriented client -> server */
        CHECK_EQ_INT(c->tuple.sport, 40000);
        CHECK_EQ_INT(c->tuple.dport, 80);
    }
    v = tx(&s, Sv, PA, 7100, 3000, 100);      /* more: the client is still unknown */
    EXPECT(v, NOT_SEEN, UNKNOWN, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, A, 3000, 7200, 0);          /* the client speaks: ESTABLISHED */
    EXPECT(v, NOT_SEEN, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH);                    /* MIDSTREAM only on the first segment */
    CHECK(v->roles_inferred);
    CHECK(!v->from_server);
    v = tx(&s, C, FA, 3000, 7200, 0);
    EXPECT(v, NOT_SEEN, FIN_WAIT_1, CLOSE_WAIT);
    v = tx(&s, Sv, FA, 7200, 3001, 0);
    EXPECT(v, NOT_SEEN, TIME_WAIT, LAST_ACK);
    v = tx(&s, C, A, 3001, 7201, 0);
    EXPECT(v, NOT_SEEN, TIME_WAIT, CLOSED);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    sim_free(&s);

    /* The first segment is the client's (from the higher port). */
    sim_init(&s, "mid-stream start, client speaks first");
    v = tx(&s, C, A, 3000, 7000, 0);
    EXPECT(v, NOT_SEEN, ESTABLISHED, UNKNOWN);
    EXPECT_NOTES(v, STCH | N(MIDSTREAM));
    CHECK(!v->from_server);
    CHECK(v->roles_inferred);
    sim_free(&s);

    /* Mid-stream and the first segment is the server's FIN; the client
     * (UNKNOWN) learns nothing from receiving it, and tells its state by
     * acking it with its own FIN. */
    sim_init(&s, "mid-stream close");
    v = tx(&s, Sv, FA, 7000, 3000, 0);
    EXPECT(v, NOT_SEEN, UNKNOWN, FIN_WAIT_1);
    EXPECT_NOTES(v, STCH | N(MIDSTREAM));
    v = tx(&s, C, FA, 3000, 7001, 0);         /* acks the FIN (CLOSE_WAIT) and closes: LAST_ACK */
    EXPECT(v, NOT_SEEN, LAST_ACK, TIME_WAIT);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, Sv, A, 7001, 3001, 0);
    EXPECT(v, NOT_SEEN, CLOSED, TIME_WAIT);
    sim_free(&s);
}

static void test_capture_starts_at_synack(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "capture starts at the SYN-ACK");
    /* The SYN-ACK names the roles (its sender is the server) and the client
     * ISN (ack-1): not inferred. The client, which must have sent the SYN,
     * takes the valid SYN-ACK: ESTABLISHED; the server: SYN_RECEIVED. */
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTE(v, STATE_CHANGE);
    CHECK(v->from_server);
    CHECK(!v->roles_inferred);
    CHECK_EQ_INT(v->syn_count, 0);            /* no SYN was seen */
    CHECK_EQ_INT(v->synack_count, 1);
    EXPECT_NO_RTT(v);                         /* the SYN's time is unknown */
    const tcpdiag_conv *c = tcpdiag_tracker_conv(s.t, v->conv_id);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(c->tuple.sport, 40000);
        CHECK_EQ_INT(c->tuple.dport, 80);
    }
    v = tx_dt(&s, C, A, CI + 1, SI + 1, 0, 2 * MS);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    CHECK(!v->rtt_known);                     /* needs the SYN time */
    CHECK(!v->rtt_server_known);
    CHECK(v->rtt_client_known);
    CHECK_EQ_INT(v->rtt_client_ns, 2 * MS);
    sim_free(&s);
}

static void test_port_reuse(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "port reuse");
    open_conn(&s);
    tx(&s, C, FA, CI + 1, SI + 1, 0);
    tx(&s, Sv, FA, SI + 1, CI + 2, 0);
    v = tx(&s, C, A, CI + 2, SI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    /* Both sides done; a new SYN with a new ISN on the same 4-tuple: a new
     * connection (new conversation id). Fresh endpoints: SYN_SENT/LISTEN. */
    v = tx_dt(&s, C, SYN, 900000, 0, 0, 5 * SEC);
    CHECK_EQ_INT(v->conv_id, 1);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, STCH | N(PORT_REUSE));
    CHECK_EQ_INT(v->syn_count, 1);
    EXPECT_NO_RTT(v);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 2);
    v = tx(&s, Sv, SA, 77000, 900001, 0);
    CHECK_EQ_INT(v->conv_id, 1);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, A, 900001, 77001, 0);
    CHECK_EQ_INT(v->conv_id, 1);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    /* The old conversation keeps its end state. */
    const tcpdiag_conv *old = tcpdiag_tracker_conv(s.t, 0);
    CHECK(old != NULL);
    if (old) {
        CHECK_EQ_NAMED(old->ep[TCPDIAG_CLIENT].state, TCPDIAG_STATE_TIME_WAIT, st_nm);
        CHECK_EQ_NAMED(old->ep[TCPDIAG_SERVER].state, TCPDIAG_STATE_CLOSED, st_nm);
        CHECK_EQ_NAMED(old->handshake, TCPDIAG_HS_COMPLETE, hs_nm);
    }
    sim_free(&s);
}

static void test_seq_wraparound(void)
{
    sim s;
    const tcpdiag_verdict *v;
    const uint32_t ci = 0xFFFFFFF0u, si = 0xFFFFFFFFu;
    sim_init(&s, "sequence wraparound");
    v = tx(&s, C, SYN, ci, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(&s, Sv, SA, si, ci + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH);
    /* Server ISN 0xFFFFFFFF: the final ACK acks 0x00000000. */
    v = tx(&s, C, A, ci + 1, 0, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    /* 100 bytes from 0xFFFFFFF1 end at 0x55, across the wrap. */
    v = tx(&s, C, PA, ci + 1, 0, 100);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, A, 0, 0x55, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    /* Client FIN occupies 0x55. */
    v = tx(&s, C, FA, 0x55, 0, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    /* A re-send of the data from before the wrap: it ends at the FIN, not
     * beyond: no DATA_AFTER_FIN, no change. */
    v = tx(&s, C, PA, ci + 1, 0, 100);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    /* The server acks the data up to 0x55 but not the FIN: FIN_WAIT_1 stays. */
    v = tx(&s, Sv, A, 0, 0x55, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    /* 0x56 acks the FIN that lies after the wrap. */
    v = tx(&s, Sv, A, 0, 0x56, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, Sv, FA, 0, 0x56, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    v = tx(&s, C, A, 0x56, 1, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    sim_free(&s);

    /* The FIN sits on 0xFFFFFFFF exactly; its ACK is 0. */
    sim_init(&s, "FIN on 0xFFFFFFFF");
    v = tx(&s, C, SYN, 0xFFFFFFF0u, 0, 0);
    v = tx(&s, Sv, SA, SI, 0xFFFFFFF1u, 0);
    v = tx(&s, C, PA, 0xFFFFFFF1u, SI + 1, 14);          /* ends at 0xFFFFFFFF */
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    v = tx(&s, C, FA, 0xFFFFFFFFu, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    v = tx(&s, Sv, A, SI + 1, 0, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    sim_free(&s);
}

static void test_icmp_quoted(void)
{
    sim s;
    const tcpdiag_verdict *v;

    /* Port unreachable quoting the SYN. Linux aborts connect() (tcp_v4_err:
     * SYN_SENT -> tcp_done): client CLOSED. Nothing listened (or the SYN
     * never arrived): the LISTEN presumed from the SYN is withdrawn: CLOSED. */
    sim_init(&s, "ICMP port unreachable quoting the SYN");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = quoted(&s, C, true, SYN, CI, TCPDIAG_ICMP_UNREACH_HARD, 3, 3);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH | N(REJECTED_ICMP) | N(QUOTED_IN_ICMP));
    CHECK_EQ_INT(v->evidence_frame, 1);
    CHECK(v->quoted);
    CHECK(!v->from_server);                  /* the quoted header is the client's */
    CHECK_EQ_INT(v->icmp_type, 3);
    CHECK_EQ_INT(v->icmp_code, 3);
    CHECK(!v->icmp_v6);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    sim_free(&s);

    /* ICMPv4 errors quote only 8 bytes of TCP header: ports and sequence
     * number, no flags. seq == client ISN identifies the SYN. */
    sim_init(&s, "ICMP quoting a SYN, flags not quoted");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = quoted(&s, C, false, 0, CI + 7, TCPDIAG_ICMP_UNREACH_HARD, 3, 13);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);   /* not the SYN's sequence: not about it */
    EXPECT_NOTES(v, N(QUOTED_IN_ICMP));
    v = quoted(&s, C, false, 0, CI, TCPDIAG_ICMP_UNREACH_HARD, 3, 13);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH | N(REJECTED_ICMP) | N(QUOTED_IN_ICMP));
    sim_free(&s);

    /* Host unreachable (soft code). RFC 1122 lets a stack retry, but Linux
     * aborts a SYN_SENT socket on any destination unreachable except
     * frag-needed: client CLOSED; the SYN never reached the server: CLOSED. */
    sim_init(&s, "ICMP host unreachable quoting the SYN");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = quoted(&s, C, true, SYN, CI, TCPDIAG_ICMP_UNREACH_SOFT, 3, 1);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH | N(REJECTED_ICMP) | N(QUOTED_IN_ICMP));
    CHECK_EQ_INT(v->evidence_frame, 1);
    CHECK_EQ_INT(v->icmp_code, 1);
    sim_free(&s);

    /* Frag needed quoting the SYN: not a refusal; nothing changes. */
    sim_init(&s, "ICMP frag needed quoting the SYN");
    v = tx(&s, C, SYN, CI, 0, 0);
    v = quoted(&s, C, true, SYN, CI, TCPDIAG_ICMP_FRAG_NEEDED, 3, 4);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, N(QUOTED_IN_ICMP));
    CHECK_EQ_INT(v->evidence_frame, 0);
    sim_free(&s);

    /* A quoted data segment mid-connection: not a transmission, the
     * connection is not opening: no state change, same conversation. */
    sim_init(&s, "ICMP quoting a data segment mid-connection");
    open_conn(&s);
    v = tx(&s, C, PA, CI + 1, SI + 1, 1400);
    v = quoted(&s, C, true, PA, CI + 1, TCPDIAG_ICMP_UNREACH_HARD, 3, 13);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, N(QUOTED_IN_ICMP));
    CHECK(v->quoted);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK_EQ_INT(v->icmp_code, 13);
    v = quoted(&s, Sv, true, PA, SI + 1, TCPDIAG_ICMP_FRAG_NEEDED, 3, 4);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, N(QUOTED_IN_ICMP));
    CHECK(v->from_server);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    /* and the connection carries on */
    v = tx(&s, C, PA, CI + 1401, SI + 1, 100);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, 0);
    CHECK_EQ_INT(v->conv_id, 0);
    sim_free(&s);

    /* A quoted header of a 4-tuple never seen: no conversation. */
    sim_init(&s, "ICMP quoting an unknown 4-tuple");
    open_conn(&s);
    {
        tcpdiag_tuple other = tuple4(0x0A000001u, 40001, 0x0A000002u, 80);
        tcpdiag_segment g = mkseg(&other, SYN, 42, 0, 0);
        g.quoted_by = TCPDIAG_ICMP_UNREACH_HARD;
        g.icmp_type = 1;    /* ICMPv6 destination unreachable */
        g.icmp_code = 4;
        g.icmp_v6 = true;
        v = feed(&s, &g, 1 * MS);
        CHECK_EQ_NAMED(v->conv_id, TCPDIAG_NO_CONV, conv_nm);
        CHECK(v->quoted);
        CHECK(v->icmp_v6);
        EXPECT_NOTE(v, QUOTED_IN_ICMP);
        EXPECT_NO_NOTE(v, REJECTED_ICMP);
        CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
        /* still no conversation for it afterwards */
        v = feed(&s, &g, 1 * MS);
        CHECK_EQ_NAMED(v->conv_id, TCPDIAG_NO_CONV, conv_nm);
        CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    }
    sim_free(&s);
}

/* Soft unreachable answered, and the (non-Linux) client keeps retrying the
 * SAME SYN, which gets through: the tracker keeps it in the same
 * conversation. The retry re-opens the attempt: the verdict must follow it
 * to complete, not stay "rejected" while both sides are ESTABLISHED. */
static void test_icmp_soft_then_retry_succeeds(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "ICMP host unreachable, then the SYN retry gets through");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = quoted(&s, C, true, SYN, CI, TCPDIAG_ICMP_UNREACH_SOFT, 3, 1);
    EXPECT(v, REJECTED, CLOSED, CLOSED);
    v = tx_dt(&s, C, SYN, CI, 0, 0, 1 * SEC);
    CHECK_EQ_INT(v->conv_id, 0);                 /* same attempt, same ISN */
    CHECK_EQ_NAMED(v->state_client, TCPDIAG_STATE_SYN_SENT, st_nm);
    CHECK_EQ_NAMED(v->state_server, TCPDIAG_STATE_LISTEN, st_nm);
    CHECK_EQ_NAMED(v->handshake, TCPDIAG_HS_SYN_ONLY, hs_nm);
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    v = tx(&s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTE(v, HANDSHAKE_COMPLETE);
    sim_free(&s);
}

static void test_data_after_fin(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "data after FIN");
    open_conn(&s);
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);       /* FIN occupies CI+1 */
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    v = tx(&s, C, PA, CI + 2, SI + 1, 10);      /* new data beyond the FIN */
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, N(DATA_AFTER_FIN));
    v = tx(&s, C, PA, CI + 1, SI + 1, 10);      /* data on the FIN's own number is past it too */
    EXPECT_NOTES(v, N(DATA_AFTER_FIN));
    sim_free(&s);

    /* A FIN carrying data: the FIN comes after the data; re-sending that same
     * segment is a retransmission, not data after the FIN. */
    sim_init(&s, "FIN with data");
    open_conn(&s);
    v = tx(&s, C, PA | TCPDIAG_FIN, CI + 1, SI + 1, 10);   /* data CI+1..CI+10, FIN on CI+11 */
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, PA | TCPDIAG_FIN, CI + 1, SI + 1, 10);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    v = tx(&s, C, PA, CI + 1, SI + 1, 10);                 /* the data alone again */
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, A, SI + 1, CI + 12, 0);                 /* acks data and FIN */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    v = tx(&s, C, PA, CI + 11, SI + 1, 5);                 /* data where the FIN was */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, N(DATA_AFTER_FIN));
    sim_free(&s);
}

static void test_after_rst(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "segments after RST");
    open_conn(&s);
    v = tx(&s, C, R, CI + 1, 0, 0);
    EXPECT(v, COMPLETE, CLOSED, CLOSED);
    EXPECT_NOTES(v, STCH);
    /* Data already in flight from the server: reported, and a closed socket
     * stays closed. */
    v = tx(&s, Sv, PA, SI + 1, CI + 1, 100);
    EXPECT(v, COMPLETE, CLOSED, CLOSED);
    EXPECT_NOTES(v, N(AFTER_RST));
    /* The client's stack answers it with another RST: an RST is not
     * "after RST" news. */
    v = tx(&s, C, R, CI + 1, 0, 0);
    EXPECT(v, COMPLETE, CLOSED, CLOSED);
    EXPECT_NOTES(v, 0);
    v = tx(&s, Sv, A, SI + 101, CI + 1, 0);
    EXPECT_NOTES(v, N(AFTER_RST));
    sim_free(&s);
}

static void test_data_before_handshake(void)
{
    sim s;
    const tcpdiag_verdict *v;
    /* Data on the final ACK is normal: it completes the handshake. */
    sim_init(&s, "data on the final ACK");
    v = tx(&s, C, SYN, CI, 0, 0);
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    v = tx(&s, C, PA, CI + 1, SI + 1, 50);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    sim_free(&s);

    /* Client data (no ACK flag) while only the SYN is out. */
    sim_init(&s, "client data before the SYN-ACK");
    v = tx(&s, C, SYN, CI, 0, 0);
    v = tx(&s, C, TCPDIAG_PSH, CI + 1, 0, 50);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, N(DATA_BEFORE_HANDSHAKE));
    sim_free(&s);

    /* The server sends data before the client's final ACK (allowed after a
     * Fast Open SYN; otherwise odd). */
    sim_init(&s, "server data before the final ACK");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    v = tx(&s, Sv, PA, SI + 1, CI + 1, 100);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, N(DATA_BEFORE_HANDSHAKE));
    /* The client's first ACK acks the SYN-ACK AND those 100 bytes
     * (ack SI+101). RFC 9293 SYN-RECEIVED: acceptable when
     * SND.UNA < SEG.ACK =< SND.NXT, and SND.NXT is SI+101 here: a valid
     * final ACK, not FINAL_ACK_BAD. */
    v = tx(&s, C, A, CI + 1, SI + 101, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    sim_free(&s);
}

static void test_syn_with_data(void)
{
    sim s;
    const tcpdiag_verdict *v;
    /* TCP Fast Open (RFC 7413): 20 bytes on the SYN; the server accepts them
     * and its SYN-ACK acks SYN + data (ISN+21): a valid SYN-ACK. */
    sim_init(&s, "SYN with data, accepted");
    v = tx(&s, C, SYN, CI, 0, 20);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    EXPECT_NOTES(v, STCH | N(SYN_WITH_DATA));
    v = tx(&s, Sv, SA, SI, CI + 21, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, A, CI + 21, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    sim_free(&s);

    /* The server ignores the data (no/invalid cookie): acks the SYN only;
     * the client re-sends the data on its final ACK. */
    sim_init(&s, "SYN with data, data not accepted");
    v = tx(&s, C, SYN, CI, 0, 20);
    EXPECT_NOTES(v, STCH | N(SYN_WITH_DATA));
    v = tx(&s, Sv, SA, SI, CI + 1, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    EXPECT_NOTES(v, STCH);
    v = tx(&s, C, PA, CI + 1, SI + 1, 20);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTES(v, STCH | N(HANDSHAKE_COMPLETE));
    sim_free(&s);

    /* An ack beyond SYN + data is still wrong. */
    sim_init(&s, "SYN with data, SYN-ACK acks too much");
    v = tx(&s, C, SYN, CI, 0, 20);
    v = tx(&s, Sv, SA, SI, CI + 22, 0);
    EXPECT(v, SYN_SYNACK, SYN_SENT, SYN_RECEIVED);
    EXPECT_NOTE(v, SYNACK_BAD_ACK);
    sim_free(&s);
}

static void test_close_wait_lingers(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init_tuple(&s, "CLOSE_WAIT lingers", tuple4(0x0A000001u, 40000, 0x0A000002u, 80), 5 * SEC);
    open_conn(&s);
    v = tx(&s, C, FA, CI + 1, SI + 1, 0);           /* server enters CLOSE_WAIT now */
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->close_wait_ns, 0);
    v = tx_dt(&s, Sv, A, SI + 1, CI + 2, 0, 1 * MS);
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->close_wait_ns, 1 * MS);
    v = tx_dt(&s, Sv, PA, SI + 1, CI + 2, 10, 4 * SEC - 1 * MS);   /* 4 s: under the threshold */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    CHECK_EQ_INT(v->close_wait_ns, 4 * SEC);
    v = tx_dt(&s, C, A, CI + 2, SI + 11, 0, 2 * SEC);              /* 6 s: warn, once */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, N(CLOSE_WAIT_LINGERS));
    CHECK_EQ_INT(v->close_wait_ns, 6 * SEC);
    v = tx_dt(&s, Sv, PA, SI + 11, CI + 2, 10, 4 * SEC);           /* 10 s: not again */
    EXPECT(v, COMPLETE, FIN_WAIT_2, CLOSE_WAIT);
    EXPECT_NOTES(v, 0);
    CHECK_EQ_INT(v->close_wait_ns, 10 * SEC);
    v = tx_dt(&s, Sv, FA, SI + 21, CI + 2, 0, 1 * SEC);            /* the app finally closes */
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    EXPECT_NOTES(v, STCH);
    CHECK_EQ_INT(v->close_wait_ns, 0);
    v = tx(&s, C, A, CI + 2, SI + 22, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    EXPECT_NOTES(v, STCH);
    sim_free(&s);
}

static void test_ipv6(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init_tuple(&s, "IPv6", tuple6(1, 50000, 2, 443), 3600 * SEC);
    open_conn(&s);
    v = tx(&s, Sv, PA, SI + 1, CI + 1, 1000);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    CHECK_EQ_INT(v->conv_id, 0);
    CHECK(v->from_server);
    /* Another client that differs only in the LAST address byte: another
     * conversation (all 16 bytes count). */
    {
        tcpdiag_tuple other = tuple6(3, 50000, 2, 443);
        tcpdiag_segment g = mkseg(&other, SYN, 123, 0, 0);
        v = feed(&s, &g, 1 * MS);
        CHECK_EQ_INT(v->conv_id, 1);
        EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
        EXPECT_NOTES(v, STCH);
    }
    /* An IPv4 tuple with the same first bytes and ports: another family,
     * another conversation. */
    {
        tcpdiag_tuple v4 = tuple6(1, 50000, 2, 443);
        v4.family = 4;
        tcpdiag_segment g = mkseg(&v4, SYN, 456, 0, 0);
        v = feed(&s, &g, 1 * MS);
        CHECK_EQ_INT(v->conv_id, 2);
        EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    }
    v = tx(&s, C, FA, CI + 1, SI + 1001, 0);
    CHECK_EQ_INT(v->conv_id, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    v = tx(&s, Sv, FA, SI + 1001, CI + 2, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, LAST_ACK);
    v = tx(&s, C, A, CI + 2, SI + 1002, 0);
    EXPECT(v, COMPLETE, TIME_WAIT, CLOSED);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 3);
    sim_free(&s);
}

static void test_both_directions(void)
{
    /* Orientations where the canonical key must swap in different ways. */
    static const struct {
        const char *name;
        uint32_t ca, sa;
        uint16_t cp, sp;
    } cases[] = {
        { "client address above server", 0xC0A801C8u, 0x0A000001u, 50000, 443 },
        { "client address below server", 0x0A000001u, 0xC0A801C8u, 50000, 443 },
        { "same address, client port above", 0x7F000001u, 0x7F000001u, 40000, 8080 },
        { "same address, client port below", 0x7F000001u, 0x7F000001u, 1025, 8080 },
        { "client on the low port (SYN says so)", 0x0A000001u, 0x0A000002u, 80, 40000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim s;
        const tcpdiag_verdict *v;
        sim_init_tuple(&s, cases[i].name, tuple4(cases[i].ca, cases[i].cp, cases[i].sa, cases[i].sp),
                       3600 * SEC);
        v = tx(&s, C, SYN, CI, 0, 0);
        CHECK_EQ_INT(v->conv_id, 0);
        CHECK(!v->from_server);
        v = tx(&s, Sv, SA, SI, CI + 1, 0);
        CHECK_EQ_INT(v->conv_id, 0);
        CHECK(v->from_server);
        EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
        v = tx(&s, C, A, CI + 1, SI + 1, 0);
        CHECK_EQ_INT(v->conv_id, 0);
        CHECK(!v->from_server);
        CHECK(!v->roles_inferred);
        EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
        CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
        const tcpdiag_conv *c = tcpdiag_tracker_conv(s.t, 0);
        CHECK(c != NULL);
        if (c) {
            CHECK_EQ_INT(c->tuple.sport, cases[i].cp);
            CHECK_EQ_INT(c->tuple.dport, cases[i].sp);
            CHECK(memcmp(c->tuple.src, s.cs.src, 4) == 0);
        }
        sim_free(&s);
    }

    /* IPv4 addresses use 4 bytes: whatever lies in the unused 12 bytes of a
     * record does not split a conversation. */
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "IPv4 with junk past the address");
    v = tx(&s, C, SYN, CI, 0, 0);
    tcpdiag_tuple junk = s.sc;
    memset(junk.src + 4, 0xAB, 12);
    memset(junk.dst + 4, 0xCD, 12);
    tcpdiag_segment g = mkseg(&junk, SA, SI, CI + 1, 0);
    v = feed(&s, &g, 1 * MS);
    CHECK_EQ_INT(v->conv_id, 0);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), 1);
    sim_free(&s);
}

static void test_many_conversations(void)
{
    enum { COUNT = 10000 };
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "10000 conversations");
    tcpdiag_tuple *tu = malloc(COUNT * sizeof *tu);
    CHECK(tu != NULL);
    if (!tu) {
        sim_free(&s);
        return;
    }
    int bad = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        tu[i] = tuple4(0x0A000000u | (i << 8) | 1u, (uint16_t)(1024 + i), 0xC0A80001u, 80);
        tcpdiag_segment g = mkseg(&tu[i], SYN, i * 7919u, 0, 0);
        v = feed(&s, &g, 1000);
        if (v->conv_id != i || v->handshake != TCPDIAG_HS_SYN_ONLY || tcpdiag_verdict_has(v, TCPDIAG_NOTE_PORT_REUSE))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), COUNT);
    /* Answers in reverse order find their own conversation. */
    bad = 0;
    for (uint32_t k = COUNT; k-- > 0;) {
        tcpdiag_tuple back = reversed(&tu[k]);
        tcpdiag_segment g = mkseg(&back, SA, 1000000u + k, k * 7919u + 1, 0);
        v = feed(&s, &g, 1000);
        if (v->conv_id != k || !v->from_server || v->handshake != TCPDIAG_HS_SYN_SYNACK ||
            v->state_client != TCPDIAG_STATE_ESTABLISHED)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(s.t), COUNT);
    bad = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        const tcpdiag_conv *c = tcpdiag_tracker_conv(s.t, i);
        if (!c || c->id != i || c->tuple.sport != tu[i].sport || memcmp(c->tuple.src, tu[i].src, 4) != 0)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(tcpdiag_tracker_conv(s.t, COUNT) == NULL);
    free(tu);
    sim_free(&s);
}

/* The tap misses the SYN-ACK (asymmetric routing, or a capture drop): the
 * client's ACK proves the server sent a SYN-ACK, and that ACK is assumed
 * delivered. The handshake tables already call this "complete" and move the
 * client to ESTABLISHED; the server must not be left in LISTEN for the rest
 * of the connection. */
static void test_synack_not_captured(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "SYN-ACK not captured");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx(&s, C, A, CI + 1, SI + 1, 0);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    EXPECT_NOTE(v, HANDSHAKE_COMPLETE);
    v = tx(&s, C, PA, CI + 1, SI + 1, 100);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    v = tx(&s, C, FA, CI + 101, SI + 1, 0);
    EXPECT(v, COMPLETE, FIN_WAIT_1, CLOSE_WAIT);
    sim_free(&s);
}

/* Capture timestamps may start at 0 (crafted or time-shifted captures): a SYN
 * at time 0 is still a SYN with a known time. */
static void test_rtt_at_time_zero(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "handshake at capture time 0");
    s.now = 0;
    tcpdiag_segment g = mkseg(&s.cs, SYN, CI, 0, 0);
    v = feed(&s, &g, 0);                 /* SYN at t = 0 */
    EXPECT(v, SYN_ONLY, SYN_SENT, LISTEN);
    v = tx_dt(&s, Sv, SA, SI, CI + 1, 0, 10 * MS);
    EXPECT(v, SYN_SYNACK, ESTABLISHED, SYN_RECEIVED);
    CHECK(v->rtt_server_known);
    CHECK_EQ_INT(v->rtt_server_ns, 10 * MS);
    v = tx_dt(&s, C, A, CI + 1, SI + 1, 0, 1 * MS);
    EXPECT(v, COMPLETE, ESTABLISHED, ESTABLISHED);
    CHECK(v->rtt_known);
    CHECK_EQ_INT(v->rtt_ns, 11 * MS);
    CHECK(v->rtt_client_known);
    CHECK_EQ_INT(v->rtt_client_ns, 1 * MS);
    sim_free(&s);
}

/* Only the client's direction is captured (one-way SPAN). By hand:
 *   1 C SYN          peer silent, nothing acknowledged yet: no note
 *   2 C ACK SI+1     the client's own SYN was captured, so the SYN-ACK it
 *                    acknowledges was sent after the capture began, and the
 *                    capture never saw it: ONE_DIRECTION, here and only here
 *   3 C data, ack SI+1   still one way: flag on, no second note
 *   4 S data         the server is seen after all: flag off */
static void test_one_direction(void)
{
    sim s;
    const tcpdiag_verdict *v;
    sim_init(&s, "one direction captured");
    v = tx(&s, C, SYN, CI, 0, 0);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    CHECK(!v->one_direction);
    v = tx(&s, C, A, CI + 1, SI + 1, 0);
    EXPECT_NOTE(v, ONE_DIRECTION);
    CHECK(v->one_direction);
    v = tx(&s, C, PA, CI + 1, SI + 1, 100);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    CHECK(v->one_direction);
    v = tx(&s, Sv, PA, SI + 1, CI + 101, 10);
    CHECK(!v->one_direction);
    sim_free(&s);

    /* Both directions, mid-stream: the first segment acknowledges data sent
     * before the capture began (no note); the server's answer is captured. */
    sim_init(&s, "mid-stream, both directions");
    v = tx(&s, C, PA, CI + 1, SI + 1, 100);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    v = tx_dt(&s, Sv, PA, SI + 1, CI + 101, 50, 3 * SEC);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    v = tx_dt(&s, C, A, CI + 101, SI + 51, 0, 1 * MS);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    CHECK(!v->one_direction);
    sim_free(&s);

    /* Mid-stream, client only: the ACK number moving on within the first
     * 2 s may acknowledge data in flight when the capture began (no note);
     * moving on 3 s in, the server sent it while the capture ran. */
    sim_init(&s, "mid-stream, client direction only");
    v = tx(&s, C, PA, CI + 1, SI + 1, 100);
    v = tx_dt(&s, C, A, CI + 101, SI + 1001, 0, 100 * MS);
    EXPECT_NO_NOTE(v, ONE_DIRECTION);
    v = tx_dt(&s, C, A, CI + 101, SI + 2001, 0, 3 * SEC);
    EXPECT_NOTE(v, ONE_DIRECTION);
    CHECK(v->one_direction);
    sim_free(&s);
}

/* Every notice has its own name, so a failed EXPECT_NOTES can always print
 * the mask; bits beyond the enum print as "unknown" rather than crash. */
static void test_notice_names(void)
{
    check_context("%s", "notice names");
    for (int i = 0; i < TCPDIAG_NOTE_COUNT; i++) {
        const char *name = tcpdiag_notice_name((tcpdiag_notice)i);
        CHECK(name != NULL && name[0] != '\0' && strcmp(name, "unknown") != 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(name, tcpdiag_notice_name((tcpdiag_notice)j)) != 0);
        const tcpdiag_notice_info *info = tcpdiag_notice_info_of((tcpdiag_notice)i);
        CHECK(info->word.meaning != NULL && info->word.meaning[0] != '\0');
    }
    /* The three notices the test's old list of 17 names lacked. */
    const char *all = notes_nm((long long)((1ull << TCPDIAG_NOTE_COUNT) - 1));
    CHECK(strstr(all, "conversation_dropped") != NULL);
    CHECK(strstr(all, "header_cut") != NULL);
    CHECK(strstr(all, "syn_options_cut") != NULL);
    CHECK_EQ_STR(notes_nm((long long)(1ull << 31)), "unknown");
    check_context("%s", "");
}

int main(void)
{
    test_notice_names();
    test_one_direction();
    test_normal_open_client_close();
    test_server_close_first();
    test_fin_held_behind_gap();
    test_half_close();
    test_simultaneous_open();
    test_simultaneous_close();
    test_fin_ack_piggybacked();
    test_retransmitted_fin();
    test_rst_in_each_state();
    test_connection_refused();
    test_syn_retransmissions();
    test_synack_bad_ack();
    test_final_ack_bad();
    test_midstream();
    test_capture_starts_at_synack();
    test_port_reuse();
    test_seq_wraparound();
    test_icmp_quoted();
    test_icmp_soft_then_retry_succeeds();
    test_data_after_fin();
    test_after_rst();
    test_data_before_handshake();
    test_syn_with_data();
    test_close_wait_lingers();
    test_ipv6();
    test_both_directions();
    test_many_conversations();
    test_synack_not_captured();
    test_rtt_at_time_zero();
    return tcpdiag_check_finish("test_tracker");
}
