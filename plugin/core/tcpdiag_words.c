/* tcpdiag_words.c - value to word, with the one fallback.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_words.h"

static const tcpdiag_word fallback = { "unknown", "a value tcpdiag does not know" };

const tcpdiag_word *tcpdiag_word_at(const void *table, size_t count, size_t stride, unsigned value)
{
    if (value >= count)
        return &fallback;
    const tcpdiag_word *w = (const tcpdiag_word *)((const char *)table + (size_t)value * stride);
    return w->name ? w : &fallback;
}
