/* tcpdiag_view_notices.h - Expert Info for the core's notices (tcpdiag_notice.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_VIEW_NOTICES_H
#define TCPDIAG_VIEW_NOTICES_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_verdict.h"

/* One Expert Info entry per notice, from the core's notice table. */
void tcpdiag_view_notices_register(int proto);
/* An entry on `top` for every notice of the verdict; `change` is the state
 * change text ("client SYN_SENT -> ESTABLISHED"), NULL when none. */
void tcpdiag_view_notices_render(packet_info *pinfo, proto_item *top, const tcpdiag_verdict *v,
                                 const char *change);

#endif
