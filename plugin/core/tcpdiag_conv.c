/* tcpdiag_conv.c - conversation tracking: handshake verdict and both endpoints' states.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_conv.h"

#include <glib.h>
#include <string.h>

#include "tcpdiag_handshake.h"
#include "tcpdiag_seq.h"
#include "tcpdiag_state.h"
#include "tcpdiag_time.h"

struct tcpdiag_tracker {
    tcpdiag_config cfg;
    GHashTable    *by_tuple;  /* canonical tuple -> newest conversation on it */
    GHashTable    *by_id;     /* id -> conversation held in memory (owns it) */
    uint32_t       next_id;
    /* Every conversation's endpoints, oriented client -> server, by id; kept
     * after the cap drops the conversation so that a later pass still names
     * them (38 bytes a conversation, against ~350 for the state dropped). */
    GArray        *tuples;
    /* Conversations held, least recently active first: the cap drops the head. */
    struct conv_private *idle_head, *idle_tail;
    uint64_t       evicted;
};

/* The per-conversation extras the verdict does not need to carry. */
typedef struct conv_private {
    tcpdiag_conv pub;
    struct conv_private *idle_prev, *idle_next;   /* the tracker's activity list */
    bool close_wait_warned[2];
    tcpdiag_flow *flow[2];          /* by sender; NULL until more than a bare SYN was seen */
    uint32_t last_frame_from[2];    /* each side's latest segment */
    bool     ack_known[2];          /* each side's latest ACK number, for one-way captures */
    uint32_t last_ack[2];
    int8_t   silent_side;           /* the side proven to send unseen, -1 = none */
    uint32_t icmp_frame;            /* latest ICMP error about this conversation */
    bool     wscale_applied;        /* the flows' window scale is decided */
    tcpdiag_mss_state mss;
} conv_private;

static void conv_private_free(gpointer data)
{
    conv_private *p = data;
    tcpdiag_flow_free(p->flow[0]);
    tcpdiag_flow_free(p->flow[1]);
    g_free(p);
}

/* ---- tuples -------------------------------------------------------------- */

static size_t addr_len(const tcpdiag_tuple *t)
{
    return t->family == 6 ? 16 : 4;
}

static int endpoint_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, size_t len)
{
    int c = memcmp(a, b, len);
    if (c)
        return c;
    return (int)ap - (int)bp;
}

/* Both directions of a conversation map to the same key. */
static void tuple_canonical(const tcpdiag_tuple *in, tcpdiag_tuple *key)
{
    memset(key, 0, sizeof *key);
    key->family = in->family;
    size_t len = addr_len(in);
    if (endpoint_cmp(in->src, in->sport, in->dst, in->dport, len) <= 0) {
        memcpy(key->src, in->src, len);
        memcpy(key->dst, in->dst, len);
        key->sport = in->sport;
        key->dport = in->dport;
    } else {
        memcpy(key->src, in->dst, len);
        memcpy(key->dst, in->src, len);
        key->sport = in->dport;
        key->dport = in->sport;
    }
}

static bool tuple_same_direction(const tcpdiag_tuple *a, const tcpdiag_tuple *b)
{
    size_t len = addr_len(a);
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           memcmp(a->src, b->src, len) == 0 && memcmp(a->dst, b->dst, len) == 0;
}

static void tuple_reverse(const tcpdiag_tuple *in, tcpdiag_tuple *out)
{
    memset(out, 0, sizeof *out);
    out->family = in->family;
    memcpy(out->src, in->dst, sizeof out->src);
    memcpy(out->dst, in->src, sizeof out->dst);
    out->sport = in->dport;
    out->dport = in->sport;
}

static guint tuple_hash(gconstpointer p)
{
    const tcpdiag_tuple *t = p;
    guint h = 2166136261u;
    const uint8_t *bytes[2] = { t->src, t->dst };
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < addr_len(t); j++)
            h = (h ^ bytes[i][j]) * 16777619u;
    h = (h ^ t->sport) * 16777619u;
    h = (h ^ t->dport) * 16777619u;
    return h ^ t->family;
}

static gboolean tuple_equal(gconstpointer a, gconstpointer b)
{
    return tuple_same_direction(a, b);
}

/* ---- tracker ------------------------------------------------------------- */

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
    t->by_tuple = g_hash_table_new_full(tuple_hash, tuple_equal, g_free, NULL);
    t->by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, conv_private_free);
    t->tuples = g_array_new(FALSE, FALSE, sizeof(tcpdiag_tuple));
    return t;
}

void tcpdiag_tracker_free(tcpdiag_tracker *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->by_tuple);
    g_hash_table_destroy(t->by_id);
    g_array_free(t->tuples, TRUE);
    g_free(t);
}

uint32_t tcpdiag_tracker_conv_count(const tcpdiag_tracker *t)
{
    return t->next_id;
}

const tcpdiag_conv *tcpdiag_tracker_conv(const tcpdiag_tracker *t, uint32_t id)
{
    conv_private *p = g_hash_table_lookup(t->by_id, GUINT_TO_POINTER(id));
    return p ? &p->pub : NULL;
}

const tcpdiag_tuple *tcpdiag_tracker_tuple(const tcpdiag_tracker *t, uint32_t id)
{
    return id < t->tuples->len ? &g_array_index(t->tuples, tcpdiag_tuple, id) : NULL;
}

uint32_t tcpdiag_tracker_live_count(const tcpdiag_tracker *t)
{
    return g_hash_table_size(t->by_id);
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
static void conv_touch(tcpdiag_tracker *t, conv_private *p)
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
    tcpdiag_tuple key;
    tuple_canonical(&p->pub.tuple, &key);
    if (g_hash_table_lookup(t->by_tuple, &key) == p)
        g_hash_table_remove(t->by_tuple, &key);
    g_hash_table_remove(t->by_id, GUINT_TO_POINTER(p->pub.id));  /* frees p */
    t->evicted++;
}

/* Called before a conversation is added. */
static void make_room(tcpdiag_tracker *t)
{
    while (t->cfg.max_conversations && t->idle_head &&
           g_hash_table_size(t->by_id) >= t->cfg.max_conversations)
        evict_idlest(t);
}

/* ---- conversation life --------------------------------------------------- */

static bool endpoint_done(uint8_t st)
{
    return st == TCPDIAG_STATE_CLOSED || st == TCPDIAG_STATE_TIME_WAIT;
}

/* A bare SYN on a known 4-tuple opens a new conversation when the old one
 * is over, or when the client starts afresh with another ISN. */
static bool syn_starts_new_conversation(const tcpdiag_conv *c, const tcpdiag_segment *seg)
{
    const tcpdiag_endpoint *sender = tuple_same_direction(&seg->tuple, &c->tuple)
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

static conv_private *conv_create(tcpdiag_tracker *t, const tcpdiag_segment *seg)
{
    make_room(t);
    conv_private *p = g_new0(conv_private, 1);
    tcpdiag_conv *c = &p->pub;
    p->silent_side = -1;
    c->id = t->next_id++;
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
        tuple_reverse(&seg->tuple, &c->tuple);
    else
        c->tuple = seg->tuple;
    g_array_append_val(t->tuples, c->tuple);

    tcpdiag_tuple *key = g_new(tcpdiag_tuple, 1);
    tuple_canonical(&seg->tuple, key);
    g_hash_table_replace(t->by_tuple, key, p);
    g_hash_table_insert(t->by_id, GUINT_TO_POINTER(c->id), p);
    idle_append(t, p);
    return p;
}

/* ---- per-segment reasoning ----------------------------------------------- */

typedef struct seg_facts {
    bool syn, ack, fin, rst, bare_syn, synack;
    int  dir;                 /* TCPDIAG_CLIENT when sent by the client */
} seg_facts;

/* The client's and the server's SYN records, as the MSS rules take them. */
static void syn_records(const tcpdiag_conv *c, tcpdiag_syn_record out[2])
{
    out[TCPDIAG_CLIENT] = c->ep[TCPDIAG_CLIENT].syn;
    out[TCPDIAG_SERVER] = c->ep[TCPDIAG_SERVER].syn;
}

static const tcpdiag_syn_record *syn_records_of(const tcpdiag_conv *c, tcpdiag_syn_record out[2])
{
    syn_records(c, out);
    return out;
}

static void set_note(tcpdiag_verdict *out, tcpdiag_notice n)
{
    out->notices |= 1u << n;
}

static void apply(tcpdiag_endpoint *ep, tcpdiag_event ev)
{
    ep->state = (uint8_t)tcpdiag_state_next((tcpdiag_state)ep->state, ev);
}

static void hs_event(tcpdiag_conv *c, tcpdiag_hs_event ev)
{
    c->handshake = (uint8_t)tcpdiag_handshake_next((tcpdiag_handshake)c->handshake, ev);
}

/* A SYN-ACK may acknowledge the SYN alone or also data carried on it. */
static bool synack_ack_valid(const tcpdiag_endpoint *syn_sender, uint32_t ack)
{
    if (!syn_sender->isn_known)
        return true;
    uint32_t first = syn_sender->isn + 1;
    return tcpdiag_seq_geq(ack, first) && tcpdiag_seq_leq(ack, first + syn_sender->syn_data_len);
}

/* The handshake's ACK acknowledges the SYN-ACK and possibly data the server
 * already sent (TCP Fast Open), but never beyond what it sent. */
static bool final_ack_valid(const tcpdiag_endpoint *server, uint32_t ack)
{
    if (!server->isn_known)
        return true;
    uint32_t first = server->isn + 1;
    uint32_t last = (server->snd_max_known && tcpdiag_seq_gt(server->snd_max, first)) ? server->snd_max : first;
    return tcpdiag_seq_geq(ack, first) && tcpdiag_seq_leq(ack, last);
}

static void track_handshake(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                            tcpdiag_verdict *out)
{
    tcpdiag_endpoint *sender = &c->ep[f->dir];
    tcpdiag_endpoint *receiver = &c->ep[!f->dir];
    uint8_t before = c->handshake;

    if (f->syn) {
        if (f->bare_syn)
            sender->syn_count++;
        else
            sender->synack_count++;
        sender->last_syn_ns = seg->time_ns;
        if (!sender->isn_known || sender->isn != seg->seq) {
            sender->isn = seg->seq;
            sender->isn_known = true;
        }
        sender->syn_data_len = seg->payload_len;
        if (!f->rst)
            tcpdiag_syn_record_take(&sender->syn, seg);
        if (seg->payload_len > 0)
            set_note(out, TCPDIAG_NOTE_SYN_WITH_DATA);
    }
    if (f->bare_syn) {
        if (f->dir == TCPDIAG_CLIENT) {
            c->syn_frame = seg->frame;
            /* Within one conversation a client SYN is the same attempt
             * again: it reopens a refusal (the table says when). */
            hs_event(c, TCPDIAG_HS_EV_SYN_RETRY);
            if (sender->syn_count > 1 && c->handshake == TCPDIAG_HS_SYN_ONLY)
                set_note(out, TCPDIAG_NOTE_SYN_UNANSWERED);
        } else {
            hs_event(c, TCPDIAG_HS_EV_SYN_FROM_SERVER);
        }
    }
    if (f->synack) {
        if (!synack_ack_valid(receiver, seg->ack))
            set_note(out, TCPDIAG_NOTE_SYNACK_BAD_ACK);
        if (sender->synack_count > 1)
            set_note(out, TCPDIAG_NOTE_SYNACK_REPEATED);
        if (f->dir == TCPDIAG_SERVER) {
            /* Here and below: timestamps running backwards (captures merged
             * from unsynchronized clocks) give no round-trip time at all. */
            if (c->handshake == TCPDIAG_HS_SYN_ONLY && receiver->syn_count && !c->rtt_server_known &&
                seg->time_ns >= receiver->last_syn_ns) {
                c->rtt_server_ns = seg->time_ns - receiver->last_syn_ns;
                c->rtt_server_known = true;
            }
            hs_event(c, TCPDIAG_HS_EV_SYNACK);
        }
    }
    if (f->rst) {
        if (c->handshake == TCPDIAG_HS_SYN_ONLY && f->dir == TCPDIAG_SERVER) {
            set_note(out, TCPDIAG_NOTE_REJECTED_RST);
            out->evidence_frame = c->syn_frame;
        }
        hs_event(c, f->dir == TCPDIAG_SERVER ? TCPDIAG_HS_EV_RST_FROM_SERVER
                                             : TCPDIAG_HS_EV_RST_FROM_CLIENT);
        if (c->handshake == TCPDIAG_HS_ABORTED && before != TCPDIAG_HS_ABORTED)
            set_note(out, TCPDIAG_NOTE_HANDSHAKE_ABORTED);
    }
    bool plain_ack = f->ack && !f->syn && !f->rst;
    bool completes = false;
    if (plain_ack && f->dir == TCPDIAG_CLIENT &&
        (c->handshake == TCPDIAG_HS_SYN_ONLY || c->handshake == TCPDIAG_HS_SYN_SYNACK)) {
        if (!final_ack_valid(receiver, seg->ack)) {
            set_note(out, TCPDIAG_NOTE_FINAL_ACK_BAD);
        } else {
            hs_event(c, TCPDIAG_HS_EV_FINAL_ACK);
            completes = true;
            set_note(out, TCPDIAG_NOTE_HANDSHAKE_COMPLETE);
            if (!receiver->isn_known) {  /* the SYN-ACK escaped the tap */
                receiver->isn = seg->ack - 1;
                receiver->isn_known = true;
            }
            if (sender->syn_count && seg->time_ns >= sender->last_syn_ns) {
                c->rtt_ns = seg->time_ns - sender->last_syn_ns;
                c->rtt_known = true;
            }
            if (receiver->synack_count && seg->time_ns >= receiver->last_syn_ns) {
                c->rtt_client_ns = seg->time_ns - receiver->last_syn_ns;
                c->rtt_client_known = true;
            }
        }
    }
    if (!f->syn && !completes && seg->payload_len > 0 &&
        (before == TCPDIAG_HS_SYN_ONLY || before == TCPDIAG_HS_SYN_SYNACK))
        set_note(out, TCPDIAG_NOTE_DATA_BEFORE_HANDSHAKE);
}

static bool acks(const seg_facts *f, const tcpdiag_segment *seg, uint32_t target)
{
    return f->ack && tcpdiag_seq_geq(seg->ack, target);
}

static bool peer_fin_still_in_flight(tcpdiag_endpoint *sender, const tcpdiag_endpoint *receiver,
                                     const tcpdiag_segment *seg, const seg_facts *f);

/* Delivery of a FIN is assumed when it passes the tap, and remembered as an
 * assumption until the receiver acknowledges it. */
static void receive_peer_fin(tcpdiag_endpoint *receiver)
{
    uint8_t before = receiver->state;
    apply(receiver, TCPDIAG_EV_RCV_FIN);
    if (receiver->state != before) {
        receiver->peer_fin_unconfirmed = true;
        receiver->state_before_peer_fin = before;
        receiver->state_after_peer_fin = receiver->state;
    }
}

static void track_states(tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f,
                         tcpdiag_verdict *out)
{
    tcpdiag_endpoint *sender = &c->ep[f->dir];
    tcpdiag_endpoint *receiver = &c->ep[!f->dir];

    if (c->rst_seen && !f->rst)
        set_note(out, TCPDIAG_NOTE_AFTER_RST);
    uint32_t seg_end = seg->seq + seg->payload_len + (f->syn ? 1u : 0u);
    uint32_t seq_end = seg_end + (f->fin ? 1u : 0u);
    if (!sender->snd_max_known || tcpdiag_seq_gt(seq_end, sender->snd_max)) {
        sender->snd_max = seq_end;
        sender->snd_max_known = true;
    }
    if (sender->fin_sent && seg->payload_len > 0 && tcpdiag_seq_gt(seg_end, sender->fin_seq))
        set_note(out, TCPDIAG_NOTE_DATA_AFTER_FIN);

    bool fin_in_flight = peer_fin_still_in_flight(sender, receiver, seg, f);
    if (f->rst) {
        c->rst_seen = true;
        apply(sender, TCPDIAG_EV_SND_RST);
        apply(receiver, TCPDIAG_EV_RCV_RST);
        return;
    }

    /* What the sender did, in the order its stack did it. */
    bool acks_peer_fin = receiver->fin_sent && acks(f, seg, receiver->fin_seq + 1);
    if (f->bare_syn)
        apply(sender, TCPDIAG_EV_SND_SYN);
    else if (f->synack)
        apply(sender, TCPDIAG_EV_SND_SYNACK);
    else if (acks_peer_fin)
        apply(sender, TCPDIAG_EV_SND_ACK_OF_FIN);
    else if (f->ack)
        apply(sender, TCPDIAG_EV_SND_ACK);
    if (f->fin) {
        if (!sender->fin_sent || tcpdiag_seq_gt(seg_end, sender->fin_seq)) {
            sender->fin_seq = seg_end;
            sender->fin_sent = true;
        }
        apply(sender, TCPDIAG_EV_SND_FIN);
    }
    if (fin_in_flight)
        receive_peer_fin(sender);

    /* What the receiver does with it: ACK field first, then FIN (RFC 9293 3.10.7.4). */
    if (f->bare_syn) {
        apply(receiver, TCPDIAG_EV_RCV_SYN);
    } else if (f->synack) {
        if (synack_ack_valid(receiver, seg->ack))
            apply(receiver, TCPDIAG_EV_RCV_SYNACK);
    } else if (f->ack) {
        bool bad_final = tcpdiag_verdict_has(out, TCPDIAG_NOTE_FINAL_ACK_BAD);
        /* A completing ACK proves the SYN-ACK the tap did not see. */
        if (receiver->state == TCPDIAG_STATE_LISTEN && tcpdiag_verdict_has(out, TCPDIAG_NOTE_HANDSHAKE_COMPLETE))
            apply(receiver, TCPDIAG_EV_SND_SYNACK);
        if (receiver->isn_known && !bad_final && acks(f, seg, receiver->isn + 1))
            apply(receiver, TCPDIAG_EV_RCV_ACK_OF_SYN);
        if (receiver->fin_sent && acks(f, seg, receiver->fin_seq + 1))
            apply(receiver, TCPDIAG_EV_RCV_ACK_OF_FIN);
    }
    if (f->fin)
        receive_peer_fin(receiver);
}

/* The sender's ACK number tells whether the peer's FIN had reached it. When
 * it had not, the FIN-driven state is undone; true means the FIN is still on
 * its way and must be received again after what the sender does now. */
static bool peer_fin_still_in_flight(tcpdiag_endpoint *sender, const tcpdiag_endpoint *receiver,
                                     const tcpdiag_segment *seg, const seg_facts *f)
{
    if (!sender->peer_fin_unconfirmed || !f->ack)
        return false;
    sender->peer_fin_unconfirmed = false;
    if (acks(f, seg, receiver->fin_seq + 1) || sender->state != sender->state_after_peer_fin)
        return false;
    sender->state = sender->state_before_peer_fin;
    return true;
}

static void watch_close_wait(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                             const uint8_t prev[2], tcpdiag_verdict *out)
{
    for (int i = 0; i < 2; i++) {
        tcpdiag_endpoint *ep = &p->pub.ep[i];
        if (ep->state != TCPDIAG_STATE_CLOSE_WAIT)
            continue;
        if (prev[i] != TCPDIAG_STATE_CLOSE_WAIT) {
            ep->close_wait_since_ns = seg->time_ns;
            continue;
        }
        int64_t lasted = seg->time_ns - ep->close_wait_since_ns;
        if (lasted > out->close_wait_ns)
            out->close_wait_ns = lasted;
        if (lasted >= t->cfg.close_wait_warn_ns && !p->close_wait_warned[i]) {
            p->close_wait_warned[i] = true;
            set_note(out, TCPDIAG_NOTE_CLOSE_WAIT_LINGERS);
        }
    }
}

/* ---- one direction only ------------------------------------------------------
 * A capture of one direction (asymmetric routing, a one-way SPAN) is told by
 * a side acknowledging what its peer must have sent while the capture ran,
 * with nothing of the peer captured: after its own SYN or SYN-ACK was
 * captured any ACK of it proves the peer's answer came later; mid-stream,
 * an ACK number that moves on proves new peer data, once data that was in
 * flight when the capture began must have arrived. */

/* Longer than the round trip of nearly any path (geostationary satellite:
 * ~600 ms) and than Linux's initial retransmission timeout (1 s). */
#define ONE_WAY_SETTLE_NS (2 * TCPDIAG_NS_PER_SEC)

static void watch_one_direction(conv_private *p, const tcpdiag_segment *seg, const seg_facts *f,
                                tcpdiag_verdict *out)
{
    int dir = f->dir;
    const tcpdiag_endpoint *sender = &p->pub.ep[dir];
    bool peer_unseen = !p->last_frame_from[!dir];
    bool proven = false;
    if (f->ack && !f->syn && !f->rst && peer_unseen && p->silent_side < 0) {
        bool own_syn_captured = sender->syn_count || sender->synack_count;
        bool ack_moved = p->ack_known[dir] && tcpdiag_seq_gt(seg->ack, p->last_ack[dir]) &&
                         seg->time_ns - p->pub.first_ns >= ONE_WAY_SETTLE_NS;
        proven = own_syn_captured || ack_moved;
    }
    if (f->ack) {
        p->ack_known[dir] = true;
        p->last_ack[dir] = seg->ack;
    }
    if (proven) {
        p->silent_side = (int8_t)!dir;
        set_note(out, TCPDIAG_NOTE_ONE_DIRECTION);
    }
}

/* ---- retransmissions -------------------------------------------------------- */

/* Best round trip known for the whole path through the capture point. */
static int64_t conv_rtt(const tcpdiag_conv *c)
{
    if (c->rtt_known)
        return c->rtt_ns;
    if (c->rtt_server_known && c->rtt_client_known)
        return c->rtt_server_ns + c->rtt_client_ns;
    return c->rtt_server_known ? c->rtt_server_ns : 0;
}

/* Flows exist once a conversation is more than bare SYNs (a SYN flood costs no flow). */
static void ensure_flows(conv_private *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->flow[i])
            continue;
        p->flow[i] = tcpdiag_flow_new();
        const tcpdiag_endpoint *ep = &p->pub.ep[i];
        if (ep->isn_known)
            tcpdiag_flow_start(p->flow[i], ep->isn + 1 + ep->syn_data_len, p->pub.ep[i].syn_tx.count);
    }
}

/* Windows are comparable with bytes in flight once both SYNs are known. */
static void apply_window_scale(conv_private *p, const seg_facts *f)
{
    if (p->wscale_applied || !p->flow[0] || !(f->synack || (!f->syn && p->pub.ep[TCPDIAG_SERVER].syn_tx.count)))
        return;
    p->wscale_applied = true;
    tcpdiag_syn_record syn[2];
    syn_records(&p->pub, syn);
    tcpdiag_option_use use = tcpdiag_syn_option_use(syn, TCPDIAG_OPT_WSCALE);
    /* A SYN not captured, or cut where the option may have been: windows
     * stay of unknown scale (no window-full inference). */
    if (use == TCPDIAG_OPTION_UNDECIDED)
        return;
    /* Flow i is sent by side i; its receiver (the other side) scales its
     * windows (RFC 7323: shifts above 14 are taken as 14). */
    for (int i = 0; i < 2; i++)
        tcpdiag_flow_set_window_scale(p->flow[i], use == TCPDIAG_OPTION_ON ? MIN(syn[!i].wscale, 14) : 0);
}

static void track_retrans(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                          const seg_facts *f, bool repeat_syn, tcpdiag_verdict *out,
                          tcpdiag_retrans_info *info)
{
    tcpdiag_conv *c = &p->pub;
    int dir = f->dir;
    tcpdiag_retrans_context ctx = {
        .cfg = &t->cfg.retrans,
        .rtt_ns = conv_rtt(c),
        .rtt_sender_leg_ns = dir == TCPDIAG_CLIENT ? (c->rtt_client_known ? c->rtt_client_ns : 0)
                                                   : (c->rtt_server_known ? c->rtt_server_ns : 0),
        .peer_reply_frame = p->last_frame_from[!dir],
        .icmp_frame = p->icmp_frame,
    };
    if (f->syn && !f->rst) {
        if (repeat_syn)
            tcpdiag_retrans_syn(&ctx, &p->pub.ep[dir].syn_tx, seg, f->synack, info);
        else
            tcpdiag_syn_history_first(&p->pub.ep[dir].syn_tx, seg);
    }
    if (f->bare_syn && !p->flow[dir]) {
        apply_window_scale(p, f);
        c->seq_segs[dir]++;
        if (repeat_syn)
            c->retrans_segs[dir]++;
    } else {
        ensure_flows(p);
        apply_window_scale(p, f);
        tcpdiag_retrans_process(&ctx, p->flow[dir], p->flow[!dir], seg, info);
        c->seq_segs[dir] = tcpdiag_flow_data_segments(p->flow[dir]);
        c->retrans_segs[dir] = tcpdiag_flow_retrans_count(p->flow[dir]);
    }
    p->last_frame_from[dir] = seg->frame;
    out->retrans_kind = info->kind;
    out->lookalike = info->lookalike;
    out->fragment_completion = info->fragment_completion;
    out->has_retrans_info = info->kind || info->lookalike || info->gave_up || info->rate_over ||
                            info->unneeded;
}

static bool repeats_syn(const tcpdiag_conv *c, const tcpdiag_segment *seg, const seg_facts *f)
{
    if (!f->syn || f->rst)
        return false;
    const tcpdiag_endpoint *sender = &c->ep[f->dir];
    uint16_t sent = f->bare_syn ? sender->syn_count : sender->synack_count;
    return sent > 0 && sender->isn_known && sender->isn == seg->seq;
}

static void fill_verdict(const conv_private *p, const uint8_t prev[2], tcpdiag_verdict *out)
{
    const tcpdiag_conv *c = &p->pub;
    out->one_direction = p->silent_side >= 0 && !p->last_frame_from[p->silent_side];
    out->conv_id = c->id;
    out->handshake = c->handshake;
    out->state_client = c->ep[TCPDIAG_CLIENT].state;
    out->state_server = c->ep[TCPDIAG_SERVER].state;
    out->prev_client = prev[TCPDIAG_CLIENT];
    out->prev_server = prev[TCPDIAG_SERVER];
    out->roles_inferred = c->roles_inferred;
    out->syn_count = c->ep[TCPDIAG_CLIENT].syn_count;
    out->synack_count = c->ep[TCPDIAG_SERVER].synack_count;
    out->rtt_known = c->rtt_known;
    out->rtt_ns = c->rtt_ns;
    out->rtt_server_known = c->rtt_server_known;
    out->rtt_server_ns = c->rtt_server_ns;
    out->rtt_client_known = c->rtt_client_known;
    out->rtt_client_ns = c->rtt_client_ns;
    if (out->prev_client != out->state_client || out->prev_server != out->state_server)
        set_note(out, TCPDIAG_NOTE_STATE_CHANGE);
}

static bool is_syn_of(const tcpdiag_conv *c, const tcpdiag_segment *seg)
{
    const tcpdiag_endpoint *client = &c->ep[TCPDIAG_CLIENT];
    if (seg->flags_known)
        return (seg->flags & TCPDIAG_SYN) && !(seg->flags & TCPDIAG_ACK);
    return client->isn_known && seg->seq == client->isn;
}

/* An ICMP error quoting one of our headers: not a transmission. It can only
 * refuse a connection that is still opening. */
static void process_quoted(tcpdiag_tracker *t, const tcpdiag_segment *seg, tcpdiag_verdict *out)
{
    tcpdiag_tuple key;
    tuple_canonical(&seg->tuple, &key);
    conv_private *p = g_hash_table_lookup(t->by_tuple, &key);
    out->quoted = true;
    out->icmp_type = seg->icmp_type;
    out->icmp_code = seg->icmp_code;
    out->icmp_v6 = seg->icmp_v6;
    set_note(out, TCPDIAG_NOTE_QUOTED_IN_ICMP);
    if (!p) {
        out->conv_id = TCPDIAG_NO_CONV;
        return;
    }
    tcpdiag_conv *c = &p->pub;
    /* A quote cut to 8 bytes gets no tcp.stream from Wireshark: the
     * conversation's own makes `tcpdiag.stream == N` show this error too. */
    if (!out->has_stream && c->has_stream) {
        out->stream = c->stream;
        out->has_stream = true;
    }
    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    bool from_client = tuple_same_direction(&seg->tuple, &c->tuple);
    out->from_server = !from_client;
    bool unreachable = seg->quoted_by == TCPDIAG_ICMP_UNREACH_HARD ||
                       seg->quoted_by == TCPDIAG_ICMP_UNREACH_SOFT;
    tcpdiag_flow *quoted_flow = p->flow[from_client ? TCPDIAG_CLIENT : TCPDIAG_SERVER];
    if (seg->quoted_by == TCPDIAG_ICMP_FRAG_NEEDED && quoted_flow)
        tcpdiag_flow_note_icmp_ptb(quoted_flow, seg);
    if (unreachable)
        p->icmp_frame = seg->frame;
    /* A SYN retried after a refusal reopens the verdict, so syn_only covers it. */
    if (unreachable && from_client && c->handshake == TCPDIAG_HS_SYN_ONLY && is_syn_of(c, seg)) {
        hs_event(c, TCPDIAG_HS_EV_ICMP_UNREACHABLE);
        set_note(out, TCPDIAG_NOTE_REJECTED_ICMP);
        out->evidence_frame = c->syn_frame;
        /* Linux drops a SYN_SENT socket on any destination unreachable, soft
         * codes included (tcp_v4_err/tcp_v6_err); other stacks may retry. */
        apply(&c->ep[TCPDIAG_CLIENT], TCPDIAG_EV_RCV_HARD_ERROR);
        apply(&c->ep[TCPDIAG_SERVER], TCPDIAG_EV_NOT_REACHED);
    }
    tcpdiag_syn_record syn[2];
    syn_records(c, syn);
    tcpdiag_mss_quoted(&p->mss, syn, seg, from_client ? TCPDIAG_CLIENT : TCPDIAG_SERVER, &out->mss);
    fill_verdict(p, prev, out);
}

static void process_first_fragment(tcpdiag_tracker *t, conv_private *p, const tcpdiag_segment *seg,
                                   seg_facts *f, tcpdiag_verdict *out, tcpdiag_retrans_info *info)
{
    tcpdiag_conv *c = &p->pub;
    f->dir = tuple_same_direction(&seg->tuple, &c->tuple) ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    out->from_server = f->dir == TCPDIAG_SERVER;
    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    out->first_fragment = true;
    track_retrans(t, p, seg, f, false, out, info);
    tcpdiag_syn_record syn[2];
    syn_records(c, syn);
    tcpdiag_mss_first_fragment(&p->mss, syn, seg, f->dir, info, &out->mss);
    fill_verdict(p, prev, out);
}

void tcpdiag_tracker_process(tcpdiag_tracker *t, const tcpdiag_segment *seg, tcpdiag_verdict *out,
                             tcpdiag_retrans_info *retrans)
{
    tcpdiag_retrans_info scratch;
    tcpdiag_retrans_info *info = retrans ? retrans : &scratch;
    memset(info, 0, sizeof *info);
    memset(out, 0, sizeof *out);
    out->flags = seg->flags;
    out->checksum = seg->checksum;
    out->stream = seg->stream;
    out->has_stream = seg->has_stream;
    out->payload_len = seg->payload_len;
    if (seg->quoted_by != TCPDIAG_ICMP_NONE) {
        process_quoted(t, seg, out);
        return;
    }

    seg_facts f = { 0 };
    if (seg->flags_known) {
        f.syn = seg->flags & TCPDIAG_SYN;
        f.ack = seg->flags & TCPDIAG_ACK;
        f.fin = seg->flags & TCPDIAG_FIN;
        f.rst = seg->flags & TCPDIAG_RST;
    }
    f.bare_syn = f.syn && !f.ack && !f.rst;
    f.synack = f.syn && f.ack && !f.rst;

    tcpdiag_tuple key;
    tuple_canonical(&seg->tuple, &key);
    conv_private *p = g_hash_table_lookup(t->by_tuple, &key);
    if (seg->ip_frag == TCPDIAG_FRAG_FIRST) {
        /* Only the TCP header of a datagram that was never reassembled here:
         * not a segment the receiver got, but worth remembering as sent. */
        if (p)
            process_first_fragment(t, p, seg, &f, out, info);
        else
            out->conv_id = TCPDIAG_NO_CONV;
        return;
    }
    uint64_t evicted_before = t->evicted;
    if (p && f.bare_syn && syn_starts_new_conversation(&p->pub, seg)) {
        p = conv_create(t, seg);
        set_note(out, TCPDIAG_NOTE_PORT_REUSE);
    } else if (!p) {
        p = conv_create(t, seg);
        if (p->pub.roles_inferred)
            set_note(out, TCPDIAG_NOTE_MIDSTREAM);
    }
    if (t->evicted != evicted_before)
        set_note(out, TCPDIAG_NOTE_CONVERSATION_DROPPED);
    conv_touch(t, p);
    tcpdiag_conv *c = &p->pub;
    f.dir = tuple_same_direction(&seg->tuple, &c->tuple) ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    out->from_server = f.dir == TCPDIAG_SERVER;

    uint8_t prev[2] = { c->ep[0].state, c->ep[1].state };
    tcpdiag_syn_record syn[2];
    bool repeat_syn = seg->flags_known && repeats_syn(c, seg, &f);
    if (repeat_syn && tcpdiag_retrans_syn_duplicate(&p->pub.ep[f.dir].syn_tx, seg, info)) {
        /* The same SYN datagram again (a SPAN port copying both directions):
         * not a new attempt, so no SYN count, state or retransmission. */
        out->lookalike = info->lookalike;
        out->has_retrans_info = true;
        tcpdiag_mss_segment(&p->mss, syn_records_of(c, syn), seg, f.dir, info, &out->mss);
    } else if (seg->flags_known) {
        track_handshake(c, seg, &f, out);
        track_states(c, seg, &f, out);
        watch_close_wait(t, p, seg, prev, out);
        watch_one_direction(p, seg, &f, out);
        track_retrans(t, p, seg, &f, repeat_syn, out, info);
        tcpdiag_mss_segment(&p->mss, syn_records_of(c, syn), seg, f.dir, info, &out->mss);
        if (f.syn && !f.rst && seg->options_cut)
            set_note(out, TCPDIAG_NOTE_SYN_OPTIONS_CUT);
    } else {
        /* Flags, and perhaps sequence numbers, were not captured: guessing
         * them would invent transmissions and state changes. */
        set_note(out, TCPDIAG_NOTE_HEADER_CUT);
    }

    c->last_frame = seg->frame;
    c->last_ns = seg->time_ns;
    c->stream = seg->stream;
    c->has_stream = seg->has_stream;
    fill_verdict(p, prev, out);
}
