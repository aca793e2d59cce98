/* tcpdiag_conv_table.c - the tracker's table of conversations, its cap, and new conversations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv_private.h"

#include <string.h>

#include "tcpdiag_time.h"
#include "tcpdiag_tuple.h"

static void conv_private_free(conv_private *p)
{
    if (!p)
        return;
    tcpdiag_flow_free(p->flow[0]);
    tcpdiag_flow_free(p->flow[1]);
    g_free(p);
}

/* ---- tracker ------------------------------------------------------------- */

/* Tuples of all conversations are kept in blocks of this many (38 KB): small
 * next to a capture's other state, and one block pointer per 1024
 * conversations costs nothing. */
#define TUPLES_PER_BLOCK 1024u
/* Held-conversation pointers per block (32 KB). */
#define HELD_PER_BLOCK 4096u

static conv_private **held_slot(const tcpdiag_tracker *t, uint32_t id)
{
    return tcpdiag_blocks_at(&t->held, id);
}

void tcpdiag_config_defaults(tcpdiag_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->close_wait_warn_ns = 5 * TCPDIAG_NS_PER_SEC;
    cfg->retrans.dup_ack_threshold = 3;
    cfg->retrans.rate_warn_bp = 100;
    cfg->retrans.rate_min_segments = 100;
}

tcpdiag_tracker *tcpdiag_tracker_new(const tcpdiag_config *cfg)
{
    tcpdiag_tracker *t = g_new0(tcpdiag_tracker, 1);
    t->cfg = *cfg;
    t->by_tuple = g_hash_table_new(tcpdiag_tuple_hash_either, tcpdiag_tuple_equal_either);
    tcpdiag_blocks_init(&t->held, sizeof(conv_private *), HELD_PER_BLOCK);
    tcpdiag_blocks_init(&t->tuples, sizeof(tcpdiag_tuple), TUPLES_PER_BLOCK);
    return t;
}

void tcpdiag_tracker_free(tcpdiag_tracker *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->by_tuple);
    for (uint32_t id = 0; id < t->held.count; id++)
        conv_private_free(*held_slot(t, id));
    tcpdiag_blocks_clear(&t->held);
    tcpdiag_blocks_clear(&t->tuples);
    g_free(t);
}

uint32_t tcpdiag_tracker_conv_count(const tcpdiag_tracker *t)
{
    return t->tuples.count;
}

const tcpdiag_conv *tcpdiag_tracker_conv(const tcpdiag_tracker *t, uint32_t id)
{
    conv_private *p = id < t->held.count ? *held_slot(t, id) : NULL;
    return p ? &p->pub : NULL;
}

const tcpdiag_tuple *tcpdiag_tracker_tuple(const tcpdiag_tracker *t, uint32_t id)
{
    return id < t->tuples.count ? tcpdiag_blocks_at(&t->tuples, id) : NULL;
}

uint32_t tcpdiag_tracker_live_count(const tcpdiag_tracker *t)
{
    return t->live;
}

uint64_t tcpdiag_tracker_evicted(const tcpdiag_tracker *t)
{
    return t->evicted;
}

/* ---- conversation cap ------------------------------------------------------
 * Every held conversation is on a doubly linked list ordered by its latest
 * segment, so finding and dropping the one idle the longest is O(1). Ids are
 * never reused (frame numbers are 32-bit, so they cannot run out): a stored
 * verdict of a dropped conversation resolves to NULL, never to another one. */

static void idle_unlink(tcpdiag_tracker *t, conv_private *p)
{
    if (p->idle_prev)
        p->idle_prev->idle_next = p->idle_next;
    else
        t->idle_head = p->idle_next;
    if (p->idle_next)
        p->idle_next->idle_prev = p->idle_prev;
    else
        t->idle_tail = p->idle_prev;
    p->idle_prev = p->idle_next = NULL;
}

static void idle_append(tcpdiag_tracker *t, conv_private *p)
{
    p->idle_prev = t->idle_tail;
    p->idle_next = NULL;
    if (t->idle_tail)
        t->idle_tail->idle_next = p;
    else
        t->idle_head = p;
    t->idle_tail = p;
}

/* The conversation just had a segment: it becomes the most recently active. */
void tcpdiag_conv_touch(tcpdiag_tracker *t, conv_private *p)
{
    if (t->idle_tail == p)
        return;
    idle_unlink(t, p);
    idle_append(t, p);
}

static void evict_idlest(tcpdiag_tracker *t)
{
    conv_private *p = t->idle_head;
    idle_unlink(t, p);
    /* A conversation replaced on its 4-tuple (port reuse) is no longer the key's value. */
    if (g_hash_table_lookup(t->by_tuple, &p->pub.tuple) == p)
        g_hash_table_remove(t->by_tuple, &p->pub.tuple);
    if (t->last_found == p)
        t->last_found = NULL;
    *held_slot(t, p->pub.id) = NULL;
    t->live--;
    conv_private_free(p);
    t->evicted++;
}

/* Called before a conversation is added. */
static void make_room(tcpdiag_tracker *t)
{
    while (t->cfg.max_conversations && t->idle_head &&
           t->live >= t->cfg.max_conversations)
        evict_idlest(t);
}

/* Over half the headers of a capture (57% of the benchmark's) belong to the
 * conversation of the header before: comparing with it first skips the hash
 * and the table. It is by_tuple's value for its tuple, as every change of
 * the table (tcpdiag_conv_create, evict_idlest) keeps it so. */
conv_private *tcpdiag_conv_find(tcpdiag_tracker *t, const tcpdiag_tuple *tuple)
{
    if (t->last_found && tcpdiag_tuple_equal_either(&t->last_found->pub.tuple, tuple))
        return t->last_found;
    conv_private *p = g_hash_table_lookup(t->by_tuple, tuple);
    if (p)
        t->last_found = p;
    return p;
}

/* ---- conversation life --------------------------------------------------- */

static bool endpoint_done(uint8_t st)
{
    return st == TCPDIAG_STATE_CLOSED || st == TCPDIAG_STATE_TIME_WAIT;
}

/* A bare SYN on a known 4-tuple opens a new conversation when the old one
 * is over, or when the client starts afresh with another ISN. */
bool tcpdiag_conv_syn_starts_new(const tcpdiag_conv *c, const tcpdiag_segment *seg)
{
    const tcpdiag_endpoint *sender = tcpdiag_tuple_same_direction(&seg->tuple, &c->tuple)
                                         ? &c->ep[TCPDIAG_CLIENT] : &c->ep[TCPDIAG_SERVER];
    bool other_isn = sender->isn_known && sender->isn != seg->seq;
    /* The same ISN re-sent after an ICMP refusal is the same attempt retrying. */
    bool retry_of_refused = !other_isn && sender->isn_known && c->handshake == TCPDIAG_HS_REJECTED;
    if (endpoint_done(c->ep[TCPDIAG_CLIENT].state) && endpoint_done(c->ep[TCPDIAG_SERVER].state))
        return !retry_of_refused;
    if (!other_isn)
        return false;
    /* A different ISN after a reset, or after this side already closed. */
    return c->rst_seen || endpoint_done(sender->state) || c->handshake == TCPDIAG_HS_REJECTED;
}

/* Mid-stream: the lower port is most often the service. */
static bool sender_looks_like_server(const tcpdiag_segment *seg)
{
    return seg->tuple.sport < seg->tuple.dport;
}

conv_private *tcpdiag_conv_create(tcpdiag_tracker *t, const tcpdiag_segment *seg)
{
    make_room(t);
    conv_private *p = g_new0(conv_private, 1);
    tcpdiag_conv *c = &p->pub;
    p->silent_side = -1;
    c->id = t->tuples.count;   /* its tuple is appended below */
    c->first_frame = seg->frame;
    c->first_ns = seg->time_ns;

    bool syn = seg->flags_known && (seg->flags & TCPDIAG_SYN) && !(seg->flags & TCPDIAG_RST);
    bool ack = seg->flags_known && (seg->flags & TCPDIAG_ACK);
    bool sender_is_server;
    if (syn && !ack) {
        sender_is_server = false;
        c->handshake = TCPDIAG_HS_SYN_ONLY;
        c->ep[TCPDIAG_CLIENT].state = TCPDIAG_STATE_CLOSED;
        c->ep[TCPDIAG_SERVER].state = TCPDIAG_STATE_CLOSED;
    } else if (syn && ack) {
        /* The SYN escaped the capture; the SYN-ACK tells the roles. */
        sender_is_server = true;
        c->handshake = TCPDIAG_HS_SYN_ONLY;
        c->ep[TCPDIAG_CLIENT].state = TCPDIAG_STATE_SYN_SENT;
        c->ep[TCPDIAG_SERVER].state = TCPDIAG_STATE_CLOSED;
        c->ep[TCPDIAG_CLIENT].isn = seg->ack - 1;
        c->ep[TCPDIAG_CLIENT].isn_known = true;
    } else {
        sender_is_server = sender_looks_like_server(seg);
        c->roles_inferred = true;
        c->handshake = TCPDIAG_HS_NOT_SEEN;
        c->ep[TCPDIAG_CLIENT].state = TCPDIAG_STATE_UNKNOWN;
        c->ep[TCPDIAG_SERVER].state = TCPDIAG_STATE_UNKNOWN;
    }
    if (sender_is_server)
        tcpdiag_tuple_reverse(&seg->tuple, &c->tuple);
    else
        c->tuple = seg->tuple;
    memcpy(tcpdiag_blocks_append(&t->tuples), &c->tuple, sizeof c->tuple);

    /* Replacing also swaps the key: it always lies in the conversation it maps to. */
    g_hash_table_replace(t->by_tuple, &c->tuple, p);
    t->last_found = p;
    *(conv_private **)tcpdiag_blocks_append(&t->held) = p;
    t->live++;
    idle_append(t, p);
    return p;
}
