/* tcpdiag_conv.h - follows every TCP conversation of a capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A conversation is two endpoints (Zeek style): each has its own socket
 * state; the conversation adds the handshake verdict and timing.
 */
#ifndef TCPDIAG_CONV_H
#define TCPDIAG_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpdiag_retrans.h"
#include "tcpdiag_segment.h"
#include "tcpdiag_syn.h"
#include "tcpdiag_verdict.h"

typedef struct tcpdiag_endpoint {
    uint8_t  state;            /* tcpdiag_state */
    bool     isn_known;
    bool     fin_sent;
    uint32_t isn;
    uint32_t syn_data_len;     /* bytes carried on its SYN (TCP Fast Open) */
    uint32_t fin_seq;          /* sequence number the FIN occupies */
    /* The peer's FIN passed the tap but this side has not acknowledged it:
     * its FIN-driven state is an assumption, undone if its next segment
     * shows the FIN had not arrived yet (FINs crossing on a slow path). */
    bool     peer_fin_unconfirmed;
    uint8_t  state_before_peer_fin;
    uint8_t  state_after_peer_fin;
    bool     snd_max_known;
    uint32_t snd_max;          /* highest sequence end sent, SYN and FIN included */
    uint16_t syn_count;        /* bare SYNs sent */
    uint16_t synack_count;     /* SYN-ACKs sent */
    int64_t  last_syn_ns;      /* latest SYN / SYN-ACK */
    tcpdiag_syn_record  syn;   /* what its SYN / SYN-ACK announced (MSS, options) */
    tcpdiag_syn_history syn_tx;/* its SYN / SYN-ACK datagrams, to tell re-sends from copies */
    int64_t  close_wait_since_ns;
} tcpdiag_endpoint;

typedef struct tcpdiag_conv {
    uint32_t id;
    uint32_t stream;           /* tcp.stream of the latest segment */
    tcpdiag_tuple tuple;       /* oriented client -> server */
    uint8_t  handshake;        /* tcpdiag_handshake */
    bool     roles_inferred;
    bool     has_stream;
    bool     rst_seen;
    uint32_t first_frame, last_frame;
    uint32_t syn_frame;        /* latest client SYN */
    int64_t  first_ns, last_ns;
    int64_t  rtt_ns, rtt_server_ns, rtt_client_ns;
    bool     rtt_known, rtt_server_known, rtt_client_known;
    uint32_t seq_segs[2];      /* segments carrying sequence space, by sender (client, server) */
    uint32_t retrans_segs[2];  /* ... of which retransmissions */
    tcpdiag_endpoint ep[2];
} tcpdiag_conv;

typedef struct tcpdiag_config {
    int64_t close_wait_warn_ns;  /* CLOSE_WAIT older than this gets a warning */
    tcpdiag_retrans_config retrans;
    /* At most this many conversations are held; beyond it the one idle the
     * longest is dropped (a SYN flood must not exhaust memory). 0 = no cap. */
    uint32_t max_conversations;
} tcpdiag_config;

/* Defaults users get when they change nothing. */
void tcpdiag_config_defaults(tcpdiag_config *cfg);

typedef struct tcpdiag_tracker tcpdiag_tracker;

tcpdiag_tracker *tcpdiag_tracker_new(const tcpdiag_config *cfg);
void tcpdiag_tracker_free(tcpdiag_tracker *t);

/* Feed one TCP header, in capture order; fills *out, and *retrans (may be
 * NULL) with the retransmission facts when out->has_retrans_info. */
void tcpdiag_tracker_process(tcpdiag_tracker *t, const tcpdiag_segment *seg, tcpdiag_verdict *out,
                             tcpdiag_retrans_info *retrans);

/* Conversations started so far; ids run from 0 to this minus 1 and are never reused. */
uint32_t tcpdiag_tracker_conv_count(const tcpdiag_tracker *t);
/* The conversation with this id, or NULL when there is none or the cap dropped it. */
const tcpdiag_conv *tcpdiag_tracker_conv(const tcpdiag_tracker *t, uint32_t id);
/* The endpoints (client -> server) of any conversation started so far, held
 * or dropped by the cap; NULL for an id never given. The tuple stays at
 * this address until the tracker is freed. */
const tcpdiag_tuple *tcpdiag_tracker_tuple(const tcpdiag_tracker *t, uint32_t id);
/* Conversations held in memory now, and how many the cap has dropped. */
uint32_t tcpdiag_tracker_live_count(const tcpdiag_tracker *t);
uint64_t tcpdiag_tracker_evicted(const tcpdiag_tracker *t);

#endif
