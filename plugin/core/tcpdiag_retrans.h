/* tcpdiag_retrans.h - retransmission detection, kind, backoff and probable causes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each direction of a conversation is a "flow": the sender's sequence space
 * as the capture point saw it, and the receiver's acknowledgements coming
 * back. Everything is judged with what was captured up to the current
 * segment, so one pass and two passes agree.
 */
#ifndef TCPDIAG_RETRANS_H
#define TCPDIAG_RETRANS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_segment.h"

typedef enum tcpdiag_retrans_kind {
    TCPDIAG_RK_NONE = 0,
    TCPDIAG_RK_RTO,         /* the sender's retransmission timer expired */
    TCPDIAG_RK_FAST,        /* the receiver asked for it with duplicate ACKs / SACK */
    TCPDIAG_RK_SPURIOUS,    /* not a kind of its own: the name of `spurious`, shown after the kind */
    TCPDIAG_RK_PROBE,       /* tail-loss probe: the last segment re-sent ~2 RTT later */
    TCPDIAG_RK_SYN,
    TCPDIAG_RK_SYNACK,
    TCPDIAG_RK_FIN,
    TCPDIAG_RK_PMTU,        /* re-sent smaller at once after an ICMP frag-needed / packet-too-big */
    TCPDIAG_RK_COUNT
} tcpdiag_retrans_kind;

/* Segments that look like retransmissions and are not. */
typedef enum tcpdiag_lookalike {
    TCPDIAG_LA_NONE = 0,
    TCPDIAG_LA_OUT_OF_ORDER,       /* filled a gap sooner than any re-send could */
    TCPDIAG_LA_KEEPALIVE,
    TCPDIAG_LA_ZERO_WINDOW_PROBE,
    TCPDIAG_LA_DUPLICATE_CAPTURE,  /* the same datagram recorded twice */
    TCPDIAG_LA_NETWORK_DUPLICATE,  /* the same datagram again, much later: duplicated on the path */
    TCPDIAG_LA_COUNT
} tcpdiag_lookalike;

typedef enum tcpdiag_cause {
    TCPDIAG_CAUSE_NONE = 0,
    TCPDIAG_CAUSE_SEGMENT_LOST,
    TCPDIAG_CAUSE_ACK_LOST,
    TCPDIAG_CAUSE_ACK_LATE,
    TCPDIAG_CAUSE_DUP_ACK_SIGNALLED,
    TCPDIAG_CAUSE_CHECKSUM_ERROR,
    TCPDIAG_CAUSE_SENDER_CHECKSUM,
    TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL,
    TCPDIAG_CAUSE_IP_FRAGMENT_LOST,
    TCPDIAG_CAUSE_PMTU_BLACKHOLE,
    TCPDIAG_CAUSE_PATH_MTU_EXCEEDED,  /* ICMP said the original was too big; PMTUD at work */
    TCPDIAG_CAUSE_CONGESTION,
    TCPDIAG_CAUSE_NO_ANSWER,
    TCPDIAG_CAUSE_REORDERING,  /* the original was overtaken by later data, not lost */
    TCPDIAG_CAUSE_COUNT
} tcpdiag_cause;

/* Where, relative to the capture point, a loss happened. */
typedef enum tcpdiag_where {
    TCPDIAG_WHERE_UNKNOWN = 0,
    TCPDIAG_WHERE_BEFORE_TAP,   /* between the sender and the capture point */
    TCPDIAG_WHERE_AFTER_TAP,    /* between the capture point and the receiver */
} tcpdiag_where;

#define TCPDIAG_MAX_CAUSES 4

typedef struct tcpdiag_cause_item {
    uint8_t  cause;     /* tcpdiag_cause */
    uint8_t  where;     /* tcpdiag_where, for losses */
    uint8_t  evidence;  /* the kind of evidence that named it (tcpdiag_evidence_name) */
    uint8_t  confidence;  /* percent right in the lab's tuning half; 255 = not measured */
    uint32_t frame;     /* the frame that is the evidence; 0 = none */
    uint32_t count;     /* cause-specific number: dup ACKs, MTU, retransmissions in the burst ... */
} tcpdiag_cause_item;

/* The retransmission facts of one segment (and of the lookalikes). */
typedef struct tcpdiag_retrans_info {
    uint8_t  kind;            /* tcpdiag_retrans_kind; NONE = not a retransmission */
    uint8_t  lookalike;       /* tcpdiag_lookalike, when kind is NONE */
    uint8_t  ncauses;
    bool     original_known;  /* the first transmission was captured */
    bool     interval_known;
    bool     backoff_known;
    bool     rate_over;       /* the sender's rate just went over the threshold */
    bool     gave_up;         /* an RST after re-sends that were never acknowledged */
    bool     spurious;        /* the data had already been acknowledged at the capture point */
    uint16_t attempt;         /* 1 = first re-send of this data */
    uint32_t original;        /* frame of the first transmission */
    uint32_t previous;        /* frame of the previous transmission of the same data */
    uint32_t related;         /* lookalike: the frame duplicated / the gap it filled */
    uint32_t bytes;           /* sequence space re-sent (partial overlaps count only that) */
    int64_t  interval_ns;     /* since the previous transmission of the same data */
    uint32_t backoff_milli;   /* interval / previous interval, x1000 */
    uint32_t data_segs;       /* the sender's data segments so far (rate denominator) */
    uint32_t retrans_segs;    /* ... of which retransmissions */
    tcpdiag_cause_item cause[TCPDIAG_MAX_CAUSES];
    /* On an ACK whose DSACK shows the receiver got data twice: the re-send
     * that was not needed, and why its original's ACK did not stop it. */
    uint32_t unneeded;        /* frame of that re-send, 0 = none */
    uint8_t  unneeded_cause;  /* ACK_LOST, ACK_LATE, RECEIVER_WINDOW_FULL or REORDERING */
    bool     fragment_completion;  /* completes a datagram counted at its first fragment */
} tcpdiag_retrans_info;

/* ---- what the conversation tracker uses ---------------------------------- */

typedef struct tcpdiag_retrans_config {
    uint32_t dup_ack_threshold;   /* dup ACKs that make a fast retransmit (3, RFC 5681) */
    uint32_t rate_warn_bp;        /* sender retransmission rate warning, basis points (100 = 1%) */
    uint32_t rate_min_segments;   /* no rate warning before this many data segments */
} tcpdiag_retrans_config;

/* SYN or SYN-ACK transmissions of one endpoint (no flow exists for a bare SYN). */
typedef struct tcpdiag_syn_history {
    uint32_t first_frame, last_frame;
    int64_t  last_ns, last_interval_ns;
    uint16_t count;
    /* The latest one's datagram, to tell a copy of it from a re-send. */
    uint16_t ip_id;
    uint8_t  ip_ttl;
    uint32_t tsval;
} tcpdiag_syn_history;

/* One direction of a conversation (tcpdiag_flow.h). */
typedef struct tcpdiag_flow tcpdiag_flow;

/* What the rest of the conversation knows, for wording and thresholds. */
typedef struct tcpdiag_retrans_context {
    const tcpdiag_retrans_config *cfg;
    int64_t rtt_ns;          /* handshake round trip through the capture point, 0 = unknown */
    int64_t rtt_sender_leg_ns;   /* capture point -> sender -> capture point, 0 = unknown */
    uint32_t peer_reply_frame;  /* the receiver's latest segment, 0 = it sent nothing yet */
    bool     peer_repeated_syn; /* ... is a SYN it repeated after this side's latest SYN-ACK */
    uint32_t icmp_frame;        /* an ICMP error about this conversation, 0 = none */
    uint16_t peer_mss;          /* the MSS the receiver's SYN announced, 0 = unknown or none */
} tcpdiag_retrans_context;

/* One segment: `out_flow` is its sender's direction, `back_flow` the other
 * one (whose data this segment's ACK field acknowledges). Either may be
 * NULL when not allocated yet. */
void tcpdiag_retrans_process(const tcpdiag_retrans_context *ctx, tcpdiag_flow *out_flow,
                             tcpdiag_flow *back_flow, const tcpdiag_segment *seg,
                             tcpdiag_retrans_info *info);

/* A SYN (or SYN-ACK with `synack`) with an ISN already sent by this endpoint. */
void tcpdiag_retrans_syn(const tcpdiag_retrans_context *ctx, tcpdiag_syn_history *h,
                         const tcpdiag_segment *seg, bool synack, tcpdiag_retrans_info *info);
void tcpdiag_syn_history_first(tcpdiag_syn_history *h, const tcpdiag_segment *seg);
/* True when this repeated SYN / SYN-ACK is the latest one's datagram again
 * (same IP ID or TCP timestamp, same TTL): a copy made by the capture (within
 * 10 ms) or by the network, not a new attempt. Fills info's lookalike. */
bool tcpdiag_retrans_syn_duplicate(const tcpdiag_syn_history *h, const tcpdiag_segment *seg,
                                   tcpdiag_retrans_info *info);


const char *tcpdiag_retrans_kind_name(tcpdiag_retrans_kind k);
const char *tcpdiag_retrans_kind_meaning(tcpdiag_retrans_kind k);
const char *tcpdiag_lookalike_name(tcpdiag_lookalike l);
const char *tcpdiag_lookalike_meaning(tcpdiag_lookalike l);
const char *tcpdiag_cause_name(tcpdiag_cause c);
const char *tcpdiag_cause_meaning(tcpdiag_cause c);
/* "before_capture_point" (the filter value) and "between the sender and the capture point". */
const char *tcpdiag_where_name(tcpdiag_where w);
const char *tcpdiag_where_phrase(tcpdiag_where w);
/* The evidence behind a cause item, as a filter value ("ack_before_resend"). */
const char *tcpdiag_evidence_name(uint8_t evidence);

#endif
