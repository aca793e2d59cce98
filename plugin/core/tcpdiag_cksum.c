/* tcpdiag_cksum.c - the Internet checksum, a 32-bit word at a time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_cksum.h"

#include <string.h>

uint64_t tcpdiag_cksum_add(uint64_t sum, const uint8_t *bytes, size_t len)
{
    size_t i = 0;
    for (; i + sizeof(uint32_t) <= len; i += sizeof(uint32_t)) {
        uint32_t w;
        memcpy(&w, bytes + i, sizeof w);
        sum += w;
    }
    if (i + sizeof(uint16_t) <= len) {
        uint16_t h;
        memcpy(&h, bytes + i, sizeof h);
        sum += h;
        i += sizeof h;
    }
    if (i < len) {
        uint8_t last[2] = { bytes[i], 0 };
        uint16_t h;
        memcpy(&h, last, sizeof h);
        sum += h;
    }
    return sum;
}

uint16_t tcpdiag_cksum_finish(uint64_t sum)
{
    /* End-around carry: the carries out of the low 16 bits are added back in. */
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}
