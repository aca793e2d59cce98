/* tcpdiag_blocks.c - a growing array of fixed-size records that never moves them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_blocks.h"

void tcpdiag_blocks_init(tcpdiag_blocks *b, size_t record_size, uint32_t per_block)
{
    g_assert(per_block && (per_block & (per_block - 1)) == 0);
    b->record_size = record_size;
    b->per_block = per_block;
    b->shift = (uint32_t)g_bit_nth_lsf(per_block, -1);
    b->count = 0;
    b->blocks = NULL;
}

void tcpdiag_blocks_clear(tcpdiag_blocks *b)
{
    g_clear_pointer(&b->blocks, g_ptr_array_unref);
    b->count = 0;
}

void tcpdiag_blocks_grow(tcpdiag_blocks *b)
{
    if (!b->blocks)
        b->blocks = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(b->blocks, g_malloc(b->record_size * b->per_block));
}
