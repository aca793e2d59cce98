/* tcpdiag_mss.h - MSS, IP fragmentation and path-MTU risk of one conversation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each side announces its MSS on its SYN; a side that does not must be
 * assumed to take 536 bytes (IPv4) or 1220 (IPv6) (RFC 9293 3.7.1). The
 * risk of a conversation is the worst level of the reasons found so far;
 * every value is what is known up to and including the current header, so
 * one pass and two passes agree.
 *
 * State is a small fixed struct per conversation (SYN floods included) and
 * the per-header verdict a few dozen bytes.
 */
#ifndef TCPDIAG_MSS_H
#define TCPDIAG_MSS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_retrans.h"
#include "tcpdiag_segment.h"
#include "tcpdiag_syn.h"

/* Names match the lab's truth.json vocabulary (expected_mss.reasons). */
typedef enum tcpdiag_mss_reason {
    TCPDIAG_MSSR_ABSENT,              /* mss_absent */
    TCPDIAG_MSSR_ABOVE_LINK,          /* mss_above_link */
    TCPDIAG_MSSR_CLAMPED,             /* mss_clamped */
    TCPDIAG_MSSR_ABOVE_PEER,          /* segment_above_peer_mss */
    TCPDIAG_MSSR_OFFLOAD,             /* offload_artefact */
    TCPDIAG_MSSR_FRAGMENTS,           /* ip_fragments */
    TCPDIAG_MSSR_DF_CLEAR,            /* df_clear */
    TCPDIAG_MSSR_REASSEMBLY_FAILED,   /* fragment_reassembly_failed */
    TCPDIAG_MSSR_ICMP_FRAG_NEEDED,    /* icmp_frag_needed */
    TCPDIAG_MSSR_PMTU_BLACKHOLE,      /* pmtu_blackhole */
    TCPDIAG_MSSR_COUNT
} tcpdiag_mss_reason;

typedef enum tcpdiag_mss_risk {
    TCPDIAG_MSS_RISK_NONE = 0,
    TCPDIAG_MSS_RISK_LOW,
    TCPDIAG_MSS_RISK_HIGH,
} tcpdiag_mss_risk;

/* What became of the latest ICMP frag-needed / packet-too-big. */
typedef enum tcpdiag_pmtud {
    TCPDIAG_PMTUD_NONE = 0,   /* no such ICMP in this conversation */
    TCPDIAG_PMTUD_WAITING,    /* reported; the sender has not re-sent anything yet */
    TCPDIAG_PMTUD_WORKED,     /* the sender then sent segments that fit */
    TCPDIAG_PMTUD_IGNORED,    /* the sender re-sent datagrams still too big */
} tcpdiag_pmtud;

/* Facts about the current header itself (tcpdiag_mss_verdict.seg). */
enum tcpdiag_mss_seg_flag {
    TCPDIAG_MSSF_ABOVE_PEER = 0x01,  /* payload + options above the receiver's MSS */
    TCPDIAG_MSSF_OFFLOAD    = 0x02,  /* ... but larger than the link carries: offload artefact */
    TCPDIAG_MSSF_FRAGMENT   = 0x04,  /* carried in IP fragments */
    TCPDIAG_MSSF_DF_CLEAR   = 0x08,  /* IPv4 datagram above 576 bytes without DF */
    TCPDIAG_MSSF_PMTUD_JUDGED = 0x10, /* this segment decided pmtud (worked / ignored) */
};

/* tcpdiag_mss_verdict.opts */
enum tcpdiag_mss_opt_flag {
    TCPDIAG_MSSO_ASSUMED_CLIENT = 0x01,  /* the client's SYN had no MSS option */
    TCPDIAG_MSSO_ASSUMED_SERVER = 0x02,
    TCPDIAG_MSSO_WSCALE         = 0x04,  /* window scaling negotiated (both SYNs carried it) */
    TCPDIAG_MSSO_SACK_PERM      = 0x08,
    TCPDIAG_MSSO_TIMESTAMPS     = 0x10,
    TCPDIAG_MSSO_BOTH_SYNS      = 0x20,  /* SACK and timestamps decided (both SYNs' options known);
                                          * WSCALE is set whenever scaling is known on */
    TCPDIAG_MSSO_TUNNELLED      = 0x40,  /* carried inside another IP header: link MTU unknown */
};

/* Per-header result, stored with the verdict. MSS values are 0 when that
 * side's SYN was not captured; sizes are capped at 65535. */
typedef struct tcpdiag_mss_verdict {
    uint16_t mss[2];          /* client, server: announced, or assumed when absent */
    uint16_t send_mss[2];     /* the most each side may put in a segment (before options) */
    uint16_t largest[2];      /* largest payload each side sent so far */
    uint16_t reasons;         /* bit (1u << tcpdiag_mss_reason), conversation so far */
    uint16_t new_reasons;     /* ... first found at this header */
    uint16_t link_mss;        /* MSS the capture's link carries, 0 = unknown */
    uint16_t path_mtu;        /* smallest MTU an ICMP error or fragments revealed, 0 = none */
    uint32_t icmp_frame;      /* latest ICMP frag-needed / packet-too-big, 0 = none */
    uint8_t  risk;            /* tcpdiag_mss_risk */
    uint8_t  pmtud;           /* tcpdiag_pmtud */
    uint8_t  link;            /* tcpdiag_link of the latest segment */
    uint8_t  link_vlans;
    uint8_t  opts;            /* enum tcpdiag_mss_opt_flag */
    uint8_t  wscale[2];       /* shift each side announced, when TCPDIAG_MSSO_WSCALE */
    uint8_t  seg;             /* enum tcpdiag_mss_seg_flag */
    uint8_t  family;          /* 4 or 6 */
    bool     known;           /* filled (the header belongs to a known conversation) */
} tcpdiag_mss_verdict;

/* Per conversation. What each side's SYN announced is not here: it is the
 * endpoints' SYN records (tcpdiag_syn.h), passed to every hook as `syn`. */
typedef struct tcpdiag_mss_state {
    uint32_t icmp_frame;      /* first: 20 bytes with no padding, one per conversation */
    uint16_t largest[2];
    uint16_t reasons;
    uint16_t path_mtu;
    uint16_t icmp_limit;      /* largest datagram that fits per the latest ICMP */
    uint8_t  family;
    uint8_t  link, link_vlans, ip_depth;
    uint8_t  pmtud;
    uint8_t  icmp_dir;        /* the side whose datagram the ICMP quoted */
} tcpdiag_mss_state;

/* A transmitted header of side `dir` (0 client, 1 server), after the
 * retransmission analysis filled `retrans` (may be NULL) and, for a SYN,
 * after the sender's SYN record took it. `syn`: the client's and the
 * server's SYN records. */
void tcpdiag_mss_segment(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], const tcpdiag_segment *seg,
                         int dir, const tcpdiag_retrans_info *retrans, tcpdiag_mss_verdict *out);
/* The first fragment of a datagram of side `dir` that was not reassembled (yet). */
void tcpdiag_mss_first_fragment(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2],
                                const tcpdiag_segment *seg, int dir, const tcpdiag_retrans_info *retrans,
                                tcpdiag_mss_verdict *out);
/* A header of side `dir` quoted in an ICMP error. */
void tcpdiag_mss_quoted(tcpdiag_mss_state *st, const tcpdiag_syn_record syn[2], const tcpdiag_segment *seg,
                        int dir, tcpdiag_mss_verdict *out);

tcpdiag_mss_risk tcpdiag_mss_risk_of(uint16_t reasons, tcpdiag_pmtud pmtud);
/* 536 for IPv4, 1220 for IPv6 (RFC 9293 3.7.1). */
uint16_t tcpdiag_mss_default(uint8_t family);
/* MSS a link carries for this IP family, 0 = unknown. */
uint16_t tcpdiag_link_mss(tcpdiag_link link, uint8_t family);
uint32_t tcpdiag_link_mtu(tcpdiag_link link);

const char *tcpdiag_mss_reason_name(tcpdiag_mss_reason r);
const char *tcpdiag_mss_reason_meaning(tcpdiag_mss_reason r);
const char *tcpdiag_mss_risk_name(tcpdiag_mss_risk r);
const char *tcpdiag_pmtud_name(tcpdiag_pmtud p);
const char *tcpdiag_link_name(tcpdiag_link l);
const char *tcpdiag_link_meaning(tcpdiag_link l);

#endif
