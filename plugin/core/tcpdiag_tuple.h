/* tcpdiag_tuple.h - the 4-tuple of a TCP header: one hash for both directions, orientation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_TUPLE_H
#define TCPDIAG_TUPLE_H

#include <glib.h>
#include <stdbool.h>

#include "tcpdiag_segment.h"

bool tcpdiag_tuple_same_direction(const tcpdiag_tuple *a, const tcpdiag_tuple *b);
void tcpdiag_tuple_reverse(const tcpdiag_tuple *in, tcpdiag_tuple *out);
/* GHashTable callbacks for tuples in either direction: a conversation's own
 * (oriented) tuple can be the key, and a header of either direction finds
 * it. Both directions hash alike. */
guint tcpdiag_tuple_hash_either(gconstpointer p);
gboolean tcpdiag_tuple_equal_either(gconstpointer a, gconstpointer b);

#endif
