/* tcpdiag_seq.h - TCP sequence-number arithmetic modulo 2^32.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Sequence numbers wrap; comparisons use the signed distance (RFC 9293 s3.4)
 * so that 0x00000010 is "after" 0xFFFFFFF0.
 */
#ifndef TCPDIAG_SEQ_H
#define TCPDIAG_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline int32_t tcpdiag_seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static inline bool tcpdiag_seq_lt(uint32_t a, uint32_t b)  { return tcpdiag_seq_diff(a, b) < 0; }
static inline bool tcpdiag_seq_leq(uint32_t a, uint32_t b) { return tcpdiag_seq_diff(a, b) <= 0; }
static inline bool tcpdiag_seq_gt(uint32_t a, uint32_t b)  { return tcpdiag_seq_diff(a, b) > 0; }
static inline bool tcpdiag_seq_geq(uint32_t a, uint32_t b) { return tcpdiag_seq_diff(a, b) >= 0; }

#endif
