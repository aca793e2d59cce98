/* test_retrans.c - retransmission kinds, lookalikes and causes on hand-written segment sequences.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every scenario opens 10.0.0.1:40000 -> 10.0.0.2:80 with a 20 ms handshake
 * (client ISN 100, server ISN 500: client data starts at 101, server data
 * at 501) and then plays segments as a capture point between the two would
 * see them. The expected verdicts are reasoned in the comments.
 */
#include <string.h>

#include "tcpdiag_check.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_state.h"

#define MS 1000000LL
enum { C, S };

typedef struct sim {
    tcpdiag_tracker *t;
    tcpdiag_tuple cs, sc;
    int64_t now;
    uint32_t frame;
    uint16_t ip_id[2];
    tcpdiag_verdict v;
    tcpdiag_retrans_info r;
} sim;

static tcpdiag_segment mk(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    tcpdiag_segment g;
    memset(&g, 0, sizeof g);
    g.tuple = from == C ? s->cs : s->sc;
    g.flags_known = true;
    g.flags = flags;
    g.seq = seq;
    g.ack = ack;
    g.payload_len = len;
    g.window = 65535;
    g.checksum = TCPDIAG_CSUM_GOOD;
    g.ip_df = true;
    g.ip_id = ++s->ip_id[from];
    return g;
}

static const tcpdiag_retrans_info *feed(sim *s, tcpdiag_segment *g, int64_t dt)
{
    s->now += dt;
    g->frame = ++s->frame;
    g->time_ns = s->now;
    check_context("frame %u", (unsigned)s->frame);
    tcpdiag_tracker_process(s->t, g, &s->v, &s->r);
    return &s->r;
}

static const tcpdiag_retrans_info *tx(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                                      uint32_t len, int64_t dt)
{
    tcpdiag_segment g = mk(s, from, flags, seq, ack, len);
    return feed(s, &g, dt);
}

#define A  TCPDIAG_ACK
#define PA (TCPDIAG_ACK | TCPDIAG_PSH)

static tcpdiag_segment mk6(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                           uint32_t tsval)
{
    tcpdiag_segment g = mk(s, from, flags, seq, ack, len);
    g.ip_id = 0;
    g.ip_ttl = 64;
    g.options = TCPDIAG_OPT_TS;
    g.tsval = tsval;
    return g;
}

static const tcpdiag_retrans_info *tx6(sim *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                                       uint32_t len, int64_t dt, uint32_t tsval)
{
    tcpdiag_segment g = mk6(s, from, flags, seq, ack, len, tsval);
    return feed(s, &g, dt);
}

/* Frames 1-3: handshake, 10 ms each way; the SYN and the SYN-ACK announce
 * `mss` (0: no options at all). */
static void open_conn_mss(sim *s, uint16_t mss)
{
    memset(s, 0, sizeof *s);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    s->t = tcpdiag_tracker_new(&cfg);
    s->cs.family = s->sc.family = 4;
    memcpy(s->cs.src, "\x0a\x00\x00\x01", 4);
    memcpy(s->cs.dst, "\x0a\x00\x00\x02", 4);
    s->cs.sport = 40000;
    s->cs.dport = 80;
    s->sc = s->cs;
    memcpy(s->sc.src, s->cs.dst, 4);
    memcpy(s->sc.dst, s->cs.src, 4);
    s->sc.sport = 80;
    s->sc.dport = 40000;
    s->now = 1000 * MS;
    tcpdiag_segment g = mk(s, C, TCPDIAG_SYN, 100, 0, 0);
    g.options = mss ? TCPDIAG_OPT_MSS : 0;
    g.mss = mss;
    feed(s, &g, 0);
    g = mk(s, S, TCPDIAG_SYN | A, 500, 101, 0);
    g.options = mss ? TCPDIAG_OPT_MSS : 0;
    g.mss = mss;
    feed(s, &g, 10 * MS);
    tx(s, C, A, 101, 501, 0, 10 * MS);
}

static void open_conn(sim *s)
{
    open_conn_mss(s, 0);
}

static void done(sim *s)
{
    tcpdiag_tracker_free(s->t);
}

/* The server's ACK of `ack` with one SACK block [left, right). */
static const tcpdiag_retrans_info *ack_sacking(sim *s, uint32_t ack, uint32_t left, uint32_t right, int64_t dt)
{
    tcpdiag_segment d = mk(s, S, A, 501, ack, 0);
    d.sack_count = 1;
    d.sack[0] = (tcpdiag_sack_block){ left, right };
    d.options = TCPDIAG_OPT_SACK;
    return feed(s, &d, dt);
}

static int has_cause(const tcpdiag_retrans_info *r, tcpdiag_cause c)
{
    for (int i = 0; i < r->ncauses; i++)
        if (r->cause[i].cause == c)
            return 1;
    return 0;
}

static const char *kind_nm(long long k) { return tcpdiag_retrans_kind_name((tcpdiag_retrans_kind)k); }
static const char *cause_nm(long long c) { return tcpdiag_cause_name((tcpdiag_cause)c); }
/* Each evaluates its first argument once: it may be the tx() that feeds the segment. */
#define KIND(expr, k) do { const tcpdiag_retrans_info *k_ = (expr); CHECK_EQ_NAMED(k_->kind, TCPDIAG_RK_##k, kind_nm); } while (0)
#define FIRST(expr, c) do { const tcpdiag_retrans_info *f_ = (expr); CHECK(f_->ncauses > 0); CHECK_EQ_NAMED(f_->cause[0].cause, TCPDIAG_CAUSE_##c, cause_nm); } while (0)
#define NOT_RETRANS(expr, la) do { const tcpdiag_retrans_info *n_ = (expr); KIND(n_, NONE); CHECK_EQ_INT(n_->lookalike, TCPDIAG_LA_##la); } while (0)

/* Frames 4-6 carry [101,1101) [1101,2101) [2101,3101); the server ACKs the
 * first, then three duplicates SACK [2101,3101): the second was lost after
 * the capture point, the receiver asked for it. */
static void fast_retransmission(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    tx(&s, C, PA, 1101, 501, 1000, 0);
    tx(&s, C, PA, 2101, 501, 1000, 0);
    tx(&s, S, A, 501, 1101, 0, 20 * MS);
    for (int i = 0; i < 3; i++) {
        tcpdiag_segment d = mk(&s, S, A, 501, 1101, 0);
        d.sack_count = 1;
        d.sack[0] = (tcpdiag_sack_block){ 2101, 3101 };
        d.options = TCPDIAG_OPT_SACK;
        CHECK_EQ_INT(feed(&s, &d, 1 * MS)->kind, TCPDIAG_RK_NONE);
    }
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 1101, 501, 1000, 1 * MS);
    KIND(r, FAST);
    CHECK_EQ_INT(r->original, 5);
    CHECK_EQ_INT(r->attempt, 1);
    CHECK_EQ_INT(r->bytes, 1000);
    FIRST(r, SEGMENT_LOST);
    CHECK_EQ_INT(r->cause[0].where, TCPDIAG_WHERE_AFTER_TAP);
    CHECK_EQ_INT(r->cause[0].frame, 5);
    CHECK(has_cause(r, TCPDIAG_CAUSE_DUP_ACK_SIGNALLED));
    CHECK(s.v.retrans_kind == TCPDIAG_RK_FAST && s.v.has_retrans_info);
    done(&s);
}

/* One segment, no answer: re-sent 300 ms later (a timer: beyond 2 RTT + the
 * 250 ms a tail-loss probe allows), then 600 ms later: exponential backoff,
 * and the receiver has been silent since the original. */
static void rto_with_backoff(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
    KIND(r, RTO);
    CHECK_EQ_INT(r->attempt, 1);
    CHECK(r->interval_known && r->interval_ns == 300 * MS);
    CHECK(!r->backoff_known);
    FIRST(r, SEGMENT_LOST);
    r = tx(&s, C, PA, 101, 501, 1000, 600 * MS);
    KIND(r, RTO);
    CHECK_EQ_INT(r->attempt, 2);
    CHECK_EQ_INT(r->original, 4);
    CHECK_EQ_INT(r->previous, 5);
    CHECK(r->backoff_known && r->backoff_milli == 2000);
    CHECK(has_cause(r, TCPDIAG_CAUSE_NO_ANSWER));
    /* The sender gives up with a reset. */
    r = tx(&s, C, TCPDIAG_RST | A, 1101, 501, 0, 1200 * MS);
    KIND(r, NONE);
    CHECK(r->gave_up);
    CHECK_EQ_INT(r->attempt, 2);
    done(&s);
}

/* Three segments, the first acknowledged; the last is re-sent 50 ms later
 * with no duplicate ACK: a tail-loss probe. */
static void tail_loss_probe(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    tx(&s, C, PA, 1101, 501, 1000, 0);
    tx(&s, C, PA, 2101, 501, 1000, 0);
    tx(&s, S, A, 501, 1101, 0, 20 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 2101, 501, 1000, 30 * MS);
    KIND(r, PROBE);
    CHECK_EQ_INT(r->original, 6);
    done(&s);
}

/* The ACK passed the capture point, yet the data came again: the ACK was
 * lost between here and the sender; the re-send was spurious. What sent it
 * was the timer: 280 ms of silence after the ACK, 300 ms after the original
 * (beyond the 2 RTT + 250 ms a tail-loss probe allows): kind rto, spurious. */
static void spurious_ack_lost(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    tx(&s, S, A, 501, 1101, 0, 20 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 280 * MS);
    KIND(r, RTO);
    CHECK(r->spurious);
    FIRST(r, ACK_LOST);
    CHECK_EQ_INT(r->cause[0].frame, 5);
    done(&s);
}

/* SYN three times, 1 s then 2 s apart, never answered. */
static void syn_retransmission(void)
{
    sim s;
    memset(&s, 0, sizeof s);
    open_conn(&s);
    done(&s);
    sim q;
    open_conn(&q);  /* fresh tracker; use another 4-tuple for a lone client */
    q.cs.sport = q.sc.dport = 40001;
    tx(&q, C, TCPDIAG_SYN, 9000, 0, 0, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&q, C, TCPDIAG_SYN, 9000, 0, 0, 1000 * MS);
    KIND(r, SYN);
    CHECK_EQ_INT(r->attempt, 1);
    FIRST(r, NO_ANSWER);
    r = tx(&q, C, TCPDIAG_SYN, 9000, 0, 0, 2000 * MS);
    KIND(r, SYN);
    CHECK_EQ_INT(r->attempt, 2);
    CHECK(r->backoff_known && r->backoff_milli == 2000);
    /* A new ISN on the same ports is a new connection, not a re-send. */
    r = tx(&q, C, TCPDIAG_SYN, 777777, 0, 0, 1 * MS);
    KIND(r, NONE);
    done(&q);
}

/* A SPAN port copies every packet (same datagram, microseconds later).
 * Hand reasoning: a copy of the SYN is the same attempt, so it is the
 * duplicate_capture look-alike of frame 1 and the SYN count stays 1; a
 * SYN re-sent after 1 s has a new IP ID and is a SYN retransmission.
 * Linux SYN-ACKs carry IP ID 0 (DF set): a real SYN-ACK re-send keeps IP
 * ID 0, so without a timestamp it must count as a retransmission; with
 * timestamps a copy repeats the TSval and a re-send does not. */
static void syn_copies(void)
{
    sim q;
    open_conn(&q);
    q.cs.sport = q.sc.dport = 40002;
    tcpdiag_segment g = mk(&q, C, TCPDIAG_SYN, 7000, 0, 0);
    g.ip_ttl = 64;
    feed(&q, &g, 1 * MS);
    uint32_t syn_frame = q.frame;
    tcpdiag_segment copy = g;
    const tcpdiag_retrans_info *r = feed(&q, &copy, 2000);   /* 2 us later */
    NOT_RETRANS(r, DUPLICATE_CAPTURE);
    CHECK_EQ_INT(r->related, syn_frame);
    CHECK_EQ_INT(q.v.syn_count, 1);
    CHECK(!tcpdiag_verdict_has(&q.v, TCPDIAG_NOTE_SYN_UNANSWERED));
    g = mk(&q, C, TCPDIAG_SYN, 7000, 0, 0);
    g.ip_ttl = 64;
    r = feed(&q, &g, 1000 * MS);
    KIND(r, SYN);
    CHECK_EQ_INT(r->attempt, 1);
    CHECK_EQ_INT(q.v.syn_count, 2);

    /* Linux-style SYN-ACKs: IP ID 0, no timestamps. */
    tcpdiag_segment sa = mk(&q, S, TCPDIAG_SYN | A, 3000, 7001, 0);
    sa.ip_id = 0;
    sa.ip_ttl = 64;
    feed(&q, &sa, 1 * MS);
    tcpdiag_segment again = sa;
    r = feed(&q, &again, 1000 * MS);
    KIND(r, SYNACK);
    /* With timestamps: the copy repeats the TSval, the next re-send has a new one. */
    sa.options = TCPDIAG_OPT_TS;
    sa.tsval = 5000;
    r = feed(&q, &sa, 2000 * MS);
    KIND(r, SYNACK);
    again = sa;
    r = feed(&q, &again, 3000);
    NOT_RETRANS(r, DUPLICATE_CAPTURE);
    again.tsval = 9000;
    r = feed(&q, &again, 4000 * MS);
    KIND(r, SYNACK);
    done(&q);
}

/* The server repeats its SYN-ACK; the client repeats its FIN. */
static void synack_and_fin(void)
{
    sim s;
    open_conn(&s);
    const tcpdiag_retrans_info *r = tx(&s, S, TCPDIAG_SYN | A, 500, 101, 0, 1000 * MS);
    KIND(r, SYNACK);
    tx(&s, C, TCPDIAG_FIN | A, 101, 501, 0, 1 * MS);
    r = tx(&s, C, TCPDIAG_FIN | A, 101, 501, 0, 300 * MS);
    KIND(r, FIN);
    done(&s);
}

/* At a tap next to the server: SYN (frame 1), SYN-ACK (frame 2), then 1 s
 * later the client's SYN again (frame 3) and the server's SYN-ACK again
 * (frame 4, its answer to the repeated SYN). Hand reasoning: the only
 * thing from the client after frame 2 is its SYN once more - no ACK of
 * the SYN-ACK, and a client that had received it would have ACKed it, not
 * repeated its SYN. So the SYN-ACK was lost between here and the client:
 * segment_lost after the capture point, evidence frame 3; not ack_lost,
 * which would need an answer of the client to have passed here. The
 * client's repeated SYN itself (frame 3) keeps its own story: the
 * server's answer passed here before it, so that answer (the SYN-ACK,
 * the ACK of the SYN) was lost on the way: ack_lost. */
static void synack_after_repeated_syn(void)
{
    sim s;
    open_conn(&s);
    done(&s);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    s.t = tcpdiag_tracker_new(&cfg);
    s.frame = 0;
    tx(&s, C, TCPDIAG_SYN, 100, 0, 0, 0);
    tx(&s, S, TCPDIAG_SYN | A, 500, 101, 0, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, TCPDIAG_SYN, 100, 0, 0, 1000 * MS);
    KIND(r, SYN);
    FIRST(r, ACK_LOST);
    r = tx(&s, S, TCPDIAG_SYN | A, 500, 101, 0, 1 * MS);
    KIND(r, SYNACK);
    FIRST(r, SEGMENT_LOST);
    CHECK_EQ_INT(r->cause[0].frame, 3);
    CHECK_EQ_INT(r->cause[0].where, TCPDIAG_WHERE_AFTER_TAP);
    done(&s);
}

static void lookalikes(void)
{
    sim s;
    open_conn(&s);
    /* The same datagram twice, 20 us apart: same IP ID. */
    tcpdiag_segment d = mk(&s, C, PA, 101, 501, 1000);
    feed(&s, &d, 1 * MS);
    NOT_RETRANS(feed(&s, &d, 20000), DUPLICATE_CAPTURE);
    CHECK_EQ_INT(s.r.related, 4);
    /* ... and again 2 s later: duplicated on the path. */
    NOT_RETRANS(feed(&s, &d, 2000 * MS), NETWORK_DUPLICATE);
    tx(&s, S, A, 501, 1101, 0, 1 * MS);
    /* Keep-alive: one below the acknowledged point, nothing outstanding. */
    NOT_RETRANS(tx(&s, C, A, 1100, 501, 0, 7200 * MS), KEEPALIVE);
    /* Zero window, then probes of one byte at the window edge. */
    tcpdiag_segment z = mk(&s, S, A, 501, 1101, 0);
    z.window = 0;
    feed(&s, &z, 1 * MS);
    tx(&s, C, PA, 1101, 501, 1, 200 * MS);
    NOT_RETRANS(tx(&s, C, PA, 1101, 501, 1, 400 * MS), ZERO_WINDOW_PROBE);
    done(&s);

    /* Reordered before the capture point: the gap fills within the RTT,
     * and the filling segment's IP ID is older (it was sent first). */
    open_conn(&s);
    tcpdiag_segment later = mk(&s, C, PA, 1101, 501, 1000);
    tcpdiag_segment first = mk(&s, C, PA, 101, 501, 1000);
    first.ip_id = (uint16_t)(later.ip_id - 1);
    feed(&s, &later, 1 * MS);
    NOT_RETRANS(feed(&s, &first, 1 * MS), OUT_OF_ORDER);
    CHECK_EQ_INT(s.r.related, 4);
    done(&s);
    /* No send-order marks at all (IP ID 0, no timestamps): only timing
     * tells, and 1 ms is sooner than the 20 ms round trip a re-send needs. */
    open_conn(&s);
    later = mk(&s, C, PA, 1101, 501, 1000);
    first = mk(&s, C, PA, 101, 501, 1000);
    later.ip_id = first.ip_id = 0;
    feed(&s, &later, 1 * MS);
    NOT_RETRANS(feed(&s, &first, 1 * MS), OUT_OF_ORDER);
    done(&s);
    /* Marks that say "sent after" win over timing: an IP ID newer than the
     * segment that revealed the gap is a re-send, even 1 ms later (a fast
     * re-send for a loss just before the capture point on a short path). */
    open_conn(&s);
    tx(&s, C, PA, 1101, 501, 1000, 1 * MS);
    CHECK(tx(&s, C, PA, 101, 501, 1000, 1 * MS)->kind != TCPDIAG_RK_NONE);
    done(&s);
}

/* The gap is filled 100 ms later (5 RTT): a retransmission whose original
 * the capture never saw: lost before the capture point. */
static void lost_before_capture_point(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 1101, 501, 1000, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 100 * MS);
    CHECK(r->kind != TCPDIAG_RK_NONE);
    CHECK(!r->original_known);
    FIRST(r, SEGMENT_LOST);
    CHECK_EQ_INT(r->cause[0].where, TCPDIAG_WHERE_BEFORE_TAP);
    CHECK_EQ_INT(r->cause[0].frame, 4);
    done(&s);
}

static void checksums(void)
{
    sim s;
    open_conn(&s);
    tcpdiag_segment d = mk(&s, C, PA, 101, 501, 1000);
    d.checksum = TCPDIAG_CSUM_BAD;
    feed(&s, &d, 1 * MS);
    FIRST(tx(&s, C, PA, 101, 501, 1000, 300 * MS), CHECKSUM_ERROR);
    done(&s);

    open_conn(&s);
    d = mk(&s, C, PA, 101, 501, 1000);
    d.checksum = TCPDIAG_CSUM_BAD;
    feed(&s, &d, 1 * MS);
    d = mk(&s, C, PA, 101, 501, 1000);
    d.checksum = TCPDIAG_CSUM_BAD;
    FIRST(feed(&s, &d, 300 * MS), SENDER_CHECKSUM);
    done(&s);
}

/* Only the first fragment of the datagram was seen; the segment is re-sent. */
static void fragment_lost(void)
{
    sim s;
    open_conn(&s);
    tcpdiag_segment f = mk(&s, C, PA, 101, 501, 1456);  /* what the first fragment carries */
    f.ip_frag = TCPDIAG_FRAG_FIRST;
    f.ip_df = false;
    feed(&s, &f, 1 * MS);
    CHECK_EQ_INT(s.r.kind, TCPDIAG_RK_NONE);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1900, 300 * MS);
    FIRST(r, IP_FRAGMENT_LOST);
    CHECK_EQ_INT(r->cause[0].frame, 4);
    done(&s);
}

/* A 1400-byte segment, then the router's frag-needed quoting it (MTU
 * 1280): re-sent at once in smaller pieces. */
static void path_mtu_exceeded(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1400, 1 * MS);
    tcpdiag_segment q = mk(&s, C, PA, 101, 501, 0);
    q.quoted_by = TCPDIAG_ICMP_FRAG_NEEDED;
    q.icmp_type = 3;
    q.icmp_code = 4;
    q.icmp_mtu = 1280;
    feed(&s, &q, 1 * MS);
    CHECK_EQ_INT(s.r.kind, TCPDIAG_RK_NONE);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1240, 1 * MS);
    KIND(r, PMTU);
    FIRST(r, PATH_MTU_EXCEEDED);
    CHECK_EQ_INT(r->cause[0].count, 1280);
    CHECK_EQ_INT(r->bytes, 1240);
    r = tx(&s, C, PA, 1341, 501, 160, 0);
    KIND(r, PMTU);
    CHECK_EQ_INT(r->attempt, 1);
    CHECK_EQ_INT(r->bytes, 160);
    done(&s);
}

/* Small segments arrive, the full-size one never does and is re-sent with
 * backoff: a black hole (no ICMP ever comes back). */
static void pmtu_blackhole(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 100, 1 * MS);
    tx(&s, S, A, 501, 201, 0, 20 * MS);
    tx(&s, C, PA, 201, 501, 1400, 1 * MS);
    tx(&s, C, PA, 201, 501, 1400, 300 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 201, 501, 1400, 600 * MS);
    CHECK_EQ_INT(r->attempt, 2);
    FIRST(r, PMTU_BLACKHOLE);
    done(&s);
}

/* A black hole from the first data segment on (the lab's IPv6 upload with
 * ICMP dropped and MTU probing off): the handshake got through (frames
 * 1-3), then four full-size segments go out and nothing at all comes back.
 * Frame 8, the first timer re-send of [101,1501), is one loss like any
 * other: segment_lost. Frame 9 is the same data after backoff while the
 * receiver, alive enough to answer the SYN, never reported receiving a
 * byte: small datagrams pass, full-size ones do not, a black hole. */
static void pmtu_blackhole_from_start(void)
{
    sim s;
    open_conn(&s);
    for (uint32_t i = 0; i < 4; i++)
        tx(&s, C, A, 101 + 1400 * i, 501, 1400, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, A, 101, 501, 1400, 200 * MS);
    KIND(r, RTO);
    FIRST(r, SEGMENT_LOST);
    r = tx(&s, C, A, 101, 501, 1400, 400 * MS);
    CHECK_EQ_INT(r->attempt, 2);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "full_size_stuck");
    done(&s);
}

/* Not a black hole: the first segment is lost twice at random, but the
 * three after it arrive and the receiver says so with duplicate ACKs of
 * 101 (frames 8-10). The second re-send (frame 13) is a loss, not a size
 * the path refuses: the receiver has reported a gap. */
static void lost_twice_with_gap_reported(void)
{
    sim s;
    open_conn(&s);
    for (uint32_t i = 0; i < 4; i++)
        tx(&s, C, A, 101 + 1400 * i, 501, 1400, 1 * MS);
    for (int i = 0; i < 3; i++)
        tx(&s, S, A, 501, 101, 0, i == 0 ? 10 * MS : 0);
    tx(&s, C, A, 101, 501, 1400, 1 * MS);
    tx(&s, C, A, 101, 501, 1400, 200 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, A, 101, 501, 1400, 400 * MS);
    CHECK_EQ_INT(r->attempt, 3);
    FIRST(r, SEGMENT_LOST);
    CHECK(!has_cause(r, TCPDIAG_CAUSE_PMTU_BLACKHOLE));
    done(&s);
}

/* Not a black hole either (the committed lab run-00076, client side): a
 * burst drops all of a short upload, two full-size segments and a 1052-byte
 * tail, and nothing comes back. The tail is missing too, and a black hole
 * lets it through: the second re-send of [101,1501) (frame 9) stays a
 * plain loss. */
static void burst_took_a_short_segment_too(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, A, 101, 501, 1400, 1 * MS);
    tx(&s, C, A, 1501, 501, 1400, 0);
    tx(&s, C, PA, 2901, 501, 1052, 0);
    tx(&s, C, PA, 2901, 501, 1052, 12 * MS);
    tx(&s, C, A, 101, 501, 1400, 200 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, A, 101, 501, 1400, 400 * MS);
    CHECK_EQ_INT(r->attempt, 2);
    FIRST(r, SEGMENT_LOST);
    CHECK(!has_cause(r, TCPDIAG_CAUSE_PMTU_BLACKHOLE));
    done(&s);
}

/* Linux MTU probing after repeated timeouts (the lab's IPv6 download with
 * ICMP dropped, tcp_mtu_probing=2): 1400-byte segments [101,1501) and
 * [1501,2901) vanish; [101,1501) is re-sent whole twice (frames 6-7), then
 * cut to 512 bytes (frame 8): the sender lowered its segment size. Frame 8
 * and every later piece of data first sent at 1400 bytes and re-sent at
 * the smaller size, acknowledged or not before (frame 10 follows an ACK of
 * 613 that does not reach it), are the black hole, evidence frame 8. The
 * cut must be real: frame 12 re-sends new data [2901,4301), first sent
 * after the cut, 32 bytes short (SACK blocks taking room): no re-cut. */
static void pmtu_blackhole_resent_smaller(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, A, 101, 501, 1400, 1 * MS);
    tx(&s, C, A, 1501, 501, 1400, 0);
    tx(&s, C, A, 101, 501, 1400, 200 * MS);
    tx(&s, C, A, 101, 501, 1400, 400 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, A, 101, 501, 512, 800 * MS);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "resent_smaller");
    CHECK_EQ_INT(r->cause[0].frame, 8);
    tx(&s, S, A, 501, 613, 0, 20 * MS);
    r = tx(&s, C, A, 613, 501, 512, 1 * MS);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_INT(r->cause[0].frame, 8);
    r = tx(&s, C, A, 1501, 501, 512, 0);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "resent_smaller");
    tx(&s, C, A, 2901, 501, 1400, 0);
    r = tx(&s, C, A, 2901, 501, 1368, 300 * MS);
    CHECK(r->ncauses > 0);
    CHECK(strcmp(tcpdiag_evidence_name(r->cause[0].evidence), "resent_smaller") != 0);
    done(&s);
}

/* The same black hole seen behind it, near the receiver (the lab's IPv6
 * download, client-side tap): the server's SYN-ACK announces MSS 1460, the
 * client asks (frame 4), the server's 1400-byte answer never arrives and
 * only its FIN at 5701 does (frame 5: a 5600-byte gap). 3.6 s later, after
 * several timeouts, the gap is filled with 512-byte segments (frames 7,
 * 9): well under the 1460 the client offered, long after any round trip,
 * in a gap of many such pieces: the server lowered its segment size, the
 * black hole (evidence frame 7, the first cut piece). A gap filled after
 * one timeout with full-size data (frame 12 of the second connection) is
 * plain loss before the capture point. */
static void pmtu_blackhole_behind_it(void)
{
    sim s;
    open_conn_mss(&s, 1460);
    tx(&s, C, PA, 101, 501, 100, 1 * MS);
    tx(&s, S, A | TCPDIAG_FIN, 5701, 201, 0, 25 * MS);
    tx(&s, C, A, 201, 501, 0, 0);
    const tcpdiag_retrans_info *r = tx(&s, S, A, 501, 201, 512, 3600 * MS);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "resent_smaller");
    CHECK_EQ_INT(r->cause[0].frame, 7);
    tx(&s, C, A, 201, 1013, 0, 0);
    r = tx(&s, S, A, 1013, 201, 512, 30 * MS);
    FIRST(r, PMTU_BLACKHOLE);
    CHECK_EQ_INT(r->cause[0].frame, 7);
    done(&s);

    open_conn_mss(&s, 1460);
    tx(&s, C, PA, 101, 501, 100, 1 * MS);
    tx(&s, S, A | TCPDIAG_FIN, 3421, 201, 0, 25 * MS);
    tx(&s, C, A, 201, 501, 0, 0);
    r = tx(&s, S, A, 501, 201, 1460, 400 * MS);
    FIRST(r, SEGMENT_LOST);
    CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "gap_before_tap");
    done(&s);
}

/* The same black hole from the start, behind it, where the gap shows only
 * when the cut pieces arrive (the lab's IPv4 download, client-side tap, MTU
 * probing): the client asks (frame 4), the server only ACKs (frame 5), then
 * nothing arrives from it for 6.5 s: its full-size answer and every
 * timed-out copy vanish. Its first 512-byte piece [501,1013) (frame 6) is
 * new data to this tap; the next one it sees, at 15001 (frame 8), reveals a
 * 14 kB gap, which the client SACKs past (frame 9); the gap is filled 1 ms
 * later with 512-byte pieces (frame 10). The gap is only 1 ms old here,
 * but it opened in the burst that ended a silence of several timeouts, at
 * or after where that burst began, and nothing the server got through was
 * near the 1460 the client offered: the server cut its segments, a black
 * hole (evidence frame 10), and since Linux cuts only after repeated
 * timeouts, the kind is rto (the kernel's Loss state) although the SACK
 * asked for the data. The same after a 6.5 s
 * silence whose first piece was full-size (1448) is plain loss before the
 * capture point, and so is a 512-byte gap fill without the silence. */
static void pmtu_blackhole_silence_then_cut(void)
{
    for (int variant = 0; variant < 3; variant++) {
        sim s;
        open_conn_mss(&s, 1460);
        tx(&s, C, PA, 101, 501, 100, 1 * MS);
        tx(&s, S, A, 501, 201, 0, 2 * MS);
        uint32_t first = variant == 1 ? 1448 : 512;
        tx(&s, S, A, 501, 201, first, variant == 2 ? 10 * MS : 6500 * MS);
        tx(&s, C, A, 201, 501 + first, 0, 0);
        tx(&s, S, A, 15001, 201, 512, 0);
        tcpdiag_segment sack = mk(&s, C, A, 201, 501 + first, 0);
        sack.sack_count = 1;
        sack.sack[0] = (tcpdiag_sack_block){ 15001, 15513 };
        sack.options = TCPDIAG_OPT_SACK;
        feed(&s, &sack, 0);
        const tcpdiag_retrans_info *r = tx(&s, S, A, 501 + first, 201, 512, 1 * MS);
        if (variant == 0) {
            FIRST(r, PMTU_BLACKHOLE);
            CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "resent_smaller");
            CHECK_EQ_INT(r->cause[0].frame, 10);
            KIND(r, RTO);
        } else {
            FIRST(r, SEGMENT_LOST);
            CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "gap_before_tap");
        }
        done(&s);
    }
}

/* Behind the losses, near the receiver (the lab's tbf runs, client-side
 * tap): [2101,3101) never arrives, the receiver SACKs [3101,4101) three
 * times (frames 7-9): the sender is in fast recovery. Then [5101,6101) is
 * missing too (the gap shows at frame 11) and is filled 1 ms later (frame
 * 12), before the receiver could report it and far below any timer: the
 * recovery already under way repaired it (Linux stays in Recovery until
 * all it had sent is acknowledged), kind fast, not rto. */
static void gap_filled_during_fast_recovery(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, A, 101, 501, 1000, 1 * MS);
    tx(&s, C, A, 1101, 501, 1000, 0);
    tx(&s, C, A, 3101, 501, 1000, 0);
    for (int i = 0; i < 3; i++)
        ack_sacking(&s, 2101, 3101, 4101, i == 0 ? 5 * MS : 0);
    tx(&s, C, A, 4101, 501, 1000, 1 * MS);
    tx(&s, C, A, 6101, 501, 1000, 0);
    const tcpdiag_retrans_info *r = tx(&s, C, A, 5101, 501, 1000, 1 * MS);
    KIND(r, FAST);
    FIRST(r, SEGMENT_LOST);
    done(&s);
}

/* Frames 4-9 of a black hole seen by Linux (below): [201,1649) vanishes,
 * the two small segments after it are SACKed. */
static void full_size_lost_small_sacked(sim *s)
{
    open_conn(s);
    tx(s, C, PA, 101, 501, 100, 1 * MS);
    tx(s, S, A, 501, 201, 0, 20 * MS);
    tx(s, C, PA, 201, 501, 1448, 1 * MS);
    tx(s, C, PA, 1649, 501, 100, 0);
    tx(s, C, PA, 1749, 501, 100, 0);
    ack_sacking(s, 201, 1649, 1749, 20 * MS);
    ack_sacking(s, 201, 1649, 1849, 0);
}

/* A path MTU black hole seen by Linux: the full-size [201,1649) (frame 5)
 * never arrives, the small segments after it are SACKed at once (frames
 * 6-8), and the big one is re-sent 250 ms later (frame 9). Hand reasoning:
 * a fast retransmission answers the receiver's ACKs within a fraction of a
 * round trip (20 ms here); after 250 ms of silence from the receiver only
 * the retransmission timer re-sends (the kernel is in its Loss state), so
 * the kind is rto even though the SACKs had signalled the loss. */
static void timer_after_stale_sack(void)
{
    sim s;
    full_size_lost_small_sacked(&s);
    KIND(tx(&s, C, PA, 201, 501, 1448, 250 * MS), RTO);
    done(&s);
}

/* Behind a bottleneck that dropped the tail (the lab's far tap): the client
 * numbers its datagrams one by one (frames 4-13, IDs one apart, 1000-byte
 * segments under the 1460 MSS both SYNs announced). Datagram ID 12 never
 * arrives; ID 13 (frame 14) carries [10101,11101), exactly where the data
 * seen here ended, 0.5 ms after frame 13. Hand reasoning: the missing
 * datagram left between frames 13 and 14; it cannot have carried data
 * before 10101 unseen (the tap would see a gap), so it carried [10101, ...)
 * or later data, and frame 14 sends [10101,11101) again: a retransmission
 * whose original was lost before the capture point (evidence frame 13, the
 * datagram before the one that vanished). The sender was answering ACKs
 * 0.5 ms after its previous datagram: kind fast, not a timer. Controls that
 * must stay new data: two numbers skipped (a host refusing its own datagram
 * retries the same data under new numbers); no run of one-apart IDs yet (a
 * counter shared with other traffic); a frame above the MSS before (offload
 * at the capture point: one frame, several numbers); the datagram before
 * was a re-send of older data, not the one that carried the end; the path
 * reordered before (two segments arrived swapped, the older IP ID second:
 * the missing datagram may only be late). */
static void tail_lost_before_tap_by_ip_id(void)
{
    enum { PLAIN, TWO_SKIPPED, UNPROVEN, OFFLOAD, AFTER_RESEND, REORDERED, VARIANTS };
    static const char *const names[VARIANTS] = { "one skipped", "two skipped", "no run of one-apart IDs",
                                                  "a frame above the MSS", "after a re-send",
                                                  "on a path that reordered" };
    for (int v = 0; v < VARIANTS; v++) {
        sim s;
        open_conn_mss(&s, 1460);
        check_context("%s", names[v]);
        uint32_t seq = 101;
        int segs = v == UNPROVEN ? 4 : 10;
        for (int i = 0; i < segs; i++, seq += 1000) {
            uint32_t len = v == OFFLOAD && i == 0 ? 2920 : 1000;
            tx(&s, C, PA, seq, 501, len, 500000);
            seq += len - 1000;
        }
        if (v == AFTER_RESEND)
            tx(&s, C, PA, 101, 501, 1000, 500000);
        if (v == REORDERED) {
            tcpdiag_segment first = mk(&s, C, PA, seq, 501, 1000);
            tcpdiag_segment second = mk(&s, C, PA, seq + 1000, 501, 1000);
            NOT_RETRANS(feed(&s, &second, 500000), NONE);
            NOT_RETRANS(feed(&s, &first, 500000), OUT_OF_ORDER);
            tx(&s, C, PA, seq + 2000, 501, 1000, 500000);
            seq += 3000;
        }
        s.ip_id[C] += v == TWO_SKIPPED ? 2 : 1;
        const tcpdiag_retrans_info *r = tx(&s, C, PA, seq, 501, 1000, 500000);
        if (v != PLAIN) {
            CHECK(r->kind == TCPDIAG_RK_NONE);
            done(&s);
            continue;
        }
        KIND(r, FAST);
        CHECK_EQ_INT(r->attempt, 1);
        CHECK(!r->original_known);
        FIRST(r, SEGMENT_LOST);
        CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "ip_id_skipped_before");
        CHECK_EQ_INT(r->cause[0].frame, 13);
        CHECK_EQ_INT(r->cause[0].where, TCPDIAG_WHERE_BEFORE_TAP);
        /* The next datagram, numbered on from it, is new data again. */
        KIND(tx(&s, C, PA, seq + 1000, 501, 1000, 500000), NONE);
        done(&s);
    }
}

/* An RTO in the middle of a fast recovery, seen next to the sender: the
 * full-size [201,1649) (frame 5) is lost, the receiver SACKs what follows
 * (frames 8-9), the sender re-sends it 5 ms later (frame 10, fast). That
 * copy is lost too. The receiver goes on SACKing the new data the sender
 * sends (ten segments, each SACKed 8 ms later), then falls silent. 215 ms
 * after frame 10 the sender sends [201,1649) a third time, 125 ms after the
 * receiver's last SACK. Hand reasoning: a sender answers an ACK within a
 * round trip (20 ms) and some pacing (20 ms at most); 125 ms after the last
 * one, nothing the receiver sent made this re-send, and the copy before
 * went out 215 ms ago, a timer's time (Linux's minimum 200 ms): the
 * retransmission timer fired, kind rto (the kernel's Loss state). Control:
 * the SACKs go on (23 segments), and the re-send 217 ms after frame 10
 * comes 10 ms after the last SACK: it answers that SACK, kind fast. */
static void timer_inside_fast_recovery(void)
{
    for (int late = 0; late < 2; late++) {
        sim s;
        check_context(late ? "125 ms after the last SACK" : "10 ms after the last SACK");
        full_size_lost_small_sacked(&s);
        KIND(tx(&s, C, PA, 201, 501, 1448, 5 * MS), FAST);
        uint32_t seq = 1849;
        for (int i = 0; i < (late ? 10 : 23); i++, seq += 100) {
            tx(&s, C, PA, seq, 501, 100, 1 * MS);
            ack_sacking(&s, 201, 1649, seq + 100, 8 * MS);
        }
        const tcpdiag_retrans_info *r = tx(&s, C, PA, 201, 501, 1448, late ? 125 * MS : 10 * MS);
        CHECK(r->interval_known && r->interval_ns >= 200 * MS);
        if (late)
            KIND(r, RTO);
        else
            KIND(r, FAST);
        done(&s);
    }
}

/* The receiver closed its window; data already in flight is re-sent with no
 * sign of loss: the receiver could not take it. */
static void receiver_window_full(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    tcpdiag_segment z = mk(&s, S, A, 501, 101, 0);
    z.window = 0;
    feed(&s, &z, 20 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
    FIRST(r, RECEIVER_WINDOW_FULL);
    done(&s);
}

/* A handshake whose SYNs' options may have been cut by the snaplen; the
 * server offers a raw window of 1000. */
static void open_small_window(sim *s, bool options_cut)
{
    open_conn(s);   /* fresh tracker; its own handshake is replaced below */
    tcpdiag_tracker_free(s->t);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    s->t = tcpdiag_tracker_new(&cfg);
    s->frame = 0;
    tcpdiag_segment g = mk(s, C, TCPDIAG_SYN, 100, 0, 0);
    g.options_cut = options_cut;
    feed(s, &g, 0);
    g = mk(s, S, TCPDIAG_SYN | A, 500, 101, 0);
    g.options_cut = options_cut;
    g.window = 1000;
    feed(s, &g, 10 * MS);
    tx(s, C, A, 101, 501, 0, 10 * MS);
}

/* Hand reasoning. Without window scaling on either SYN (options captured),
 * the server's 1000-byte window is exactly what [101,1101) uses up, so a
 * re-send of it 300 ms later lists receiver_window_full. With the SYN
 * options cut, scaling may be in use (a raw 1000 could mean 128,000): the
 * window says nothing and that cause must not appear. */
static void snaplen_cut_options(void)
{
    sim s;
    open_small_window(&s, false);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
    KIND(r, RTO);
    CHECK(has_cause(r, TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL));
    done(&s);

    open_small_window(&s, true);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
    KIND(r, RTO);
    CHECK(!has_cause(r, TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL));
    done(&s);
}

/* Hand reasoning. The client's SYN carries MSS and window scale and is cut
 * by the snaplen after them; the SYN-ACK is captured whole with window
 * scale 0. Both SYNs carried the option, so scaling is on (RFC 7323) and the
 * server's raw 1000 is 1000 bytes << 0: the tracker may judge the window
 * full, and the MSS view must say scaling is in use, with the same shifts.
 * Before one SYN record served both, the MSS view called it undecided. */
static void snaplen_cut_after_wscale(void)
{
    sim s;
    open_conn(&s);
    tcpdiag_tracker_free(s.t);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    s.t = tcpdiag_tracker_new(&cfg);
    s.frame = 0;
    tcpdiag_segment g = mk(&s, C, TCPDIAG_SYN, 100, 0, 0);
    g.options = TCPDIAG_OPT_MSS | TCPDIAG_OPT_WSCALE;
    g.mss = 1460;
    g.wscale = 7;
    g.options_cut = true;
    feed(&s, &g, 0);
    g = mk(&s, S, TCPDIAG_SYN | A, 500, 101, 0);
    g.options = TCPDIAG_OPT_MSS | TCPDIAG_OPT_WSCALE | TCPDIAG_OPT_SACK_PERM | TCPDIAG_OPT_TS;
    g.mss = 1460;
    g.wscale = 0;
    g.window = 1000;
    feed(&s, &g, 10 * MS);
    tx(&s, C, A, 101, 501, 0, 10 * MS);
    CHECK(s.v.mss.opts & TCPDIAG_MSSO_WSCALE);
    CHECK_EQ_INT(s.v.mss.wscale[C], 7);
    CHECK_EQ_INT(s.v.mss.wscale[S], 0);
    CHECK(!(s.v.mss.opts & TCPDIAG_MSSO_BOTH_SYNS));   /* the client's SACK / timestamps: unknown */
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
    KIND(r, RTO);
    CHECK(has_cause(r, TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL));
    done(&s);
}

/* A header cut before its flags (snaplen 40: ports and half the sequence
 * number): its seq reads as 0. Hand reasoning: it must not count as a
 * transmission of [0,1000), which would make the next real segments look
 * like re-sends or leave a phantom gap; it changes no state. */
static void snaplen_cut_header(void)
{
    sim s;
    open_conn(&s);
    tx(&s, C, PA, 101, 501, 1000, 1 * MS);
    tcpdiag_segment g = mk(&s, C, 0, 0, 0, 1000);
    g.flags_known = false;
    const tcpdiag_retrans_info *r = feed(&s, &g, 1 * MS);
    KIND(r, NONE);
    CHECK_EQ_INT(r->lookalike, TCPDIAG_LA_NONE);
    CHECK(tcpdiag_verdict_has(&s.v, TCPDIAG_NOTE_HEADER_CUT));
    CHECK_EQ_INT(s.v.state_client, TCPDIAG_STATE_ESTABLISHED);
    CHECK_EQ_INT(s.v.state_server, TCPDIAG_STATE_ESTABLISHED);
    CHECK(!s.v.mss.known);
    r = tx(&s, C, PA, 1101, 501, 1000, 1 * MS);
    KIND(r, NONE);
    r = tx(&s, C, PA, 2101, 501, 1000, 1 * MS);
    KIND(r, NONE);
    r = tx(&s, S, A, 501, 3101, 0, 10 * MS);
    KIND(r, NONE);
    done(&s);
}

/* The round trip climbs from 1 ms to 30 ms over 12 data/ACK pairs (a queue
 * filling), then six segments in a row are lost and asked for by SACK. */
static void congestion(void)
{
    sim s;
    open_conn(&s);
    uint32_t seq = 101;
    for (int i = 0; i < 12; i++) {
        tx(&s, C, PA, seq, 501, 100, 1 * MS);
        seq += 100;
        tx(&s, S, A, 501, seq, 0, (i < 2 ? 1 : 30) * MS);
    }
    uint32_t base = seq;
    for (int i = 0; i < 8; i++)
        tx(&s, C, PA, base + 100u * i, 501, 100, 0);
    tcpdiag_segment d = mk(&s, S, A, 501, base, 0);
    d.sack_count = 1;
    d.sack[0] = (tcpdiag_sack_block){ base + 600, base + 800 };
    d.options = TCPDIAG_OPT_SACK;
    feed(&s, &d, 30 * MS);
    const tcpdiag_retrans_info *r = NULL;
    for (int i = 0; i < 6; i++) {
        r = tx(&s, C, PA, base + 100u * i, 501, 100, 1 * MS);
        KIND(r, FAST);
    }
    FIRST(r, CONGESTION);
    CHECK(has_cause(r, TCPDIAG_CAUSE_SEGMENT_LOST));
    done(&s);
}


/* The same connection over IPv6 (no IP ID), both sides with timestamps. */
static void open_conn_v6(sim *s)
{
    open_conn(s);
    done(s);
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    s->t = tcpdiag_tracker_new(&cfg);
    s->cs.family = s->sc.family = 6;
    memset(s->cs.src, 0, 16);
    memset(s->cs.dst, 0, 16);
    memcpy(s->cs.src, "\xfd\x00\x00\x01", 4);
    memcpy(s->cs.dst, "\xfd\x00\x00\x02", 4);
    memcpy(s->sc.src, s->cs.dst, 16);
    memcpy(s->sc.dst, s->cs.src, 16);
    s->frame = 0;
    tx6(s, C, TCPDIAG_SYN, 100, 0, 0, 0, 1000);
    tx6(s, S, TCPDIAG_SYN | A, 500, 101, 0, 10 * MS, 7000);
    tx6(s, C, A, 101, 501, 0, 10 * MS, 1020);
}

/* IPv6 bulk data, sub-millisecond round trip: frames 4-7 carry
 * [101,1101) .. [3101,4101), all stamped TSval 1021 (the same millisecond).
 * The receiver ACKs 1101 (frame 8), then SACKs [2101,4101) twice (frames
 * 9-10): the second segment is missing beyond the capture point. 50 us
 * later the sender re-sends [1101,2101): same TSval, same hop limit, same
 * bytes as frame 5. Hand reasoning: the receiver spoke (frames 8-10)
 * between frame 5 and the re-send, and a copy made by the capture cannot
 * follow the receiver's request, so frame 11 is a fast retransmission of
 * frame 5. A true copy of frame 12, 5 us later with the receiver silent,
 * stays duplicate_capture. */
static void ipv6_resend_same_millisecond(void)
{
    sim s;
    open_conn_v6(&s);
    for (uint32_t i = 0; i < 4; i++)
        tx6(&s, C, PA, 101 + 1000 * i, 501, 1000, 10000, 1021);
    tx6(&s, S, A, 501, 1101, 0, 100000, 7001);
    for (int i = 0; i < 2; i++) {
        tcpdiag_segment d = mk6(&s, S, A, 501, 1101, 0, 7001);
        d.sack_count = 1;
        d.sack[0] = (tcpdiag_sack_block){ 2101, 4101 };
        d.options |= TCPDIAG_OPT_SACK;
        feed(&s, &d, 20000);
    }
    const tcpdiag_retrans_info *r = tx6(&s, C, PA, 1101, 501, 1000, 50000, 1021);
    KIND(r, FAST);
    CHECK_EQ_INT(r->original, 5);
    tcpdiag_segment more = mk6(&s, C, PA, 4101, 501, 1000, 1021);
    feed(&s, &more, 10000);
    NOT_RETRANS(feed(&s, &more, 5000), DUPLICATE_CAPTURE);
    CHECK_EQ_INT(s.r.related, 12);
    done(&s);
}

/* Capture point behind a bottleneck queue, next to the server (IPv6, the
 * client's timestamps tick once a millisecond: TSval = send time in ms).
 * Twelve 100-byte segments arrive 1 ms apart, stamped with their arrival
 * millisecond, each ACKed 1 ms later (the round trip measured here, 1 ms,
 * never includes the queue). Then the queue fills: [base+600, base+800)
 * arrive stamped 30 ms before their arrival, the six segments before them
 * never arrive (dropped in the queue), the server SACKs twice and the six
 * re-sends arrive 1 ms apart, also 30 ms late by their stamps. Hand
 * reasoning: six losses within two round trips while the one-way delay
 * from the sender rose 30 ms above its floor (5 ms and an eighth of the
 * 20 ms handshake round trip would do): a queue overflowed, so congestion
 * ranks first, with the loss before the capture point behind it. The
 * control stamps phase two with the arrival millisecond (no delay rise):
 * the same six losses are a burst of drops, segment_lost first. */
static void congestion_behind_the_queue(void)
{
    for (int queued = 0; queued < 2; queued++) {
        sim s;
        open_conn_v6(&s);
        check_context(queued ? "30 ms queue" : "no queue");
        uint32_t seq = 101, server_ts = 7001;
        for (int i = 0; i < 12; i++) {
            tx6(&s, C, PA, seq, 501, 100, 1 * MS, (uint32_t)((s.now + 1 * MS) / MS));
            seq += 100;
            tx6(&s, S, A, 501, seq, 0, 1 * MS, server_ts++);
        }
        uint32_t base = seq, late = queued ? 30 : 0;
        for (uint32_t i = 6; i < 8; i++)
            tx6(&s, C, PA, base + 100u * i, 501, 100, 1 * MS, (uint32_t)((s.now + 1 * MS) / MS) - late);
        for (int i = 0; i < 2; i++) {
            tcpdiag_segment d = mk6(&s, S, A, 501, base, 0, server_ts++);
            d.sack_count = 1;
            d.sack[0] = (tcpdiag_sack_block){ base + 600, base + 800 };
            d.options |= TCPDIAG_OPT_SACK;
            feed(&s, &d, 1 * MS);
        }
        const tcpdiag_retrans_info *r = NULL;
        for (uint32_t i = 0; i < 6; i++) {
            r = tx6(&s, C, PA, base + 100u * i, 501, 100, 1 * MS, (uint32_t)((s.now + 1 * MS) / MS) - late);
            CHECK(r->kind != TCPDIAG_RK_NONE);
        }
        if (queued) {
            FIRST(r, CONGESTION);
            CHECK(has_cause(r, TCPDIAG_CAUSE_SEGMENT_LOST));
        } else {
            FIRST(r, SEGMENT_LOST);
        }
        done(&s);
    }
}

/* Capture point behind a bottleneck, next to the server. Twenty 100-byte
 * segments arrive exactly 1 ms apart (the bottleneck's rate: one segment per
 * millisecond), each ACKed 0.1 ms later. Then [L, L+100) never arrives:
 * a queue that overflows drops a segment that never takes the link, so the
 * next one still arrives 1 ms after the last. The three after it are SACKed
 * by three duplicate ACKs, and the re-send of L arrives 1 ms after the last
 * (frame 50). Hand reasoning: data this evenly spaced (every gap 1 ms, no
 * deviation) is paced by a bottleneck upstream, and a segment missing from
 * it was dropped by that bottleneck's queue: congestion first
 * (paced_gap_before_tap, one segment every 1000 us), the bare loss before
 * the capture point behind it. The control delivers the same twenty
 * segments at the same average rate, but in bursts of four 10 us apart with
 * 3.97 ms between bursts, as a sender on a path without a bottleneck sends
 * them: the deviation is as large as the mean gap, nothing sets a pace, so
 * the gap is only a loss before the capture point: segment_lost first, no
 * congestion. */
static void gap_in_paced_data(void)
{
    for (int bursty = 0; bursty < 2; bursty++) {
        sim s;
        open_conn(&s);
        check_context(bursty ? "bursts" : "paced");
        uint32_t seq = 101;
        for (int i = 0; i < 20; i++) {
            int64_t gap = !bursty ? 1 * MS : i % 4 ? 10000 : 3970000;
            tx(&s, C, PA, seq, 501, 100, gap - 100000);
            seq += 100;
            tx(&s, S, A, 501, seq, 0, 100000);
        }
        uint32_t lost = seq;
        for (uint32_t i = 1; i < 4; i++) {
            tx(&s, C, PA, lost + 100u * i, 501, 100, 1 * MS - 100000);
            ack_sacking(&s, lost, lost + 100, lost + 100 * (i + 1), 100000);
        }
        const tcpdiag_retrans_info *r = tx(&s, C, PA, lost, 501, 100, 1 * MS - 100000);
        CHECK(r->kind != TCPDIAG_RK_NONE);
        CHECK(!r->original_known);
        if (bursty) {
            FIRST(r, SEGMENT_LOST);
            CHECK(!has_cause(r, TCPDIAG_CAUSE_CONGESTION));
        } else {
            FIRST(r, CONGESTION);
            CHECK_EQ_STR(tcpdiag_evidence_name(r->cause[0].evidence), "paced_gap_before_tap");
            CHECK_EQ_INT(r->cause[0].where, TCPDIAG_WHERE_BEFORE_TAP);
            CHECK_EQ_INT(r->cause[0].count, 1000);
            CHECK(has_cause(r, TCPDIAG_CAUSE_SEGMENT_LOST));
        }
        done(&s);
    }
}

/* The gap [101,1101) opened by frame 4 (TSval 2000, IP ID 20) is filled 50
 * ms later - beyond the 20 ms round trip, so timing alone calls it a
 * retransmission lost before the capture point. Hand reasoning: frame 5
 * carries TSval 1999 (or, without timestamps, IP ID 19): the sender stamped
 * it before frame 4, and a re-send is always stamped after everything sent
 * before it, so frame 5 is the original, overtaken on the way: out_of_order.
 * The control fills the gap with TSval 2050 / IP ID 21: stamped after frame
 * 4, a re-send of data lost before the capture point. */
static void reordered_original_by_send_order(void)
{
    for (int by_ts = 0; by_ts < 2; by_ts++) {
        for (int late = 0; late < 2; late++) {
            sim s;
            open_conn(&s);
            check_context("by %s, %s", by_ts ? "timestamp" : "IP ID", late ? "stamped later" : "stamped earlier");
            tcpdiag_segment g = mk(&s, C, PA, 1101, 501, 1000);
            g.ip_id = 20;
            if (by_ts) {
                g.options = TCPDIAG_OPT_TS;
                g.tsval = 2000;
            }
            feed(&s, &g, 1 * MS);
            tcpdiag_segment o = mk(&s, C, PA, 101, 501, 1000);
            o.ip_id = late ? 21 : 19;
            if (by_ts) {
                o.options = TCPDIAG_OPT_TS;
                o.tsval = late ? 2050 : 1999;
                g.ip_id = o.ip_id = 0;  /* no IPv4 ID (as on IPv6): the timestamp decides */
            }
            const tcpdiag_retrans_info *r = feed(&s, &o, 50 * MS);
            if (late) {
                CHECK(r->kind != TCPDIAG_RK_NONE);
                FIRST(r, SEGMENT_LOST);
            } else {
                NOT_RETRANS(r, OUT_OF_ORDER);
                CHECK_EQ_INT(r->related, 4);
            }
            done(&s);
        }
    }
}


/* Seen behind the reordering point (the receiver's side): the original of
 * [101,1101) is held on the way; [1101,2101) (frame 4) overtakes it and
 * opens a gap; three duplicate ACKs (frames 5-7) bring the sender's re-send
 * (frame 8, stamped after frame 4: a retransmission filling the gap); then
 * the held original itself arrives (frame 9). Hand reasoning: frame 9 is
 * stamped before frame 8 (IP ID 29 < 31, or TSval 1999 < 2031 without an
 * IPv4 ID): a re-send is always stamped after every earlier copy, so frame
 * 9 was sent first - the original overtaken by its own re-send, not a
 * second re-send: out_of_order, related to the copy it lagged (frame 8).
 * The control (IP ID 32 / TSval 2040, stamped after frame 8) is a second
 * re-send. */
static void original_after_its_resend(void)
{
    for (int by_ts = 0; by_ts < 2; by_ts++) {
        for (int late = 0; late < 2; late++) {
            sim s;
            open_conn(&s);
            check_context("by %s, %s", by_ts ? "timestamp" : "IP ID", late ? "stamped later" : "stamped earlier");
            uint16_t ids[3] = { 30, 31, (uint16_t)(late ? 32 : 29) };
            uint32_t ts[3] = { 2000, 2031, late ? 2040u : 1999u };
            const uint32_t seqs[3] = { 1101, 101, 101 };
            const int64_t gaps[3] = { 1 * MS, 1 * MS, 5 * MS };
            for (int i = 0; i < 3; i++) {
                tcpdiag_segment g = by_ts ? mk6(&s, C, PA, seqs[i], 501, 1000, ts[i]) : mk(&s, C, PA, seqs[i], 501, 1000);
                if (!by_ts)
                    g.ip_id = ids[i];
                if (i == 1) {
                    for (int d = 0; d < 3; d++)
                        tx(&s, S, A, 501, 101, 0, 1 * MS);
                }
                const tcpdiag_retrans_info *r = feed(&s, &g, gaps[i] + (i == 1 ? 30 * MS : 0));
                if (i == 1)
                    CHECK(r->kind != TCPDIAG_RK_NONE);
                if (i == 2 && late)
                    CHECK(r->kind != TCPDIAG_RK_NONE);
                if (i == 2 && !late) {
                    NOT_RETRANS(r, OUT_OF_ORDER);
                    CHECK_EQ_INT(r->related, 8);
                }
            }
            done(&s);
        }
    }
}

/* IPv6 (no IP ID), timestamps on: frame 4 [1101,2101) with TSval 2000
 * reveals the gap [101,1101); frame 5 [2101,3101) carries TSval 2005; 50 ms
 * later (beyond the 20 ms round trip, so timing alone says re-send) the
 * gap is filled with TSval 2000 (frame 6). Hand reasoning: its tick equals
 * frame 4's, so the gap's own mark cannot order them; but data stamped 5
 * ticks later (frame 5) already passed here, so frame 6 was overtaken on
 * the way. A re-send in frame 4's tick would have had to answer a report
 * of the gap within that same millisecond on a 20 ms path: impossible, so
 * it is the original: out_of_order. The control, with nothing newer than
 * TSval 2000 seen before the fill (no frame 5), keeps the timing rule: a
 * retransmission lost before the capture point. */
static void same_tick_filler_overtaken(void)
{
    for (int newer = 0; newer < 2; newer++) {
        sim s;
        open_conn(&s);
        check_context(newer ? "newer data passed" : "nothing newer");
        tx6(&s, C, PA, 1101, 501, 1000, 1 * MS, 2000);
        if (newer)
            tx6(&s, C, PA, 2101, 501, 1000, 1 * MS, 2005);
        const tcpdiag_retrans_info *r = tx6(&s, C, PA, 101, 501, 1000, 50 * MS, 2000);
        if (newer) {
            NOT_RETRANS(r, OUT_OF_ORDER);
        } else {
            CHECK(r->kind != TCPDIAG_RK_NONE);
            FIRST(r, SEGMENT_LOST);
        }
        done(&s);
    }
}

/* The receiver's IP IDs skip, but its datagram after the skip says it
 * lacks the data. Frames 4-5: [101,2101) in two segments; the server's
 * datagrams so far carried IP ID 1 (SYN-ACK); frame 6, 30 ms after frame 4
 * (beyond the 20 ms round trip: the original had time to arrive and be
 * acknowledged), carries IP ID 4 (two of its datagrams missing here) and
 * ACK 101, no SACK; frame 7 re-sends [101,1101) 300 ms later. Hand
 * reasoning: the server sent frame 6 after the two lost datagrams and
 * still acknowledged nothing of [101,1101): it did not have it, so its
 * lost datagrams did not carry this data's ACK - the data itself was lost
 * after the capture point (segment_lost), and ack_lost is no candidate.
 * The control sends frame 6 5 ms after frame 4, before the data could have
 * reached the server and its ACK come back: it says nothing about the
 * data, and the skip stays the ack_lost evidence it was. */
static void ip_id_gap_refuted_by_its_ack(void)
{
    for (int soon = 0; soon < 2; soon++) {
        sim s;
        open_conn(&s);
        check_context(soon ? "gap frame within the round trip" : "gap frame after the round trip");
        tx(&s, C, PA, 101, 501, 1000, 1 * MS);
        tx(&s, C, PA, 1101, 501, 1000, 0);
        tcpdiag_segment g = mk(&s, S, A, 501, 101, 0);
        g.ip_id = 4;
        feed(&s, &g, soon ? 5 * MS : 30 * MS);
        const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 300 * MS);
        CHECK(r->kind != TCPDIAG_RK_NONE);
        if (soon) {
            FIRST(r, ACK_LOST);
        } else {
            FIRST(r, SEGMENT_LOST);
            CHECK(!has_cause(r, TCPDIAG_CAUSE_ACK_LOST));
        }
        done(&s);
    }
}

/* Reordering, no loss: frame 4 [1101,2101) overtakes frame 5 [101,1101),
 * whose older IP ID makes it the original (out_of_order). The receiver got
 * [1101,2101) first and SACKs it with three duplicate ACKs of 101 (frames
 * 6-8); the sender, reading them as loss, re-sends [101,1101) (frame 9).
 * Hand reasoning: the capture saw the original arrive, after later data,
 * so the first cause is reordering (evidence frame 5), not segment_lost.
 * The receiver then reports [101,1101) received twice (DSACK, frame 10):
 * the fast re-send was not needed because the original was only overtaken
 * (unneeded cause reordering). Later, [2101,3101) (frame 11) is SACKed
 * past (frames 13-15) and re-sent (frame 16): nothing shows this one was
 * overtaken, but the path has reordered twice, so reordering ranks above
 * a loss after the capture point, which stays a candidate. */
static void reordering_cause(void)
{
    sim s;
    open_conn(&s);
    tcpdiag_segment a = mk(&s, C, PA, 1101, 501, 1000);
    a.ip_id = 30;
    feed(&s, &a, 1 * MS);
    tcpdiag_segment b = mk(&s, C, PA, 101, 501, 1000);
    b.ip_id = 29;
    NOT_RETRANS(feed(&s, &b, 30 * MS), OUT_OF_ORDER);
    for (int i = 0; i < 3; i++)
        ack_sacking(&s, 101, 1101, 2101, 1 * MS);
    tcpdiag_segment re = mk(&s, C, PA, 101, 501, 1000);
    re.ip_id = 31;
    const tcpdiag_retrans_info *r = feed(&s, &re, 1 * MS);
    KIND(r, FAST);
    FIRST(r, REORDERING);
    CHECK_EQ_INT(r->cause[0].frame, 5);
    r = ack_sacking(&s, 2101, 101, 1101, 20 * MS);
    CHECK_EQ_INT(r->unneeded, 9);
    CHECK_EQ_INT(r->unneeded_cause, TCPDIAG_CAUSE_REORDERING);
    tcpdiag_segment c = mk(&s, C, PA, 2101, 501, 1000);
    c.ip_id = 32;
    feed(&s, &c, 1 * MS);
    tcpdiag_segment e = mk(&s, C, PA, 3101, 501, 1000);
    e.ip_id = 33;
    feed(&s, &e, 0);
    for (int i = 0; i < 3; i++)
        ack_sacking(&s, 2101, 3101, 4101, 1 * MS);
    tcpdiag_segment re2 = mk(&s, C, PA, 2101, 501, 1000);
    re2.ip_id = 34;
    r = feed(&s, &re2, 1 * MS);
    KIND(r, FAST);
    FIRST(r, REORDERING);
    CHECK(has_cause(r, TCPDIAG_CAUSE_SEGMENT_LOST));
    done(&s);
}

/* A re-send 0.7 ms after the previous copy, with no duplicate ACK captured
 * (the capture missed the receiver's side). Hand reasoning: no stack's
 * timer fires that soon (Linux's tail-loss probe waits at least 2 ms, RTOs
 * 200 ms or more), so the sender answered the receiver: fast, not rto. */
static void too_soon_for_a_timer(void)
{
    sim s;
    open_conn(&s);
    for (uint32_t seq = 101; seq < 3101; seq += 1000)
        tx(&s, C, PA, seq, 501, 1000, 100000);
    KIND(tx(&s, C, PA, 101, 501, 1000, 700000), FAST);
    done(&s);
}

/* Reordering seen from the sender's side of the reordering point: frames
 * 4-6 carry [101,3101); the receiver SACKs [1101,3101) three times with
 * ACK 101 (frames 7-9), then acknowledges everything (frame 10, ACK 3101):
 * the first segment had only been overtaken. 0.2 ms later the sender's
 * fast re-send of [101,1101) passes (frame 11): it answered the duplicate
 * ACKs and crossed the ACK. Hand reasoning: kind fast (duplicate ACKs made
 * it), spurious (acknowledged before it passed here); a fast re-send cannot
 * be about a lost or late ACK - duplicate ACKs sent it, and the data had
 * arrived - so the first cause is reordering, the crossing ACK behind it. */
static void fast_but_acknowledged(void)
{
    sim s;
    open_conn(&s);
    for (uint32_t seq = 101; seq < 3101; seq += 1000)
        tx(&s, C, PA, seq, 501, 1000, 1 * MS);
    for (int i = 0; i < 3; i++)
        ack_sacking(&s, 101, 1101, 3101, 1 * MS);
    tx(&s, S, A, 501, 3101, 0, 1 * MS);
    const tcpdiag_retrans_info *r = tx(&s, C, PA, 101, 501, 1000, 200000);
    KIND(r, FAST);
    CHECK(r->spurious);
    FIRST(r, REORDERING);
    CHECK_EQ_INT(r->cause[0].frame, 10);
    CHECK(has_cause(r, TCPDIAG_CAUSE_ACK_LATE));
    done(&s);
}

int main(void)
{
    fast_retransmission();
    rto_with_backoff();
    tail_loss_probe();
    spurious_ack_lost();
    syn_retransmission();
    syn_copies();
    synack_and_fin();
    synack_after_repeated_syn();
    lookalikes();
    lost_before_capture_point();
    checksums();
    fragment_lost();
    path_mtu_exceeded();
    pmtu_blackhole();
    pmtu_blackhole_from_start();
    lost_twice_with_gap_reported();
    burst_took_a_short_segment_too();
    pmtu_blackhole_resent_smaller();
    pmtu_blackhole_behind_it();
    pmtu_blackhole_silence_then_cut();
    gap_filled_during_fast_recovery();
    receiver_window_full();
    snaplen_cut_options();
    snaplen_cut_after_wscale();
    snaplen_cut_header();
    congestion();
    ipv6_resend_same_millisecond();
    reordered_original_by_send_order();
    original_after_its_resend();
    same_tick_filler_overtaken();
    ip_id_gap_refuted_by_its_ack();
    congestion_behind_the_queue();
    gap_in_paced_data();
    reordering_cause();
    too_soon_for_a_timer();
    timer_after_stale_sack();
    fast_but_acknowledged();
    tail_lost_before_tap_by_ip_id();
    timer_inside_fast_recovery();
    return tcpdiag_check_finish("test_retrans");
}
