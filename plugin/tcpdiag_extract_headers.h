/* tcpdiag_extract_headers.h - the IPv4, IPv6, TCP and ICMP headers, read from their bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_EXTRACT_HEADERS_H
#define TCPDIAG_EXTRACT_HEADERS_H

#include <wireshark.h>
#include <epan/tvbuff.h>

#include "core/tcpdiag_segment.h"

/* Big-endian reads from header bytes already known to be captured: one
 * bounds check per header instead of one per field. */
static inline guint16 tcpdiag_be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32 tcpdiag_be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The captured bytes from `off` on, at most `want`; *got says how many (0: none). */
const guint8 *tcpdiag_captured_bytes(tvbuff_t *tvb, gint off, gint want, gint *got);

/* Linux captures on lo show an Ethernet header (at `off`) with both addresses zero. */
gboolean tcpdiag_eth_is_linux_loopback(tvbuff_t *tvb, gint off);

/* Addresses, datagram facts and where the IP datagram ends; FALSE when the header is cut. */
gboolean tcpdiag_read_ip(tvbuff_t *tvb, gint off, tcpdiag_segment *seg, gint *ip_end);

/* The TCP header at `off` of a segment ending at `end`; FALSE when not even the ports were captured. */
gboolean tcpdiag_read_tcp(tvbuff_t *tvb, gint off, gint end, tcpdiag_segment *seg);

/* A TCP segment with the IP header around it: the IP header at `ip_off` of
 * `ip_tvb`, the TCP header at `tcp_off` of `tcp_tvb` (another data source
 * when the datagram was reassembled); `seg` is cleared first. *end = where
 * the segment ends in `tcp_tvb`. FALSE when either header is cut. */
gboolean tcpdiag_read_ip_tcp(tvbuff_t *ip_tvb, gint ip_off, tvbuff_t *tcp_tvb, gint tcp_off,
                             tcpdiag_segment *seg, gint *end);

/* RFC 793 checksum over the pseudo-header and the whole segment, when all of it was captured. */
tcpdiag_checksum tcpdiag_verify_checksum(tvbuff_t *tvb, gint off, gint end, const tcpdiag_segment *seg);

/* The ICMP or ICMPv6 header at `off`: which error, and the MTU a "too big" reports. */
void tcpdiag_read_icmp(tvbuff_t *tvb, gint off, gboolean v6, tcpdiag_segment *seg);

/* The TCP header quoted in the ICMP error at `off` (read from the bytes after
 * the ICMP header: hidden trees keep no quoted items); FALSE when it quotes none. */
gboolean tcpdiag_read_quote(tvbuff_t *tvb, gint off, gboolean v6, tcpdiag_segment *seg);

/* The TCP header in a first IPv4 fragment (more to come) at `off`; FALSE when there is none. */
gboolean tcpdiag_read_first_fragment(tvbuff_t *tvb, gint off, tcpdiag_segment *seg);

#endif
