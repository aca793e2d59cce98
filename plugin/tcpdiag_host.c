/* tcpdiag_host.c - IP addresses and endpoints: compare, hash, write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_host.h"

#include <wsutil/inet_addr.h>

void tcpdiag_host_of(const tcpdiag_tuple *t, gboolean source, tcpdiag_host *out)
{
    memset(out, 0, sizeof *out);
    out->family = t->family;
    memcpy(out->addr, source ? t->src : t->dst, t->family == 4 ? 4 : 16);
}

gboolean tcpdiag_host_equal(const tcpdiag_host *a, const tcpdiag_host *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

int tcpdiag_host_compare(const tcpdiag_host *a, const tcpdiag_host *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->addr, b->addr, sizeof a->addr);
}

guint tcpdiag_host_hash(gconstpointer key)
{
    const tcpdiag_host *h = key;
    guint hash = h->family;
    for (guint i = 0; i < sizeof h->addr; i++)
        hash = hash * 31 + h->addr[i];
    return hash;
}

gboolean tcpdiag_host_key_equal(gconstpointer a, gconstpointer b)
{
    return tcpdiag_host_equal(a, b);
}

void tcpdiag_host_format(const tcpdiag_host *h, char *buf, int len)
{
    if (h->family == 4)
        ws_inet_ntop4(h->addr, buf, (size_t)len);
    else
        ws_inet_ntop6(h->addr, buf, (size_t)len);
}

char *tcpdiag_host_port_str(const tcpdiag_host *h, guint16 port)
{
    char addr[TCPDIAG_HOST_STRLEN];
    tcpdiag_host_format(h, addr, sizeof addr);
    return h->family == 4 ? g_strdup_printf("%s:%u", addr, port) : g_strdup_printf("[%s]:%u", addr, port);
}

const char *tcpdiag_endpoint_str(wmem_allocator_t *scope, const tcpdiag_tuple *t, gboolean source)
{
    tcpdiag_host h;
    tcpdiag_host_of(t, source, &h);
    char *s = tcpdiag_host_port_str(&h, source ? t->sport : t->dport);
    const char *out = wmem_strdup(scope, s);
    g_free(s);
    return out;
}
