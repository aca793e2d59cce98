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

/* Compared at a length the compiler knows, so that it inlines the compare
 * (a length chosen at run time is a call to the library's memcmp, which
 * costs more than the rest of a conversation lookup). */
static bool addr_equal(const uint8_t *a, const uint8_t *b, uint8_t family)
{
    return family == 6 ? memcmp(a, b, 16) == 0 : memcmp(a, b, 4) == 0;
}

bool tcpdiag_tuple_same_direction(const tcpdiag_tuple *a, const tcpdiag_tuple *b)
{
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           addr_equal(a->src, b->src, a->family) && addr_equal(a->dst, b->dst, a->family);
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
    return a->family == b->family && a->sport == b->dport && a->dport == b->sport &&
           addr_equal(a->src, b->dst, a->family) && addr_equal(a->dst, b->src, a->family);
}

gboolean tcpdiag_tuple_equal_either(gconstpointer a, gconstpointer b)
{
    return tcpdiag_tuple_same_direction(a, b) || opposite_direction(a, b);
}
