/* tcpdiag_extract.c - turn the dissected frame into tcpdiag_segment records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The header fields are read from the bytes the protocol items (tcp, ip,
 * ipv6, icmp, icmpv6, the link layers) cover. Those items hang directly
 * below the tree's root, where Wireshark up to 4.4 never fakes an item even
 * in a hidden tree, so one walk over the root's children finds them without
 * asking for them: asking (priming) would make every dissector keep them
 * in per-packet lookup tables, which cost more than the whole analysis
 * (4.6 fakes them too: there they are asked for, tcpdiag_compat.h).
 * tcp.stream comes from the TCP dissector's conversation (stream_of), and
 * the only field asked for is one no packet carries, which makes Wireshark
 * build the tree at all (tcpdiag_extract_register_wanted). A header quoted
 * in an ICMP error sits in the ICMP item's subtree, where hidden trees keep
 * nothing: it is read from the bytes after the ICMP header. That works the
 * same whether Wireshark builds a visible tree or a hidden one, whatever the
 * user's TCP preferences are (relative sequence numbers, analysis off).
 * Each item carries the layer number it belongs to, which is how the IP
 * header around each TCP header is found.
 *
 * This is the only file that reads field_info (whose value is a pointer from
 * Wireshark 4.2 on: tcpdiag_compat.h).
 */
#include "tcpdiag_extract.h"
#include "tcpdiag_compat.h"

#include <epan/proto.h>
#include <epan/tvbuff.h>
#include <epan/in_cksum.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "core/tcpdiag_tuple.h"
#include "tcpdiag_nstime.h"
#include "tcpdiag_wire.h"

static int hf_tcp = -1, hf_ip = -1, hf_ipv6 = -1, hf_icmp = -1, hf_icmpv6 = -1;
/* Registered by tcpdiag, never added to a packet (see tcpdiag_extract_register). */
static int hf_first_pass = -1;
/* Encapsulations below the outermost IP header, for the link's MTU. */
static int hf_eth = -1, hf_llc = -1, hf_pppoes = -1, hf_vlan = -1, hf_sll = -1, hf_null = -1, hf_raw = -1;

/* The protocol items extraction reads, by filter name. */
static const struct { int *hf; const char *name; } read_items[] = {
    { &hf_tcp, "tcp" }, { &hf_ip, "ip" }, { &hf_ipv6, "ipv6" }, { &hf_icmp, "icmp" },
    { &hf_icmpv6, "icmpv6" },
    { &hf_eth, "eth" }, { &hf_llc, "llc" }, { &hf_pppoes, "pppoes" }, { &hf_vlan, "vlan" },
    { &hf_sll, "sll" }, { &hf_null, "null" }, { &hf_raw, "raw" },
};

void tcpdiag_extract_register_wanted(dissector_handle_t handle)
{
    for (size_t i = 0; i < G_N_ELEMENTS(read_items); i++)
        *read_items[i].hf = proto_registrar_get_id_byname(read_items[i].name);
    /* Wanting a field is what makes Wireshark build a (hidden) tree to walk
     * on every first pass, reports included. A field that some packet
     * carries would cost a per-packet lookup table whenever it is added;
     * tcpdiag's first-pass field is never added, so it costs nothing. */
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    g_array_append_val(wanted, hf_first_pass);
#ifdef TCPDIAG_ROOT_ITEMS_NEED_ASKING
    for (size_t i = 0; i < G_N_ELEMENTS(read_items); i++)
        if (*read_items[i].hf > 0)
            g_array_append_val(wanted, *read_items[i].hf);
#endif
    set_postdissector_wanted_hfids(handle, wanted);
}

void tcpdiag_extract_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_first_pass, { "First pass", "tcpdiag.first_pass", FT_NONE, BASE_NONE, NULL, 0x0,
          "Never in a packet: tcpdiag asks for it so that Wireshark builds the protocol tree tcpdiag reads "
          "the TCP headers from, even when only a report is wanted", HFILL } },
    };
    proto_register_field_array(proto, hf, array_length(hf));
}

/* The protocol items below the root that extraction reads, in layer order. */
#define MAX_ROOT_ITEMS 48
typedef struct root_items {
    guint       n;
    field_info *fi[MAX_ROOT_ITEMS];
} root_items;

static gboolean is_read_item(int id)
{
    for (size_t i = 0; i < G_N_ELEMENTS(read_items); i++)
        if (id == *read_items[i].hf)
            return TRUE;
    return FALSE;
}

static void collect_root_items(proto_tree *tree, root_items *items)
{
    items->n = 0;
    for (proto_node *node = tree->first_child; node && items->n < MAX_ROOT_ITEMS; node = node->next) {
        field_info *fi = PNODE_FINFO(node);
        if (fi && fi->hfinfo && is_read_item(fi->hfinfo->id))
            items->fi[items->n++] = fi;
    }
}

/* Bytes of the item's data source that were actually captured. */
static gint captured_from(const field_info *fi)
{
    if (!fi->ds_tvb || fi->start < 0)
        return 0;
    gint len = (gint)tvb_captured_length(fi->ds_tvb) - fi->start;
    return len > 0 ? len : 0;
}

static gboolean item_is(const field_info *fi, int hf)
{
    return hf > 0 && fi->hfinfo->id == hf;
}

/* The item of `hf_a` or `hf_b` with the highest layer number below `layer`. */
static field_info *nearest_of_two(const root_items *items, int hf_a, int hf_b, int layer)
{
    field_info *best = NULL;
    for (guint i = 0; i < items->n; i++) {
        field_info *fi = items->fi[i];
        if ((item_is(fi, hf_a) || item_is(fi, hf_b)) && fi->total_layer_num < layer &&
            (!best || fi->total_layer_num > best->total_layer_num))
            best = fi;
    }
    return best;
}

/* Big-endian reads from header bytes already known to be captured: one
 * bounds check per header instead of one per field. */
static inline guint16 be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32 be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The captured bytes from `off` on, at most `want`; *got says how many (0: none). */
static const guint8 *captured_bytes(tvbuff_t *tvb, gint off, gint want, gint *got)
{
    gint avail = off >= 0 ? (gint)tvb_captured_length(tvb) - off : 0;
    *got = MIN(avail, want);
    return *got > 0 ? tvb_get_ptr(tvb, off, *got) : NULL;
}

/* Linux captures on lo show an Ethernet header with both addresses zero. */
static gboolean eth_is_linux_loopback(const field_info *eth)
{
    gint got;
    const guint8 *p = captured_bytes(eth->ds_tvb, eth->start, ETH_ADDRS_LEN, &got);
    if (got < ETH_ADDRS_LEN)
        return FALSE;
    for (gint i = 0; i < ETH_ADDRS_LEN; i++)
        if (p[i] != 0)
            return FALSE;
    return TRUE;
}

/* What carried the outermost IP header: the root items below it. */
static tcpdiag_link link_below(const root_items *items, int outer_layer, guint *vlans)
{
    gboolean pppoe = FALSE, sll = FALSE, null = FALSE, raw = FALSE, llc = FALSE;
    field_info *eth = NULL;
    *vlans = 0;
    for (guint i = 0; i < items->n && items->fi[i]->total_layer_num < outer_layer; i++) {
        field_info *fi = items->fi[i];
        if (item_is(fi, hf_vlan))
            (*vlans)++;
        pppoe |= item_is(fi, hf_pppoes);
        sll |= item_is(fi, hf_sll);
        null |= item_is(fi, hf_null);
        raw |= item_is(fi, hf_raw);
        llc |= item_is(fi, hf_llc);
        if (item_is(fi, hf_eth) && !eth)
            eth = fi;
    }
    if (pppoe)
        return TCPDIAG_LINK_PPPOE;
    if (sll)
        return TCPDIAG_LINK_LINUX_COOKED;
    if (null)
        return TCPDIAG_LINK_BSD_LOOPBACK;
    if (raw)
        return TCPDIAG_LINK_RAW_IP;
    if (!eth)
        return TCPDIAG_LINK_UNKNOWN;
    if (llc)
        return TCPDIAG_LINK_LLC_SNAP;
    return eth_is_linux_loopback(eth) ? TCPDIAG_LINK_LINUX_LOOPBACK : TCPDIAG_LINK_ETHERNET;
}

/* How many IP headers carry the TCP header at `layer` (plus `quoted_ips`
 * inside an ICMP error), and what carried the outermost one. Root items
 * come in layer order. */
static void read_link(const root_items *items, int layer, guint quoted_ips, tcpdiag_segment *seg)
{
    guint depth = quoted_ips;
    int outer_layer = 0;
    for (guint i = 0; i < items->n && items->fi[i]->total_layer_num < layer; i++) {
        field_info *fi = items->fi[i];
        if (item_is(fi, hf_ip) || item_is(fi, hf_ipv6)) {
            depth++;
            if (!outer_layer)   /* layer numbers start at 1 (the frame) */
                outer_layer = fi->total_layer_num;
        }
    }
    seg->ip_depth = (guint8)MIN(depth, 255u);
    if (!outer_layer)
        return;
    guint vlans;
    seg->link = (guint8)link_below(items, outer_layer, &vlans);
    seg->link_vlans = (guint8)MIN(vlans, 255u);
}

/* tcp.stream of this header: the index Wireshark's TCP dissector gave the
 * conversation the frame belongs to (asking for the tcp.stream field instead
 * would cost a lookup table in every packet). */
static gboolean stream_lookup(packet_info *pinfo, const tcpdiag_segment *seg, guint32 *stream)
{
    address src, dst;
    address_type type = seg->tuple.family == 4 ? AT_IPv4 : AT_IPv6;
    int len = seg->tuple.family == 4 ? IPV4_ADDR_LEN : IPV6_ADDR_LEN;
    set_address(&src, type, len, seg->tuple.src);
    set_address(&dst, type, len, seg->tuple.dst);
    conversation_t *conv = find_conversation(pinfo->num, &src, &dst, CONVERSATION_TCP,
                                             seg->tuple.sport, seg->tuple.dport, 0);
    const struct tcp_analysis *tcpd = conv ? conversation_get_proto_data(conv, hf_tcp) : NULL;
    if (!tcpd)
        return FALSE;
    *stream = tcpd->stream;
    return TRUE;
}

/*
 * Wireshark's own lookup costs more than the rest of extraction, and a
 * conversation's index changes only where its TCP dissector starts a new
 * conversation on the same addresses and ports: at a SYN. So the latest
 * index of each address/port pair is kept (first pass only, in capture
 * order) and asked again at every SYN and for every quoted header.
 */
#define STREAM_CACHE_SLOTS 4096u   /* a power of two; a collision only costs a lookup */
typedef struct stream_entry {
    tcpdiag_tuple key;   /* canonical: both directions share the entry */
    guint32       stream;
    gboolean      used;
} stream_entry;
static stream_entry *stream_cache;

void tcpdiag_extract_reset(void)
{
    g_free(stream_cache);
    stream_cache = NULL;
}

static gboolean stream_of(packet_info *pinfo, const tcpdiag_segment *seg, guint32 *stream)
{
    if (seg->quoted_by != TCPDIAG_ICMP_NONE)
        return stream_lookup(pinfo, seg, stream);
    if (!stream_cache)
        stream_cache = g_new0(stream_entry, STREAM_CACHE_SLOTS);
    tcpdiag_tuple key;
    memset(&key, 0, sizeof key);
    tcpdiag_tuple_canonical(&seg->tuple, &key);
    stream_entry *e = &stream_cache[tcpdiag_tuple_hash(&key) & (STREAM_CACHE_SLOTS - 1)];
    gboolean syn = seg->flags_known && (seg->flags & TCPDIAG_SYN);
    if (!syn && e->used && tcpdiag_tuple_equal(&e->key, &key)) {
        *stream = e->stream;
        return TRUE;
    }
    if (!stream_lookup(pinfo, seg, stream))
        return FALSE;
    e->key = key;
    e->stream = *stream;
    e->used = TRUE;
    return TRUE;
}

/* Addresses, datagram facts and where the IP datagram ends; FALSE when the header is cut. */
static gboolean read_ip(tvbuff_t *tvb, gint off, tcpdiag_segment *seg, gint *ip_end)
{
    gint avail;
    const guint8 *p = captured_bytes(tvb, off, IPV6_HDR, &avail);
    if (!p)
        return FALSE;
    guint8 version = p[0] >> 4;
    if (version == 4 && avail >= IPV4_MIN_HDR) {
        seg->tuple.family = 4;
        memcpy(seg->tuple.src, p + IPV4_OFF_SRC, IPV4_ADDR_LEN);
        memcpy(seg->tuple.dst, p + IPV4_OFF_DST, IPV4_ADDR_LEN);
        seg->ip_len = be16(p + IPV4_OFF_TOTAL_LEN);
        seg->ip_id = be16(p + IPV4_OFF_ID);
        guint16 frag = be16(p + IPV4_OFF_FRAG);
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
        guint16 plen = be16(p + IPV6_OFF_PAYLOAD_LEN);
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
        seg->sack[seg->sack_count].left = be32(opt + b);
        seg->sack[seg->sack_count].right = be32(opt + b + 4);
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
            seg->mss = be16(value);
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
            seg->tsval = be32(value);
            seg->tsecr = be32(value + 4);
            seg->options |= TCPDIAG_OPT_TS;
        }
        opt += len;
    }
}

/* FALSE when not even the ports were captured. `end` is where the TCP segment ends. */
static gboolean read_tcp(tvbuff_t *tvb, gint off, gint end, tcpdiag_segment *seg)
{
    /* Bytes past the IP datagram (Ethernet padding, trailers) are not TCP,
     * and a datagram too short for a TCP header carries no segment. */
    if (off < 0 || end - off < TCP_MIN_HDR)
        return FALSE;
    gint avail;
    const guint8 *p = captured_bytes(tvb, off, MIN(end - off, TCP_MAX_HDR), &avail);
    /* Each field only when captured: an ICMP error may quote just 8 bytes. */
    if (avail < TCP_OFF_DPORT + 2)
        return FALSE;
    seg->tuple.sport = be16(p + TCP_OFF_SPORT);
    seg->tuple.dport = be16(p + TCP_OFF_DPORT);
    if (avail >= TCP_OFF_SEQ + 4)
        seg->seq = be32(p + TCP_OFF_SEQ);
    if (avail >= TCP_OFF_ACK + 4)
        seg->ack = be32(p + TCP_OFF_ACK);
    gint hdr_len = TCP_MIN_HDR;
    if (avail >= TCP_OFF_FLAGS + 1) {
        /* Data offset in 32-bit words; below the minimum is bogus. */
        hdr_len = MAX((p[TCP_OFF_DATA_OFFSET] >> 4) * 4, TCP_MIN_HDR);
        seg->flags = p[TCP_OFF_FLAGS];
        seg->flags_known = TRUE;
    }
    if (avail >= TCP_OFF_WINDOW + 2)
        seg->window = be16(p + TCP_OFF_WINDOW);
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
static gboolean ip_has_tcp_above(const root_items *items, const field_info *ip)
{
    for (guint i = 0; i < items->n; i++) {
        field_info *tcp = items->fi[i];
        if (item_is(tcp, hf_tcp) && nearest_of_two(items, hf_ip, hf_ipv6, tcp->total_layer_num) == ip)
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
static guint extract_first_fragments(const root_items *items, packet_info *pinfo, tcpdiag_segment *out,
                                     guint n, guint max)
{
    for (guint i = 0; i < items->n && n < max; i++) {
        field_info *ip = items->fi[i];
        if (!item_is(ip, hf_ip) || captured_from(ip) < IPV4_MIN_HDR)
            continue;
        tvbuff_t *tvb = ip->ds_tvb;
        guint16 frag = tvb_get_ntohs(tvb, ip->start + IPV4_OFF_FRAG);
        gboolean first_with_more = (frag & IPV4_FLAG_MF) && (frag & IPV4_FRAG_OFFSET) == 0;
        if (!first_with_more || tvb_get_uint8(tvb, ip->start + IPV4_OFF_PROTOCOL) != IP_PROTO_TCP
            || ip_has_tcp_above(items, ip))
            continue;
        tcpdiag_segment *seg = &out[n];
        memset(seg, 0, sizeof *seg);
        gint ip_end = 0;
        gint ihl = (tvb_get_uint8(tvb, ip->start) & IPV4_IHL_MASK) * 4;   /* in 32-bit words */
        if (!read_ip(tvb, ip->start, seg, &ip_end) || !read_tcp(tvb, ip->start + ihl, ip_end, seg))
            continue;
        /* Everything above this IP header is in higher layers: count below the next one. */
        read_link(items, ip->total_layer_num + 1, 0, seg);
        stamp(seg, pinfo);
        n++;
    }
    return n;
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

/* The TCP header quoted in this ICMP error, read from the bytes after the ICMP header. */
static gboolean extract_quoted(const root_items *items, guint at, packet_info *pinfo,
                               tcpdiag_segment *seg)
{
    field_info *icmp = items->fi[at];
    gboolean v6 = item_is(icmp, hf_icmpv6);
    if (captured_from(icmp) < ICMP_HDR + 1 || !icmp_quotes_datagram(tvb_get_uint8(icmp->ds_tvb, icmp->start), v6))
        return FALSE;
    tvbuff_t *tvb = icmp->ds_tvb;
    gint ip_off = icmp->start + ICMP_HDR;
    memset(seg, 0, sizeof *seg);
    gint ip_end = 0;
    if (!read_ip(tvb, ip_off, seg, &ip_end) || (seg->tuple.family == 6) != v6)
        return FALSE;
    gint tcp_off = quoted_tcp_offset(tvb, ip_off, seg);
    if (tcp_off < 0 || !read_tcp(tvb, tcp_off, ip_end, seg))
        return FALSE;
    read_icmp(icmp, seg);
    seg->has_stream = stream_of(pinfo, seg, &seg->stream);
    read_link(items, icmp->total_layer_num, 1, seg);
    stamp(seg, pinfo);
    return TRUE;
}

/* A TCP item directly below the root, with the IP item around it. */
static gboolean extract_tcp_item(const root_items *items, const field_info *tcp,
                                 packet_info *pinfo, tcpdiag_segment *seg)
{
    int layer = tcp->total_layer_num;
    field_info *ip = nearest_of_two(items, hf_ip, hf_ipv6, layer);
    if (!ip)
        return FALSE;
    memset(seg, 0, sizeof *seg);
    gint ip_end = 0;
    if (!read_ip(ip->ds_tvb, ip->start, seg, &ip_end))
        return FALSE;
    gint end = ip_end;
    if (ip->ds_tvb != tcp->ds_tvb) {
        /* TCP in a reassembled datagram: that data source is the IP payload */
        end = (gint)tvb_reported_length(tcp->ds_tvb);
        seg->ip_frag = TCPDIAG_FRAG_REASSEMBLED;
    }
    if (!read_tcp(tcp->ds_tvb, tcp->start, end, seg))
        return FALSE;
    field_info *icmp = nearest_of_two(items, hf_icmp, hf_icmpv6, layer);
    if (icmp)
        read_icmp(icmp, seg);
    else if (seg->ip_frag != TCPDIAG_FRAG_FIRST)
        seg->checksum = (guint8)verify_checksum(tcp->ds_tvb, tcp->start, end, seg);
    seg->has_stream = stream_of(pinfo, seg, &seg->stream);
    read_link(items, layer, 0, seg);
    stamp(seg, pinfo);
    return TRUE;
}

/* Whether a TCP item follows this ICMP item directly below the root (a
 * dissector that put the quote there, not in the ICMP subtree). */
static gboolean quote_has_root_tcp(const root_items *items, guint at)
{
    for (guint i = at + 1; i < items->n; i++) {
        if (item_is(items->fi[i], hf_icmp) || item_is(items->fi[i], hf_icmpv6))
            return FALSE;
        if (item_is(items->fi[i], hf_tcp))
            return TRUE;
    }
    return FALSE;
}

guint tcpdiag_extract(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max)
{
    if (!tree || hf_tcp <= 0)
        return 0;
    root_items items;
    collect_root_items(tree, &items);
    guint n = 0;
    for (guint i = 0; i < items.n && n < max; i++) {
        field_info *fi = items.fi[i];
        if (item_is(fi, hf_tcp)) {
            if (extract_tcp_item(&items, fi, pinfo, &out[n]))
                n++;
        } else if ((item_is(fi, hf_icmp) || item_is(fi, hf_icmpv6)) && !quote_has_root_tcp(&items, i)) {
            if (extract_quoted(&items, i, pinfo, &out[n]))
                n++;
        }
    }
    return extract_first_fragments(&items, pinfo, out, n, max);
}
