/* tcpdiag_extract.c - turn the dissected frame into tcpdiag_segment records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Two ways find the headers (tcpdiag_extract_paths.h): the layer walk
 * follows the protocols Wireshark dissected the frame with over its bytes
 * and needs no protocol tree, so tcpdiag asks Wireshark for none and a `-q
 * -z` report costs no more dissection than Wireshark's own `-z conv,tcp`;
 * the tree walk reads the protocol items below the root, for the frames
 * whose encapsulation the layer walk cannot step over, when a tree is
 * there. Either way the header fields are read from the header bytes
 * (tcpdiag_extract_headers.c), which works whatever the user's TCP
 * preferences are (relative sequence numbers, analysis off), and tcp.stream
 * comes from the TCP dissector's conversation (stream_of).
 */
#include "tcpdiag_extract.h"
#include "tcpdiag_extract_paths.h"

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "core/tcpdiag_tuple.h"
#include "tcpdiag_nstime.h"
#include "tcpdiag_wire.h"

static int proto_tcp = -1;

void tcpdiag_extract_init(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    tcpdiag_extract_layers_init();
    tcpdiag_extract_tree_init();
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
    const struct tcp_analysis *tcpd = conv ? conversation_get_proto_data(conv, proto_tcp) : NULL;
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
    tcpdiag_tuple key;   /* either direction: both share the entry */
    guint32       stream;
    gboolean      used;
} stream_entry;
static stream_entry *stream_cache;
/* The entry used last: most headers follow one of the same conversation, and
 * an entry holding this tuple is the one its hash selects, so comparing with
 * it first skips the hash. */
static stream_entry *last_entry;

void tcpdiag_extract_reset(void)
{
    g_free(stream_cache);
    stream_cache = NULL;
    last_entry = NULL;
}

static gboolean stream_of(packet_info *pinfo, const tcpdiag_segment *seg, guint32 *stream)
{
    if (seg->quoted_by != TCPDIAG_ICMP_NONE)
        return stream_lookup(pinfo, seg, stream);
    if (!stream_cache)
        stream_cache = g_new0(stream_entry, STREAM_CACHE_SLOTS);
    gboolean syn = seg->flags_known && (seg->flags & TCPDIAG_SYN);
    stream_entry *e = last_entry;
    gboolean held = e && tcpdiag_tuple_equal_either(&e->key, &seg->tuple);
    if (!held) {
        e = &stream_cache[tcpdiag_tuple_hash_either(&seg->tuple) & (STREAM_CACHE_SLOTS - 1)];
        held = e->used && tcpdiag_tuple_equal_either(&e->key, &seg->tuple);
    }
    if (!syn && held) {
        last_entry = e;
        *stream = e->stream;
        return TRUE;
    }
    if (!stream_lookup(pinfo, seg, stream))
        return FALSE;
    e->key = seg->tuple;
    e->stream = *stream;
    e->used = TRUE;
    last_entry = e;
    return TRUE;
}

void tcpdiag_extract_finish(packet_info *pinfo, tcpdiag_segment *seg, gboolean with_stream)
{
    if (with_stream)
        seg->has_stream = stream_of(pinfo, seg, &seg->stream);
    seg->frame = pinfo->num;
    seg->time_ns = tcpdiag_ns_of(&pinfo->abs_ts);
}

guint tcpdiag_extract(tvbuff_t *frame, proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max)
{
    guint n;
    if (tcpdiag_extract_layers(frame, pinfo, out, max, &n) || !tcpdiag_extract_tree_usable(tree))
        return n;
    return tcpdiag_extract_tree(tree, pinfo, out, max);
}
