/* tcpdiag_blocks.h - a growing array of fixed-size records that never moves them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Records are appended into blocks of a fixed count, so a record's address
 * stays valid until the array is cleared (others may keep pointers to it),
 * and a record costs its size and nothing more: no allocator header per
 * record, no slack of a doubling array beyond the last block.
 */
#ifndef TCPDIAG_BLOCKS_H
#define TCPDIAG_BLOCKS_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tcpdiag_blocks {
    size_t     record_size;
    uint32_t   per_block;   /* a power of two: an index splits with a shift and a mask */
    uint32_t   shift;       /* log2(per_block) */
    uint32_t   count;       /* records appended */
    GPtrArray *blocks;      /* NULL until the first record */
} tcpdiag_blocks;

/* An empty array of records of `record_size` bytes, `per_block` (a power of two) to a block. */
void tcpdiag_blocks_init(tcpdiag_blocks *b, size_t record_size, uint32_t per_block);
/* Frees every block; the array is empty again and can be reused. */
void tcpdiag_blocks_clear(tcpdiag_blocks *b);
/* A new block, when record `count` starts one (tcpdiag_blocks_append's rare case). */
void tcpdiag_blocks_grow(tcpdiag_blocks *b);

/* Record `index` (< count). */
static inline void *tcpdiag_blocks_at(const tcpdiag_blocks *b, uint32_t index)
{
    char *block = g_ptr_array_index(b->blocks, index >> b->shift);
    return block + (size_t)(index & (b->per_block - 1)) * b->record_size;
}

/* Room for one more record at index `count`; its bytes are not initialised.
 * Inline: the per-frame store appends for every TCP header. */
static inline void *tcpdiag_blocks_append(tcpdiag_blocks *b)
{
    if ((b->count & (b->per_block - 1)) == 0)
        tcpdiag_blocks_grow(b);
    return tcpdiag_blocks_at(b, b->count++);
}

#endif
