/* tcpdiag_time.h - the units of time tcpdiag counts in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Times are int64_t nanoseconds (absolute capture time, or a duration).
 */
#ifndef TCPDIAG_TIME_H
#define TCPDIAG_TIME_H

#include <stdint.h>

#define TCPDIAG_NS_PER_MS  INT64_C(1000000)
#define TCPDIAG_NS_PER_US  INT64_C(1000)
#define TCPDIAG_NS_PER_SEC INT64_C(1000000000)

#endif
