/* test_seq.c - wraparound-safe sequence comparisons (RFC 9293 s3.4).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * a < b means b lies in the 2^31 numbers that follow a, modulo 2^32.
 */
#include "tcpdiag_check.h"
#include "tcpdiag_seq.h"

/* Checks all four relations of a pair whose signed distance a-b is known. */
static void rel(uint32_t a, uint32_t b, int sign)
{
    check_context("a=0x%08x b=0x%08x", (unsigned)a, (unsigned)b);
    CHECK_EQ_INT(tcpdiag_seq_lt(a, b), sign < 0);
    CHECK_EQ_INT(tcpdiag_seq_leq(a, b), sign <= 0);
    CHECK_EQ_INT(tcpdiag_seq_gt(a, b), sign > 0);
    CHECK_EQ_INT(tcpdiag_seq_geq(a, b), sign >= 0);
}

int main(void)
{
    /* around 0 / 2^32: 0xFFFFFFF0 precedes 0x10 (32 numbers apart across the wrap) */
    rel(0xFFFFFFF0u, 0x00000010u, -1);
    rel(0x00000010u, 0xFFFFFFF0u, +1);
    rel(0xFFFFFFFFu, 0x00000000u, -1);     /* 2^32-1 then 0 */
    rel(0x00000000u, 0xFFFFFFFFu, +1);
    rel(0x00000000u, 0x00000000u, 0);
    rel(0xFFFFFFFFu, 0xFFFFFFFFu, 0);
    rel(0x00000000u, 0x00000001u, -1);
    rel(0x00000001u, 0x00000000u, +1);
    CHECK_EQ_INT(tcpdiag_seq_diff(0x00000010u, 0xFFFFFFF0u), 32);
    CHECK_EQ_INT(tcpdiag_seq_diff(0xFFFFFFF0u, 0x00000010u), -32);
    CHECK_EQ_INT(tcpdiag_seq_diff(0u, 0xFFFFFFFFu), 1);

    /* around 2^31: distances up to 2^31-1 are "after" */
    rel(0x7FFFFFFFu, 0x80000000u, -1);
    rel(0x80000000u, 0x7FFFFFFFu, +1);
    rel(0x00000000u, 0x7FFFFFFFu, -1);     /* 2^31-1 ahead: still after */
    rel(0x7FFFFFFFu, 0x00000000u, +1);
    rel(0x80000000u, 0xFFFFFFFFu, -1);
    rel(0xFFFFFFFFu, 0x80000000u, +1);
    rel(0x80000001u, 0x00000000u, -1);     /* 2^31-1 behind 0 across the wrap: 0 is after it */
    CHECK_EQ_INT(tcpdiag_seq_diff(0x7FFFFFFFu, 0u), 0x7FFFFFFF);
    CHECK_EQ_INT(tcpdiag_seq_diff(0x80000001u, 0u), -0x7FFFFFFF);
    /* Exactly 2^31 apart is ambiguous; the signed distance is INT32_MIN for
     * both orders, so each is "before" the other. Documented, not a bug. */
    CHECK_EQ_INT(tcpdiag_seq_diff(0x80000000u, 0u), INT32_MIN);
    CHECK_EQ_INT(tcpdiag_seq_lt(0x80000000u, 0u), 1);
    CHECK_EQ_INT(tcpdiag_seq_lt(0u, 0x80000000u), 1);

    /* ordinary numbers */
    rel(1000u, 2000u, -1);
    rel(2000u, 1000u, +1);
    rel(123456789u, 123456789u, 0);
    check_context("%s", "");
    return tcpdiag_check_finish("test_seq");
}
