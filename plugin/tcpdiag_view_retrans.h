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
#include "tcpdiag_view_top.h"

void tcpdiag_view_retrans_register(int proto);
/* `r` is NULL for a header without retransmission facts. */
/* Whether this header has anything for Expert Info (retransmission facts, a bad checksum). */
gboolean tcpdiag_view_retrans_has_experts(const tcpdiag_verdict *v, const tcpdiag_retrans_info *r);
void tcpdiag_view_retrans_render(packet_info *pinfo, tcpdiag_view_top *top,
                                 const tcpdiag_verdict *v, const tcpdiag_retrans_info *r, gboolean experts);

#endif
