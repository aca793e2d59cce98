/* tcpdiag_extract.h - the TCP headers of a dissected frame, as the core's segments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_EXTRACT_H
#define TCPDIAG_EXTRACT_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_segment.h"

/* Asks Wireshark to prime the protocol items extraction reads. */
void tcpdiag_extract_register_wanted(dissector_handle_t handle);
/* Fills at most `max` segments, outermost first; returns how many. */
guint tcpdiag_extract(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max);

#endif
