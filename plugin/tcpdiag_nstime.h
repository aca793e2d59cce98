/* tcpdiag_nstime.h - between Wireshark's nstime_t and the core's nanoseconds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_NSTIME_H
#define TCPDIAG_NSTIME_H

#include <wireshark.h>
#include <wsutil/nstime.h>

#include "core/tcpdiag_time.h"

static inline gint64 tcpdiag_ns_of(const nstime_t *t)
{
    return (gint64)t->secs * TCPDIAG_NS_PER_SEC + t->nsecs;
}

static inline nstime_t tcpdiag_nstime_of(gint64 ns)
{
    nstime_t t = { .secs = (time_t)(ns / TCPDIAG_NS_PER_SEC), .nsecs = (int)(ns % TCPDIAG_NS_PER_SEC) };
    return t;
}

#endif
