/* tcpdiag_view_mss.h - MSS, fragmentation and path-MTU fields and Expert Info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_VIEW_MSS_H
#define TCPDIAG_VIEW_MSS_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_verdict.h"

void tcpdiag_view_mss_register(int proto);
void tcpdiag_view_mss_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *top,
                             const tcpdiag_verdict *v, gboolean experts);

#endif
