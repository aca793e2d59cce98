/* tcpdiag_extract_headers.c - the IPv4, IPv6, TCP and ICMP headers, read from their bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Both ways of finding the headers in a frame (the layer walk and the tree
 * walk, tcpdiag_extract.c) end here: given where a header starts, these read
 * it. Fields are read from one pointer per header, so each header costs one
 * bounds check, not one per field.
 */
#include "tcpdiag_extract_headers.h"
#include "tcpdiag_compat.h"

#include "core/tcpdiag_cksum.h"
#include "tcpdiag_wire.h"

/* The captured bytes from `off` on, at most `want`; *got says how many (0: none). */
const guint8 *tcpdiag_captured_bytes(tvbuff_t *tvb, gint off, gint want, gint *got)
{
    gint avail = off >= 0 ? (gint)tvb_captured_length(tvb) - off : 0;
    *got = MIN(avail, want);
    return *got > 0 ? tvb_get_ptr(tvb, off, *got) : NULL;
}

gboolean tcpdiag_eth_is_linux_loopback(tvbuff_t *tvb, gint off)
{
    gint got;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, ETH_ADDRS_LEN, &got);
    /* A compare of a known length is inlined: cheaper than a loop over the bytes. */
    static const guint8 no_addresses[ETH_ADDRS_LEN];
    return got == ETH_ADDRS_LEN && memcmp(p, no_addresses, ETH_ADDRS_LEN) == 0;
}

/* Addresses, datagram facts and where the IP datagram ends; FALSE when the header is cut. */
gboolean tcpdiag_read_ip(tvbuff_t *tvb, gint off, tcpdiag_segment *seg, gint *ip_end)
{
    gint avail;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, IPV6_HDR, &avail);
    if (!p)
        return FALSE;
    guint8 version = p[0] >> 4;
    if (version == 4 && avail >= IPV4_MIN_HDR) {
        seg->tuple.family = 4;
        memcpy(seg->tuple.src, p + IPV4_OFF_SRC, IPV4_ADDR_LEN);
        memcpy(seg->tuple.dst, p + IPV4_OFF_DST, IPV4_ADDR_LEN);
        seg->ip_len = tcpdiag_be16(p + IPV4_OFF_TOTAL_LEN);
        seg->ip_id = tcpdiag_be16(p + IPV4_OFF_ID);
        guint16 frag = tcpdiag_be16(p + IPV4_OFF_FRAG);
        seg->ip_df = (frag & IPV4_FLAG_DF) != 0;
        if (frag & IPV4_MF_AND_OFFSET)
            seg->ip_frag = TCPDIAG_FRAG_FIRST;
        seg->ip_ttl = p[IPV4_OFF_TTL];
        *ip_end = off + (gint)seg->ip_len;
        return TRUE;
    }
    if (version == 6 && avail >= IPV6_HDR) {
        seg->tuple.family = 6;
        memcpy(seg->tuple.src, p + IPV6_OFF_SRC, IPV6_ADDR_LEN);
        memcpy(seg->tuple.dst, p + IPV6_OFF_DST, IPV6_ADDR_LEN);
        guint16 plen = tcpdiag_be16(p + IPV6_OFF_PAYLOAD_LEN);
        seg->ip_df = TRUE;  /* routers never fragment IPv6 */
        seg->ip_ttl = p[IPV6_OFF_HOP_LIMIT];
        /* Payload length 0 is a jumbogram (RFC 2675): it runs to the end of the frame. */
        *ip_end = plen ? off + IPV6_HDR + plen : (gint)tvb_reported_length(tvb);
        seg->ip_len = (guint32)(*ip_end - off);
        return TRUE;
    }
    return FALSE;
}

static void read_sack_blocks(const guint8 *opt, guint8 len, tcpdiag_segment *seg)
{
    for (guint b = TCPOLEN_KIND_AND_LEN; b + TCPOLEN_SACK_BLOCK <= len && seg->sack_count < TCPDIAG_MAX_SACK;
         b += TCPOLEN_SACK_BLOCK) {
        seg->sack[seg->sack_count].left = tcpdiag_be32(opt + b);
        seg->sack[seg->sack_count].right = tcpdiag_be32(opt + b + 4);
        seg->sack_count++;
    }
}

/* The options this analysis uses (bytes [opt, end) of the header); anything odd marks the list malformed. */
static void read_options(const guint8 *hdr, gint opt, gint end, tcpdiag_segment *seg)
{
    while (opt < end) {
        guint8 kind = hdr[opt];
        if (kind == TCPOPT_EOL)
            return;
        if (kind == TCPOPT_NOP) {
            opt++;
            continue;
        }
        if (opt + 1 >= end) {
            seg->options |= TCPDIAG_OPT_MALFORMED;
            return;
        }
        guint8 len = hdr[opt + 1];
        if (len < TCPOLEN_KIND_AND_LEN || opt + len > end) {
            seg->options |= TCPDIAG_OPT_MALFORMED;
            return;
        }
        const guint8 *value = hdr + opt + TCPOLEN_KIND_AND_LEN;
        if (kind == TCPOPT_MSS && len == TCPOLEN_MSS) {
            seg->mss = tcpdiag_be16(value);
            seg->options |= TCPDIAG_OPT_MSS;
        } else if (kind == TCPOPT_WSCALE && len == TCPOLEN_WSCALE) {
            seg->wscale = value[0];
            seg->options |= TCPDIAG_OPT_WSCALE;
        } else if (kind == TCPOPT_SACK_PERM && len == TCPOLEN_SACK_PERM) {
            seg->options |= TCPDIAG_OPT_SACK_PERM;
        } else if (kind == TCPOPT_SACK && len >= TCPOLEN_SACK_MIN &&
                   (len - TCPOLEN_KIND_AND_LEN) % TCPOLEN_SACK_BLOCK == 0) {
            read_sack_blocks(hdr + opt, len, seg);
            seg->options |= TCPDIAG_OPT_SACK;
        } else if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
            seg->tsval = tcpdiag_be32(value);
            seg->tsecr = tcpdiag_be32(value + 4);
            seg->options |= TCPDIAG_OPT_TS;
        }
        opt += len;
    }
}

/* FALSE when not even the ports were captured. `end` is where the TCP segment ends. */
gboolean tcpdiag_read_tcp(tvbuff_t *tvb, gint off, gint end, tcpdiag_segment *seg)
{
    /* Bytes past the IP datagram (Ethernet padding, trailers) are not TCP,
     * and a datagram too short for a TCP header carries no segment. */
    if (off < 0 || end - off < TCP_MIN_HDR)
        return FALSE;
    gint avail;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, MIN(end - off, TCP_MAX_HDR), &avail);
    /* Each field only when captured: an ICMP error may quote just 8 bytes. */
    if (avail < TCP_OFF_DPORT + 2)
        return FALSE;
    seg->tuple.sport = tcpdiag_be16(p + TCP_OFF_SPORT);
    seg->tuple.dport = tcpdiag_be16(p + TCP_OFF_DPORT);
    if (avail >= TCP_OFF_SEQ + 4)
        seg->seq = tcpdiag_be32(p + TCP_OFF_SEQ);
    if (avail >= TCP_OFF_ACK + 4)
        seg->ack = tcpdiag_be32(p + TCP_OFF_ACK);
    gint hdr_len = TCP_MIN_HDR;
    if (avail >= TCP_OFF_FLAGS + 1) {
        /* Data offset in 32-bit words; below the minimum is bogus. */
        hdr_len = MAX((p[TCP_OFF_DATA_OFFSET] >> 4) * 4, TCP_MIN_HDR);
        seg->flags = p[TCP_OFF_FLAGS];
        seg->flags_known = TRUE;
    }
    if (avail >= TCP_OFF_WINDOW + 2)
        seg->window = tcpdiag_be16(p + TCP_OFF_WINDOW);
    seg->tcp_hdr_len = (guint16)hdr_len;
    if (hdr_len > TCP_MIN_HDR)
        read_options(p, TCP_MIN_HDR, MIN(hdr_len, avail), seg);
    if (seg->flags_known && avail < hdr_len) {
        seg->options_cut = TRUE;
        seg->options &= (guint8)~TCPDIAG_OPT_MALFORMED;   /* cut by the capture, not by the sender */
    }

    /* Payload length from the IP header, so snaplen-cut frames still count. */
    gint payload = end - off - hdr_len;
    /* For a first fragment: the part of the payload this fragment carries. */
    seg->payload_len = payload > 0 ? (guint32)payload : 0;
    return TRUE;
}

gboolean tcpdiag_read_ip_tcp(tvbuff_t *ip_tvb, gint ip_off, tvbuff_t *tcp_tvb, gint tcp_off,
                             tcpdiag_segment *seg, gint *end)
{
    memset(seg, 0, sizeof *seg);
    if (!tcpdiag_read_ip(ip_tvb, ip_off, seg, end))
        return FALSE;
    if (tcp_tvb != ip_tvb) {
        /* TCP in a reassembled datagram: that data source is the IP payload */
        *end = (gint)tvb_reported_length(tcp_tvb);
        seg->ip_frag = TCPDIAG_FRAG_REASSEMBLED;
    }
    return tcpdiag_read_tcp(tcp_tvb, tcp_off, *end, seg);
}

/* RFC 793 checksum over the pseudo-header and the whole segment, when all of it was captured. */
tcpdiag_checksum tcpdiag_verify_checksum(tvbuff_t *tvb, gint off, gint end, const tcpdiag_segment *seg)
{
    gint tcp_len = end - off;
    if (tcp_len < TCP_MIN_HDR || (gint)tvb_captured_length(tvb) < end)
        return TCPDIAG_CSUM_UNKNOWN;
    guint8 pseudo[PSEUDO_HDR_V6];
    gint plen;
    memset(pseudo, 0, sizeof pseudo);
    if (seg->tuple.family == 4) {
        /* RFC 9293 3.1: source, destination, zero, protocol, TCP length. */
        memcpy(pseudo, seg->tuple.src, IPV4_ADDR_LEN);
        memcpy(pseudo + 4, seg->tuple.dst, IPV4_ADDR_LEN);
        pseudo[9] = IP_PROTO_TCP;
        pseudo[10] = (guint8)(tcp_len >> 8);
        pseudo[11] = (guint8)tcp_len;
        plen = PSEUDO_HDR_V4;
    } else {
        /* RFC 8200 8.1: source, destination, length (32 bits), zero, next header. */
        memcpy(pseudo, seg->tuple.src, IPV6_ADDR_LEN);
        memcpy(pseudo + 16, seg->tuple.dst, IPV6_ADDR_LEN);
        pseudo[34] = (guint8)(tcp_len >> 8);
        pseudo[35] = (guint8)tcp_len;
        pseudo[39] = IP_PROTO_TCP;
        plen = PSEUDO_HDR_V6;
    }
    /* The pseudo-header's length is even, as tcpdiag_cksum_add() wants of all but the last piece. */
    uint64_t pseudo_part = tcpdiag_cksum_add(0, pseudo, (size_t)plen);
    if (tcpdiag_cksum_finish(tcpdiag_cksum_add(pseudo_part, tvb_get_ptr(tvb, off, tcp_len), (size_t)tcp_len)) == 0)
        return TCPDIAG_CSUM_GOOD;
    /* Offload leaves the folded pseudo-header sum (or its complement) in the field. */
    guint16 stored = tvb_get_ntohs(tvb, off + TCP_OFF_CHECKSUM);
    guint16 pseudo_only = tcpdiag_cksum_finish(pseudo_part);
    guint16 pseudo_sum = (guint16)~pseudo_only;
    if (stored == pseudo_sum || stored == pseudo_only)
        return TCPDIAG_CSUM_PARTIAL;
    return TCPDIAG_CSUM_BAD;
}

static tcpdiag_icmp_error classify_icmp(guint8 type, guint8 code, gboolean v6)
{
    if (v6) {
        switch (type) {
        case ICMPV6_DEST_UNREACH:  /* no route and address unreachable are soft */
            return (code == ICMPV6_NO_ROUTE || code == ICMPV6_BEYOND_SCOPE || code == ICMPV6_ADDR_UNREACH)
                       ? TCPDIAG_ICMP_UNREACH_SOFT : TCPDIAG_ICMP_UNREACH_HARD;
        case ICMPV6_PKT_TOO_BIG:
            return TCPDIAG_ICMP_FRAG_NEEDED;
        default:
            return TCPDIAG_ICMP_OTHER;
        }
    }
    if (type != ICMP_DEST_UNREACH)
        return TCPDIAG_ICMP_OTHER;
    switch (code) {
    case ICMP_FRAG_NEEDED:
        return TCPDIAG_ICMP_FRAG_NEEDED;
    case ICMP_NET_UNREACH: case ICMP_HOST_UNREACH: case ICMP_SR_FAILED:
    case ICMP_NET_UNREACH_TOS: case ICMP_HOST_UNREACH_TOS:  /* the stack keeps retrying (RFC 1122 4.2.3.9) */
        return TCPDIAG_ICMP_UNREACH_SOFT;
    default:
        return TCPDIAG_ICMP_UNREACH_HARD;
    }
}

/* IPv6 extension headers a quoted datagram may carry before its TCP header (RFC 8200 4). */
static gboolean ipv6_ext_header(guint8 next)
{
    return next == IPV6_EXT_HOP_BY_HOP || next == IPV6_EXT_ROUTING || next == IPV6_EXT_DEST_OPTS;
}

/* Where the TCP header of the datagram quoted at `off` starts; -1 when it carries none. */
static gint quoted_tcp_offset(tvbuff_t *tvb, gint off, const tcpdiag_segment *seg)
{
    gint captured = (gint)tvb_captured_length(tvb);
    if (seg->tuple.family == 4) {
        /* A later fragment of the datagram holds no TCP header. */
        if ((tvb_get_ntohs(tvb, off + IPV4_OFF_FRAG) & IPV4_FRAG_OFFSET) != 0 ||
            tvb_get_uint8(tvb, off + IPV4_OFF_PROTOCOL) != IP_PROTO_TCP)
            return -1;
        return off + (tvb_get_uint8(tvb, off) & IPV4_IHL_MASK) * 4;
    }
    guint8 next = tvb_get_uint8(tvb, off + IPV6_OFF_NEXT_HEADER);
    gint at = off + IPV6_HDR;
    for (guint hops = 0; hops < IPV6_MAX_EXT_HEADERS; hops++) {
        if (next == IP_PROTO_TCP)
            return at;
        if (at + 2 > captured)
            return -1;
        if (next == IPV6_EXT_FRAGMENT) {
            if (at + IPV6_FRAG_HDR > captured || (tvb_get_ntohs(tvb, at + 2) & IPV6_FRAG_OFFSET_MASK) != 0)
                return -1;
            next = tvb_get_uint8(tvb, at);
            at += IPV6_FRAG_HDR;
        } else if (ipv6_ext_header(next)) {
            next = tvb_get_uint8(tvb, at);
            at += (tvb_get_uint8(tvb, at + 1) + 1) * 8;   /* length in 8-byte units, not counting the first */
        } else {
            return -1;
        }
    }
    return -1;
}

/* ICMP types whose body quotes the datagram that caused them (RFC 792, RFC 4443). */
static gboolean icmp_quotes_datagram(guint8 type, gboolean v6)
{
    if (v6)
        return type >= ICMPV6_DEST_UNREACH && type <= ICMPV6_PARAM_PROBLEM;
    return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
           type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM;
}

void tcpdiag_read_icmp(tvbuff_t *tvb, gint off, gboolean v6, tcpdiag_segment *seg)
{
    gint avail;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, ICMP_HDR, &avail);
    seg->icmp_v6 = v6;
    if (avail >= 2) {
        seg->icmp_type = p[0];
        seg->icmp_code = p[1];
    }
    seg->quoted_by = classify_icmp(seg->icmp_type, seg->icmp_code, v6);
    if (seg->quoted_by == TCPDIAG_ICMP_FRAG_NEEDED && avail >= ICMP_HDR)
        seg->icmp_mtu = v6 ? tcpdiag_be32(p + ICMPV6_OFF_MTU) : tcpdiag_be16(p + ICMP_OFF_NEXT_HOP_MTU);
}

gboolean tcpdiag_read_quote(tvbuff_t *tvb, gint off, gboolean v6, tcpdiag_segment *seg)
{
    gint avail;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, ICMP_HDR + 1, &avail);
    if (avail < ICMP_HDR + 1 || !icmp_quotes_datagram(p[0], v6))
        return FALSE;
    gint ip_off = off + ICMP_HDR;
    memset(seg, 0, sizeof *seg);
    gint ip_end = 0;
    if (!tcpdiag_read_ip(tvb, ip_off, seg, &ip_end) || (seg->tuple.family == 6) != v6)
        return FALSE;
    gint tcp_off = quoted_tcp_offset(tvb, ip_off, seg);
    if (tcp_off < 0 || !tcpdiag_read_tcp(tvb, tcp_off, ip_end, seg))
        return FALSE;
    tcpdiag_read_icmp(tvb, off, v6, seg);
    return TRUE;
}

gboolean tcpdiag_read_first_fragment(tvbuff_t *tvb, gint off, tcpdiag_segment *seg)
{
    gint avail;
    const guint8 *p = tcpdiag_captured_bytes(tvb, off, IPV4_MIN_HDR, &avail);
    if (avail < IPV4_MIN_HDR || (p[0] >> 4) != 4)
        return FALSE;
    guint16 frag = tcpdiag_be16(p + IPV4_OFF_FRAG);
    if (!(frag & IPV4_FLAG_MF) || (frag & IPV4_FRAG_OFFSET) != 0 || p[IPV4_OFF_PROTOCOL] != IP_PROTO_TCP)
        return FALSE;
    memset(seg, 0, sizeof *seg);
    gint ip_end = 0;
    gint ihl = (p[0] & IPV4_IHL_MASK) * 4;   /* in 32-bit words */
    return tcpdiag_read_ip(tvb, off, seg, &ip_end) && tcpdiag_read_tcp(tvb, off + ihl, ip_end, seg);
}
