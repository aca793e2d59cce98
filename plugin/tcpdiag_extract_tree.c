/* tcpdiag_extract_tree.c - find a frame's TCP headers from the protocol items below the tree's root.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The second way (tcpdiag_extract_paths.h): for frames whose encapsulation
 * the layer walk cannot step over, when Wireshark built a tree anyway (a
 * filter, a column, the packet details). The protocol items (tcp, ip, ipv6,
 * icmp, icmpv6, the link layers) hang directly below the root, where
 * Wireshark up to 4.4 never fakes an item even in a hidden tree, so one walk
 * over the root's children finds them without asking for them (4.6 fakes
 * them in hidden trees: tcpdiag_compat.h). Each item carries the layer
 * number it belongs to, which is how the IP header around each TCP header
 * is found. A header quoted in an ICMP error sits in the ICMP item's
 * subtree, where hidden trees keep nothing: it is read from the bytes after
 * the ICMP header.
 *
 * This is the only file that reads field_info.
 */
#include "tcpdiag_extract_paths.h"
#include "tcpdiag_compat.h"

#include <epan/proto.h>

#include "tcpdiag_extract_headers.h"
#include "tcpdiag_wire.h"

static int hf_tcp = -1, hf_ip = -1, hf_ipv6 = -1, hf_icmp = -1, hf_icmpv6 = -1;
/* Encapsulations below the outermost IP header, for the link's MTU. */
static int hf_eth = -1, hf_llc = -1, hf_pppoes = -1, hf_vlan = -1, hf_sll = -1, hf_null = -1, hf_raw = -1;

/* The protocol items the tree walk reads, by filter name. */
static const struct { int *hf; const char *name; } read_items[] = {
    { &hf_tcp, "tcp" }, { &hf_ip, "ip" }, { &hf_ipv6, "ipv6" }, { &hf_icmp, "icmp" },
    { &hf_icmpv6, "icmpv6" },
    { &hf_eth, "eth" }, { &hf_llc, "llc" }, { &hf_pppoes, "pppoes" }, { &hf_vlan, "vlan" },
    { &hf_sll, "sll" }, { &hf_null, "null" }, { &hf_raw, "raw" },
};

void tcpdiag_extract_tree_init(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(read_items); i++)
        *read_items[i].hf = proto_registrar_get_id_byname(read_items[i].name);
}

gboolean tcpdiag_extract_tree_usable(proto_tree *tree)
{
    if (!tree)
        return FALSE;
#ifdef TCPDIAG_HIDDEN_ROOT_ITEMS_FAKED
    return PTREE_DATA(tree)->visible;
#else
    return TRUE;
#endif
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
    return tcpdiag_eth_is_linux_loopback(eth->ds_tvb, eth->start) ? TCPDIAG_LINK_LINUX_LOOPBACK : TCPDIAG_LINK_ETHERNET;
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
        if (!item_is(ip, hf_ip) || ip_has_tcp_above(items, ip) ||
            !tcpdiag_read_first_fragment(ip->ds_tvb, ip->start, &out[n]))
            continue;
        /* Everything above this IP header is in higher layers: count below the next one. */
        read_link(items, ip->total_layer_num + 1, 0, &out[n]);
        tcpdiag_extract_finish(pinfo, &out[n], FALSE);
        n++;
    }
    return n;
}

/* The TCP header quoted in this ICMP error. */
static gboolean extract_quoted(const root_items *items, guint at, packet_info *pinfo,
                               tcpdiag_segment *seg)
{
    field_info *icmp = items->fi[at];
    if (!tcpdiag_read_quote(icmp->ds_tvb, icmp->start, item_is(icmp, hf_icmpv6), seg))
        return FALSE;
    read_link(items, icmp->total_layer_num, 1, seg);
    tcpdiag_extract_finish(pinfo, seg, TRUE);
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
    gint end = 0;
    if (!tcpdiag_read_ip_tcp(ip->ds_tvb, ip->start, tcp->ds_tvb, tcp->start, seg, &end))
        return FALSE;
    field_info *icmp = nearest_of_two(items, hf_icmp, hf_icmpv6, layer);
    if (icmp)
        tcpdiag_read_icmp(icmp->ds_tvb, icmp->start, item_is(icmp, hf_icmpv6), seg);
    else if (seg->ip_frag != TCPDIAG_FRAG_FIRST)
        seg->checksum = (guint8)tcpdiag_verify_checksum(tcp->ds_tvb, tcp->start, end, seg);
    read_link(items, layer, 0, seg);
    tcpdiag_extract_finish(pinfo, seg, TRUE);
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

guint tcpdiag_extract_tree(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max)
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
