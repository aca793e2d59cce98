/* tcpdiag_words.h - the one way a value becomes the word users see.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every enum with user-visible names keeps them in one table indexed by the
 * enum; each table entry starts with a tcpdiag_word (name = the filter value,
 * meaning = the sentence beside it). A value outside the table, or a slot
 * the table leaves empty, reads as the single fallback word "unknown", so a
 * stored value that is out of range never reads outside a table.
 */
#ifndef TCPDIAG_WORDS_H
#define TCPDIAG_WORDS_H

#include <stddef.h>

typedef struct tcpdiag_word {
    const char *name;
    const char *meaning;
} tcpdiag_word;

/* The word at the start of entry `value` of `table` (`count` entries of
 * `stride` bytes), or the fallback. */
const tcpdiag_word *tcpdiag_word_at(const void *table, size_t count, size_t stride, unsigned value);

/* For a table declared as an array in the calling file. */
#define TCPDIAG_WORD_OF(table, value) \
    tcpdiag_word_at((table), sizeof(table) / sizeof((table)[0]), sizeof((table)[0]), (unsigned)(value))

#endif
