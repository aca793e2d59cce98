/* tcpdiag_view_top.h - the "TCP Diagnostics" item of one TCP header, added on first use.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * With a filter on one field (tshark -Y tcpdiag.retrans) most headers have
 * nothing to show for it: the item and its subtree are made only when a view
 * puts something under or on it, or when the tree is shown or "tcpdiag"
 * itself is asked for. Each view opens it before its first item, so the
 * item sits where it always did: after the dissectors that ran before.
 */
#ifndef TCPDIAG_VIEW_TOP_H
#define TCPDIAG_VIEW_TOP_H

#include <wireshark.h>
#include <epan/packet.h>

typedef struct tcpdiag_view_top {
    tvbuff_t   *tvb;
    proto_tree *parent;   /* the frame's tree */
    proto_item *item;     /* NULL until opened */
    proto_tree *tree;
} tcpdiag_view_top;

/* Adds the item and its subtree (tcpdiag_view_conn.c, which registers both). */
void tcpdiag_view_top_open(tcpdiag_view_top *top);

static inline proto_item *tcpdiag_top_item(tcpdiag_view_top *top)
{
    if (!top->item)
        tcpdiag_view_top_open(top);
    return top->item;
}

static inline proto_tree *tcpdiag_top_tree(tcpdiag_view_top *top)
{
    if (!top->item)
        tcpdiag_view_top_open(top);
    return top->tree;
}

#endif
