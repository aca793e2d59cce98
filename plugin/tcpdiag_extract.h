/* tcpdiag_extract.h - the TCP headers of a dissected frame, as the core's segments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_EXTRACT_H
#define TCPDIAG_EXTRACT_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_segment.h"

/* Registers the field that makes Wireshark build the tree extraction reads (proto_register). */
void tcpdiag_extract_register(int proto);
/* Asks Wireshark for that tree on every first pass (handoff). */
void tcpdiag_extract_register_wanted(dissector_handle_t handle);
/* A capture file is opened or closed: forget what the last one taught. */
void tcpdiag_extract_reset(void);
/* Fills at most `max` segments, outermost first; returns how many. */
guint tcpdiag_extract(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max);

#endif
