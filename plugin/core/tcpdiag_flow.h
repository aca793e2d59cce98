/* tcpdiag_flow.h - one direction of a conversation as the capture point saw it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Private to the core: the tracker creates, starts and feeds flows; the
 * retransmission analysis reads and updates them. The sender's side: every range of sequence space
 * seen going out (in sequence order), the gaps the capture never saw, the
 * sender's IP ID run. The receiver's side: its ACKs, duplicate ACKs, SACK
 * blocks and window coming back. Memory is bounded: at most
 * TCPDIAG_FLOW_MAX_TX ranges and TCPDIAG_FLOW_MAX_HOLES gaps per direction.
 */
#ifndef TCPDIAG_FLOW_H
#define TCPDIAG_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_segment.h"

#define TCPDIAG_FLOW_MAX_TX      4096
#define TCPDIAG_FLOW_KEEP_ACKED  64
#define TCPDIAG_FLOW_MAX_HOLES   16
#define TCPDIAG_FLOW_MAX_EVENTS  16

enum tcpdiag_tx_flag {
    TCPDIAG_TX_CSUM_BAD_FIRST = 0x01,  /* the first transmission had a bad checksum */
    TCPDIAG_TX_CSUM_BAD_LAST  = 0x02,  /* the latest one did */
    TCPDIAG_TX_FROM_HOLE      = 0x04,  /* first seen as a re-send: the original escaped the capture */
    TCPDIAG_TX_FRAG_PENDING   = 0x08,  /* went out IP-fragmented and was never reassembled here */
    TCPDIAG_TX_ACKED          = 0x10,
    TCPDIAG_TX_SACKED         = 0x20,
    TCPDIAG_TX_RESENT_ACKED   = 0x40,  /* re-sent after its ACK had passed the capture point */
    TCPDIAG_TX_REORDERED      = 0x80,  /* the original arrived after data sent later: reordered on
                                          its way to the capture point, not lost there */
    TCPDIAG_TX_RESENT_FAST    = 0x100, /* the latest re-send answered the receiver (fast), not a timer */
};

/* One range of sequence space [seq, end) and its transmissions. */
typedef struct tcpdiag_tx {
    uint32_t seq, end;
    uint32_t first_frame, last_frame;
    int64_t  first_ns, last_ns;
    int64_t  last_interval_ns;   /* between the two latest transmissions, 0 = one so far */
    uint32_t tsval;              /* of the latest transmission (duplicate-capture test) */
    uint16_t ip_id;
    uint16_t tx_count;
    uint16_t flags;              /* enum tcpdiag_tx_flag */
    uint8_t  ip_ttl;
} tcpdiag_tx;

/* Sequence space the capture never saw go out, first noticed at `frame`.
 * The datagram that revealed the gap keeps its send-order marks (TCP
 * timestamp, IP ID): whatever fills the gap with older marks was sent
 * before it, so it is the original arriving late, not a re-send. */
typedef struct tcpdiag_hole {
    uint32_t seq, end;
    uint32_t frame;
    int64_t  ns;
    uint32_t tsval;
    uint16_t ip_id;
    bool     has_tsval;
} tcpdiag_hole;

/* How evenly a stream of arrivals at the capture point is spaced: moving
 * average of the gaps and of their deviation from it (1/8 weight each, ns).
 * Behind a bottleneck, data arrives at its rate, one segment per
 * transmission time; without one, segments come in bursts at the links'
 * speed with the round trip between them. Both 0 until the first gap. */
typedef struct tcpdiag_spacing {
    uint32_t avg_ns, dev_ns;
} tcpdiag_spacing;

/* What only few flows ever see: an ICMP too-big, IP ID gaps, a zero or
 * full window, SACK blocks, reordering, a re-cut, a timeout's recovery,
 * fast re-sends. Allocated on the first of them (NULL before; reads see all
 * zero through tcpdiag_flow_incidents_of): keeping them in every flow cost
 * about 100 bytes per direction of every short conversation. */
typedef struct tcpdiag_flow_incidents {
    int64_t    icmp_ptb_ns;       /* ICMP frag-needed / packet-too-big quoting this flow's data */
    int64_t    ip_id_gap_ns;      /* when the frame after the latest gap (ip_id_gap_frame) was seen */
    int64_t    zero_window_ns;
    int64_t    window_full_ns;
    int64_t    sack_ns;
    /* The sender's latest segment that came after a silence long enough for
     * several timeouts (see RECUT_AFTER_NS), and its sequence number. */
    int64_t    quiet_end_ns;
    uint32_t   quiet_end_seq;
    uint32_t   icmp_ptb_frame;
    uint32_t   icmp_ptb_mtu;
    uint32_t   ip_id_gaps;        /* datagrams of this sender that never reached the tap */
    uint32_t   ip_id_gap_frame;   /* the frame after the latest gap */
    uint32_t   ip_id_gap_ack;     /* the ACK that frame carried (of the other direction's data) */
    /* After a timeout the sender re-sends everything outstanding below this
     * point in slow start: those re-sends belong to the timeout too. */
    uint32_t   rto_recovery_end;
    /* The first re-send that cut full-size data smaller, nothing of it
     * acknowledged and no ICMP seen: the sender lowered its segment size. */
    uint32_t   recut_frame;
    /* Reordering on this direction's path: an original that arrived after
     * later data, or a fast re-send the receiver reported as received twice. */
    uint32_t   reorder_count;
    uint32_t   reorder_frame;
    uint32_t   fast_resends;      /* re-sends classified fast: the base of the reordering share */
    uint32_t   zero_window_frame; /* latest zero window the receiver advertised */
    uint32_t   window_full_frame; /* latest window that the data in flight filled */
    uint32_t   sack_high;         /* highest right edge the receiver SACKed */
    uint32_t   sack_frame;
    bool       sack_high_known;
    bool       ip_id_gap_acks;    /* ip_id_gap_frame carried an ACK */
    bool       rto_recovery;      /* rto_recovery_end is set */
} tcpdiag_flow_incidents;

/* Fields are grouped by size (8-byte, then 4, then smaller), the sender's
 * before the receiver's within each size, so that a flow, one per
 * direction of every conversation, carries at most 2 bytes of padding (312
 * bytes: a 320-byte malloc chunk). */
struct tcpdiag_flow {
    /* ---- 8-byte: the sender ---- */
    tcpdiag_tx *tx;               /* tx[head .. head+count) in sequence order */
    /* Most flows never have a gap or a loss: those arrays are allocated on
     * first use (TCPDIAG_FLOW_MAX_HOLES / _MAX_EVENTS entries), NULL before. */
    tcpdiag_hole *holes;
    /* Recent retransmissions of distinct data, for clustering (ring). */
    int64_t    *loss_ns;
    tcpdiag_flow_incidents *incidents;  /* NULL until the first; see tcpdiag_flow_incidents */
    int64_t    last_send_ns;      /* the sender's latest segment of any kind */
    int64_t    last_data_ns;      /* ... carrying data */
    /* One-way delay sender -> capture point from the sender's TCP timestamps,
     * relative to the first one seen (origin): a queue in front of the
     * capture point shows as a rising floor, also where no round trip
     * through the queue can be measured (behind the bottleneck). */
    int64_t    owd_origin_ns, owd_last_ns;
    int64_t    owd_min_ns;
    int64_t    owd_recent_ns[4];  /* latest samples: their floor ignores one late datagram */
    /* ---- 8-byte: the receiver's answers ---- */
    int64_t    ack_ns;             /* when highest_ack first passed */
    int64_t    dup_ack_ns;
    int64_t    last_heard_ns;      /* the receiver's latest segment of any kind */
    /* Round trip capture point -> receiver -> capture point, from data/ACK pairs. */
    int64_t    rtt_min_ns, rtt_srtt_ns, rtt_latest_ns;
    int64_t    rtt_recent_ns[4];   /* latest samples: their floor ignores delayed ACKs */
    /* Latest transmission time of data known to have arrived (RFC 8985 RACK):
     * anything sent before it and still missing is lost. */
    int64_t    delivered_xmit_ns;

    /* ---- 4-byte: the sender ---- */
    uint32_t   tx_head, tx_count, tx_cap;
    uint32_t   tx_acked;          /* leading ranges already acknowledged */
    uint32_t   snd_max;
    uint32_t   hole_count;
    uint32_t   loss_next, loss_total;
    uint32_t   max_seg_len;       /* largest payload sent */
    uint32_t   max_acked_len;     /* largest payload known to have arrived */
    uint32_t   data_segs, retrans_segs;
    uint32_t   last_send_frame;
    uint32_t   newest_tsval;      /* the sender's newest TCP timestamp seen (send-order mark) */
    uint32_t   owd_origin_ts, owd_last_ts;
    uint32_t   owd_samples;
    tcpdiag_spacing data_spacing;  /* the sender's data segments */
    /* ---- 4-byte: the receiver's answers ---- */
    uint32_t   delivered_frame;    /* the ACK / SACK that told */
    uint32_t   rtt_samples;
    uint32_t   highest_ack;
    uint32_t   ack_frame;          /* frame that first carried highest_ack */
    uint32_t   dup_acks;           /* duplicates of highest_ack so far */
    uint32_t   dup_ack_frame;      /* the latest one */
    uint32_t   window;             /* latest receive window, scaled when the scale is known */
    uint32_t   last_heard_frame;

    /* ---- smaller: the sender ---- */
    uint16_t   last_ip_id;
    /* IP IDs exactly one apart in a row, counted up to TCPDIAG_IP_ID_RUN_PROVEN
     * and kept there: then the sender numbers this connection's datagrams one
     * by one (Linux), not from a counter other traffic shares. */
    uint8_t    ip_id_run;
    bool       snd_max_known;
    bool       rate_warned;
    bool       ip_id_known;
    bool       newest_tsval_known;
    bool       owd_origin_known;
    /* ---- smaller: the receiver's answers ---- */
    bool       ack_known;
    bool       rcv_wscale_known;
    uint8_t    rcv_wscale;         /* the receiver's window scale, when negotiated */
};

typedef struct tcpdiag_flow tcpdiag_flow;

/* Eight datagrams numbered one after the other: a counter shared with other
 * connections of a busy host rarely gives that many in a row. */
#define TCPDIAG_IP_ID_RUN_PROVEN 8
static inline bool tcpdiag_flow_ip_ids_per_connection(const tcpdiag_flow *f)
{
    return f->ip_id_run >= TCPDIAG_IP_ID_RUN_PROVEN;
}

/* A flow's incidents to read: all zero (a shared constant) while it has had none. */
extern const tcpdiag_flow_incidents tcpdiag_flow_no_incidents;
static inline const tcpdiag_flow_incidents *tcpdiag_flow_incidents_of(const tcpdiag_flow *f)
{
    return f->incidents ? f->incidents : &tcpdiag_flow_no_incidents;
}
/* A flow's incidents to record one in, allocated on the first. */
tcpdiag_flow_incidents *tcpdiag_flow_incidents_to_note(tcpdiag_flow *f);

/* ---- life, and what the tracker tells a flow ---- */

tcpdiag_flow *tcpdiag_flow_new(void);
/* A flow created after its SYN went by: `snd_max` is ISN + 1 (+ SYN data),
 * `syns` how many SYNs (or SYN-ACKs) carried it. */
void tcpdiag_flow_start(tcpdiag_flow *f, uint32_t snd_max, uint32_t syns);
void tcpdiag_flow_free(tcpdiag_flow *f);
/* The conversation has closed: give back the room kept for ranges to come
 * (it grows again if anything more is sent). */
void tcpdiag_flow_shrink(tcpdiag_flow *f);
/* The shift the receiver of this flow applies to the windows it advertises
 * (RFC 7323: 0 unless both SYNs carried the option). */
void tcpdiag_flow_set_window_scale(tcpdiag_flow *f, uint8_t shift);
/* An ICMP frag-needed / packet-too-big quoting this flow's data. */
void tcpdiag_flow_note_icmp_ptb(tcpdiag_flow *f, const tcpdiag_segment *quoted);
/* Retransmissions so far from this flow's sender; data segments sent. */
uint32_t tcpdiag_flow_retrans_count(const tcpdiag_flow *f);
uint32_t tcpdiag_flow_data_segments(const tcpdiag_flow *f);

/* ---- the retransmission analysis' access ---- */

tcpdiag_tx *tcpdiag_flow_tx_at(tcpdiag_flow *f, uint32_t i);
/* Index of the first range that ends after `seq`, or tx_count. */
uint32_t tcpdiag_flow_tx_find(tcpdiag_flow *f, uint32_t seq);
/* A new range at the end (beyond snd_max) or inside a former hole. */
tcpdiag_tx *tcpdiag_flow_tx_insert(tcpdiag_flow *f, uint32_t at, const tcpdiag_segment *seg,
                                   uint32_t seq, uint32_t end);

/* Cut range i in two at `seq` (a re-send covering part of it); false when the table is full. */
bool tcpdiag_flow_tx_split(tcpdiag_flow *f, uint32_t i, uint32_t seq);

/* `seg` is the segment that revealed the gap [seq, end). */
void tcpdiag_flow_hole_add(tcpdiag_flow *f, uint32_t seq, uint32_t end, const tcpdiag_segment *seg);
/* The hole [seq, end) falls in, or NULL; removes the filled part. */
bool tcpdiag_flow_hole_fill(tcpdiag_flow *f, uint32_t seq, uint32_t end, tcpdiag_hole *found);

/* The receiver's segment `seg` acknowledges this flow's data. Returns the
 * frame of a re-send its DSACK block proves unnecessary (RFC 2883), or 0. */
typedef struct tcpdiag_dsack {
    bool ack_was_seen;   /* the unneeded re-send came after its ACK passed the capture point */
    bool window_full;    /* its original had filled the receiver's window */
    bool fast;           /* it answered duplicate ACKs / SACKs: the original was only overtaken */
} tcpdiag_dsack;
uint32_t tcpdiag_flow_take_ack(tcpdiag_flow *f, const tcpdiag_segment *seg, tcpdiag_dsack *dsack);
/* Any segment of this flow's sender (IP ID run, liveness). */
void tcpdiag_flow_note_sent(tcpdiag_flow *f, const tcpdiag_segment *seg);
/* The sender's data arrives here evenly spaced: a bottleneck upstream sets its pace. */
bool tcpdiag_flow_data_paced(const tcpdiag_flow *f);
/* How far the sender -> capture point delay has risen above its floor
 * (ns), from the sender's TCP timestamps; 0 when they cannot tell. */
int64_t tcpdiag_flow_owd_rise(const tcpdiag_flow *f);
/* Evidence of reordering on this direction's path, seen in `frame`. */
void tcpdiag_flow_note_reordering(tcpdiag_flow *f, uint32_t frame);

#endif
