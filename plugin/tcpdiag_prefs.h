/* tcpdiag_prefs.h - tcpdiag's preferences (Edit > Preferences > Protocols > tcpdiag, `-o tcpdiag.NAME:VALUE`).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_PREFS_H
#define TCPDIAG_PREFS_H

#include <wireshark.h>

#include "core/tcpdiag_conv.h"

void tcpdiag_prefs_register(int proto);

/* The core's configuration as the preferences say now (read when a capture
 * file is opened). */
void tcpdiag_prefs_config(tcpdiag_config *cfg);

/* "retrans_rate_warning", in percent (default 1). */
double tcpdiag_prefs_rate_threshold_pct(void);
/* "retrans_rate_min_segments": no rate verdict before a sender sent this many segments. */
guint tcpdiag_prefs_rate_min_segments(void);
/* "max_conversations": the conversation cap, 0 = none. */
guint tcpdiag_prefs_max_conversations(void);

#endif
