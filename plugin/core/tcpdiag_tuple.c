/* tcpdiag_tuple.c - the 4-tuple: canonical key, direction, hash.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_tuple.h"

#include <string.h>

static size_t addr_len(const tcpdiag_tuple *t)
{
    return t->family == 6 ? 16 : 4;
}

static int endpoint_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, size_t len)
{
    int c = memcmp(a, b, len);
    if (c)
        return c;
    return (int)ap - (int)bp;
}

void tcpdiag_tuple_canonical(const tcpdiag_tuple *in, tcpdiag_tuple *key)
{
    memset(key, 0, sizeof *key);
    key->family = in->family;
    size_t len = addr_len(in);
    if (endpoint_cmp(in->src, in->sport, in->dst, in->dport, len) <= 0) {
        memcpy(key->src, in->src, len);
        memcpy(key->dst, in->dst, len);
        key->sport = in->sport;
        key->dport = in->dport;
    } else {
        memcpy(key->src, in->dst, len);
        memcpy(key->dst, in->src, len);
        key->sport = in->dport;
        key->dport = in->sport;
    }
}

bool tcpdiag_tuple_same_direction(const tcpdiag_tuple *a, const tcpdiag_tuple *b)
{
    size_t len = addr_len(a);
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           memcmp(a->src, b->src, len) == 0 && memcmp(a->dst, b->dst, len) == 0;
}

void tcpdiag_tuple_reverse(const tcpdiag_tuple *in, tcpdiag_tuple *out)
{
    memset(out, 0, sizeof *out);
    out->family = in->family;
    memcpy(out->src, in->dst, sizeof out->src);
    memcpy(out->dst, in->src, sizeof out->dst);
    out->sport = in->dport;
    out->dport = in->sport;
}

guint tcpdiag_tuple_hash(gconstpointer p)
{
    const tcpdiag_tuple *t = p;
    guint h = 2166136261u;
    const uint8_t *bytes[2] = { t->src, t->dst };
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < addr_len(t); j++)
            h = (h ^ bytes[i][j]) * 16777619u;
    h = (h ^ t->sport) * 16777619u;
    h = (h ^ t->dport) * 16777619u;
    return h ^ t->family;
}

gboolean tcpdiag_tuple_equal(gconstpointer a, gconstpointer b)
{
    return tcpdiag_tuple_same_direction(a, b);
}

guint tcpdiag_tuple_hash_either(gconstpointer p)
{
    tcpdiag_tuple key;
    tcpdiag_tuple_canonical(p, &key);
    return tcpdiag_tuple_hash(&key);
}

/* `a` is `b` seen from the other end. */
static bool opposite_direction(const tcpdiag_tuple *a, const tcpdiag_tuple *b)
{
    size_t len = addr_len(a);
    return a->family == b->family && a->sport == b->dport && a->dport == b->sport &&
           memcmp(a->src, b->dst, len) == 0 && memcmp(a->dst, b->src, len) == 0;
}

gboolean tcpdiag_tuple_equal_either(gconstpointer a, gconstpointer b)
{
    return tcpdiag_tuple_same_direction(a, b) || opposite_direction(a, b);
}
