/* tcpdiag_mss.c - MSS, IP fragmentation and path-MTU rules of a conversation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_mss.h"

#include <string.h>

#include "tcpdiag_words.h"

typedef struct reason_info {
    tcpdiag_word word;
    uint8_t      level;    /* tcpdiag_mss_risk; icmp_frag_needed is raised when ignored */
} reason_info;

/* The risk policy is this table: HIGH when something already fails on the
 * path, LOW for what makes trouble likely or costs throughput, NONE for
 * what only looks wrong in the capture. */
static const reason_info reason_table[TCPDIAG_MSSR_COUNT] = {
    [TCPDIAG_MSSR_ABSENT] = { { "mss_absent",
        "a SYN carried no MSS option: its peer must assume 536 bytes (IPv4) or 1220 (IPv6) and sends smaller segments than the link allows" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_ABOVE_LINK] = { { "mss_above_link",
        "an announced MSS is larger than a link on the path carries: full-size segments must be fragmented or are dropped with an ICMP error" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_CLAMPED] = { { "mss_clamped",
        "an announced MSS is below what the capture's link carries: a router, firewall or VPN clamps it, or the sender's own link is smaller" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_ABOVE_PEER] = { { "segment_above_peer_mss",
        "a segment is larger than the receiver's MSS: the sender ignores it, and a smaller link on the way fragments or drops it" }, TCPDIAG_MSS_RISK_HIGH },
    [TCPDIAG_MSSR_OFFLOAD] = { { "offload_artefact",
        "frames larger than the link carries were captured on a host with segmentation or receive offload (TSO/GSO/GRO): the network card splits them, they never crossed the wire like this" }, TCPDIAG_MSS_RISK_NONE },
    [TCPDIAG_MSSR_FRAGMENTS] = { { "ip_fragments",
        "TCP segments travel as IP fragments: a link on the path is smaller than the segments, and one lost fragment loses the whole segment" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_DF_CLEAR] = { { "df_clear",
        "large IPv4 datagrams leave without the don't-fragment bit: path MTU discovery is off, so routers fragment them instead of reporting the MTU" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_REASSEMBLY_FAILED] = { { "fragment_reassembly_failed",
        "a segment went out in IP fragments that never all arrived: the receiver cannot reassemble it and the sender re-sends it whole" }, TCPDIAG_MSS_RISK_HIGH },
    [TCPDIAG_MSSR_ICMP_FRAG_NEEDED] = { { "icmp_frag_needed",
        "a router reported a datagram of this conversation too big for its next hop (ICMP fragmentation needed / ICMPv6 packet too big)" }, TCPDIAG_MSS_RISK_LOW },
    [TCPDIAG_MSSR_PMTU_BLACKHOLE] = { { "pmtu_blackhole",
        "full-size segments keep being re-sent with backoff while smaller ones get through and no ICMP error comes back: a path MTU black hole" }, TCPDIAG_MSS_RISK_HIGH },
};

static const tcpdiag_word risk_words[] = {
    [TCPDIAG_MSS_RISK_NONE] = { "none", "nothing on the path threatens the segment size" },
    [TCPDIAG_MSS_RISK_LOW]  = { "low", "segment sizes cost throughput or make trouble likely" },
    [TCPDIAG_MSS_RISK_HIGH] = { "high", "segments already fail on the path" },
};
static const tcpdiag_word pmtud_words[] = {
    [TCPDIAG_PMTUD_NONE]    = { "none", "no ICMP fragmentation-needed / packet-too-big" },
    [TCPDIAG_PMTUD_WAITING] = { "waiting", "the sender has not re-sent anything since the ICMP error" },
    [TCPDIAG_PMTUD_WORKED]  = { "worked", "the sender then sent segments that fit" },
    [TCPDIAG_PMTUD_IGNORED] = { "ignored", "the sender re-sent datagrams still too big" },
};

typedef struct link_info {
    tcpdiag_word word;
    uint32_t     mtu;      /* IP MTU the link carries, 0 = unknown */
    bool         wire;     /* a real medium whose usual MSS hosts announce */
} link_info;

static const link_info link_table[TCPDIAG_LINK_COUNT] = {
    [TCPDIAG_LINK_UNKNOWN] = { { "unknown", "encapsulation not recognised: its MTU is unknown" }, 0, false },
    [TCPDIAG_LINK_ETHERNET] = { { "ethernet", "Ethernet II: 1500-byte IP MTU" }, 1500, true },
    [TCPDIAG_LINK_LLC_SNAP] = { { "ieee802.3_llc_snap", "IEEE 802.3 with an 8-byte LLC/SNAP header: 1492-byte IP MTU" }, 1492, true },
    [TCPDIAG_LINK_PPPOE] = { { "pppoe", "PPPoE session (8 bytes of PPPoE and PPP headers): 1492-byte IP MTU" }, 1492, true },
    [TCPDIAG_LINK_LINUX_COOKED] = { { "linux_cooked", "Linux cooked capture (\"any\" interface): the real link and its MTU are not recorded" }, 0, false },
    [TCPDIAG_LINK_LINUX_LOOPBACK] = { { "linux_loopback", "Linux loopback (lo): 65536-byte MTU" }, 65536, false },
    [TCPDIAG_LINK_BSD_LOOPBACK] = { { "bsd_loopback", "BSD/macOS loopback: its MTU depends on the system" }, 0, false },
    [TCPDIAG_LINK_RAW_IP] = { { "raw_ip", "raw IP capture without link header: the MTU is unknown" }, 0, false },
};

#define IPV4_MIN_MTU 576u   /* every IPv4 host accepts this much (RFC 791) */
#define FULL_SIZE_SLACK 64u /* a segment this close to the MTU is full-size for it (options) */

const char *tcpdiag_mss_reason_name(tcpdiag_mss_reason r)
{
    return TCPDIAG_WORD_OF(reason_table, r)->name;
}

const char *tcpdiag_mss_reason_meaning(tcpdiag_mss_reason r)
{
    return TCPDIAG_WORD_OF(reason_table, r)->meaning;
}

const char *tcpdiag_mss_risk_name(tcpdiag_mss_risk r)
{
    return TCPDIAG_WORD_OF(risk_words, r)->name;
}

const char *tcpdiag_pmtud_name(tcpdiag_pmtud p)
{
    return TCPDIAG_WORD_OF(pmtud_words, p)->name;
}

const char *tcpdiag_link_name(tcpdiag_link l)
{
    return TCPDIAG_WORD_OF(link_table, l)->name;
}

const char *tcpdiag_link_meaning(tcpdiag_link l)
{
    return TCPDIAG_WORD_OF(link_table, l)->meaning;
}

uint16_t tcpdiag_mss_default(uint8_t family)
{
    return family == 6 ? 1220 : 536;
}

static uint32_t ip_tcp_overhead(uint8_t family)
{
    return family == 6 ? 60u : 40u;
}

/* The largest MSS a datagram of `mtu` bytes leaves room for; IPv4 datagrams
 * stop at 65535 bytes, IPv6 payloads too. */
static uint32_t mss_for_mtu(uint32_t mtu, uint8_t family)
{
    uint32_t cap = family == 6 ? 65535u + 40u : 65535u;
    if (mtu > cap)
        mtu = cap;
    uint32_t overhead = ip_tcp_overhead(family);
    return mtu > overhead ? mtu - overhead : 0;
}

uint32_t tcpdiag_link_mtu(tcpdiag_link link)
{
    return link < TCPDIAG_LINK_COUNT ? link_table[link].mtu : 0;
}

uint16_t tcpdiag_link_mss(tcpdiag_link link, uint8_t family)
{
    return (uint16_t)mss_for_mtu(tcpdiag_link_mtu(link), family);
}

tcpdiag_mss_risk tcpdiag_mss_risk_of(uint16_t reasons, tcpdiag_pmtud pmtud)
{
    tcpdiag_mss_risk risk = TCPDIAG_MSS_RISK_NONE;
    /* Every header asks (fill), and most conversations have no reason at all. */
    if (!reasons)
        return risk;
    for (int r = 0; r < TCPDIAG_MSSR_COUNT; r++) {
        if (!(reasons & (1u << r)))
            continue;
        tcpdiag_mss_risk level = (tcpdiag_mss_risk)reason_table[r].level;
        /* A reported MTU the sender does not act on is a black hole at the sender. */
        if (r == TCPDIAG_MSSR_ICMP_FRAG_NEEDED && pmtud == TCPDIAG_PMTUD_IGNORED)
            level = TCPDIAG_MSS_RISK_HIGH;
        if (level > risk)
            risk = level;
    }
    return risk;
}

/* ---- facts of the current header ------------------------------------------ */

static void raise_reason(tcpdiag_mss_state *st, tcpdiag_mss_verdict *out, tcpdiag_mss_reason r)
{
    uint16_t bit = (uint16_t)(1u << r);
    if (!(st->reasons & bit))
        out->new_reasons |= bit;
    st->reasons |= bit;
}

/* The link a header of this conversation travelled on: a tunnelled header
 * has the tunnel's MTU, which the capture does not tell. */
static uint32_t seg_link_mtu(const tcpdiag_segment *seg)
{
    return seg->ip_depth > 1 ? 0 : tcpdiag_link_mtu((tcpdiag_link)seg->link);
}

static bool seg_on_wire_link(const tcpdiag_segment *seg)
{
    return seg->ip_depth <= 1 && seg->link < TCPDIAG_LINK_COUNT && link_table[seg->link].wire;
}

static void note_link(tcpdiag_mss_state *st, const tcpdiag_segment *seg)
{
    st->family = seg->tuple.family;
    st->link = seg->link;
    st->link_vlans = seg->link_vlans;
    st->ip_depth = seg->ip_depth;
}

/* The MSS side `dir` must respect: what its peer announced, or the default
 * when the peer's SYN carried none; 0 when the peer's SYN was not seen. */
static uint32_t mss_used_by(const tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], int dir)
{
    const tcpdiag_syn_record *peer = &syn[!dir];
    if (!tcpdiag_syn_mss_known(peer))
        return 0;
    return peer->mss ? peer->mss : tcpdiag_mss_default(st->family);
}

/* An MTU below the one side `dir`'s segments need. `mtu_high` is the
 * largest MTU the evidence allows (fragments only bound it). */
static void learn_path_mtu(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], int dir, uint32_t mtu,
                           uint32_t mtu_high,
                           tcpdiag_mss_verdict *out)
{
    if (mtu == 0)
        return;
    if (!st->path_mtu || mtu < st->path_mtu)
        st->path_mtu = (uint16_t)(mtu > 65535u ? 65535u : mtu);
    uint32_t used = mss_used_by(st, syn, dir);
    if (used && used > mss_for_mtu(mtu_high, st->family))
        raise_reason(st, out, TCPDIAG_MSSR_ABOVE_LINK);
}

/* A SYN or SYN-ACK whose MSS is known (`own`: its sender's record). */
static void announce(tcpdiag_mss_state *st, const tcpdiag_syn_record *own, const tcpdiag_segment *seg,
                     tcpdiag_mss_verdict *out)
{
    if (!own->mss) {
        raise_reason(st, out, TCPDIAG_MSSR_ABSENT);
        return;
    }
    uint32_t link_mss = mss_for_mtu(seg_link_mtu(seg), seg->tuple.family);
    if (link_mss && own->mss > link_mss)
        raise_reason(st, out, TCPDIAG_MSSR_ABOVE_LINK);
    else if (link_mss && own->mss < link_mss && seg_on_wire_link(seg))
        raise_reason(st, out, TCPDIAG_MSSR_CLAMPED);
}

/* RFC 9293 3.7.1: data plus TCP options must fit the peer's MSS. */
static void check_size(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], const tcpdiag_segment *seg,
                       int dir, tcpdiag_mss_verdict *out)
{
    uint32_t peer_mss = mss_used_by(st, syn, dir);
    uint32_t options = seg->tcp_hdr_len > 20 ? seg->tcp_hdr_len - 20u : 0;
    bool oversize = peer_mss && seg->payload_len + options > peer_mss;
    uint32_t link_mtu = seg_link_mtu(seg);
    bool unfragmented = seg->ip_frag == TCPDIAG_FRAG_NONE;
    /* Bigger than the capture's own link carries and not fragmented: it
     * cannot have been on this wire as captured. On a link of unknown MTU
     * a pseudo-header-only checksum shows the capture was taken on the
     * sending host before the card segmented it. */
    bool too_big_for_link = link_mtu && seg->ip_len > link_mtu && (oversize || !peer_mss);
    bool partial = oversize && seg->checksum == TCPDIAG_CSUM_PARTIAL;
    if (oversize)
        out->seg |= TCPDIAG_MSSF_ABOVE_PEER;
    if (unfragmented && (too_big_for_link || partial)) {
        out->seg |= TCPDIAG_MSSF_OFFLOAD;
        raise_reason(st, out, TCPDIAG_MSSR_OFFLOAD);
    } else if (oversize) {
        raise_reason(st, out, TCPDIAG_MSSR_ABOVE_PEER);
    }
}

static bool df_clear_large(const tcpdiag_segment *seg)
{
    return seg->tuple.family == 4 && !seg->ip_df &&
           (seg->ip_frag != TCPDIAG_FRAG_NONE || seg->ip_len > IPV4_MIN_MTU);
}

static void check_df(tcpdiag_mss_state *st, const tcpdiag_segment *seg, tcpdiag_mss_verdict *out)
{
    if (!df_clear_large(seg))
        return;
    out->seg |= TCPDIAG_MSSF_DF_CLEAR;
    raise_reason(st, out, TCPDIAG_MSSR_DF_CLEAR);
}

/* After an ICMP about side `dir`: did it send what fits, or re-send what does not? */
static void judge_pmtud(tcpdiag_mss_state *st, const tcpdiag_segment *seg, int dir,
                        const tcpdiag_retrans_info *retrans, tcpdiag_mss_verdict *out)
{
    if (st->pmtud == TCPDIAG_PMTUD_NONE || dir != st->icmp_dir || seg->payload_len == 0)
        return;
    bool resend = retrans && retrans->kind != TCPDIAG_RK_NONE;
    bool fits = seg->ip_len <= st->icmp_limit;
    uint8_t before = st->pmtud;
    /* A small tail segment would fit anyway: only a re-send or a full-size
     * segment for the new MTU shows the sender adapted. */
    if (fits && (resend || seg->ip_len + FULL_SIZE_SLACK > st->icmp_limit))
        st->pmtud = TCPDIAG_PMTUD_WORKED;
    else if (!fits && resend && st->pmtud == TCPDIAG_PMTUD_WAITING)
        st->pmtud = TCPDIAG_PMTUD_IGNORED;
    if (st->pmtud != before)
        out->seg |= TCPDIAG_MSSF_PMTUD_JUDGED;
}

/* The retransmission analysis already weighed the evidence for these two. */
static void take_causes(tcpdiag_mss_state *st, const tcpdiag_retrans_info *retrans, tcpdiag_mss_verdict *out)
{
    if (!retrans || retrans->kind == TCPDIAG_RK_NONE)
        return;
    for (unsigned i = 0; i < retrans->ncauses && i < TCPDIAG_MAX_CAUSES; i++) {
        if (retrans->cause[i].cause == TCPDIAG_CAUSE_IP_FRAGMENT_LOST) {
            raise_reason(st, out, TCPDIAG_MSSR_FRAGMENTS);
            raise_reason(st, out, TCPDIAG_MSSR_REASSEMBLY_FAILED);
        } else if (retrans->cause[i].cause == TCPDIAG_CAUSE_PMTU_BLACKHOLE) {
            raise_reason(st, out, TCPDIAG_MSSR_PMTU_BLACKHOLE);
        }
    }
}

static uint16_t cap16(uint32_t v)
{
    return v > 65535u ? 65535u : (uint16_t)v;
}

/* The smaller of two limits, where 0 means not known (not a limit). */
static uint32_t smaller_known(uint32_t a, uint32_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* From the same rule the tracker scales windows by (tcpdiag_syn.h). */
static uint8_t negotiated(const tcpdiag_syn_record syn[2])
{
    tcpdiag_option_use sack = tcpdiag_syn_option_use(syn, TCPDIAG_OPT_SACK_PERM);
    tcpdiag_option_use ts = tcpdiag_syn_option_use(syn, TCPDIAG_OPT_TS);
    uint8_t o = 0;
    if (tcpdiag_syn_option_use(syn, TCPDIAG_OPT_WSCALE) == TCPDIAG_OPTION_ON)
        o |= TCPDIAG_MSSO_WSCALE;
    if (sack != TCPDIAG_OPTION_UNDECIDED && ts != TCPDIAG_OPTION_UNDECIDED)
        o |= TCPDIAG_MSSO_BOTH_SYNS;
    if (sack == TCPDIAG_OPTION_ON)
        o |= TCPDIAG_MSSO_SACK_PERM;
    if (ts == TCPDIAG_OPTION_ON)
        o |= TCPDIAG_MSSO_TIMESTAMPS;
    return o;
}

static void fill(const tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], tcpdiag_mss_verdict *out)
{
    out->known = true;
    out->family = st->family;
    out->opts = negotiated(syn);
    if (st->ip_depth > 1)
        out->opts |= TCPDIAG_MSSO_TUNNELLED;
    out->link = st->link;
    out->link_vlans = st->link_vlans;
    out->link_mss = st->ip_depth > 1 ? 0 : tcpdiag_link_mss((tcpdiag_link)st->link, st->family);
    for (int side = 0; side < 2; side++) {
        if (tcpdiag_syn_mss_known(&syn[side])) {
            out->mss[side] = syn[side].mss ? syn[side].mss : tcpdiag_mss_default(st->family);
            if (!syn[side].mss)
                out->opts |= side == 0 ? TCPDIAG_MSSO_ASSUMED_CLIENT : TCPDIAG_MSSO_ASSUMED_SERVER;
        }
        out->wscale[side] = (out->opts & TCPDIAG_MSSO_WSCALE) ? syn[side].wscale : 0;
        out->largest[side] = st->largest[side];
    }
    /* The most each side may send: its peer's MSS, the capture link and the
     * path MTU, whichever are known and smallest. */
    uint32_t path_mss = st->path_mtu ? mss_for_mtu(st->path_mtu, st->family) : 0;
    /* The link's and the path's limits are the same both ways: taken once. */
    uint32_t link_or_path = smaller_known(out->link_mss, path_mss);
    for (int dir = 0; dir < 2; dir++)
        out->send_mss[dir] = cap16(smaller_known(mss_used_by(st, syn, dir), link_or_path));
    out->reasons = st->reasons;
    out->path_mtu = st->path_mtu;
    out->icmp_frame = st->icmp_frame;
    out->pmtud = st->pmtud;
    out->risk = (uint8_t)tcpdiag_mss_risk_of(st->reasons, (tcpdiag_pmtud)st->pmtud);
}

/* ---- the three hooks --------------------------------------------------------- */

void tcpdiag_mss_segment(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], const tcpdiag_segment *seg,
                         int dir, const tcpdiag_retrans_info *retrans, tcpdiag_mss_verdict *out)
{
    memset(out, 0, sizeof *out);
    note_link(st, seg);
    bool is_syn = seg->flags_known && (seg->flags & TCPDIAG_SYN) && !(seg->flags & TCPDIAG_RST);
    /* A SYN whose options were cut by the snaplen before any MSS option is,
     * for the MSS, a SYN not captured: "no MSS option" would be a guess. */
    if (is_syn && tcpdiag_syn_mss_known(&syn[dir]))
        announce(st, &syn[dir], seg, out);
    if (seg->ip_frag == TCPDIAG_FRAG_REASSEMBLED) {
        out->seg |= TCPDIAG_MSSF_FRAGMENT;
        raise_reason(st, out, TCPDIAG_MSSR_FRAGMENTS);
    }
    check_df(st, seg, out);
    if (seg->payload_len > 0) {
        if (cap16(seg->payload_len) > st->largest[dir])
            st->largest[dir] = cap16(seg->payload_len);
        if (!is_syn)  /* data on a SYN follows a cached MSS (TCP Fast Open) */
            check_size(st, syn, seg, dir, out);
        judge_pmtud(st, seg, dir, retrans, out);
    }
    take_causes(st, retrans, out);
    fill(st, syn, out);
}

void tcpdiag_mss_first_fragment(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2],
                                const tcpdiag_segment *seg, int dir, const tcpdiag_retrans_info *retrans,
                                tcpdiag_mss_verdict *out)
{
    memset(out, 0, sizeof *out);
    note_link(st, seg);
    out->seg |= TCPDIAG_MSSF_FRAGMENT;
    raise_reason(st, out, TCPDIAG_MSSR_FRAGMENTS);
    check_df(st, seg, out);
    /* A non-last fragment fills the link it was cut for, up to the 8-byte
     * granularity of fragment offsets: that link's MTU is ip_len .. ip_len + 7. */
    if (seg->tuple.family == 4 && seg->ip_len >= 68)
        learn_path_mtu(st, syn, dir, seg->ip_len, seg->ip_len + 7u, out);
    /* The first fragment is where a re-sent fragmented segment is judged. */
    take_causes(st, retrans, out);
    fill(st, syn, out);
}

void tcpdiag_mss_quoted(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], const tcpdiag_segment *seg,
                        int dir, tcpdiag_mss_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (seg->quoted_by == TCPDIAG_ICMP_FRAG_NEEDED) {
        /* Old routers report no MTU (RFC 1191 5): then only "smaller than the quoted datagram" is known. */
        uint32_t limit = seg->icmp_mtu ? seg->icmp_mtu : (seg->ip_len > 68 ? seg->ip_len - 1u : 0);
        bool already_adapted = st->pmtud == TCPDIAG_PMTUD_WORKED && st->icmp_dir == dir &&
                               limit >= st->icmp_limit;
        st->icmp_frame = seg->frame;
        st->icmp_dir = (uint8_t)dir;
        st->icmp_limit = cap16(limit);
        /* Segments sent before the sender heard of it are still reported. */
        if (!already_adapted)
            st->pmtud = TCPDIAG_PMTUD_WAITING;
        raise_reason(st, out, TCPDIAG_MSSR_ICMP_FRAG_NEEDED);
        if (!st->family)
            st->family = seg->tuple.family;
        learn_path_mtu(st, syn, dir, seg->icmp_mtu, seg->icmp_mtu, out);
    }
    fill(st, syn, out);
}
