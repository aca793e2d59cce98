/* test_conv_cap.c - the tcpdiag.max_conversations cap: which conversation goes, and the counters.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The tracker holds at most max_conversations conversations; before adding
 * one beyond that it drops the one whose latest segment is the oldest. Ids
 * are never reused, so a verdict stored for a dropped conversation resolves
 * to NULL and never to a newer conversation. The expected values below are
 * worked out by hand from that rule.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcpdiag_check.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_handshake.h"
#include "tcpdiag_state.h"

#define SYN TCPDIAG_SYN
#define SA (TCPDIAG_SYN | TCPDIAG_ACK)
#define A TCPDIAG_ACK
#define FA (TCPDIAG_FIN | TCPDIAG_ACK)

/* Client n is 10.1.<n/256>.<n%256>:(20000 + n%30000), every server 192.0.2.80:443. */
static tcpdiag_tuple client_tuple(uint32_t n, bool from_server)
{
    tcpdiag_tuple t;
    memset(&t, 0, sizeof t);
    t.family = 4;
    uint8_t client[4] = { 10, 1, (uint8_t)(n >> 8), (uint8_t)n };
    uint8_t server[4] = { 192, 0, 2, 80 };
    uint16_t cport = (uint16_t)(20000 + n % 30000);
    memcpy(from_server ? t.dst : t.src, client, 4);
    memcpy(from_server ? t.src : t.dst, server, 4);
    t.sport = from_server ? 443 : cport;
    t.dport = from_server ? cport : 443;
    return t;
}

typedef struct feeder {
    tcpdiag_tracker *t;
    uint32_t frame;
    tcpdiag_verdict v;
} feeder;

static void feeder_init(feeder *f, uint32_t cap)
{
    memset(f, 0, sizeof *f);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    cfg.close_wait_warn_ns = 3600LL * 1000000000;
    cfg.max_conversations = cap;
    f->t = tcpdiag_tracker_new(&cfg);
}

/* One segment of client n's connection; returns the verdict. */
static const tcpdiag_verdict *send_seg(feeder *f, uint32_t n, bool from_server, uint8_t flags,
                                       uint32_t seq, uint32_t ack)
{
    tcpdiag_segment g;
    memset(&g, 0, sizeof g);
    g.tuple = client_tuple(n, from_server);
    g.flags_known = true;
    g.flags = flags;
    g.seq = seq;
    g.ack = ack;
    g.frame = ++f->frame;
    g.time_ns = (int64_t)f->frame * 1000000;
    tcpdiag_tracker_process(f->t, &g, &f->v, NULL);
    return &f->v;
}

static const tcpdiag_verdict *syn(feeder *f, uint32_t n)
{
    return send_seg(f, n, false, SYN, 1000 * n, 0);
}

/* Cap 3: A, B, C open; A gets an answer; D arrives. B is now the one idle the
 * longest (A's SYN-ACK came after B's SYN), so B goes, not A. */
static void test_idlest_goes_first(void)
{
    check_context("idlest goes first");
    feeder f;
    feeder_init(&f, 3);
    uint32_t a = syn(&f, 1)->conv_id;
    uint32_t b = syn(&f, 2)->conv_id;
    uint32_t c = syn(&f, 3)->conv_id;
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(b, 1);
    CHECK_EQ_INT(c, 2);
    CHECK_EQ_INT(send_seg(&f, 1, true, SA, 7000, 1001)->conv_id, a);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 0);
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), 3);

    uint32_t d = syn(&f, 4)->conv_id;
    CHECK_EQ_INT(d, 3);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 1);
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), 3);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(f.t), 4);
    CHECK(tcpdiag_tracker_conv(f.t, b) == NULL);
    CHECK(tcpdiag_tracker_conv(f.t, a) != NULL);
    CHECK(tcpdiag_tracker_conv(f.t, c) != NULL);
    CHECK(tcpdiag_tracker_conv(f.t, d) != NULL);

    /* A's final ACK still finds A: its state survived. */
    const tcpdiag_verdict *v = send_seg(&f, 1, false, A, 1001, 7001);
    CHECK_EQ_INT(v->conv_id, a);
    CHECK_EQ_INT(v->handshake, TCPDIAG_HS_COMPLETE);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 1);

    /* B's SYN-ACK comes late: B was dropped, so this starts a new conversation
     * with a fresh id, as for a capture that begins at the SYN-ACK (roles from
     * the SYN-ACK, syn_synack, client ESTABLISHED, server SYN_RECEIVED). Room for it is made by dropping C, now the
     * idlest (A was just active, D opened after C). */
    v = send_seg(&f, 2, true, SA, 9000, 2001);
    CHECK_EQ_INT(v->conv_id, 4);
    CHECK_EQ_INT(v->handshake, TCPDIAG_HS_SYN_SYNACK);
    CHECK_EQ_INT(v->state_client, TCPDIAG_STATE_ESTABLISHED);
    CHECK_EQ_INT(v->state_server, TCPDIAG_STATE_SYN_RECEIVED);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 2);
    CHECK(tcpdiag_tracker_conv(f.t, b) == NULL);
    CHECK(tcpdiag_tracker_conv(f.t, c) == NULL);
    const tcpdiag_conv *nb = tcpdiag_tracker_conv(f.t, 4);
    CHECK(nb != NULL && nb->id == 4 && nb->tuple.sport == 20002);

    /* The endpoints of dropped B and C are still known by id (a second pass
     * names them), oriented client -> server: client n is 10.1.0.n:2000n. */
    tcpdiag_tuple want_b = client_tuple(2, false), want_c = client_tuple(3, false);
    const tcpdiag_tuple *eb = tcpdiag_tracker_tuple(f.t, b), *ec = tcpdiag_tracker_tuple(f.t, c);
    CHECK(eb != NULL && memcmp(eb, &want_b, sizeof want_b) == 0);
    CHECK(ec != NULL && memcmp(ec, &want_c, sizeof want_c) == 0);
    /* The new conversation began at B's SYN-ACK: the client is still 10.1.0.2. */
    const tcpdiag_tuple *e4 = tcpdiag_tracker_tuple(f.t, 4);
    CHECK(e4 != NULL && memcmp(e4, &want_b, sizeof want_b) == 0);
    CHECK(tcpdiag_tracker_tuple(f.t, 5) == NULL);
    tcpdiag_tracker_free(f.t);
}

/* A connection closed and reopened on the same 4-tuple leaves the old
 * conversation held but no longer reachable by its tuple. Dropping the old
 * one must not unhook the new one from the tuple. */
static void test_replaced_conversation_dropped(void)
{
    check_context("port reuse then cap");
    feeder f;
    feeder_init(&f, 2);
    syn(&f, 1);
    send_seg(&f, 1, true, SA, 7000, 1001);
    send_seg(&f, 1, false, A, 1001, 7001);
    send_seg(&f, 1, false, FA, 1001, 7001);
    send_seg(&f, 1, true, FA, 7001, 1002);
    send_seg(&f, 1, false, A, 1002, 7002);          /* client TIME_WAIT, server CLOSED */
    const tcpdiag_verdict *v = send_seg(&f, 1, false, SYN, 50000, 0);
    CHECK(tcpdiag_verdict_has(v, TCPDIAG_NOTE_PORT_REUSE));
    uint32_t second = v->conv_id;
    CHECK_EQ_INT(second, 1);
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), 2);

    /* A third client: the first conversation (idle the longest) goes. */
    CHECK_EQ_INT(syn(&f, 2)->conv_id, 2);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 1);
    CHECK(tcpdiag_tracker_conv(f.t, 0) == NULL);

    /* The reused tuple still leads to the second conversation. */
    v = send_seg(&f, 1, true, SA, 80000, 50001);
    CHECK_EQ_INT(v->conv_id, second);
    CHECK_EQ_INT(v->handshake, TCPDIAG_HS_SYN_SYNACK);
    CHECK(!tcpdiag_verdict_has(v, TCPDIAG_NOTE_MIDSTREAM));
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 1);
    tcpdiag_tracker_free(f.t);
}

/* An ICMP error quoting a header of a dropped conversation matches nothing. */
static void test_quote_of_dropped_conversation(void)
{
    check_context("ICMP quote of a dropped conversation");
    feeder f;
    feeder_init(&f, 1);
    syn(&f, 1);
    syn(&f, 2);                                     /* drops client 1 */
    tcpdiag_segment g;
    memset(&g, 0, sizeof g);
    g.tuple = client_tuple(1, false);
    g.flags_known = true;
    g.flags = SYN;
    g.seq = 1000;
    g.frame = ++f.frame;
    g.quoted_by = TCPDIAG_ICMP_UNREACH_HARD;
    g.icmp_type = 3;
    g.icmp_code = 3;
    tcpdiag_tracker_process(f.t, &g, &f.v, NULL);
    CHECK(f.v.quoted);
    CHECK_EQ_INT(f.v.conv_id, TCPDIAG_NO_CONV);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(f.t), 2);   /* a quote never opens one */
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), 1);
    tcpdiag_tracker_free(f.t);
}

/* A flood of SYNs: the memory held stays at the cap, the newest survive. */
static void test_flood_stays_bounded(void)
{
    enum { CAP = 1000, SYNS = 60000 };
    check_context("flood of %d SYNs, cap %d", SYNS, CAP);
    feeder f;
    feeder_init(&f, CAP);
    int bad = 0;
    for (uint32_t n = 0; n < SYNS; n++) {
        const tcpdiag_verdict *v = syn(&f, n);
        if (v->conv_id != n || v->handshake != TCPDIAG_HS_SYN_ONLY ||
            v->state_client != TCPDIAG_STATE_SYN_SENT || v->state_server != TCPDIAG_STATE_LISTEN)
            bad++;
        if (tcpdiag_tracker_live_count(f.t) > CAP)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), CAP);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), SYNS - CAP);
    CHECK_EQ_INT(tcpdiag_tracker_conv_count(f.t), SYNS);
    int held = 0;
    for (uint32_t id = 0; id < SYNS; id++)
        held += tcpdiag_tracker_conv(f.t, id) != NULL;
    CHECK_EQ_INT(held, CAP);
    CHECK(tcpdiag_tracker_conv(f.t, SYNS - CAP - 1) == NULL);
    CHECK(tcpdiag_tracker_conv(f.t, SYNS - CAP) != NULL);
    CHECK(tcpdiag_tracker_conv(f.t, SYNS - 1) != NULL);
    tcpdiag_tracker_free(f.t);
}

/* max_conversations 0 means no cap. */
static void test_no_cap(void)
{
    enum { SYNS = 5000 };
    check_context("no cap");
    feeder f;
    feeder_init(&f, 0);
    for (uint32_t n = 0; n < SYNS; n++)
        syn(&f, n);
    CHECK_EQ_INT(tcpdiag_tracker_live_count(f.t), SYNS);
    CHECK_EQ_INT(tcpdiag_tracker_evicted(f.t), 0);
    CHECK(tcpdiag_tracker_conv(f.t, 0) != NULL);
    tcpdiag_tracker_free(f.t);
}

int main(void)
{
    test_idlest_goes_first();
    test_replaced_conversation_dropped();
    test_quote_of_dropped_conversation();
    test_flood_stays_bounded();
    test_no_cap();
    return tcpdiag_check_finish("test_conv_cap");
}
