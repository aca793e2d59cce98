/* tcpdiag_extract_paths.h - the two ways extraction finds a frame's headers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Private to the tcpdiag_extract*.c files: tcpdiag_extract() tries the
 * layer walk first and the tree walk when the layer walk met a protocol it
 * cannot step over.
 */
#ifndef TCPDIAG_EXTRACT_PATHS_H
#define TCPDIAG_EXTRACT_PATHS_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_segment.h"

/* tcp.stream and the frame's number and time; `with_stream` FALSE for a
 * first fragment's header, which Wireshark's TCP never saw. */
void tcpdiag_extract_finish(packet_info *pinfo, tcpdiag_segment *seg, gboolean with_stream);

/* Looks up the protocols the layer walk knows (handoff: all are registered by then). */
void tcpdiag_extract_layers_init(void);
/* The frame's headers found by following pinfo->layers over the bytes of
 * `frame`; fills at most `max`, sets *count; FALSE when a protocol it cannot
 * step over hides an IP, TCP or ICMP header (the segments found are kept). */
gboolean tcpdiag_extract_layers(tvbuff_t *frame, packet_info *pinfo, tcpdiag_segment *out, guint max,
                                guint *count);

/* Looks up the protocol items the tree walk reads. */
void tcpdiag_extract_tree_init(void);
/* Whether this tree's protocol items below the root are real (see tcpdiag_compat.h). */
gboolean tcpdiag_extract_tree_usable(proto_tree *tree);
/* The frame's headers found from the protocol items below the tree's root. */
guint tcpdiag_extract_tree(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max);

#endif
