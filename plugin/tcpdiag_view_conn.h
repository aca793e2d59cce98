/* tcpdiag_view_conn.h - the tcpdiag subtree: conversation, handshake and endpoint states.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_VIEW_CONN_H
#define TCPDIAG_VIEW_CONN_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_segment.h"
#include "core/tcpdiag_verdict.h"
#include "tcpdiag_view_top.h"

void tcpdiag_view_conn_register(int proto);
/* Whether this header has anything for Expert Info (a notice or a state change). */
gboolean tcpdiag_view_conn_has_experts(const tcpdiag_verdict *v);
/* Adds the conversation, handshake and state items of one stored verdict, and
 * its notices' Expert Info, under `top` (opened only if something is added);
 * `ends` names the conversation's client and server (may be NULL). */
void tcpdiag_view_conn_render(packet_info *pinfo, tcpdiag_view_top *top, const tcpdiag_verdict *v,
                              const tcpdiag_tuple *ends, gboolean experts);

#endif
