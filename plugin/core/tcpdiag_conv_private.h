/* tcpdiag_conv_private.h - what the tracker's files share: the tracker, a conversation's private state, one segment's facts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Private to the files of the tracker (tcpdiag_conv*.c):
 *   tcpdiag_conv_table.c      the table, the conversation cap, creating conversations
 *   tcpdiag_conv_handshake.c  the handshake verdict and timing
 *   tcpdiag_conv_states.c     both endpoints' states, FINs in flight, CLOSE_WAIT
 *   tcpdiag_conv_one_way.c    captures of one direction
 *   tcpdiag_conv_retrans.c    the flows, window scaling, the retransmission analysis
 *   tcpdiag_conv.c            one header through all of them; ICMP quotes, first fragments
 */
#ifndef TCPDIAG_CONV_PRIVATE_H
#define TCPDIAG_CONV_PRIVATE_H

#include <glib.h>

#include "tcpdiag_blocks.h"
#include "tcpdiag_conv.h"
#include "tcpdiag_flow.h"
#include "tcpdiag_handshake.h"
#include "tcpdiag_state.h"

struct tcpdiag_tracker {
    tcpdiag_config cfg;
    /* Either direction's tuple -> newest conversation on it; the key is
     * that conversation's own tuple (no copy). */
    GHashTable    *by_tuple;
    /* The conversation by_tuple gave or took last (NULL: none): the next
     * header is most often of the same one (tcpdiag_conv_find). */
    struct conv_private *last_found;
    /* By id (ids run from 0 and are never reused): the conversation held
     * in memory (owned), NULL once the cap dropped it. 8 bytes an id, where
     * a hash table by id took about 26 a conversation. */
    tcpdiag_blocks held;
    uint32_t       live;      /* conversations held */
    /* Every conversation's endpoints, oriented client -> server, by id; kept
     * after the cap drops the conversation so that a later pass still names
     * them (38 bytes a conversation, against ~350 for the state dropped).
     * They never move, so the per-frame store points at them. Their count
     * is the next id. */
    tcpdiag_blocks tuples;
    /* Conversations held, least recently active first: the cap drops the head. */
    struct conv_private *idle_head, *idle_tail;
    uint64_t       evicted;
};

/* The per-conversation extras the verdict does not need to carry. Grouped
 * by size (8-byte, then 4, then smaller), so that the struct, one per
 * conversation, carries no padding. */
typedef struct conv_private {
    tcpdiag_conv pub;
    struct conv_private *idle_prev, *idle_next;   /* the tracker's activity list */
    tcpdiag_flow *flow[2];          /* by sender; NULL until more than a bare SYN was seen */
    uint32_t last_frame_from[2];    /* each side's latest segment */
    uint32_t last_ack[2];           /* each side's latest ACK number, for one-way captures */
    uint32_t icmp_frame;            /* latest ICMP error about this conversation */
    tcpdiag_mss_state mss;
    bool     ack_known[2];          /* last_ack[side] is set */
    bool     close_wait_warned[2];
    int8_t   silent_side;           /* the side proven to send unseen, -1 = none */
    bool     wscale_applied;        /* the flows' window scale is decided */
} conv_private;

/* What the current segment is, from the conversation's point of view. */
typedef struct seg_facts {
    bool syn, ack, fin, rst, bare_syn, synack;
    int  dir;                 /* TCPDIAG_CLIENT when sent by the client */
} seg_facts;

static inline void set_note(tcpdiag_verdict *out, tcpdiag_notice n)
{
    out->notices |= 1u << n;
}

static inline void apply(tcpdiag_endpoint *ep, tcpdiag_event ev)
{
    ep->state = (uint8_t)tcpdiag_state_next((tcpdiag_state)ep->state, ev);
}

static inline void hs_event(tcpdiag_conv *c, tcpdiag_hs_event ev)
{
    c->handshake = (uint8_t)tcpdiag_handshake_next((tcpdiag_handshake)c->handshake, ev);
}

/* The client's and the server's SYN records, as the MSS rules take them. */
static inline const tcpdiag_syn_record *syn_records(const tcpdiag_conv *c, tcpdiag_syn_record out[2])
{
    out[TCPDIAG_CLIENT] = c->ep[TCPDIAG_CLIENT].syn;
    out[TCPDIAG_SERVER] = c->ep[TCPDIAG_SERVER].syn;
    return out;
}

/* tcpdiag_conv_table.c */
conv_private *tcpdiag_conv_create(tcpdiag_tracker *t, const tcpdiag_segment *seg);
/* The newest conversation on this tuple (either direction), NULL when none. */
conv_private *tcpdiag_conv_find(tcpdiag_tracker *t, const tcpdiag_tuple *tuple);
/* The conversation just had a segment: it becomes the most recently active. */
void tcpdiag_conv_touch(tcpdiag_tracker *t, conv_private *p);
/* A bare SYN on a known 4-tuple opens a new conversation. */
bool tcpdiag_conv_syn_starts_new(const tcpdiag_conv *c, const tcpdiag_segment *seg);

/* tcpdiag_conv_handshake.c */
/* A SYN-ACK may acknowledge the SYN alone or also data carried on it. */
bool tcpdiag_conv_synack_ack_valid(const tcpdiag_endpoint *syn_sender, uint32_t ack);
void tcpdiag_conv_track_handshake(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                                  tcpdiag_verdict *out);

/* tcpdiag_conv_states.c */
void tcpdiag_conv_track_states(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                               tcpdiag_verdict *out);
void tcpdiag_conv_watch_close_wait(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                                   const uint8_t prev[2], tcpdiag_verdict *out);

/* tcpdiag_conv_one_way.c */
void tcpdiag_conv_watch_one_direction(conv_private *p, const tcpdiag_segment *seg, const seg_facts *f,
                                      tcpdiag_verdict *out);

/* tcpdiag_conv_retrans.c */
void tcpdiag_conv_track_retrans(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                                const seg_facts *f, bool repeat_syn, tcpdiag_verdict *out,
                                tcpdiag_retrans_info *info);
/* A SYN / SYN-ACK with an ISN its sender already sent. */
bool tcpdiag_conv_repeats_syn(const tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f);

#endif
