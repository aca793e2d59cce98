/* tcpdiag_segment.h - one TCP header as the core sees it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The glue fills this from the dissected frame; the core never sees epan.
 * A frame may carry several TCP headers (tunnels, ICMP errors): each one is
 * a separate record.
 */
#ifndef TCPDIAG_SEGMENT_H
#define TCPDIAG_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

enum tcpdiag_tcp_flag {
    TCPDIAG_FIN = 0x01,
    TCPDIAG_SYN = 0x02,
    TCPDIAG_RST = 0x04,
    TCPDIAG_PSH = 0x08,
    TCPDIAG_ACK = 0x10,
    TCPDIAG_URG = 0x20,
    TCPDIAG_ECE = 0x40,
    TCPDIAG_CWR = 0x80,
};

/* The two ends of a conversation, by role: index of per-side arrays. */
enum { TCPDIAG_CLIENT = 0, TCPDIAG_SERVER = 1 };

/* Addresses are kept as raw bytes: 4 for IPv4, 16 for IPv6. */
typedef struct tcpdiag_tuple {
    uint8_t  family;        /* 4 or 6 */
    uint8_t  src[16];
    uint8_t  dst[16];
    uint16_t sport;
    uint16_t dport;
} tcpdiag_tuple;

/* Why a TCP header was found inside an ICMP/ICMPv6 error. */
typedef enum tcpdiag_icmp_error {
    TCPDIAG_ICMP_NONE = 0,
    TCPDIAG_ICMP_UNREACH_HARD,   /* port/protocol unreachable, prohibited: the stack gives up */
    TCPDIAG_ICMP_UNREACH_SOFT,   /* net/host unreachable: soft for an open connection (RFC 1122) */
    TCPDIAG_ICMP_FRAG_NEEDED,    /* frag needed / packet too big */
    TCPDIAG_ICMP_OTHER,          /* time exceeded, parameter problem, ... */
} tcpdiag_icmp_error;

/* How the IP datagram around the TCP header was fragmented. */
typedef enum tcpdiag_ip_frag {
    TCPDIAG_FRAG_NONE = 0,
    TCPDIAG_FRAG_FIRST,        /* first fragment whose datagram was not (yet) reassembled:
                                  payload_len is only what this fragment carries */
    TCPDIAG_FRAG_REASSEMBLED,  /* TCP rebuilt from several fragments, seen in the last one */
} tcpdiag_ip_frag;

/* Our own verification of the TCP checksum (Wireshark's is off by default). */
typedef enum tcpdiag_checksum {
    TCPDIAG_CSUM_UNKNOWN = 0,  /* segment not fully captured, quoted in ICMP, first fragment */
    TCPDIAG_CSUM_GOOD,
    TCPDIAG_CSUM_BAD,
    TCPDIAG_CSUM_PARTIAL,      /* holds only the pseudo-header sum: captured on the sending
                                  host before the NIC filled it in (checksum offload) */
} tcpdiag_checksum;

/* The encapsulation that carried the outermost IP header of a frame. */
typedef enum tcpdiag_link {
    TCPDIAG_LINK_UNKNOWN = 0,
    TCPDIAG_LINK_ETHERNET,       /* Ethernet II: IP MTU 1500 */
    TCPDIAG_LINK_LLC_SNAP,       /* IEEE 802.3 with LLC/SNAP: 1492 (RFC 1042) */
    TCPDIAG_LINK_PPPOE,          /* PPPoE session: 1492 (RFC 2516) */
    TCPDIAG_LINK_LINUX_COOKED,   /* Linux "any" capture: the real link is not recorded */
    TCPDIAG_LINK_LINUX_LOOPBACK, /* Linux lo: Ethernet header with zero addresses, MTU 65536 */
    TCPDIAG_LINK_BSD_LOOPBACK,   /* BSD/macOS null or loop header: MTU depends on the OS */
    TCPDIAG_LINK_RAW_IP,         /* no link header at all */
    TCPDIAG_LINK_COUNT
} tcpdiag_link;

enum tcpdiag_option_flag {
    TCPDIAG_OPT_MSS       = 0x01,
    TCPDIAG_OPT_WSCALE    = 0x02,
    TCPDIAG_OPT_SACK_PERM = 0x04,
    TCPDIAG_OPT_TS        = 0x08,
    TCPDIAG_OPT_SACK      = 0x10,
    TCPDIAG_OPT_MALFORMED = 0x80,  /* option list cut or with impossible lengths */
};

#define TCPDIAG_MAX_SACK 4

typedef struct tcpdiag_sack_block {
    uint32_t left, right;
} tcpdiag_sack_block;

typedef struct tcpdiag_segment {
    uint32_t      frame;          /* frame number, for evidence links */
    int64_t       time_ns;        /* absolute capture time */
    tcpdiag_tuple tuple;
    uint32_t      stream;         /* tcp.stream when Wireshark gave one */
    bool          has_stream;
    bool          flags_known;    /* false when the header was cut before the flags */
    bool          options_cut;    /* the options were not all captured (snaplen): an
                                   * option not in `options` may still have been sent */
    uint32_t      seq;
    uint32_t      ack;
    uint8_t       flags;          /* enum tcpdiag_tcp_flag bits */
    uint16_t      window;         /* raw, unscaled */
    uint32_t      payload_len;    /* bytes of TCP payload per the IP header */
    uint16_t      mss;            /* MSS option value, 0 when absent */
    uint8_t       options;        /* enum tcpdiag_option_flag bits */
    uint8_t       wscale;         /* window scale shift when TCPDIAG_OPT_WSCALE */
    uint8_t       sack_count;
    tcpdiag_sack_block sack[TCPDIAG_MAX_SACK];
    uint32_t      tsval, tsecr;   /* when TCPDIAG_OPT_TS */
    uint16_t      tcp_hdr_len;
    uint8_t       checksum;       /* tcpdiag_checksum */
    /* The IP datagram this header travelled in. */
    uint16_t      ip_id;          /* IPv4 identification; 0 for IPv6 */
    bool          ip_df;          /* IPv4 don't-fragment bit (always true for IPv6) */
    uint8_t       ip_frag;        /* tcpdiag_ip_frag */
    uint8_t       ip_ttl;         /* TTL / hop limit */
    uint32_t      ip_len;         /* datagram length on the wire (header + payload) */
    uint8_t       ip_depth;       /* IP headers below this TCP header: 1 = not tunnelled */
    /* What carried the outermost IP header of the frame. */
    uint8_t       link;           /* tcpdiag_link */
    uint8_t       link_vlans;     /* 802.1Q / 802.1ad tags in front of it */
    /* Set when this header is quoted inside an ICMP error: not a transmission. */
    tcpdiag_icmp_error quoted_by;
    uint8_t       icmp_type;
    uint8_t       icmp_code;
    bool          icmp_v6;
    uint32_t      icmp_mtu;       /* next-hop MTU of a frag-needed / packet-too-big, 0 = none */
} tcpdiag_segment;

#endif
