/* tcpdiag_summary.h - -z tcpdiag,summary: one line per conversation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_SUMMARY_H
#define TCPDIAG_SUMMARY_H

/* Registers the report with Wireshark's statistics (at protocol registration). */
void tcpdiag_summary_register(void);

#endif
