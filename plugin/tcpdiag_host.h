/* tcpdiag_host.h - IP addresses and endpoints as the reports and the tree write them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_HOST_H
#define TCPDIAG_HOST_H

#include <wireshark.h>

#include "core/tcpdiag_segment.h"

/* An IP address, the unit netstat reports on. */
typedef struct tcpdiag_host {
    guint8 family;   /* 4 or 6 */
    guint8 addr[16];
} tcpdiag_host;

void tcpdiag_host_of(const tcpdiag_tuple *t, gboolean source, tcpdiag_host *out);
gboolean tcpdiag_host_equal(const tcpdiag_host *a, const tcpdiag_host *b);
/* IPv4 before IPv6, then numerically: the order `netstat` users scan. */
int tcpdiag_host_compare(const tcpdiag_host *a, const tcpdiag_host *b);
guint tcpdiag_host_hash(gconstpointer key);
gboolean tcpdiag_host_key_equal(gconstpointer a, gconstpointer b);
/* "10.0.0.1" / "2001:db8::1" into buf. */
#define TCPDIAG_HOST_STRLEN 48
void tcpdiag_host_format(const tcpdiag_host *h, char *buf, int len);
/* "10.0.0.1:80" / "[2001:db8::1]:80", g_free it. */
char *tcpdiag_host_port_str(const tcpdiag_host *h, guint16 port);

/* "10.0.0.1:80" / "[2001:db8::1]:80" for the source (client) or
 * destination (server) end of a tuple, in `scope`. */
const char *tcpdiag_endpoint_str(wmem_allocator_t *scope, const tcpdiag_tuple *t, gboolean source);

#endif
