/* tcpdiag_tuple.c - the 4-tuple: direction, hash.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_tuple.h"

#include <string.h>

static size_t addr_len(const tcpdiag_tuple *t)
{
    return t->family == 6 ? 16 : 4;
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

/* One end (address and port), mixed a 32-bit word at a time. */
static uint32_t end_hash(const uint8_t *addr, size_t len, uint16_t port)
{
    uint32_t h = (port + 1u) * 0x9e3779b1u;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t w;
        memcpy(&w, addr + i, sizeof w);
        h = (h ^ w) * 0x85ebca6bu;
        h ^= h >> 13;
    }
    return h;
}

/* The sum of the two ends' hashes does not depend on which end sent the
 * header, so no canonical key has to be built for every lookup (that cost
 * more than the rest of the lookup). */
guint tcpdiag_tuple_hash_either(gconstpointer p)
{
    const tcpdiag_tuple *t = p;
    size_t len = addr_len(t);
    uint32_t h = end_hash(t->src, len, t->sport) + end_hash(t->dst, len, t->dport);
    h ^= h >> 16;
    h *= 0xc2b2ae35u;
    return (h ^ (h >> 15)) ^ t->family;
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
