/* tcpdiag_stats_tree.h - Statistics > TCP Diagnostics and -z tcpdiag,tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_STATS_TREE_H
#define TCPDIAG_STATS_TREE_H

/* Registers the report with Wireshark's statistics (at protocol registration). */
void tcpdiag_stats_tree_register(void);

#endif
