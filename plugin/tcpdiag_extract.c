/* tcpdiag_extract.c - turn the dissected frame into tcpdiag_segment records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Only the protocol items (tcp, ip, ipv6, icmp, icmpv6) and tcp.stream are
 * asked for; the header fields are read from the bytes those items cover.
 * That works the same whether Wireshark builds a visible tree or a hidden
 * one, whatever the user's TCP preferences are (relative sequence numbers,
 * analysis off), and for headers quoted in ICMP errors where Wireshark adds
 * fewer fields. Each item carries the layer number it belongs to, which is
 * how the IP header around each TCP header is found.
 *
 * This is the only file that reads field_info: in Wireshark 4.2+
 * field_info.value becomes a pointer.
 */
#include "tcpdiag_glue.h"

#include <epan/proto.h>
#include <epan/tvbuff.h>

static int hf_tcp = -1, hf_ip = -1, hf_ipv6 = -1, hf_icmp = -1, hf_icmpv6 = -1, hf_tcp_stream = -1;

void tcpdiag_extract_register_wanted(dissector_handle_t handle)
{
    hf_tcp = proto_registrar_get_id_byname("tcp");
    hf_ip = proto_registrar_get_id_byname("ip");
    hf_ipv6 = proto_registrar_get_id_byname("ipv6");
    hf_icmp = proto_registrar_get_id_byname("icmp");
    hf_icmpv6 = proto_registrar_get_id_byname("icmpv6");
    hf_tcp_stream = proto_registrar_get_id_byname("tcp.stream");

    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    const int ids[] = { hf_tcp, hf_ip, hf_ipv6, hf_icmp, hf_icmpv6, hf_tcp_stream };
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
        if (ids[i] > 0)
            g_array_append_val(wanted, ids[i]);
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

static gboolean stream_of_layer(proto_tree *tree, int layer, guint32 *stream)
{
    GPtrArray *arr = hf_tcp_stream > 0 ? proto_get_finfo_ptr_array(tree, hf_tcp_stream) : NULL;
    for (guint i = 0; arr && i < arr->len; i++) {
        field_info *fi = g_ptr_array_index(arr, i);
        if (fi->total_layer_num == layer) {
            *stream = fvalue_get_uinteger(&fi->value);
            return TRUE;
        }
    }
    return FALSE;
}

/* Addresses and where the IP datagram ends; FALSE when the header is cut. */
static gboolean read_ip(const field_info *ip, tcpdiag_segment *seg, gint *ip_end)
{
    gint avail = captured_from(ip);
    if (avail < 1)
        return FALSE;
    guint8 version = tvb_get_guint8(ip->ds_tvb, ip->start) >> 4;
    if (version == 4 && avail >= 20) {
        seg->tuple.family = 4;
        tvb_memcpy(ip->ds_tvb, seg->tuple.src, ip->start + 12, 4);
        tvb_memcpy(ip->ds_tvb, seg->tuple.dst, ip->start + 16, 4);
        *ip_end = ip->start + tvb_get_ntohs(ip->ds_tvb, ip->start + 2);
        return TRUE;
    }
    if (version == 6 && avail >= 40) {
        seg->tuple.family = 6;
        tvb_memcpy(ip->ds_tvb, seg->tuple.src, ip->start + 8, 16);
        tvb_memcpy(ip->ds_tvb, seg->tuple.dst, ip->start + 24, 16);
        guint16 plen = tvb_get_ntohs(ip->ds_tvb, ip->start + 4);
        /* Payload length 0 is a jumbogram (RFC 2675): it runs to the end of the frame. */
        *ip_end = plen ? ip->start + 40 + plen : (gint)tvb_reported_length(ip->ds_tvb);
        return TRUE;
    }
    return FALSE;
}

static guint16 read_mss_option(tvbuff_t *tvb, gint opt, gint end)
{
    while (opt < end) {
        guint8 kind = tvb_get_guint8(tvb, opt);
        if (kind == 0)
            break;
        if (kind == 1) {
            opt++;
            continue;
        }
        if (opt + 1 >= end)
            break;
        guint8 len = tvb_get_guint8(tvb, opt + 1);
        if (len < 2 || opt + len > end)
            break;
        if (kind == 2 && len == 4)
            return tvb_get_ntohs(tvb, opt + 2);
        opt += len;
    }
    return 0;
}

/* FALSE when not even the ports were captured. */
static gboolean read_tcp(const field_info *tcp, const field_info *ip, gint ip_end, tcpdiag_segment *seg)
{
    tvbuff_t *tvb = tcp->ds_tvb;
    gint off = tcp->start;
    gint avail = captured_from(tcp);
    if (ip->ds_tvb == tcp->ds_tvb) {
        /* Bytes past the IP datagram (Ethernet padding, trailers) are not TCP,
         * and a datagram too short for a TCP header carries no segment. */
        if (ip_end - off < 20)
            return FALSE;
        avail = MIN(avail, ip_end - off);
    }
    if (avail < 4)
        return FALSE;
    seg->tuple.sport = tvb_get_ntohs(tvb, off);
    seg->tuple.dport = tvb_get_ntohs(tvb, off + 2);
    if (avail >= 8)
        seg->seq = tvb_get_ntohl(tvb, off + 4);
    if (avail >= 12)
        seg->ack = tvb_get_ntohl(tvb, off + 8);
    gint hdr_len = 20;
    if (avail >= 14) {
        hdr_len = MAX((tvb_get_guint8(tvb, off + 12) >> 4) * 4, 20);  /* below 20 is bogus */
        seg->flags = tvb_get_guint8(tvb, off + 13);
        seg->flags_known = TRUE;
    }
    if (avail >= 16)
        seg->window = tvb_get_ntohs(tvb, off + 14);
    if (hdr_len > 20 && (seg->flags & TCPDIAG_SYN))
        seg->mss = read_mss_option(tvb, off + 20, off + MIN(hdr_len, avail));

    /* Payload length from the IP header, so snaplen-cut frames still count. */
    gint end;
    if (ip->ds_tvb == tcp->ds_tvb)
        end = ip_end;
    else  /* TCP in a reassembled datagram: that data source is the IP payload */
        end = (gint)tvb_reported_length(tvb);
    gint payload = end - off - hdr_len;
    seg->payload_len = payload > 0 ? (guint32)payload : 0;
    return TRUE;
}

static tcpdiag_icmp_error classify_icmp(guint8 type, guint8 code, gboolean v6)
{
    if (v6) {
        switch (type) {
        case 1:  /* destination unreachable: no route and address unreachable are soft */
            return (code == 0 || code == 2 || code == 3) ? TCPDIAG_ICMP_UNREACH_SOFT
                                                         : TCPDIAG_ICMP_UNREACH_HARD;
        case 2:
            return TCPDIAG_ICMP_FRAG_NEEDED;
        default:
            return TCPDIAG_ICMP_OTHER;
        }
    }
    if (type != 3)
        return TCPDIAG_ICMP_OTHER;
    switch (code) {
    case 4:
        return TCPDIAG_ICMP_FRAG_NEEDED;
    case 0: case 1: case 5: case 11: case 12:  /* the stack keeps retrying (RFC 1122 4.2.3.9) */
        return TCPDIAG_ICMP_UNREACH_SOFT;
    default:
        return TCPDIAG_ICMP_UNREACH_HARD;
    }
}

static void read_icmp(const field_info *icmp, tcpdiag_segment *seg)
{
    seg->icmp_v6 = icmp->hfinfo->id == hf_icmpv6;
    if (captured_from(icmp) >= 2) {
        seg->icmp_type = tvb_get_guint8(icmp->ds_tvb, icmp->start);
        seg->icmp_code = tvb_get_guint8(icmp->ds_tvb, icmp->start + 1);
    }
    seg->quoted_by = classify_icmp(seg->icmp_type, seg->icmp_code, seg->icmp_v6);
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
        if (!read_ip(ip, seg, &ip_end) || !read_tcp(tcp, ip, ip_end, seg))
            continue;
        field_info *icmp = nearest_of_two(tree, hf_icmp, hf_icmpv6, layer);
        if (icmp)
            read_icmp(icmp, seg);
        seg->has_stream = stream_of_layer(tree, layer, &seg->stream);
        seg->frame = pinfo->num;
        seg->time_ns = (gint64)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
        n++;
    }
    return n;
}
