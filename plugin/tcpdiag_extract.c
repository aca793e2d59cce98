/* tcpdiag_extract.c - turn the dissected frame into tcpdiag_segment records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Only the protocol items (tcp, ip, ipv6, icmp, icmpv6, the link layers) and
 * tcp.stream are asked for; the header fields are read from the bytes those items cover.
 * That works the same whether Wireshark builds a visible tree or a hidden
 * one, whatever the user's TCP preferences are (relative sequence numbers,
 * analysis off), and for headers quoted in ICMP errors where Wireshark adds
 * fewer fields. Each item carries the layer number it belongs to, which is
 * how the IP header around each TCP header is found.
 *
 * This is the only file that reads field_info (whose value is a pointer from
 * Wireshark 4.2 on: tcpdiag_compat.h).
 */
#include "tcpdiag_extract.h"
#include "tcpdiag_compat.h"

#include <epan/proto.h>
#include <epan/tvbuff.h>
#include <epan/in_cksum.h>

#include "tcpdiag_nstime.h"
#include "tcpdiag_wire.h"

static int hf_tcp = -1, hf_ip = -1, hf_ipv6 = -1, hf_icmp = -1, hf_icmpv6 = -1, hf_tcp_stream = -1;
/* Encapsulations below the outermost IP header, for the link's MTU. */
static int hf_eth = -1, hf_llc = -1, hf_pppoes = -1, hf_vlan = -1, hf_sll = -1, hf_null = -1, hf_raw = -1;

void tcpdiag_extract_register_wanted(dissector_handle_t handle)
{
    static const struct { int *hf; const char *name; } wanted_items[] = {
        { &hf_tcp, "tcp" }, { &hf_ip, "ip" }, { &hf_ipv6, "ipv6" }, { &hf_icmp, "icmp" },
        { &hf_icmpv6, "icmpv6" }, { &hf_tcp_stream, "tcp.stream" },
        { &hf_eth, "eth" }, { &hf_llc, "llc" }, { &hf_pppoes, "pppoes" }, { &hf_vlan, "vlan" },
        { &hf_sll, "sll" }, { &hf_null, "null" }, { &hf_raw, "raw" },
    };
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (size_t i = 0; i < G_N_ELEMENTS(wanted_items); i++) {
        *wanted_items[i].hf = proto_registrar_get_id_byname(wanted_items[i].name);
        if (*wanted_items[i].hf > 0)
            g_array_append_val(wanted, *wanted_items[i].hf);
    }
    set_postdissector_wanted_hfids(handle, wanted);
}

/* Bytes of the item's data source that were actually captured. */
static gint captured_from(const field_info *fi)
{
    if (!fi->ds_tvb || fi->start < 0)
        return 0;
    gint len = (gint)tvb_captured_length(fi->ds_tvb) - fi->start;
    return len > 0 ? len : 0;
}

/* The item of `hf` with the highest layer number below `layer`. */
static field_info *nearest_below(proto_tree *tree, int hf, int layer)
{
    if (hf <= 0)
        return NULL;
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, hf);
    field_info *best = NULL;
    for (guint i = 0; arr && i < arr->len; i++) {
        field_info *fi = g_ptr_array_index(arr, i);
        if (fi->total_layer_num < layer && (!best || fi->total_layer_num > best->total_layer_num))
            best = fi;
    }
    return best;
}

static field_info *nearest_of_two(proto_tree *tree, int hf_a, int hf_b, int layer)
{
    field_info *a = nearest_below(tree, hf_a, layer);
    field_info *b = nearest_below(tree, hf_b, layer);
    if (!a)
        return b;
    if (!b)
        return a;
    return a->total_layer_num > b->total_layer_num ? a : b;
}

/* Items of `hf` below `layer`; *lowest gets the one nearest the frame. */
static guint count_below(proto_tree *tree, int hf, int layer, field_info **lowest)
{
    if (lowest)
        *lowest = NULL;
    if (hf <= 0)
        return 0;
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, hf);
    guint n = 0;
    for (guint i = 0; arr && i < arr->len; i++) {
        field_info *fi = g_ptr_array_index(arr, i);
        if (fi->total_layer_num >= layer)
            continue;
        n++;
        if (lowest && (!*lowest || fi->total_layer_num < (*lowest)->total_layer_num))
            *lowest = fi;
    }
    return n;
}

/* Linux captures on lo show an Ethernet header with both addresses zero. */
static gboolean eth_is_linux_loopback(const field_info *eth)
{
    if (captured_from(eth) < ETH_ADDRS_LEN)
        return FALSE;
    for (gint i = 0; i < ETH_ADDRS_LEN; i++)
        if (tvb_get_uint8(eth->ds_tvb, eth->start + i) != 0)
            return FALSE;
    return TRUE;
}

/* How many IP headers carry the TCP header at `layer`, and what carried the outermost one. */
static void read_link(proto_tree *tree, int layer, tcpdiag_segment *seg)
{
    field_info *ip4, *ip6;
    guint depth = count_below(tree, hf_ip, layer, &ip4) + count_below(tree, hf_ipv6, layer, &ip6);
    seg->ip_depth = (guint8)MIN(depth, 255u);
    field_info *outer = (!ip6 || (ip4 && ip4->total_layer_num < ip6->total_layer_num)) ? ip4 : ip6;
    if (!outer)
        return;
    int below = outer->total_layer_num;
    seg->link_vlans = (guint8)MIN(count_below(tree, hf_vlan, below, NULL), 255u);
    field_info *eth;
    if (count_below(tree, hf_pppoes, below, NULL))
        seg->link = TCPDIAG_LINK_PPPOE;
    else if (count_below(tree, hf_sll, below, NULL))
        seg->link = TCPDIAG_LINK_LINUX_COOKED;
    else if (count_below(tree, hf_null, below, NULL))
        seg->link = TCPDIAG_LINK_BSD_LOOPBACK;
    else if (count_below(tree, hf_raw, below, NULL))
        seg->link = TCPDIAG_LINK_RAW_IP;
    else if (count_below(tree, hf_eth, below, &eth)) {
        if (count_below(tree, hf_llc, below, NULL))
            seg->link = TCPDIAG_LINK_LLC_SNAP;
        else if (eth_is_linux_loopback(eth))
            seg->link = TCPDIAG_LINK_LINUX_LOOPBACK;
        else
            seg->link = TCPDIAG_LINK_ETHERNET;
    }
}

static gboolean stream_of_layer(proto_tree *tree, int layer, guint32 *stream)
{
    GPtrArray *arr = hf_tcp_stream > 0 ? proto_get_finfo_ptr_array(tree, hf_tcp_stream) : NULL;
    for (guint i = 0; arr && i < arr->len; i++) {
        field_info *fi = g_ptr_array_index(arr, i);
        if (fi->total_layer_num == layer) {
            *stream = fvalue_get_uinteger(TCPDIAG_FI_VALUE(fi));
            return TRUE;
        }
    }
    return FALSE;
}

/* Addresses, datagram facts and where the IP datagram ends; FALSE when the header is cut. */
static gboolean read_ip(const field_info *ip, tcpdiag_segment *seg, gint *ip_end)
{
    gint avail = captured_from(ip);
    if (avail < 1)
        return FALSE;
    tvbuff_t *tvb = ip->ds_tvb;
    gint off = ip->start;
    guint8 version = tvb_get_uint8(tvb, off) >> 4;
    if (version == 4 && avail >= IPV4_MIN_HDR) {
        seg->tuple.family = 4;
        tvb_memcpy(tvb, seg->tuple.src, off + IPV4_OFF_SRC, IPV4_ADDR_LEN);
        tvb_memcpy(tvb, seg->tuple.dst, off + IPV4_OFF_DST, IPV4_ADDR_LEN);
        seg->ip_len = tvb_get_ntohs(tvb, off + IPV4_OFF_TOTAL_LEN);
        seg->ip_id = tvb_get_ntohs(tvb, off + IPV4_OFF_ID);
        guint16 frag = tvb_get_ntohs(tvb, off + IPV4_OFF_FRAG);
        seg->ip_df = (frag & IPV4_FLAG_DF) != 0;
        if (frag & IPV4_MF_AND_OFFSET)
            seg->ip_frag = TCPDIAG_FRAG_FIRST;
        seg->ip_ttl = tvb_get_uint8(tvb, off + IPV4_OFF_TTL);
        *ip_end = off + (gint)seg->ip_len;
        return TRUE;
    }
    if (version == 6 && avail >= IPV6_HDR) {
        seg->tuple.family = 6;
        tvb_memcpy(tvb, seg->tuple.src, off + IPV6_OFF_SRC, IPV6_ADDR_LEN);
        tvb_memcpy(tvb, seg->tuple.dst, off + IPV6_OFF_DST, IPV6_ADDR_LEN);
        guint16 plen = tvb_get_ntohs(tvb, off + IPV6_OFF_PAYLOAD_LEN);
        seg->ip_df = TRUE;  /* routers never fragment IPv6 */
        seg->ip_ttl = tvb_get_uint8(tvb, off + IPV6_OFF_HOP_LIMIT);
        /* Payload length 0 is a jumbogram (RFC 2675): it runs to the end of the frame. */
        *ip_end = plen ? off + IPV6_HDR + plen : (gint)tvb_reported_length(tvb);
        seg->ip_len = (guint32)(*ip_end - off);
        return TRUE;
    }
    return FALSE;
}

static void read_sack_blocks(tvbuff_t *tvb, gint opt, guint8 len, tcpdiag_segment *seg)
{
    for (gint b = opt + TCPOLEN_KIND_AND_LEN; b + TCPOLEN_SACK_BLOCK <= opt + len && seg->sack_count < TCPDIAG_MAX_SACK;
         b += TCPOLEN_SACK_BLOCK) {
        seg->sack[seg->sack_count].left = tvb_get_ntohl(tvb, b);
        seg->sack[seg->sack_count].right = tvb_get_ntohl(tvb, b + 4);
        seg->sack_count++;
    }
}

/* The options this analysis uses; anything odd marks the list malformed. */
static void read_options(tvbuff_t *tvb, gint opt, gint end, tcpdiag_segment *seg)
{
    while (opt < end) {
        guint8 kind = tvb_get_uint8(tvb, opt);
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
        guint8 len = tvb_get_uint8(tvb, opt + 1);
        if (len < TCPOLEN_KIND_AND_LEN || opt + len > end) {
            seg->options |= TCPDIAG_OPT_MALFORMED;
            return;
        }
        gint value = opt + TCPOLEN_KIND_AND_LEN;
        if (kind == TCPOPT_MSS && len == TCPOLEN_MSS) {
            seg->mss = tvb_get_ntohs(tvb, value);
            seg->options |= TCPDIAG_OPT_MSS;
        } else if (kind == TCPOPT_WSCALE && len == TCPOLEN_WSCALE) {
            seg->wscale = tvb_get_uint8(tvb, value);
            seg->options |= TCPDIAG_OPT_WSCALE;
        } else if (kind == TCPOPT_SACK_PERM && len == TCPOLEN_SACK_PERM) {
            seg->options |= TCPDIAG_OPT_SACK_PERM;
        } else if (kind == TCPOPT_SACK && len >= TCPOLEN_SACK_MIN &&
                   (len - TCPOLEN_KIND_AND_LEN) % TCPOLEN_SACK_BLOCK == 0) {
            read_sack_blocks(tvb, opt, len, seg);
            seg->options |= TCPDIAG_OPT_SACK;
        } else if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
            seg->tsval = tvb_get_ntohl(tvb, value);
            seg->tsecr = tvb_get_ntohl(tvb, value + 4);
            seg->options |= TCPDIAG_OPT_TS;
        }
        opt += len;
    }
}

/* FALSE when not even the ports were captured. `end` is where the TCP segment ends. */
static gboolean read_tcp(tvbuff_t *tvb, gint off, gint end, tcpdiag_segment *seg)
{
    gint avail = (gint)tvb_captured_length(tvb) - off;
    /* Bytes past the IP datagram (Ethernet padding, trailers) are not TCP,
     * and a datagram too short for a TCP header carries no segment. */
    if (off < 0 || end - off < TCP_MIN_HDR)
        return FALSE;
    avail = MIN(avail, end - off);
    /* Each field only when captured: an ICMP error may quote just 8 bytes. */
    if (avail < TCP_OFF_DPORT + 2)
        return FALSE;
    seg->tuple.sport = tvb_get_ntohs(tvb, off + TCP_OFF_SPORT);
    seg->tuple.dport = tvb_get_ntohs(tvb, off + TCP_OFF_DPORT);
    if (avail >= TCP_OFF_SEQ + 4)
        seg->seq = tvb_get_ntohl(tvb, off + TCP_OFF_SEQ);
    if (avail >= TCP_OFF_ACK + 4)
        seg->ack = tvb_get_ntohl(tvb, off + TCP_OFF_ACK);
    gint hdr_len = TCP_MIN_HDR;
    if (avail >= TCP_OFF_FLAGS + 1) {
        /* Data offset in 32-bit words; below the minimum is bogus. */
        hdr_len = MAX((tvb_get_uint8(tvb, off + TCP_OFF_DATA_OFFSET) >> 4) * 4, TCP_MIN_HDR);
        seg->flags = tvb_get_uint8(tvb, off + TCP_OFF_FLAGS);
        seg->flags_known = TRUE;
    }
    if (avail >= TCP_OFF_WINDOW + 2)
        seg->window = tvb_get_ntohs(tvb, off + TCP_OFF_WINDOW);
    seg->tcp_hdr_len = (guint16)hdr_len;
    if (hdr_len > TCP_MIN_HDR)
        read_options(tvb, off + TCP_MIN_HDR, off + MIN(hdr_len, avail), seg);
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

/* RFC 793 checksum over the pseudo-header and the whole segment, when all of it was captured. */
static tcpdiag_checksum verify_checksum(tvbuff_t *tvb, gint off, gint end, const tcpdiag_segment *seg)
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
    vec_t vec[2];
    SET_CKSUM_VEC_PTR(vec[0], pseudo, plen);
    SET_CKSUM_VEC_TVB(vec[1], tvb, off, tcp_len);
    if (in_cksum(vec, 2) == 0)
        return TCPDIAG_CSUM_GOOD;
    /* Offload leaves the folded pseudo-header sum (or its complement) in the field. */
    guint16 stored = tvb_get_ntohs(tvb, off + TCP_OFF_CHECKSUM);
    guint16 pseudo_only = (guint16)in_cksum(vec, 1);
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

static void read_icmp(const field_info *icmp, tcpdiag_segment *seg)
{
    seg->icmp_v6 = icmp->hfinfo->id == hf_icmpv6;
    gint avail = captured_from(icmp);
    if (avail >= 2) {
        seg->icmp_type = tvb_get_uint8(icmp->ds_tvb, icmp->start);
        seg->icmp_code = tvb_get_uint8(icmp->ds_tvb, icmp->start + 1);
    }
    seg->quoted_by = classify_icmp(seg->icmp_type, seg->icmp_code, seg->icmp_v6);
    if (seg->quoted_by == TCPDIAG_ICMP_FRAG_NEEDED && avail >= ICMP_HDR)
        seg->icmp_mtu = seg->icmp_v6 ? tvb_get_ntohl(icmp->ds_tvb, icmp->start + ICMPV6_OFF_MTU)
                                     : tvb_get_ntohs(icmp->ds_tvb, icmp->start + ICMP_OFF_NEXT_HOP_MTU);
}

/* Whether some TCP item sits directly above this IP item. */
static gboolean ip_has_tcp_above(proto_tree *tree, GPtrArray *tcps, const field_info *ip)
{
    for (guint i = 0; tcps && i < tcps->len; i++) {
        field_info *tcp = g_ptr_array_index(tcps, i);
        if (nearest_of_two(tree, hf_ip, hf_ipv6, tcp->total_layer_num) == ip)
            return TRUE;
    }
    return FALSE;
}

static void stamp(tcpdiag_segment *seg, packet_info *pinfo)
{
    seg->frame = pinfo->num;
    seg->time_ns = tcpdiag_ns_of(&pinfo->abs_ts);
}

/*
 * A first IPv4 fragment of TCP that Wireshark has not reassembled (yet, or
 * ever) carries no tcp item, but its bytes hold the TCP header: the
 * retransmission analysis needs it to tell that a re-sent segment had been
 * fragmented and never completed.
 */
static guint extract_first_fragments(proto_tree *tree, packet_info *pinfo, GPtrArray *tcps,
                                     tcpdiag_segment *out, guint n, guint max)
{
    GPtrArray *ips = proto_get_finfo_ptr_array(tree, hf_ip);
    for (guint i = 0; ips && i < ips->len && n < max; i++) {
        field_info *ip = g_ptr_array_index(ips, i);
        gint avail = captured_from(ip);
        if (avail < IPV4_MIN_HDR)
            continue;
        tvbuff_t *tvb = ip->ds_tvb;
        guint16 frag = tvb_get_ntohs(tvb, ip->start + IPV4_OFF_FRAG);
        gboolean first_with_more = (frag & IPV4_FLAG_MF) && (frag & IPV4_FRAG_OFFSET) == 0;
        if (!first_with_more || tvb_get_uint8(tvb, ip->start + IPV4_OFF_PROTOCOL) != IP_PROTO_TCP
            || ip_has_tcp_above(tree, tcps, ip))
            continue;
        tcpdiag_segment *seg = &out[n];
        memset(seg, 0, sizeof *seg);
        gint ip_end = 0;
        gint ihl = (tvb_get_uint8(tvb, ip->start) & IPV4_IHL_MASK) * 4;   /* in 32-bit words */
        if (!read_ip(ip, seg, &ip_end) || !read_tcp(tvb, ip->start + ihl, ip_end, seg))
            continue;
        /* Everything above this IP header is in higher layers: count below the next one. */
        read_link(tree, ip->total_layer_num + 1, seg);
        stamp(seg, pinfo);
        n++;
    }
    return n;
}

guint tcpdiag_extract(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max)
{
    if (!tree || hf_tcp <= 0)
        return 0;
    GPtrArray *tcps = proto_get_finfo_ptr_array(tree, hf_tcp);
    guint n = 0;
    for (guint i = 0; tcps && i < tcps->len && n < max; i++) {
        field_info *tcp = g_ptr_array_index(tcps, i);
        int layer = tcp->total_layer_num;
        field_info *ip = nearest_of_two(tree, hf_ip, hf_ipv6, layer);
        if (!ip)
            continue;
        tcpdiag_segment *seg = &out[n];
        memset(seg, 0, sizeof *seg);
        gint ip_end = 0;
        if (!read_ip(ip, seg, &ip_end))
            continue;
        gint end = ip_end;
        if (ip->ds_tvb != tcp->ds_tvb) {
            /* TCP in a reassembled datagram: that data source is the IP payload */
            end = (gint)tvb_reported_length(tcp->ds_tvb);
            seg->ip_frag = TCPDIAG_FRAG_REASSEMBLED;
        }
        if (!read_tcp(tcp->ds_tvb, tcp->start, end, seg))
            continue;
        field_info *icmp = nearest_of_two(tree, hf_icmp, hf_icmpv6, layer);
        if (icmp)
            read_icmp(icmp, seg);
        else if (seg->ip_frag != TCPDIAG_FRAG_FIRST)
            seg->checksum = (guint8)verify_checksum(tcp->ds_tvb, tcp->start, end, seg);
        seg->has_stream = stream_of_layer(tree, layer, &seg->stream);
        read_link(tree, layer, seg);
        stamp(seg, pinfo);
        n++;
    }
    return extract_first_fragments(tree, pinfo, tcps, out, n, max);
}
