/* tcpdiag_report_netstat.h - -z tcpdiag,netstat: netstat -s -p tcp for every host.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_REPORT_NETSTAT_H
#define TCPDIAG_REPORT_NETSTAT_H

/* Registers the report with Wireshark's statistics (at protocol registration). */
void tcpdiag_report_netstat_register(void);

#endif
