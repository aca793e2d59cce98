/* tcpdiag_view_retrans.h - retransmission fields and Expert Info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_VIEW_RETRANS_H
#define TCPDIAG_VIEW_RETRANS_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_retrans.h"
#include "core/tcpdiag_verdict.h"

void tcpdiag_view_retrans_register(int proto);
/* `r` is NULL for a header without retransmission facts. */
void tcpdiag_view_retrans_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *top,
                                 const tcpdiag_verdict *v, const tcpdiag_retrans_info *r, gboolean experts);

#endif
