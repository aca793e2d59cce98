/* tcpdiag_session.h - one capture file's analysis: the tracker, the first pass and the per-frame store.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The first time a frame is dissected its TCP headers are extracted and run
 * through the core tracker, and the verdicts are stored with the frame;
 * every later pass gets the stored record, so one pass, two passes and GUI
 * clicks all show the same thing.
 */
#ifndef TCPDIAG_SESSION_H
#define TCPDIAG_SESSION_H

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_conv.h"
#include "tcpdiag_tap_record.h"

/* What the first pass stored for one frame. */
typedef struct tcpdiag_frame_record {
    guint8               count;
    tcpdiag_layer_record layer[];
} tcpdiag_frame_record;

/* A capture file is opened (epan init routine) / closed (cleanup routine). */
void tcpdiag_session_start(const tcpdiag_config *cfg);
void tcpdiag_session_end(void);

/* This frame's record: computed on the frame's first dissection, stored,
 * and returned again on later ones; NULL when the frame holds no TCP. */
const tcpdiag_frame_record *tcpdiag_session_frame(tvbuff_t *frame, proto_tree *tree, packet_info *pinfo);

#endif
