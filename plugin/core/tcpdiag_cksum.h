/* tcpdiag_cksum.h - the Internet checksum (RFC 1071), summed the way Wireshark's in_cksum() sums it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every fully captured TCP segment is checked, and in_cksum() (16-bit
 * words, a vector of pieces, alignment fix-ups) cost more than the rest of
 * reading the headers. These add 32-bit words, which give the same folded
 * sum: 2^16 is 1 modulo 0xffff. Like in_cksum(), they add the 16-bit words
 * as they lie in memory, so a result is in network byte order when stored,
 * and equals what in_cksum() returns for the same bytes.
 */
#ifndef TCPDIAG_CKSUM_H
#define TCPDIAG_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/* `sum` plus the bytes, unfolded. Pieces are added in order; every piece
 * but the last must have an even length (a last odd byte is padded with a
 * zero after it, as in_cksum() does). */
uint64_t tcpdiag_cksum_add(uint64_t sum, const uint8_t *bytes, size_t len);

/* What in_cksum() returns for the bytes summed: the complement of the folded sum. */
uint16_t tcpdiag_cksum_finish(uint64_t sum);

#endif
