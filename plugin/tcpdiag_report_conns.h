/* tcpdiag_report_conns.h - -z tcpdiag,conns: netstat -an for every host.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_REPORT_CONNS_H
#define TCPDIAG_REPORT_CONNS_H

/* Registers the report with Wireshark's statistics (at protocol registration). */
void tcpdiag_report_conns_register(void);

#endif
