/* test_blocks.c - records in blocks keep their address; tuples hash alike from either end.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The per-frame store points at records in blocks (tracker tuples, shared
 * parts), so a record must never move as more are appended; and the
 * tracker's table finds a conversation, keyed by its own oriented tuple,
 * from a header of either direction.
 */
#include <stdint.h>
#include <string.h>

#include "tcpdiag_blocks.h"
#include "tcpdiag_check.h"
#include "tcpdiag_tuple.h"

static void blocks_keep_addresses(void)
{
    check_context("blocks");
    tcpdiag_blocks b;
    tcpdiag_blocks_init(&b, sizeof(uint32_t) * 3, 4);
    uint32_t *first = tcpdiag_blocks_append(&b);
    first[0] = 7;
    for (uint32_t i = 1; i < 100; i++) {
        uint32_t *r = tcpdiag_blocks_append(&b);
        r[0] = 7 + i;
    }
    CHECK_EQ_INT(b.count, 100);
    CHECK(tcpdiag_blocks_at(&b, 0) == first);
    for (uint32_t i = 0; i < 100; i++)
        CHECK_EQ_INT(((uint32_t *)tcpdiag_blocks_at(&b, i))[0], 7 + i);
    tcpdiag_blocks_clear(&b);
    CHECK_EQ_INT(b.count, 0);
    uint32_t *again = tcpdiag_blocks_append(&b);
    again[0] = 1;
    CHECK_EQ_INT(((uint32_t *)tcpdiag_blocks_at(&b, 0))[0], 1);
    tcpdiag_blocks_clear(&b);
}

static void tuples_match_either_way(void)
{
    check_context("tuples");
    tcpdiag_tuple a, rev, other;
    memset(&a, 0, sizeof a);
    a.family = 4;
    memcpy(a.src, "\x0a\x00\x00\x02", 4);
    memcpy(a.dst, "\x0a\x00\x00\x01", 4);
    a.sport = 40000;
    a.dport = 443;
    tcpdiag_tuple_reverse(&a, &rev);
    CHECK(tcpdiag_tuple_hash_either(&a) == tcpdiag_tuple_hash_either(&rev));
    CHECK(tcpdiag_tuple_equal_either(&a, &rev));
    CHECK(tcpdiag_tuple_equal_either(&a, &a));
    other = a;
    other.sport = 40001;
    CHECK(!tcpdiag_tuple_equal_either(&a, &other));
    other = rev;
    other.dport = 40001;
    CHECK(!tcpdiag_tuple_equal_either(&a, &other));
    /* The ports swapped between the hosts is another conversation: a hash
     * that mixed addresses and ports separately would put both in one bucket. */
    other = a;
    other.sport = a.dport;
    other.dport = a.sport;
    CHECK(!tcpdiag_tuple_equal_either(&a, &other));
    CHECK(tcpdiag_tuple_hash_either(&a) != tcpdiag_tuple_hash_either(&other));
}

int main(void)
{
    blocks_keep_addresses();
    tuples_match_either_way();
    return tcpdiag_check_finish("blocks");
}
