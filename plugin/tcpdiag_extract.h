/* tcpdiag_extract.h - the TCP headers of a dissected frame, as the core's segments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_EXTRACT_H
#define TCPDIAG_EXTRACT_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_segment.h"

/* Looks up the protocols extraction reads (handoff). */
void tcpdiag_extract_init(void);
/* A capture file is opened or closed: forget what the last one taught. */
void tcpdiag_extract_reset(void);
/* The TCP headers of the frame whose bytes are `frame` (the postdissector's
 * tvb); `tree` may be NULL. Fills at most `max` segments, outermost first;
 * returns how many. */
guint tcpdiag_extract(tvbuff_t *frame, proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max);

#endif
