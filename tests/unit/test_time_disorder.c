/* test_time_disorder.c - timestamps that run backwards give no negative handshake times.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Captures merged from two taps with unsynchronized clocks can put a SYN-ACK
 * before its SYN. States follow the order of the frames; a round-trip time
 * that would come out negative is not reported, the others still are.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_check.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_handshake.h"
#include "tcpdiag_state.h"

#define MS 1000000LL

static tcpdiag_verdict v;

/* 192.0.2.1:40000 <-> 198.51.100.1:80; from_server picks the direction. */
static void feed(tcpdiag_tracker *t, uint32_t frame, int64_t time_ns, bool from_server, uint8_t flags,
                 uint32_t seq, uint32_t ack)
{
    tcpdiag_segment g;
    memset(&g, 0, sizeof g);
    uint8_t client[4] = { 192, 0, 2, 1 }, server[4] = { 198, 51, 100, 1 };
    g.tuple.family = 4;
    memcpy(g.tuple.src, from_server ? server : client, 4);
    memcpy(g.tuple.dst, from_server ? client : server, 4);
    g.tuple.sport = from_server ? 80 : 40000;
    g.tuple.dport = from_server ? 40000 : 80;
    g.flags_known = true;
    g.flags = flags;
    g.seq = seq;
    g.ack = ack;
    g.frame = frame;
    g.time_ns = time_ns;
    check_context("frame %u", (unsigned)frame);
    tcpdiag_tracker_process(t, &g, &v, NULL);
}

int main(void)
{
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    cfg.close_wait_warn_ns = 3600 * 1000 * MS;
    tcpdiag_tracker *t = tcpdiag_tracker_new(&cfg);
    const int64_t t0 = 1700000000LL * 1000 * MS;

    /* SYN at t0+10 ms, SYN-ACK stamped t0+5 ms: the server leg would be -5 ms. */
    feed(t, 1, t0 + 10 * MS, false, TCPDIAG_SYN, 100, 0);
    feed(t, 2, t0 + 5 * MS, true, TCPDIAG_SYN | TCPDIAG_ACK, 900, 101);
    CHECK_EQ_INT(v.handshake, TCPDIAG_HS_SYN_SYNACK);
    CHECK_EQ_INT(v.state_client, TCPDIAG_STATE_ESTABLISHED);
    CHECK_EQ_INT(v.state_server, TCPDIAG_STATE_SYN_RECEIVED);
    CHECK(!v.rtt_server_known);

    /* Final ACK at t0+11 ms: SYN -> ACK is 1 ms, SYN-ACK -> ACK 6 ms, both kept. */
    feed(t, 3, t0 + 11 * MS, false, TCPDIAG_ACK, 101, 901);
    CHECK_EQ_INT(v.handshake, TCPDIAG_HS_COMPLETE);
    CHECK(!v.rtt_server_known);
    CHECK(v.rtt_known);
    CHECK_EQ_INT(v.rtt_ns, 1 * MS);
    CHECK(v.rtt_client_known);
    CHECK_EQ_INT(v.rtt_client_ns, 6 * MS);
    tcpdiag_tracker_free(t);

    /* A final ACK stamped before the SYN: complete, but no handshake time. */
    t = tcpdiag_tracker_new(&cfg);
    feed(t, 1, t0 + 10 * MS, false, TCPDIAG_SYN, 100, 0);
    feed(t, 2, t0 + 12 * MS, true, TCPDIAG_SYN | TCPDIAG_ACK, 900, 101);
    feed(t, 3, t0 + 1 * MS, false, TCPDIAG_ACK, 101, 901);
    CHECK_EQ_INT(v.handshake, TCPDIAG_HS_COMPLETE);
    CHECK(v.rtt_server_known);
    CHECK_EQ_INT(v.rtt_server_ns, 2 * MS);
    CHECK(!v.rtt_known);
    CHECK(!v.rtt_client_known);
    tcpdiag_tracker_free(t);
    return tcpdiag_check_finish("test_time_disorder");
}
