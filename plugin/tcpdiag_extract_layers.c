/* tcpdiag_extract_layers.c - find a frame's TCP headers by following the
 * protocols Wireshark dissected it with, without a protocol tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Wireshark lists the protocols of every frame in dissection order
 * (pinfo->layers: frame, eth, ethertype, ip, tcp, ...) whether or not it
 * builds a tree. Wireshark chose them (ports, heuristics, Decode As), so
 * this walk does not guess what a header is: it only needs each header's
 * length, read from its bytes, to know where the next one starts. Building
 * a tree only for tcpdiag would cost more than tcpdiag's whole analysis
 * (`-q -z` reports need none), so this is the first way tried; a protocol
 * it does not know below a TCP or IP header leaves the frame to the tree
 * walk (tcpdiag_extract_tree.c) when a tree is there.
 */
#include "tcpdiag_extract_paths.h"
#include "tcpdiag_compat.h"

#include <wiretap/wtap.h>

#include "tcpdiag_extract_headers.h"
#include "tcpdiag_wire.h"

typedef enum {
    LAYER_OTHER,        /* not known here: nothing after it can be located */
    LAYER_NO_BYTES,     /* a layer with no header of its own */
    LAYER_ETH, LAYER_VLAN, LAYER_QINQ, LAYER_LLC, LAYER_PPPOES, LAYER_PPP, LAYER_SLL,
    LAYER_NULL, LAYER_LOOP, LAYER_RAW, LAYER_NFLOG, LAYER_MPLS,
    LAYER_IP, LAYER_IPV6, LAYER_IPV6_EXT, LAYER_IPV6_FRAG,
    LAYER_GRE, LAYER_UDP, LAYER_VXLAN, LAYER_GENEVE,
    LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP,
} layer_kind;

/* The protocols this walk can step over, by filter name. */
static const struct { const char *name; layer_kind kind; } known_layers[] = {
    { "frame", LAYER_NO_BYTES }, { "ethertype", LAYER_NO_BYTES },
    { "eth", LAYER_ETH }, { "vlan", LAYER_VLAN }, { "ieee8021ad", LAYER_QINQ }, { "llc", LAYER_LLC },
    { "pppoes", LAYER_PPPOES }, { "ppp", LAYER_PPP }, { "sll", LAYER_SLL }, { "null", LAYER_NULL },
    { "loop", LAYER_LOOP }, { "raw", LAYER_RAW }, { "nflog", LAYER_NFLOG }, { "mpls", LAYER_MPLS },
    { "ip", LAYER_IP }, { "ipv6", LAYER_IPV6 },
    { "ipv6.hopopts", LAYER_IPV6_EXT }, { "ipv6.routing", LAYER_IPV6_EXT }, { "ipv6.dstopts", LAYER_IPV6_EXT },
    { "ipv6.fraghdr", LAYER_IPV6_FRAG },
    { "gre", LAYER_GRE }, { "udp", LAYER_UDP }, { "vxlan", LAYER_VXLAN }, { "geneve", LAYER_GENEVE },
    { "icmp", LAYER_ICMP }, { "icmpv6", LAYER_ICMPV6 }, { "tcp", LAYER_TCP },
};

/* Link and tunnel header sizes (fixed parts). */
enum {
    ETH_HDR = 14, VLAN_TAG = 4, LLC_U_HDR = 3, LLC_I_HDR = 4, SNAP_HDR = 5, LLC_SAP_SNAP = 0xaa,
    PPPOE_SESSION_HDR = 6, PPP_ADDR_CTRL = 2, PPP_ADDR_ALL = 0xff, PPP_CTRL_UI = 0x03,
    SLL_HDR = 16, SLL2_HDR = 20, NULL_HDR = 4,
    NFLOG_HDR = 4, NFLOG_TLV_HDR = 4, NFULA_PAYLOAD = 9,
    MPLS_LABEL = 4, MPLS_BOTTOM_OF_STACK = 0x01,
    GRE_MIN_HDR = 4, GRE_OPTION = 4, GRE_PPTP_HDR = 8,
    GRE_FLAG_CHECKSUM = 0x8000, GRE_FLAG_ROUTING = 0x4000, GRE_FLAG_KEY = 0x2000,
    GRE_FLAG_SEQ = 0x1000, GRE_FLAG_ACK = 0x0080, GRE_VERSION = 0x0007,
    UDP_HDR = 8, VXLAN_HDR = 8, GENEVE_HDR = 8, GENEVE_OPT_LEN = 0x3f,
    IPV6_EXT_LEN_UNIT = 8,
};

/* Layer kinds by protocol id (ids are small and dense). */
static guint8 *kind_by_proto;
static int kind_table_len;

void tcpdiag_extract_layers_init(void)
{
    int max = -1;
    for (size_t i = 0; i < G_N_ELEMENTS(known_layers); i++)
        max = MAX(max, proto_get_id_by_filter_name(known_layers[i].name));
    kind_table_len = max + 1;
    kind_by_proto = g_new0(guint8, (gsize)MAX(kind_table_len, 1));
    for (size_t i = 0; i < G_N_ELEMENTS(known_layers); i++) {
        int id = proto_get_id_by_filter_name(known_layers[i].name);
        if (id >= 0)
            kind_by_proto[id] = (guint8)known_layers[i].kind;
    }
}

static layer_kind kind_of(wmem_list_frame_t *f)
{
    int id = GPOINTER_TO_INT(wmem_list_frame_data(f));
    return id >= 0 && id < kind_table_len ? (layer_kind)kind_by_proto[id] : LAYER_OTHER;
}

#define MAX_FIRST_FRAGMENTS 4   /* more in one frame are tunnels within tunnels */

/* Where the walk is: the next header starts at `off` of `tvb` (off < 0: nobody knows). */
typedef struct walk {
    packet_info *pinfo;
    tvbuff_t    *tvb;
    gint         off;
    /* The innermost IP header so far. */
    tvbuff_t    *ip_tvb;
    gint         ip_off;
    guint        ips;
    /* What carried the outermost IP header (see tcpdiag_link). */
    gboolean     eth, llc, pppoe, sll, null, raw;
    tvbuff_t    *eth_tvb;
    gint         eth_off;
    guint        vlans;
    guint8       link, link_vlans;
    /* First IPv4 fragments that carry a TCP header Wireshark did not dissect
     * (read last, as the tree walk does). */
    guint        first_fragments;
    gint         first_fragment_off[MAX_FIRST_FRAGMENTS];
    tvbuff_t    *first_fragment_tvb[MAX_FIRST_FRAGMENTS];
    guint8       first_fragment_ips[MAX_FIRST_FRAGMENTS];
} walk;

static const guint8 *bytes_at(const walk *w, gint want)
{
    gint got;
    const guint8 *p = w->off >= 0 ? tcpdiag_captured_bytes(w->tvb, w->off, want, &got) : NULL;
    return p && got >= want ? p : NULL;
}

/* What carried the outermost IP header, from the link layers seen below it. */
static tcpdiag_link outer_link(const walk *w)
{
    if (w->pppoe)
        return TCPDIAG_LINK_PPPOE;
    if (w->sll)
        return TCPDIAG_LINK_LINUX_COOKED;
    if (w->null)
        return TCPDIAG_LINK_BSD_LOOPBACK;
    if (w->raw)
        return TCPDIAG_LINK_RAW_IP;
    if (!w->eth)
        return TCPDIAG_LINK_UNKNOWN;
    if (w->llc)
        return TCPDIAG_LINK_LLC_SNAP;
    return tcpdiag_eth_is_linux_loopback(w->eth_tvb, w->eth_off) ? TCPDIAG_LINK_LINUX_LOOPBACK : TCPDIAG_LINK_ETHERNET;
}

static void set_link(const walk *w, tcpdiag_segment *seg, guint ips)
{
    seg->ip_depth = (guint8)MIN(ips, 255u);
    seg->link = w->link;
    seg->link_vlans = w->link_vlans;
}

/* The datagram Wireshark reassembled from this frame's fragments, if any. */
static tvbuff_t *reassembled(packet_info *pinfo, gboolean v6)
{
    return tcpdiag_data_source_tvb(pinfo, v6 ? "Reassembled IPv6" : "Reassembled IPv4");
}

/* An IP header seen: remember it; the first one fixes the link. */
static void enter_ip(walk *w)
{
    w->ip_tvb = w->tvb;
    w->ip_off = w->off;
    if (w->ips++ == 0) {
        w->link = (guint8)outer_link(w);
        w->link_vlans = (guint8)MIN(w->vlans, 255u);
    }
}

/* A fragment: what follows is in the reassembled datagram, or (first
 * fragment, reassembly off) in this frame after `hdr` bytes, or nowhere. */
static void step_over_fragment(walk *w, gboolean v6, gboolean first, gint hdr)
{
    tvbuff_t *whole = reassembled(w->pinfo, v6);
    if (whole) {
        w->tvb = whole;
        w->off = 0;
    } else {
        w->off = first ? w->off + hdr : -1;
    }
}

static gboolean step_ip(walk *w, gboolean next_is_tcp)
{
    const guint8 *p = bytes_at(w, IPV4_MIN_HDR);
    if (!p || (p[0] >> 4) != 4 || (p[0] & IPV4_IHL_MASK) * 4 < IPV4_MIN_HDR)
        return FALSE;
    enter_ip(w);
    gint ihl = (p[0] & IPV4_IHL_MASK) * 4;
    guint16 frag = tcpdiag_be16(p + IPV4_OFF_FRAG);
    if (!(frag & IPV4_MF_AND_OFFSET)) {
        w->off += ihl;
        return TRUE;
    }
    gboolean first = (frag & IPV4_FRAG_OFFSET) == 0;
    if (first && (frag & IPV4_FLAG_MF) && !next_is_tcp && w->first_fragments < MAX_FIRST_FRAGMENTS) {
        w->first_fragment_tvb[w->first_fragments] = w->tvb;
        w->first_fragment_off[w->first_fragments] = w->off;
        w->first_fragment_ips[w->first_fragments++] = (guint8)MIN(w->ips, 255u);
    }
    step_over_fragment(w, FALSE, first, ihl);
    return TRUE;
}

static gboolean step_ipv6_fragment(walk *w)
{
    const guint8 *p = bytes_at(w, IPV6_FRAG_HDR);
    if (!p)
        return FALSE;
    guint16 offset_and_more = tcpdiag_be16(p + 2);
    if (offset_and_more == 0) {   /* an atomic fragment: the whole datagram */
        w->off += IPV6_FRAG_HDR;
        return TRUE;
    }
    step_over_fragment(w, TRUE, (offset_and_more & IPV6_FRAG_OFFSET_MASK) == 0, IPV6_FRAG_HDR);
    return TRUE;
}

/* GRE (RFC 2784/2890; version 1: PPTP, RFC 2637). */
static gint gre_length(const guint8 *p)
{
    guint16 flags = tcpdiag_be16(p);
    if ((flags & GRE_VERSION) == 1)
        return GRE_PPTP_HDR + ((flags & GRE_FLAG_SEQ) ? GRE_OPTION : 0) + ((flags & GRE_FLAG_ACK) ? GRE_OPTION : 0);
    if ((flags & GRE_VERSION) != 0 || (flags & GRE_FLAG_ROUTING))
        return -1;   /* source routing entries: not walked */
    return GRE_MIN_HDR + ((flags & GRE_FLAG_CHECKSUM) ? GRE_OPTION : 0) +
           ((flags & GRE_FLAG_KEY) ? GRE_OPTION : 0) + ((flags & GRE_FLAG_SEQ) ? GRE_OPTION : 0);
}

/* NFLOG: the packet is the value of the payload attribute (TLVs in host order, 4-byte aligned). */
static gint nflog_length(const walk *w)
{
    gint captured = (gint)tvb_captured_length(w->tvb);
    gint at = w->off + NFLOG_HDR;
    while (at + NFLOG_TLV_HDR <= captured) {
        guint16 len = tvb_get_letohs(w->tvb, at);
        guint16 type = tvb_get_letohs(w->tvb, at + 2) & 0x7fff;
        if (len < NFLOG_TLV_HDR)
            return -1;
        if (type == NFULA_PAYLOAD)
            return at + NFLOG_TLV_HDR - w->off;
        at += (len + 3) & ~3;
    }
    return -1;
}

static gint mpls_length(const walk *w)
{
    gint len = 0;
    for (;;) {
        gint got;
        const guint8 *p = tcpdiag_captured_bytes(w->tvb, w->off + len, MPLS_LABEL, &got);
        if (got < MPLS_LABEL)
            return -1;
        len += MPLS_LABEL;
        if (p[2] & MPLS_BOTTOM_OF_STACK)
            return len;
    }
}

static gint ppp_length(const guint8 *p)
{
    gint len = (p[0] == PPP_ADDR_ALL && p[1] == PPP_CTRL_UI) ? PPP_ADDR_CTRL : 0;
    return len + ((p[len] & 1) ? 1 : 2);   /* a protocol number with its low bit set is compressed to one byte */
}

/* Length of a link or tunnel header at the walk's position; -1 when it cannot be read. */
static gint header_length(walk *w, layer_kind kind)
{
    const guint8 *p;
    switch (kind) {
    case LAYER_NO_BYTES: case LAYER_RAW:
        return 0;
    case LAYER_ETH:
        return ETH_HDR;
    case LAYER_VLAN: case LAYER_QINQ:
        return VLAN_TAG;
    case LAYER_LLC:
        if (!(p = bytes_at(w, LLC_U_HDR)))
            return -1;
        return ((p[2] & 3) == 3 ? LLC_U_HDR : LLC_I_HDR) + (p[0] == LLC_SAP_SNAP && p[1] == LLC_SAP_SNAP ? SNAP_HDR : 0);
    case LAYER_PPPOES:
        return PPPOE_SESSION_HDR;
    case LAYER_PPP:
        return (p = bytes_at(w, PPP_ADDR_CTRL + 2)) ? ppp_length(p) : -1;
    case LAYER_SLL:
        return w->pinfo->rec && w->pinfo->rec->rec_header.packet_header.pkt_encap == WTAP_ENCAP_SLL2 ? SLL2_HDR : SLL_HDR;
    case LAYER_NULL: case LAYER_LOOP:
        return NULL_HDR;
    case LAYER_NFLOG:
        return w->off >= 0 ? nflog_length(w) : -1;
    case LAYER_MPLS:
        return w->off >= 0 ? mpls_length(w) : -1;
    case LAYER_IPV6:
        return IPV6_HDR;
    case LAYER_IPV6_EXT:
        return (p = bytes_at(w, 2)) ? (p[1] + 1) * IPV6_EXT_LEN_UNIT : -1;
    case LAYER_GRE:
        return (p = bytes_at(w, GRE_MIN_HDR)) ? gre_length(p) : -1;
    case LAYER_UDP:
        return UDP_HDR;
    case LAYER_VXLAN:
        return VXLAN_HDR;
    case LAYER_GENEVE:
        return (p = bytes_at(w, GENEVE_HDR)) ? GENEVE_HDR + (p[0] & GENEVE_OPT_LEN) * 4 : -1;
    default:
        return -1;
    }
}

/* Link-layer facts below the outermost IP header. */
static void note_link_layer(walk *w, layer_kind kind)
{
    if (w->ips)
        return;
    switch (kind) {
    case LAYER_ETH:
        if (!w->eth) {
            w->eth = TRUE;
            w->eth_tvb = w->tvb;
            w->eth_off = w->off;
        }
        break;
    case LAYER_VLAN: w->vlans++; break;
    case LAYER_LLC: w->llc = TRUE; break;
    case LAYER_PPPOES: w->pppoe = TRUE; break;
    case LAYER_SLL: w->sll = TRUE; break;
    case LAYER_NULL: w->null = TRUE; break;
    case LAYER_RAW: w->raw = TRUE; break;
    default: break;
    }
}

/* The TCP header at the walk's position, inside the innermost IP datagram. */
static gboolean read_tcp_layer(walk *w, tcpdiag_segment *seg)
{
    gint end = 0;
    if (!tcpdiag_read_ip_tcp(w->ip_tvb, w->ip_off, w->tvb, w->off, seg, &end))
        return FALSE;
    if (seg->ip_frag != TCPDIAG_FRAG_FIRST)
        seg->checksum = (guint8)tcpdiag_verify_checksum(w->tvb, w->off, end, seg);
    set_link(w, seg, w->ips);
    tcpdiag_extract_finish(w->pinfo, seg, TRUE);
    return TRUE;
}

static gboolean is_network(layer_kind k)
{
    return k == LAYER_IP || k == LAYER_IPV6 || k == LAYER_TCP || k == LAYER_ICMP || k == LAYER_ICMPV6;
}

/* Whether the walk, stopped at `f`, misses an IP, TCP or ICMP header there or after it. */
static gboolean misses_network_layer(wmem_list_frame_t *f)
{
    for (; f; f = wmem_list_frame_next(f))
        if (is_network(kind_of(f)))
            return TRUE;
    return FALSE;
}

gboolean tcpdiag_extract_layers(tvbuff_t *frame, packet_info *pinfo, tcpdiag_segment *out, guint max,
                                guint *count)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.pinfo = pinfo;
    w.tvb = frame;   /* the first layers (frame, the link) start at the frame's first byte */
    guint n = 0;
    *count = 0;
    if (!pinfo->layers || !kind_by_proto)
        return FALSE;
    gboolean complete = TRUE;
    wmem_list_frame_t *next;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f && n < max; f = next) {
        layer_kind kind = kind_of(f);
        next = wmem_list_frame_next(f);
        gboolean ok = TRUE;
        switch (kind) {
        case LAYER_IP:
            ok = step_ip(&w, next && kind_of(next) == LAYER_TCP);
            break;
        case LAYER_IPV6:
            ok = bytes_at(&w, IPV6_HDR) && (bytes_at(&w, 1)[0] >> 4) == 6;
            if (ok) {
                enter_ip(&w);
                w.off += IPV6_HDR;
            }
            break;
        case LAYER_IPV6_FRAG:
            ok = step_ipv6_fragment(&w);
            break;
        case LAYER_TCP:
            ok = w.ip_tvb && w.off >= 0;
            if (ok && read_tcp_layer(&w, &out[n]))
                n++;
            w.off = -1;   /* what the segment carries is not walked */
            break;
        case LAYER_ICMP: case LAYER_ICMPV6:
            /* Everything after the ICMP header is the quoted datagram. */
            if (w.off >= 0 && tcpdiag_read_quote(w.tvb, w.off, kind == LAYER_ICMPV6, &out[n])) {
                set_link(&w, &out[n], w.ips + 1);
                tcpdiag_extract_finish(pinfo, &out[n], TRUE);
                n++;
            }
            goto done;
        default: {
            gint len = w.off >= 0 ? header_length(&w, kind) : -1;
            ok = len >= 0;
            if (ok) {
                note_link_layer(&w, kind);
                w.off += len;
            }
            break;
        }
        }
        if (!ok) {
            complete = !misses_network_layer(f);
            goto done;
        }
    }
done:
    for (guint i = 0; i < w.first_fragments && n < max; i++) {
        if (!tcpdiag_read_first_fragment(w.first_fragment_tvb[i], w.first_fragment_off[i], &out[n]))
            continue;
        set_link(&w, &out[n], w.first_fragment_ips[i]);
        tcpdiag_extract_finish(pinfo, &out[n], FALSE);
        n++;
    }
    *count = n;
    return complete;
}
