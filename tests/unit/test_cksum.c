/* test_cksum.c - the 32-bit-word checksum equals the 16-bit-word sum in_cksum() computes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The reference below is in_cksum()'s arithmetic without its fix-ups: 16-bit
 * words as they lie in memory, a last odd byte padded with a zero, folded
 * with an end-around carry, complemented.
 */
#include <stdint.h>
#include <string.h>

#include "tcpdiag_check.h"
#include "tcpdiag_cksum.h"

static uint16_t reference(const uint8_t *const pieces[], const size_t lens[], int count)
{
    uint32_t sum = 0;
    for (int p = 0; p < count; p++) {
        for (size_t i = 0; i + 1 < lens[p]; i += 2) {
            uint16_t h;
            memcpy(&h, pieces[p] + i, sizeof h);
            sum += h;
            sum = (sum & 0xffffu) + (sum >> 16);
        }
        if (lens[p] % 2) {
            uint8_t last[2] = { pieces[p][lens[p] - 1], 0 };
            uint16_t h;
            memcpy(&h, last, sizeof h);
            sum += h;
            sum = (sum & 0xffffu) + (sum >> 16);
        }
    }
    return (uint16_t)~sum;
}

static uint16_t summed(const uint8_t *const pieces[], const size_t lens[], int count)
{
    uint64_t sum = 0;
    for (int p = 0; p < count; p++)
        sum = tcpdiag_cksum_add(sum, pieces[p], lens[p]);
    return tcpdiag_cksum_finish(sum);
}

static void same_as_sixteen_bit_words(void)
{
    check_context("cksum");
    uint8_t pseudo[40], segment[1501];
    uint32_t x = 2463534242u;   /* xorshift: any bytes will do, the same every run */
    for (size_t i = 0; i < sizeof pseudo; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        pseudo[i] = (uint8_t)x;
    }
    for (size_t i = 0; i < sizeof segment; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        segment[i] = (uint8_t)x;
    }
    const uint8_t *pieces[2] = { pseudo, segment };
    /* Every segment length up to a full one, odd ones included, after an
     * IPv4 (12-byte) or IPv6 (40-byte) pseudo-header. */
    for (size_t plen = 12; plen <= 40; plen += 28)
        for (size_t len = 0; len <= sizeof segment; len++) {
            size_t lens[2] = { plen, len };
            CHECK(summed(pieces, lens, 2) == reference(pieces, lens, 2));
        }
    /* All ones and all zeros: the two zeros of ones' complement. */
    memset(segment, 0xff, sizeof segment);
    size_t ones[1] = { 20 };
    const uint8_t *only[1] = { segment };
    CHECK(summed(only, ones, 1) == 0);
    memset(segment, 0, sizeof segment);
    CHECK(summed(only, ones, 1) == 0xffff);
}

int main(void)
{
    same_as_sixteen_bit_words();
    return tcpdiag_check_finish("cksum");
}
