/* tcpdiag_report_tally.c - counts per connection and per host, from the tap records, for the reports.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_report_tally.h"

#include <stdio.h>

#include "core/tcpdiag_state.h"
#include "core/tcpdiag_time.h"
#include "tcpdiag_nstime.h"

/* ---- MIB counters from one endpoint's state change ------------------------ */

typedef enum mib_event {
    MIB_NONE,
    MIB_ACTIVE_OPEN,
    MIB_PASSIVE_OPEN,
    MIB_ATTEMPT_FAIL,
    MIB_ESTAB_RESET,
} mib_event;

static gboolean state_in(guint8 st, tcpdiag_state a, tcpdiag_state b)
{
    return st == a || st == b;
}

/* RFC 1213's transitions. A LISTEN the tap presumed from a SYN addressed to
 * a port that then sends its own SYN (simultaneous open) was really CLOSED. */
static mib_event mib_event_of(guint8 before, guint8 after)
{
    if (before == after)
        return MIB_NONE;
    if (after == TCPDIAG_STATE_SYN_SENT && state_in(before, TCPDIAG_STATE_CLOSED, TCPDIAG_STATE_LISTEN))
        return MIB_ACTIVE_OPEN;
    if (before == TCPDIAG_STATE_LISTEN && after == TCPDIAG_STATE_SYN_RECEIVED)
        return MIB_PASSIVE_OPEN;
    if (state_in(before, TCPDIAG_STATE_SYN_SENT, TCPDIAG_STATE_SYN_RECEIVED) && after == TCPDIAG_STATE_CLOSED)
        return MIB_ATTEMPT_FAIL;
    if (before == TCPDIAG_STATE_SYN_RECEIVED && after == TCPDIAG_STATE_LISTEN)
        return MIB_ATTEMPT_FAIL;
    if (state_in(before, TCPDIAG_STATE_ESTABLISHED, TCPDIAG_STATE_CLOSE_WAIT) && after == TCPDIAG_STATE_CLOSED)
        return MIB_ESTAB_RESET;
    return MIB_NONE;
}

static void mib_count(tcpdiag_mib *m, mib_event ev)
{
    switch (ev) {
    case MIB_ACTIVE_OPEN:  m->active_opens++; break;
    case MIB_PASSIVE_OPEN: m->passive_opens++; break;
    case MIB_ATTEMPT_FAIL: m->attempt_fails++; break;
    case MIB_ESTAB_RESET:  m->estab_resets++; break;
    case MIB_NONE:         break;
    }
}

double tcpdiag_mib_retrans_pct(const tcpdiag_mib *m)
{
    if (m->out_segs == 0)
        return -1;
    return 100.0 * (double)m->retrans_segs / (double)m->out_segs;
}

tcpdiag_rate_verdict tcpdiag_mib_rate_verdict(const tcpdiag_mib *m, double threshold_pct, guint min_segments)
{
    double pct = tcpdiag_mib_retrans_pct(m);
    if (pct < 0)
        return TCPDIAG_RATE_NO_SEGMENTS;
    if (pct <= threshold_pct)
        return TCPDIAG_RATE_UNDER;
    /* Like the per-packet warning, no alarm before the sender has sent
     * retrans_rate_min_segments: one re-send of a handful of segments is
     * a large share that says nothing about the path. */
    if (m->out_segs + m->retrans_segs < min_segments)
        return TCPDIAG_RATE_TOO_FEW;
    return TCPDIAG_RATE_OVER;
}

/* ---- keys ------------------------------------------------------------------ */

static guint tuple_hash(gconstpointer key)
{
    const tcpdiag_tuple *t = key;
    guint h = t->family;
    for (guint i = 0; i < 16; i++)
        h = h * 31 + (guint)(t->src[i] ^ (t->dst[i] << 3));
    return h * 65599 + ((guint)t->sport ^ ((guint)t->dport << 16));
}

static gboolean tuple_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(tcpdiag_tuple)) == 0;
}

/* The conversation's tuple is already oriented client -> server, so the
 * same connection always gives the same key; a zeroed copy keeps padding out. */
static tcpdiag_tuple *tuple_key(const tcpdiag_tuple *t)
{
    tcpdiag_tuple *k = g_new0(tcpdiag_tuple, 1);
    k->family = t->family;
    memcpy(k->src, t->src, sizeof k->src);
    memcpy(k->dst, t->dst, sizeof k->dst);
    k->sport = t->sport;
    k->dport = t->dport;
    return k;
}

static guint listener_hash(gconstpointer key)
{
    const tcpdiag_tally_listener *l = key;
    return tcpdiag_host_hash(&l->host) * 31 + l->port;
}

static gboolean listener_equal(gconstpointer a, gconstpointer b)
{
    const tcpdiag_tally_listener *x = a, *y = b;
    return x->port == y->port && tcpdiag_host_equal(&x->host, &y->host);
}

/* ---- life ------------------------------------------------------------------ */

void tcpdiag_tally_init(tcpdiag_tally *t, const tcpdiag_moment *moment)
{
    memset(t, 0, sizeof *t);
    if (moment)
        t->moment = *moment;
    t->conns = g_array_new(FALSE, TRUE, sizeof(tcpdiag_tally_conn));
    t->latest = g_hash_table_new_full(tuple_hash, tuple_equal, g_free, NULL);
    t->hosts = g_hash_table_new_full(tcpdiag_host_hash, tcpdiag_host_key_equal, NULL, g_free);
    t->listeners = g_hash_table_new_full(listener_hash, listener_equal, NULL, g_free);
}

void tcpdiag_tally_reset(tcpdiag_tally *t)
{
    g_array_set_size(t->conns, 0);
    g_hash_table_remove_all(t->latest);
    g_hash_table_remove_all(t->hosts);
    g_hash_table_remove_all(t->listeners);
    t->last_frame = 0;
    /* A retap starts from the first frame again: resolve the moment anew. */
    if (t->moment.kind == TCPDIAG_MOMENT_RELATIVE || t->moment.kind == TCPDIAG_MOMENT_TIME_OF_DAY)
        t->moment.resolved = FALSE;
}

void tcpdiag_tally_free(tcpdiag_tally *t)
{
    g_array_free(t->conns, TRUE);
    g_hash_table_destroy(t->latest);
    g_hash_table_destroy(t->hosts);
    g_hash_table_destroy(t->listeners);
}

/* ---- counting --------------------------------------------------------------- */

static tcpdiag_tally_host *host_entry(tcpdiag_tally *t, const tcpdiag_tuple *tuple, int role)
{
    tcpdiag_host h;
    tcpdiag_host_of(tuple, role == TCPDIAG_CLIENT, &h);
    tcpdiag_tally_host *e = g_hash_table_lookup(t->hosts, &h);
    if (!e) {
        e = g_new0(tcpdiag_tally_host, 1);
        e->host = h;
        g_hash_table_insert(t->hosts, &e->host, e);
    }
    return e;
}

/* A row's host entry, looked up once per row and role (most headers count
 * at one or two, so the lookup was the tally's largest cost): a row's tuple
 * never changes, and entries are dropped only with the rows (tcpdiag_tally_reset). */
static tcpdiag_tally_host *row_host(tcpdiag_tally *t, tcpdiag_tally_conn *row, int role)
{
    if (!row->host[role])
        row->host[role] = host_entry(t, &row->tuple, role);
    return row->host[role];
}

const tcpdiag_tally_host *tcpdiag_tally_host_of(const tcpdiag_tally *t, const tcpdiag_host *h)
{
    return g_hash_table_lookup(t->hosts, h);
}

static tcpdiag_tally_listener *listener_entry(tcpdiag_tally *t, const tcpdiag_tuple *tuple)
{
    tcpdiag_tally_listener key;
    memset(&key, 0, sizeof key);
    tcpdiag_host_of(tuple, FALSE, &key.host);
    key.port = tuple->dport;
    tcpdiag_tally_listener *l = g_hash_table_lookup(t->listeners, &key);
    if (!l) {
        l = g_memdup2(&key, sizeof key);
        g_hash_table_insert(t->listeners, l, l);
    }
    return l;
}

static tcpdiag_tally_conn *conn_row(tcpdiag_tally *t, const tcpdiag_layer_record *rec, guint32 frame)
{
    const tcpdiag_verdict *v = &rec->v;
    if (v->conv_id >= t->conns->len)
        g_array_set_size(t->conns, v->conv_id + 1);
    tcpdiag_tally_conn *row = &g_array_index(t->conns, tcpdiag_tally_conn, v->conv_id);
    if (row->seen)
        return row;
    const tcpdiag_tuple *ends = rec->ends;
    if (!ends)
        return NULL;
    row->seen = TRUE;
    row->tuple = *ends;
    row->roles_inferred = v->roles_inferred;
    row->first_frame = frame;
    /* A new connection on a 4-tuple replaces the previous one's socket. */
    tcpdiag_tuple *key = tuple_key(ends);
    gpointer prev = g_hash_table_lookup(t->latest, key);
    if (prev)
        g_array_index(t->conns, tcpdiag_tally_conn, GPOINTER_TO_UINT(prev) - 1).superseded = TRUE;
    g_hash_table_replace(t->latest, key, GUINT_TO_POINTER(v->conv_id + 1));
    return row;
}

static void count_listener(tcpdiag_tally *t, const tcpdiag_tally_conn *row, const tcpdiag_verdict *v,
                           guint32 frame)
{
    if (v->quoted || !v->from_server)
        return;
    guint8 syn_ack = TCPDIAG_SYN | TCPDIAG_ACK;
    if ((v->flags & (syn_ack | TCPDIAG_RST)) == syn_ack)
        listener_entry(t, &row->tuple)->synack_frame = frame;
    else if ((v->flags & TCPDIAG_RST) && v->prev_server == TCPDIAG_STATE_LISTEN)
        listener_entry(t, &row->tuple)->refused_frame = frame;
}

/* When a silent client is taken to have given up: its next SYN retry is due
 * at most twice the last wait after the last SYN (exponential backoff; the
 * linear timeouts of Linux's first retries are shorter); with one SYN only,
 * no stack waits longer than 3 s for its first retry (Linux and macOS 1 s,
 * Windows 3 s). Half as long again covers timer slack and the capture's clock. */
static const struct {
    gint64 first_retry_ns;    /* latest first retry of any stack */
    int    backoff;           /* next wait / last wait */
    int    slack_num, slack_den;
} give_up_rule = { 3 * TCPDIAG_NS_PER_SEC, 2, 3, 2 };

static void note_client_syn(tcpdiag_tally *t, tcpdiag_tally_conn *row, const tcpdiag_verdict *v, gint64 now)
{
    guint8 syn_ack = TCPDIAG_SYN | TCPDIAG_ACK;
    if (v->quoted || v->from_server || (v->flags & (syn_ack | TCPDIAG_RST)) != TCPDIAG_SYN)
        return;
    if (row->gave_up) {   /* it had not given up after all */
        row->gave_up = FALSE;
        row_host(t, row, TCPDIAG_CLIENT)->mib.attempt_fails--;
    }
    row->syn_wait_ns = row->syns ? now - row->last_syn_ns : 0;
    row->last_syn_ns = now;
    if (row->syns < G_MAXUINT16)
        row->syns++;
}

static gboolean gave_up(const tcpdiag_tally_conn *c, gint64 now)
{
    if (c->state[TCPDIAG_CLIENT] != TCPDIAG_STATE_SYN_SENT || !c->syns ||
        c->state[TCPDIAG_SERVER] == TCPDIAG_STATE_SYN_RECEIVED)
        return FALSE;
    gint64 next = c->syn_wait_ns > 0 ? c->syn_wait_ns * give_up_rule.backoff : give_up_rule.first_retry_ns;
    return now - c->last_syn_ns > next * give_up_rule.slack_num / give_up_rule.slack_den;
}

void tcpdiag_tally_settle(tcpdiag_tally *t)
{
    for (guint i = 0; i < t->conns->len; i++) {
        tcpdiag_tally_conn *c = &g_array_index(t->conns, tcpdiag_tally_conn, i);
        if (!c->seen || c->superseded || c->gave_up || !gave_up(c, t->last_ns))
            continue;
        c->gave_up = TRUE;
        c->state[TCPDIAG_CLIENT] = TCPDIAG_STATE_CLOSED;
        row_host(t, c, TCPDIAG_CLIENT)->mib.attempt_fails++;
    }
}

const tcpdiag_tally_conn *tcpdiag_tally_add(tcpdiag_tally *t, packet_info *pinfo,
                                            const tcpdiag_layer_record *rec)
{
    const tcpdiag_verdict *v = &rec->v;
    if (v->conv_id == TCPDIAG_NO_CONV || !tcpdiag_moment_includes(&t->moment, pinfo))
        return NULL;
    tcpdiag_tally_conn *row = conn_row(t, rec, pinfo->num);
    if (!row)
        return NULL;
    t->last_frame = pinfo->num;
    t->last_ns = tcpdiag_ns_of(&pinfo->abs_ts);
    note_client_syn(t, row, v, t->last_ns);
    row->stream = v->stream;
    row->has_stream = v->has_stream;
    row->handshake = v->handshake;
    if (v->mss.known)
        row->mss_risk = (guint8)(v->mss.risk + 1);

    const guint8 before[2] = { v->prev_client, v->prev_server };
    const guint8 after[2] = { v->state_client, v->state_server };
    for (int role = TCPDIAG_CLIENT; role <= TCPDIAG_SERVER; role++) {
        row->state[role] = after[role];
        mib_event ev = mib_event_of(before[role], after[role]);
        if (ev == MIB_NONE)
            continue;
        tcpdiag_mib *mib = &row_host(t, row, role)->mib;
        gboolean sender = (role == TCPDIAG_SERVER) == v->from_server && !v->quoted;
        if (ev == MIB_ACTIVE_OPEN && sender && v->retrans_kind == TCPDIAG_RK_SYN && row->attempt_failed[role]) {
            /* It re-sent the same SYN: the ICMP error that looked fatal was
             * not (Linux keeps it as a soft error when the socket is busy),
             * so the attempt neither failed nor started again. */
            mib->attempt_fails--;
            row->attempt_failed[role] = FALSE;
            continue;
        }
        row->attempt_failed[role] = ev == MIB_ATTEMPT_FAIL;
        mib_count(mib, ev);
    }
    /* A fragmented segment is sent at its first fragment (where its TCP
     * header travels) and received only when its datagram completes: a
     * datagram that never reassembles never reaches the receiver's TCP. */
    if (!v->quoted) {
        int sender = v->from_server ? TCPDIAG_SERVER : TCPDIAG_CLIENT;
        tcpdiag_mib *out = &row_host(t, row, sender)->mib;
        if (!v->fragment_completion) {
            row->sent[sender]++;
            if (v->retrans_kind != TCPDIAG_RK_NONE) {
                row->retrans[sender]++;
                out->retrans_segs++;
            } else {
                out->out_segs++;
            }
        }
        if (!v->first_fragment)
            row_host(t, row, 1 - sender)->mib.in_segs++;
    }
    count_listener(t, row, v, pinfo->num);
    return row;
}

/* ---- reading -------------------------------------------------------------- */

static gint host_cmp(gconstpointer a, gconstpointer b)
{
    return tcpdiag_host_compare(&((const tcpdiag_tally_host *)a)->host, &((const tcpdiag_tally_host *)b)->host);
}

static gboolean counts_as_current(guint8 st)
{
    return state_in(st, TCPDIAG_STATE_ESTABLISHED, TCPDIAG_STATE_CLOSE_WAIT);
}

GArray *tcpdiag_tally_hosts(const tcpdiag_tally *t)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(tcpdiag_tally_host));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, t->hosts);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        tcpdiag_tally_host h = *(tcpdiag_tally_host *)value;
        h.mib.curr_estab = 0;
        g_array_append_val(out, h);
    }
    g_array_sort(out, host_cmp);
    for (guint i = 0; i < t->conns->len; i++) {
        const tcpdiag_tally_conn *c = &g_array_index(t->conns, tcpdiag_tally_conn, i);
        if (!c->seen || c->superseded)
            continue;
        for (int role = TCPDIAG_CLIENT; role <= TCPDIAG_SERVER; role++) {
            if (!counts_as_current(c->state[role]))
                continue;
            tcpdiag_tally_host key;
            tcpdiag_host_of(&c->tuple, role == TCPDIAG_CLIENT, &key.host);
            tcpdiag_tally_host *h = bsearch(&key, out->data, out->len, sizeof key,
                                            (int (*)(const void *, const void *))host_cmp);
            if (h)
                h->mib.curr_estab++;
        }
    }
    return out;
}

static gint listener_row_cmp(gconstpointer a, gconstpointer b)
{
    const tcpdiag_listener_row *x = a, *y = b;
    int c = tcpdiag_host_compare(&x->host, &y->host);
    return c ? c : (int)x->port - (int)y->port;
}

static void add_listener_row(GArray *out, const tcpdiag_host *host, guint16 port, gboolean presumed)
{
    for (guint i = 0; i < out->len; i++) {
        const tcpdiag_listener_row *r = &g_array_index(out, tcpdiag_listener_row, i);
        if (r->port == port && tcpdiag_host_equal(&r->host, host))
            return;
    }
    tcpdiag_listener_row row = { .host = *host, .port = port, .presumed = presumed };
    g_array_append_val(out, row);
}

GArray *tcpdiag_tally_listeners(const tcpdiag_tally *t)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(tcpdiag_listener_row));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, t->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const tcpdiag_tally_listener *l = value;
        if (l->synack_frame > l->refused_frame)
            add_listener_row(out, &l->host, l->port, FALSE);
    }
    /* A server endpoint still LISTEN: a SYN came and nothing answered yet. */
    for (guint i = 0; i < t->conns->len; i++) {
        const tcpdiag_tally_conn *c = &g_array_index(t->conns, tcpdiag_tally_conn, i);
        if (!c->seen || c->superseded || c->state[TCPDIAG_SERVER] != TCPDIAG_STATE_LISTEN)
            continue;
        tcpdiag_host h;
        tcpdiag_host_of(&c->tuple, FALSE, &h);
        add_listener_row(out, &h, c->tuple.dport, TRUE);
    }
    g_array_sort(out, listener_row_cmp);
    return out;
}

/* ---- the reports' tap listener -------------------------------------------- */

static void report_reset(void *data)
{
    tcpdiag_tally_report *r = data;
    tcpdiag_tally_reset(&r->tally);
}

static tap_packet_status report_packet(void *data, packet_info *pinfo, epan_dissect_t *edt _U_,
                                       const void *vp, tap_flags_t flags _U_)
{
    tcpdiag_tally_report *r = data;
    return tcpdiag_tally_add(&r->tally, pinfo, vp) ? TAP_PACKET_REDRAW : TAP_PACKET_DONT_REDRAW;
}

static void report_finish(void *data)
{
    tcpdiag_tally_report *r = data;
    tcpdiag_tally_free(&r->tally);
    g_free(r);
}

void tcpdiag_tally_report_start(const char *opt_arg, const char *name, tap_draw_cb draw)
{
    tcpdiag_tally_report *r = g_new0(tcpdiag_tally_report, 1);
    char *prefix = g_strdup_printf("tcpdiag,%s", name);
    char *err;
    if (!tcpdiag_report_parse(opt_arg, prefix, &r->opts, &err)) {
        fprintf(stderr, "tshark: %s: %s\n", prefix, err);
        exit(1);
    }
    g_free(prefix);
    tcpdiag_tally_init(&r->tally, &r->opts.moment);
    tcpdiag_report_listen(name, &r->opts, r, report_reset, report_packet, draw, report_finish);
}
