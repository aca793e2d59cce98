/* tcpdiag_wire.h - the numbers of the IPv4, IPv6, TCP and ICMP headers extraction reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Offsets are from the start of their header, in bytes.
 */
#ifndef TCPDIAG_WIRE_H
#define TCPDIAG_WIRE_H

/* Ethernet: destination and source MAC addresses. */
enum { ETH_ADDRS_LEN = 12 };

/* IPv4 (RFC 791) */
enum {
    IPV4_MIN_HDR = 20,
    IPV4_IHL_MASK = 0x0f,
    IPV4_OFF_TOTAL_LEN = 2, IPV4_OFF_ID = 4, IPV4_OFF_FRAG = 6, IPV4_OFF_TTL = 8, IPV4_OFF_PROTOCOL = 9,
    IPV4_OFF_SRC = 12, IPV4_OFF_DST = 16, IPV4_ADDR_LEN = 4,
    IPV4_FLAG_DF = 0x4000, IPV4_FLAG_MF = 0x2000, IPV4_FRAG_OFFSET = 0x1fff,
    IPV4_MF_AND_OFFSET = IPV4_FLAG_MF | IPV4_FRAG_OFFSET,   /* more fragments, or not the first one */
};

/* IPv6 (RFC 8200) */
enum {
    IPV6_HDR = 40,
    IPV6_OFF_PAYLOAD_LEN = 4, IPV6_OFF_NEXT_HEADER = 6, IPV6_OFF_HOP_LIMIT = 7, IPV6_OFF_SRC = 8,
    IPV6_OFF_DST = 24, IPV6_ADDR_LEN = 16,
    /* Extension headers (RFC 8200 4) that may come before a quoted TCP header. */
    IPV6_EXT_HOP_BY_HOP = 0, IPV6_EXT_ROUTING = 43, IPV6_EXT_FRAGMENT = 44, IPV6_EXT_DEST_OPTS = 60,
    IPV6_FRAG_HDR = 8, IPV6_FRAG_OFFSET_MASK = 0xfff8,
    IPV6_MAX_EXT_HEADERS = 8,   /* more in one quote is not a datagram worth reading */
};

#define IP_PROTO_TCP 6
/* The pseudo-headers the TCP checksum covers (RFC 9293 3.1, RFC 8200 8.1). */
enum { PSEUDO_HDR_V4 = 12, PSEUDO_HDR_V6 = 40 };

/* TCP (RFC 9293) */
enum {
    TCP_MIN_HDR = 20, TCP_MAX_HDR = 60,   /* the data offset counts at most 15 words */
    TCP_OFF_SPORT = 0, TCP_OFF_DPORT = 2, TCP_OFF_SEQ = 4, TCP_OFF_ACK = 8,
    TCP_OFF_DATA_OFFSET = 12, TCP_OFF_FLAGS = 13, TCP_OFF_WINDOW = 14, TCP_OFF_CHECKSUM = 16,
};

/* TCP option kinds and the lengths this analysis accepts. */
enum {
    TCPOPT_EOL = 0, TCPOPT_NOP = 1,
    TCPOPT_MSS = 2, TCPOLEN_MSS = 4,
    TCPOPT_WSCALE = 3, TCPOLEN_WSCALE = 3,
    TCPOPT_SACK_PERM = 4, TCPOLEN_SACK_PERM = 2,
    TCPOPT_SACK = 5, TCPOLEN_SACK_MIN = 10, TCPOLEN_SACK_BLOCK = 8,
    TCPOPT_TIMESTAMP = 8, TCPOLEN_TIMESTAMP = 10,
    TCPOLEN_KIND_AND_LEN = 2,   /* the bytes before an option's value */
};

/* ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) errors quoting a TCP header. */
enum {
    ICMP_DEST_UNREACH = 3, ICMP_SOURCE_QUENCH = 4, ICMP_REDIRECT = 5, ICMP_TIME_EXCEEDED = 11,
    ICMP_PARAM_PROBLEM = 12,
    ICMP_NET_UNREACH = 0, ICMP_HOST_UNREACH = 1, ICMP_FRAG_NEEDED = 4, ICMP_SR_FAILED = 5,
    ICMP_NET_UNREACH_TOS = 11, ICMP_HOST_UNREACH_TOS = 12,
    ICMP_OFF_NEXT_HOP_MTU = 6,
    ICMPV6_DEST_UNREACH = 1, ICMPV6_PKT_TOO_BIG = 2, ICMPV6_PARAM_PROBLEM = 4,
    ICMPV6_NO_ROUTE = 0, ICMPV6_BEYOND_SCOPE = 2, ICMPV6_ADDR_UNREACH = 3,
    ICMPV6_OFF_MTU = 4,
    ICMP_HDR = 8,   /* type, code, checksum and the 4 bytes before the quote */
};

#endif
