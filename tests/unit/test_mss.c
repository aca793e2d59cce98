/* test_mss.c - every MSS / fragmentation / path-MTU rule on hand-written segments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Expected values are reasoned from the RFCs next to each check:
 *  - RFC 9293 3.7.1: no MSS option -> 536 (IPv4) / 1220 (IPv6); data plus
 *    TCP options of a segment must fit the peer's MSS.
 *  - MTUs: Ethernet II 1500, IEEE 802.3 LLC/SNAP 1492 (RFC 1042), PPPoE 1492
 *    (RFC 2516), Linux lo 65536; MSS = MTU - 40 (IPv4) / - 60 (IPv6), capped
 *    by the 65535-byte IP length.
 *  - RFC 1191 / RFC 8201: an ICMP frag-needed / packet-too-big carries the
 *    next-hop MTU; IPv4 fragment offsets count 8-byte units (RFC 791), so a
 *    non-last fragment of L bytes was cut for an MTU of L .. L+7.
 * Default conversation: client 10.0.0.1:40000 -> server 10.0.0.2:80 on Ethernet.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_check.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_mss.h"

enum { C = 0, Sv = 1 };
#define BIT(r) (1u << TCPDIAG_MSSR_##r)

static const char *risk_nm(long long v)
{
    return tcpdiag_mss_risk_name((tcpdiag_mss_risk)v);
}

static const char *pmtud_nm(long long v)
{
    return tcpdiag_pmtud_name((tcpdiag_pmtud)v);
}

/* ---- segments ------------------------------------------------------------- */

static tcpdiag_segment seg_base(uint8_t family, int from)
{
    tcpdiag_segment s;
    memset(&s, 0, sizeof s);
    s.tuple.family = family;
    uint8_t a = from == C ? 1 : 2, b = from == C ? 2 : 1;
    if (family == 6) {
        s.tuple.src[0] = s.tuple.dst[0] = 0x20;
        s.tuple.src[15] = a;
        s.tuple.dst[15] = b;
    } else {
        s.tuple.src[0] = s.tuple.dst[0] = 10;
        s.tuple.src[3] = a;
        s.tuple.dst[3] = b;
    }
    s.tuple.sport = from == C ? 40000 : 80;
    s.tuple.dport = from == C ? 80 : 40000;
    s.flags_known = true;
    s.flags = TCPDIAG_ACK;
    s.tcp_hdr_len = 20;
    s.ip_df = true;
    s.ip_ttl = 64;
    s.ip_depth = 1;
    s.link = TCPDIAG_LINK_ETHERNET;
    s.checksum = TCPDIAG_CSUM_GOOD;
    s.ip_len = (family == 6 ? 40u : 20u) + 20u;
    return s;
}

/* One conversation as the tracker holds it for the MSS rules: their state
 * and each side's SYN record, which the tracker fills before the rules run. */
typedef struct mss_conv {
    tcpdiag_mss_state mss;
    tcpdiag_syn_record syn[2];
} mss_conv;

static void mss_seg(mss_conv *c, const tcpdiag_segment *s, int dir, const tcpdiag_retrans_info *r,
                    tcpdiag_mss_verdict *v)
{
    if (s->flags_known && (s->flags & TCPDIAG_SYN) && !(s->flags & TCPDIAG_RST))
        tcpdiag_syn_record_take(&c->syn[dir], s);
    tcpdiag_mss_segment(&c->mss, c->syn, s, dir, r, v);
}

static void mss_first_fragment(mss_conv *c, const tcpdiag_segment *s, int dir, const tcpdiag_retrans_info *r,
                               tcpdiag_mss_verdict *v)
{
    tcpdiag_mss_first_fragment(&c->mss, c->syn, s, dir, r, v);
}

static void mss_quoted(mss_conv *c, const tcpdiag_segment *s, int dir, tcpdiag_mss_verdict *v)
{
    tcpdiag_mss_quoted(&c->mss, c->syn, s, dir, v);
}

static tcpdiag_segment syn(uint8_t family, int from, uint16_t mss)
{
    tcpdiag_segment s = seg_base(family, from);
    s.flags = from == C ? TCPDIAG_SYN : (TCPDIAG_SYN | TCPDIAG_ACK);
    s.options = TCPDIAG_OPT_WSCALE | TCPDIAG_OPT_SACK_PERM | TCPDIAG_OPT_TS;
    s.wscale = from == C ? 7 : 9;
    if (mss) {
        s.options |= TCPDIAG_OPT_MSS;
        s.mss = mss;
    }
    s.tcp_hdr_len = 40;
    s.ip_len += 20;
    return s;
}

/* A data segment with `opt` bytes of TCP options. */
static tcpdiag_segment data(uint8_t family, int from, uint32_t len, uint16_t opt)
{
    tcpdiag_segment s = seg_base(family, from);
    s.flags = TCPDIAG_ACK | TCPDIAG_PSH;
    s.payload_len = len;
    s.tcp_hdr_len = (uint16_t)(20 + opt);
    s.ip_len += opt + len;
    return s;
}

static tcpdiag_mss_verdict handshake(mss_conv *st, uint8_t family, uint16_t cmss, uint16_t smss)
{
    tcpdiag_mss_verdict v;
    memset(st, 0, sizeof *st);
    tcpdiag_segment s = syn(family, C, cmss);
    mss_seg(st, &s, C, NULL, &v);
    s = syn(family, Sv, smss);
    mss_seg(st, &s, Sv, NULL, &v);
    return v;
}

/* ---- rules ------------------------------------------------------------------ */

static void test_clean_ethernet(void)
{
    check_context("clean IPv4 handshake on Ethernet, MSS 1460 both ways");
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_NONE, risk_nm);
    CHECK_EQ_INT(v.mss[C], 1460);
    CHECK_EQ_INT(v.mss[Sv], 1460);
    CHECK_EQ_INT(v.link_mss, 1460);
    CHECK_EQ_INT(v.send_mss[C], 1460);
    CHECK_EQ_INT(v.opts & (TCPDIAG_MSSO_WSCALE | TCPDIAG_MSSO_SACK_PERM | TCPDIAG_MSSO_TIMESTAMPS),
                 TCPDIAG_MSSO_WSCALE | TCPDIAG_MSSO_SACK_PERM | TCPDIAG_MSSO_TIMESTAMPS);
    CHECK_EQ_INT(v.wscale[C], 7);
    CHECK_EQ_INT(v.wscale[Sv], 9);
    /* Linux: 1448 bytes + 12 bytes of timestamps = 1460, exactly the MSS. */
    tcpdiag_segment d = data(4, C, 1448, 12);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_INT(v.seg, 0);
    CHECK_EQ_INT(v.largest[C], 1448);

    check_context("clean IPv6 handshake on Ethernet, MSS 1440");
    v = handshake(&st, 6, 1440, 1440);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_INT(v.link_mss, 1440);
}

static void test_absent(void)
{
    check_context("IPv4 SYN-ACK without MSS option");
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 0);
    CHECK_EQ_INT(v.reasons, BIT(ABSENT));
    CHECK_EQ_INT(v.new_reasons, BIT(ABSENT));
    CHECK_EQ_INT(v.mss[Sv], 536);
    CHECK(v.opts & TCPDIAG_MSSO_ASSUMED_SERVER);
    CHECK(!(v.opts & TCPDIAG_MSSO_ASSUMED_CLIENT));
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_LOW, risk_nm);
    CHECK_EQ_INT(v.send_mss[C], 536);  /* the client must keep to 536 */
    /* 536 of data fits; 537 does not (RFC 9293: the assumed MSS binds like an announced one). */
    tcpdiag_segment d = data(4, C, 536, 0);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(ABSENT));
    CHECK_EQ_INT(v.new_reasons, 0);
    d = data(4, C, 537, 0);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(ABSENT) | BIT(ABOVE_PEER));
    CHECK_EQ_INT(v.seg, TCPDIAG_MSSF_ABOVE_PEER);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_HIGH, risk_nm);

    check_context("IPv6 SYN without MSS option");
    v = handshake(&st, 6, 0, 1440);
    CHECK_EQ_INT(v.mss[C], 1220);
    CHECK_EQ_INT(v.reasons, BIT(ABSENT));

    check_context("midstream: no SYN seen is not an absent option");
    memset(&st, 0, sizeof st);
    d = data(4, C, 1448, 12);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_INT(v.mss[C], 0);
    CHECK_EQ_INT(v.mss[Sv], 0);
    CHECK(!(v.opts & TCPDIAG_MSSO_BOTH_SYNS));
}

/* Captured with a snaplen that keeps the 20-byte TCP header but not the
 * options: the SYNs may well carry MSS, window scale and SACK-permitted.
 * Hand reasoning: nothing about the MSS is known, so no rule may fire; a
 * 1460-byte segment is not "above the peer's 536" (536 would be a guess);
 * negotiated options are undecided. If the cut leaves the MSS option
 * (the first option, 4 bytes), the MSS is known but the rest is not. */
static void test_options_cut_by_snaplen(void)
{
    check_context("SYN and SYN-ACK with their options cut by the snaplen");
    mss_conv st;
    tcpdiag_mss_verdict v;
    memset(&st, 0, sizeof st);
    tcpdiag_segment s = syn(4, C, 0);
    s.options = 0;
    s.options_cut = true;
    mss_seg(&st, &s, C, NULL, &v);
    s = syn(4, Sv, 0);
    s.options = 0;
    s.options_cut = true;
    mss_seg(&st, &s, Sv, NULL, &v);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_INT(v.mss[C], 0);
    CHECK_EQ_INT(v.mss[Sv], 0);
    CHECK(!(v.opts & (TCPDIAG_MSSO_ASSUMED_CLIENT | TCPDIAG_MSSO_ASSUMED_SERVER)));
    tcpdiag_segment d = data(4, Sv, 1460, 0);
    mss_seg(&st, &d, Sv, NULL, &v);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK_EQ_INT(v.seg, 0);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_NONE, risk_nm);

    check_context("options cut after the MSS option");
    memset(&st, 0, sizeof st);
    s = syn(4, C, 1460);
    s.options = TCPDIAG_OPT_MSS;
    s.options_cut = true;
    mss_seg(&st, &s, C, NULL, &v);
    s = syn(4, Sv, 536);
    mss_seg(&st, &s, Sv, NULL, &v);
    CHECK_EQ_INT(v.mss[C], 1460);
    CHECK_EQ_INT(v.mss[Sv], 536);
    CHECK(!(v.opts & TCPDIAG_MSSO_BOTH_SYNS));   /* SACK / scaling of the client unknown */
    CHECK_EQ_INT(v.wscale[C], 0);
    d = data(4, C, 1000, 0);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK(v.reasons & BIT(ABOVE_PEER));   /* the server's 536 was captured: this rule still holds */
}

static void test_options_count_against_mss(void)
{
    check_context("1460 bytes of data + 12 bytes of timestamps above MSS 1460");
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    tcpdiag_segment d = data(4, Sv, 1460, 12);
    d.ip_len = 1500;  /* pretend the link took it: not an offload artefact */
    mss_seg(&st, &d, Sv, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(ABOVE_PEER));
}

static void test_link_mss(void)
{
    struct { tcpdiag_link link; uint8_t family; uint16_t mss; } cases[] = {
        { TCPDIAG_LINK_ETHERNET, 4, 1460 }, { TCPDIAG_LINK_ETHERNET, 6, 1440 },
        { TCPDIAG_LINK_LLC_SNAP, 4, 1452 }, { TCPDIAG_LINK_PPPOE, 4, 1452 },
        { TCPDIAG_LINK_PPPOE, 6, 1432 }, { TCPDIAG_LINK_LINUX_LOOPBACK, 4, 65495 },
        { TCPDIAG_LINK_LINUX_LOOPBACK, 6, 65476 }, { TCPDIAG_LINK_LINUX_COOKED, 4, 0 },
        { TCPDIAG_LINK_RAW_IP, 4, 0 }, { TCPDIAG_LINK_UNKNOWN, 4, 0 },
        { TCPDIAG_LINK_BSD_LOOPBACK, 4, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_context("link MSS of %s IPv%u", tcpdiag_link_name(cases[i].link), cases[i].family);
        CHECK_EQ_INT(tcpdiag_link_mss(cases[i].link, cases[i].family), cases[i].mss);
    }
}

/* Announce MSS `mss` on `link` from both sides, return the reasons. */
static uint16_t reasons_on_link(tcpdiag_link link, uint8_t depth, uint8_t family, uint16_t mss)
{
    mss_conv st;
    tcpdiag_mss_verdict v;
    memset(&st, 0, sizeof st);
    for (int side = 0; side < 2; side++) {
        tcpdiag_segment s = syn(family, side, mss);
        s.link = (uint8_t)link;
        s.ip_depth = depth;
        mss_seg(&st, &s, side, NULL, &v);
    }
    return v.reasons;
}

static void test_above_link_and_clamped(void)
{
    check_context("MSS 1460 on PPPoE (carries 1452)");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_PPPOE, 1, 4, 1460), BIT(ABOVE_LINK));
    check_context("MSS 1460 on 802.3 LLC/SNAP (carries 1452)");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LLC_SNAP, 1, 4, 1460), BIT(ABOVE_LINK));
    check_context("MSS 1452 on 802.3 LLC/SNAP");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LLC_SNAP, 1, 4, 1452), 0);
    check_context("MSS 1460 over IPv6 on Ethernet (carries 1440)");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_ETHERNET, 1, 6, 1460), BIT(ABOVE_LINK));
    check_context("MSS 8960 (jumbo) on Ethernet");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_ETHERNET, 1, 4, 8960), BIT(ABOVE_LINK));
    check_context("MSS 1200 on Ethernet: clamped");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_ETHERNET, 1, 4, 1200), BIT(CLAMPED));
    check_context("MSS 65495 on Linux loopback");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LINUX_LOOPBACK, 1, 4, 65495), 0);
    check_context("MSS 1460 on Linux loopback: not a wire, no clamp claim");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LINUX_LOOPBACK, 1, 4, 1460), 0);
    check_context("MSS 1200 and 9000 on a Linux cooked capture: link unknown");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LINUX_COOKED, 1, 4, 1200), 0);
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_LINUX_COOKED, 1, 4, 9000), 0);
    check_context("MSS 1200 inside a tunnel on Ethernet: the tunnel's MTU is unknown");
    CHECK_EQ_INT(reasons_on_link(TCPDIAG_LINK_ETHERNET, 2, 4, 1200), 0);
}

static void test_offload_artefact(void)
{
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    check_context("TSO super-segment of 2896 bytes on Ethernet, partial checksum");
    tcpdiag_segment d = data(4, C, 2896, 12);
    d.checksum = TCPDIAG_CSUM_PARTIAL;
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(OFFLOAD));
    CHECK_EQ_INT(v.seg, TCPDIAG_MSSF_ABOVE_PEER | TCPDIAG_MSSF_OFFLOAD);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_NONE, risk_nm);

    check_context("GRO-merged 4344 bytes from the server, good checksum: still above the 1500-byte link");
    d = data(4, Sv, 4344, 12);
    mss_seg(&st, &d, Sv, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(OFFLOAD));

    check_context("Linux cooked capture (link MTU unknown): partial checksum shows the sending host");
    v = handshake(&st, 4, 1460, 1460);
    d = data(4, C, 2896, 12);
    d.link = TCPDIAG_LINK_LINUX_COOKED;
    d.checksum = TCPDIAG_CSUM_PARTIAL;
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(OFFLOAD));
    check_context("Linux cooked capture, good checksum: a real oversize segment");
    d.checksum = TCPDIAG_CSUM_GOOD;
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(OFFLOAD) | BIT(ABOVE_PEER));

    check_context("peer clamped to 1200, sender sends 1448 that fits the 1500-byte link: real violation");
    v = handshake(&st, 4, 1460, 1200);
    d = data(4, C, 1448, 12);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(CLAMPED) | BIT(ABOVE_PEER));
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_HIGH, risk_nm);
}

static void test_df_and_fragments(void)
{
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    check_context("576-byte IPv4 datagram without DF: every host takes it");
    tcpdiag_segment d = data(4, C, 536, 0);
    d.ip_df = false;
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(d.ip_len, 576);
    CHECK_EQ_INT(v.reasons, 0);
    check_context("1500-byte IPv4 datagram without DF");
    d = data(4, C, 1448, 12);
    d.ip_df = false;
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(DF_CLEAR));
    CHECK_EQ_INT(v.seg, TCPDIAG_MSSF_DF_CLEAR);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_LOW, risk_nm);

    check_context("first fragment of 1396 bytes (link MTU 1396..1403): MSS 1460 is above it");
    v = handshake(&st, 4, 1460, 1460);
    tcpdiag_segment f = data(4, C, 0, 12);
    f.ip_frag = TCPDIAG_FRAG_FIRST;
    f.ip_df = false;
    f.ip_len = 1396;
    mss_first_fragment(&st, &f, C, NULL, &v);
    CHECK_EQ_INT(v.reasons, BIT(FRAGMENTS) | BIT(DF_CLEAR) | BIT(ABOVE_LINK));
    CHECK_EQ_INT(v.path_mtu, 1396);
    CHECK_EQ_INT(v.send_mss[C], 1356);
    check_context("its reassembled datagram");
    d = data(4, C, 1448, 12);
    d.ip_frag = TCPDIAG_FRAG_REASSEMBLED;
    d.ip_df = false;
    d.ip_len = 124;  /* the last fragment's header */
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_INT(v.new_reasons, 0);
    CHECK_EQ_INT(v.seg, TCPDIAG_MSSF_FRAGMENT | TCPDIAG_MSSF_DF_CLEAR);

    check_context("fragments cut for 1500 from a sender using MSS 536: the MSS is not above that link");
    v = handshake(&st, 4, 1460, 0);
    f.ip_len = 1500;
    mss_first_fragment(&st, &f, C, NULL, &v);
    CHECK(!(v.reasons & BIT(ABOVE_LINK)));

    check_context("a re-send whose original's fragments never completed");
    v = handshake(&st, 4, 1460, 1460);
    tcpdiag_retrans_info info;
    memset(&info, 0, sizeof info);
    info.kind = TCPDIAG_RK_RTO;
    info.ncauses = 2;
    info.cause[0].cause = TCPDIAG_CAUSE_IP_FRAGMENT_LOST;
    info.cause[1].cause = TCPDIAG_CAUSE_SEGMENT_LOST;
    d = data(4, C, 1448, 12);
    d.ip_df = false;
    mss_seg(&st, &d, C, &info, &v);
    CHECK_EQ_INT(v.reasons, BIT(DF_CLEAR) | BIT(FRAGMENTS) | BIT(REASSEMBLY_FAILED));
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_HIGH, risk_nm);
}

static tcpdiag_segment icmp_quote(uint8_t family, int from, uint32_t mtu)
{
    tcpdiag_segment q = data(family, from, 1448, 12);
    q.quoted_by = TCPDIAG_ICMP_FRAG_NEEDED;
    q.icmp_mtu = mtu;
    q.icmp_v6 = family == 6;
    q.ip_depth = 2;
    q.frame = 42;
    return q;
}

static void test_icmp(void)
{
    mss_conv st;
    tcpdiag_retrans_info rto;
    memset(&rto, 0, sizeof rto);
    rto.kind = TCPDIAG_RK_RTO;

    check_context("ICMP frag-needed MTU 1400 quoting the client's 1500-byte datagram");
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    tcpdiag_segment q = icmp_quote(4, C, 1400);
    mss_quoted(&st, &q, C, &v);
    CHECK_EQ_INT(v.reasons, BIT(ICMP_FRAG_NEEDED) | BIT(ABOVE_LINK));
    CHECK_EQ_INT(v.path_mtu, 1400);
    CHECK_EQ_INT(v.icmp_frame, 42);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WAITING, pmtud_nm);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_LOW, risk_nm);
    CHECK_EQ_INT(v.send_mss[C], 1360);
    check_context("the server's small reply says nothing about the client's PMTUD");
    tcpdiag_segment d = data(4, Sv, 100, 12);
    mss_seg(&st, &d, Sv, NULL, &v);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WAITING, pmtud_nm);
    check_context("a small tail segment from the client would fit anyway: still waiting");
    d = data(4, C, 208, 12);
    mss_seg(&st, &d, C, NULL, &v);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WAITING, pmtud_nm);
    check_context("the client re-sends in 1400-byte datagrams: PMTUD worked");
    d = data(4, C, 1348, 12);
    mss_seg(&st, &d, C, &rto, &v);
    CHECK_EQ_INT(d.ip_len, 1400);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WORKED, pmtud_nm);
    CHECK(v.seg & TCPDIAG_MSSF_PMTUD_JUDGED);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_LOW, risk_nm);
    check_context("a later ICMP for a datagram sent before: PMTUD stays worked");
    mss_quoted(&st, &q, C, &v);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WORKED, pmtud_nm);

    check_context("ICMP delivered, but the client re-sends 1500-byte datagrams");
    v = handshake(&st, 4, 1460, 1460);
    mss_quoted(&st, &q, C, &v);
    d = data(4, C, 1448, 12);
    mss_seg(&st, &d, C, NULL, &v);  /* new data in flight before the ICMP arrived */
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WAITING, pmtud_nm);
    mss_seg(&st, &d, C, &rto, &v);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_IGNORED, pmtud_nm);
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_HIGH, risk_nm);

    check_context("ICMPv6 packet-too-big MTU 1280, MSS 1440 needs 1500");
    v = handshake(&st, 6, 1440, 1440);
    q = icmp_quote(6, C, 1280);
    mss_quoted(&st, &q, C, &v);
    CHECK_EQ_INT(v.reasons, BIT(ICMP_FRAG_NEEDED) | BIT(ABOVE_LINK));
    CHECK_EQ_INT(v.send_mss[C], 1220);

    check_context("ICMP without MTU (RFC 1191 router): limit below the quoted 1500");
    v = handshake(&st, 4, 1460, 1460);
    q = icmp_quote(4, C, 0);
    mss_quoted(&st, &q, C, &v);
    CHECK_EQ_INT(v.reasons, BIT(ICMP_FRAG_NEEDED));
    CHECK_EQ_INT(v.path_mtu, 0);
    d = data(4, C, 1400, 12);
    mss_seg(&st, &d, C, &rto, &v);
    CHECK_EQ_NAMED(v.pmtud, TCPDIAG_PMTUD_WORKED, pmtud_nm);

    check_context("ICMP unreachable is not about the MTU");
    v = handshake(&st, 4, 1460, 1460);
    q = icmp_quote(4, C, 0);
    q.quoted_by = TCPDIAG_ICMP_UNREACH_SOFT;
    mss_quoted(&st, &q, C, &v);
    CHECK_EQ_INT(v.reasons, 0);
    CHECK(v.known);
}

static void test_blackhole_cause(void)
{
    check_context("the retransmission analysis names pmtu_blackhole");
    mss_conv st;
    tcpdiag_mss_verdict v = handshake(&st, 4, 1460, 1460);
    tcpdiag_retrans_info info;
    memset(&info, 0, sizeof info);
    info.kind = TCPDIAG_RK_RTO;
    info.ncauses = 2;
    info.cause[0].cause = TCPDIAG_CAUSE_PMTU_BLACKHOLE;
    info.cause[1].cause = TCPDIAG_CAUSE_SEGMENT_LOST;
    tcpdiag_segment d = data(4, C, 1448, 12);
    mss_seg(&st, &d, C, &info, &v);
    CHECK_EQ_INT(v.reasons, BIT(PMTU_BLACKHOLE));
    CHECK_EQ_NAMED(v.risk, TCPDIAG_MSS_RISK_HIGH, risk_nm);
    check_context("a lookalike with the same cause list is not a retransmission");
    v = handshake(&st, 4, 1460, 1460);
    info.kind = TCPDIAG_RK_NONE;
    mss_seg(&st, &d, C, &info, &v);
    CHECK_EQ_INT(v.reasons, 0);
}

static void test_risk_policy(void)
{
    check_context("risk policy table");
    CHECK_EQ_NAMED(tcpdiag_mss_risk_of(0, TCPDIAG_PMTUD_NONE), TCPDIAG_MSS_RISK_NONE, risk_nm);
    CHECK_EQ_NAMED(tcpdiag_mss_risk_of(BIT(OFFLOAD), TCPDIAG_PMTUD_NONE), TCPDIAG_MSS_RISK_NONE, risk_nm);
    const uint16_t low[] = { BIT(ABSENT), BIT(ABOVE_LINK), BIT(CLAMPED), BIT(FRAGMENTS), BIT(DF_CLEAR) };
    for (size_t i = 0; i < sizeof low / sizeof low[0]; i++)
        CHECK_EQ_NAMED(tcpdiag_mss_risk_of(low[i] | BIT(OFFLOAD), TCPDIAG_PMTUD_NONE), TCPDIAG_MSS_RISK_LOW, risk_nm);
    const uint16_t high[] = { BIT(ABOVE_PEER), BIT(REASSEMBLY_FAILED), BIT(PMTU_BLACKHOLE) };
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++)
        CHECK_EQ_NAMED(tcpdiag_mss_risk_of(high[i] | BIT(ABSENT), TCPDIAG_PMTUD_NONE), TCPDIAG_MSS_RISK_HIGH, risk_nm);
    CHECK_EQ_NAMED(tcpdiag_mss_risk_of(BIT(ICMP_FRAG_NEEDED), TCPDIAG_PMTUD_WAITING), TCPDIAG_MSS_RISK_LOW, risk_nm);
    CHECK_EQ_NAMED(tcpdiag_mss_risk_of(BIT(ICMP_FRAG_NEEDED), TCPDIAG_PMTUD_WORKED), TCPDIAG_MSS_RISK_LOW, risk_nm);
    CHECK_EQ_NAMED(tcpdiag_mss_risk_of(BIT(ICMP_FRAG_NEEDED), TCPDIAG_PMTUD_IGNORED), TCPDIAG_MSS_RISK_HIGH, risk_nm);
    /* Names are the lab's truth.json vocabulary. */
    static const char *const names[TCPDIAG_MSSR_COUNT] = {
        "mss_absent", "mss_above_link", "mss_clamped", "segment_above_peer_mss", "offload_artefact",
        "ip_fragments", "df_clear", "fragment_reassembly_failed", "icmp_frag_needed", "pmtu_blackhole",
    };
    for (int r = 0; r < TCPDIAG_MSSR_COUNT; r++)
        CHECK_EQ_STR(tcpdiag_mss_reason_name((tcpdiag_mss_reason)r), names[r]);
}

/* The hooks in the conversation tracker: verdicts carry the MSS facts. */
static void test_through_tracker(void)
{
    tcpdiag_config cfg;
    tcpdiag_config_defaults(&cfg);
    tcpdiag_tracker *t = tcpdiag_tracker_new(&cfg);
    tcpdiag_verdict v;
    tcpdiag_segment s = syn(4, C, 1460);
    s.frame = 1;
    s.seq = 1000;
    tcpdiag_tracker_process(t, &s, &v, NULL);
    check_context("tracker: SYN");
    CHECK(v.mss.known);
    CHECK_EQ_INT(v.mss.mss[C], 1460);
    CHECK_EQ_INT(v.mss.mss[Sv], 0);
    s = syn(4, Sv, 0);
    s.frame = 2;
    s.seq = 5000;
    s.ack = 1001;
    tcpdiag_tracker_process(t, &s, &v, NULL);
    check_context("tracker: SYN-ACK without MSS");
    CHECK_EQ_INT(v.mss.mss[Sv], 536);
    CHECK_EQ_INT(v.mss.new_reasons, BIT(ABSENT));
    tcpdiag_segment q = icmp_quote(4, C, 576);
    q.seq = 1001;
    q.frame = 3;
    tcpdiag_tracker_process(t, &q, &v, NULL);
    check_context("tracker: ICMP quoting the client's datagram");
    CHECK(v.quoted);
    CHECK_EQ_INT(v.mss.icmp_frame, 3);
    CHECK(v.mss.reasons & BIT(ICMP_FRAG_NEEDED));
    /* The client uses the server's assumed 536: 576 - 40 leaves exactly that. */
    CHECK(!(v.mss.reasons & BIT(ABOVE_LINK)));
    check_context("tracker: header quoted for an unknown conversation");
    q.tuple.sport = 1;
    tcpdiag_tracker_process(t, &q, &v, NULL);
    CHECK(!v.mss.known);
    tcpdiag_tracker_free(t);
}

int main(void)
{
    test_clean_ethernet();
    test_absent();
    test_options_cut_by_snaplen();
    test_options_count_against_mss();
    test_link_mss();
    test_above_link_and_clamped();
    test_offload_artefact();
    test_df_and_fragments();
    test_icmp();
    test_blackhole_cause();
    test_risk_policy();
    test_through_tracker();
    return tcpdiag_check_finish("test_mss");
}
