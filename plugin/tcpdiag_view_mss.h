/* tcpdiag_view_mss.h - MSS, fragmentation and path-MTU fields and Expert Info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_VIEW_MSS_H
#define TCPDIAG_VIEW_MSS_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_verdict.h"
#include "tcpdiag_view_top.h"

void tcpdiag_view_mss_register(int proto);
/* Whether this header has anything for Expert Info (a new MSS risk reason, a path MTU verdict). */
gboolean tcpdiag_view_mss_has_experts(const tcpdiag_verdict *v);
void tcpdiag_view_mss_render(packet_info *pinfo, tcpdiag_view_top *top, const tcpdiag_verdict *v, gboolean experts);

#endif
