/* tcpdiag_stats_tree.c - Statistics > TCP Diagnostics in Wireshark, `tshark -z tcpdiag,tree`.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Counts per connection (handshake outcome, each endpoint's state) are set
 * from the latest record of every connection, so at the end they are the
 * final ones; retransmissions are counted per segment; hosts over the
 * retransmission threshold use the netstat report's definition
 * (retransmitted segments per segment sent, tcpdiag_report_tally.h).
 */
#include "tcpdiag_stats_tree.h"

#include <epan/stats_tree.h>

#include "tcpdiag_prefs.h"
#include "tcpdiag_report_tally.h"

#include "core/tcpdiag_handshake.h"
#include "core/tcpdiag_mss.h"
#include "core/tcpdiag_state.h"

static const char node_handshake[] = "Connections by handshake outcome";
static const char node_client[]    = "Client endpoints by state";
static const char node_server[]    = "Server endpoints by state";
static const char node_kind[]      = "Retransmitted segments by kind";
static const char node_cause[]     = "Retransmitted segments by most probable cause";
static const char node_hosts[]     = "Hosts over the retransmission threshold (retransmitted segments)";
static const char node_mss_risk[]  = "Connections by MSS and path-MTU risk";
static const char node_mss_reason[] = "MSS and path-MTU findings (connections, by reason)";

/* What one open tree remembers between packets. */
typedef struct tree_state {
    tcpdiag_tally tally;
    guint32  last_num;                                   /* to notice a retap starting over */
    guint    handshakes[TCPDIAG_HS_COUNT];
    guint    states[2][TCPDIAG_STATE_COUNT];
    guint    mss_risks[TCPDIAG_MSS_RISK_HIGH + 2];         /* indexed by risk + 1 */
    GHashTable *hosts_over;                              /* tcpdiag_host -> TRUE */
    int      id_handshake, id_state[2], id_kind, id_cause, id_hosts, id_mss_risk, id_mss_reason;
} tree_state;

/* stats_tree has no user pointer: open trees are found by their address. */
static GHashTable *open_trees;

static void tree_state_clear(tree_state *ts)
{
    tcpdiag_tally_reset(&ts->tally);
    memset(ts->handshakes, 0, sizeof ts->handshakes);
    memset(ts->states, 0, sizeof ts->states);
    memset(ts->mss_risks, 0, sizeof ts->mss_risks);
    g_hash_table_remove_all(ts->hosts_over);
    ts->last_num = 0;
}

static const char *handshake_label(guint h)
{
    return tcpdiag_handshake_name((tcpdiag_handshake)h);
}

static const char *state_label(guint s)
{
    return tcpdiag_state_name((tcpdiag_state)s);
}

static const char *mss_risk_label(guint r)
{
    return tcpdiag_mss_risk_name((tcpdiag_mss_risk)(r - 1));
}

static void tree_state_free(gpointer data)
{
    tree_state *ts = data;
    tcpdiag_tally_free(&ts->tally);
    g_hash_table_destroy(ts->hosts_over);
    g_free(ts);
}

static void tree_init(stats_tree *st)
{
    tree_state *ts = g_new0(tree_state, 1);
    tcpdiag_tally_init(&ts->tally, NULL);
    ts->hosts_over = g_hash_table_new_full(tcpdiag_host_hash, tcpdiag_host_key_equal, g_free, NULL);
    ts->id_handshake = stats_tree_create_node(st, node_handshake, 0, STAT_DT_INT, TRUE);
    ts->id_state[TCPDIAG_CLIENT] = stats_tree_create_node(st, node_client, 0, STAT_DT_INT, TRUE);
    ts->id_state[TCPDIAG_SERVER] = stats_tree_create_node(st, node_server, 0, STAT_DT_INT, TRUE);
    /* Outcomes, states and risks appear as they occur: a tree of twelve
     * states with zero counts hides the two that matter. */
    ts->id_kind = stats_tree_create_node(st, node_kind, 0, STAT_DT_INT, TRUE);
    ts->id_cause = stats_tree_create_node(st, node_cause, 0, STAT_DT_INT, TRUE);
    ts->id_hosts = stats_tree_create_node(st, node_hosts, 0, STAT_DT_INT, TRUE);
    ts->id_mss_risk = stats_tree_create_node(st, node_mss_risk, 0, STAT_DT_INT, TRUE);
    ts->id_mss_reason = stats_tree_create_node(st, node_mss_reason, 0, STAT_DT_INT, TRUE);
    if (!open_trees)
        open_trees = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, tree_state_free);
    g_hash_table_insert(open_trees, st, ts);
}

static void tree_cleanup(stats_tree *st)
{
    if (open_trees)
        g_hash_table_remove(open_trees, st);   /* frees its state */
}

/* tshark never cleans up the trees it printed: their state goes when epan
 * shuts down, before the plugin is unloaded. */
static void free_open_trees(void)
{
    if (open_trees)
        g_hash_table_destroy(open_trees);
    open_trees = NULL;
}

/* Moves one connection from its old per-connection category to the new one. */
static void move_count(stats_tree *st, int parent, guint *counts, guint old, guint now,
                       const char *(*name)(guint))
{
    if (old == now)
        return;
    if (old) {
        counts[old]--;
        stats_tree_manip_node_int(MN_SET, st, name(old), parent, FALSE, (gint)counts[old]);
    }
    counts[now]++;
    stats_tree_manip_node_int(MN_SET, st, name(now), parent, FALSE, (gint)counts[now]);
}

static void count_connection(stats_tree *st, tree_state *ts, const tcpdiag_tally_conn *before,
                             const tcpdiag_tally_conn *now)
{
    if (now->handshake > 0 && now->handshake < TCPDIAG_HS_COUNT)
        move_count(st, ts->id_handshake, ts->handshakes, before->handshake, now->handshake, handshake_label);
    for (int role = TCPDIAG_CLIENT; role <= TCPDIAG_SERVER; role++)
        if (now->state[role] > 0 && now->state[role] < TCPDIAG_STATE_COUNT)
            move_count(st, ts->id_state[role], ts->states[role], before->state[role], now->state[role], state_label);
    int total = 0;
    for (guint h = 1; h < TCPDIAG_HS_COUNT; h++)
        total += (int)ts->handshakes[h];
    stats_tree_manip_node_int(MN_SET, st, node_handshake, 0, FALSE, total);
    stats_tree_manip_node_int(MN_SET, st, node_client, 0, FALSE, total);
    stats_tree_manip_node_int(MN_SET, st, node_server, 0, FALSE, total);
}

/* Each reason counts once per connection: when a header first finds it. */
static void count_mss(stats_tree *st, tree_state *ts, const tcpdiag_layer_record *rec,
                      const tcpdiag_tally_conn *before, const tcpdiag_tally_conn *now)
{
    if (now->mss_risk) {
        move_count(st, ts->id_mss_risk, ts->mss_risks, before->mss_risk, now->mss_risk, mss_risk_label);
        gint total = 0;
        for (guint r = 1; r < G_N_ELEMENTS(ts->mss_risks); r++)
            total += (gint)ts->mss_risks[r];
        stats_tree_manip_node_int(MN_SET, st, node_mss_risk, 0, FALSE, total);
    }
    if (!rec->v.mss.known)
        return;
    for (int r = 0; r < TCPDIAG_MSSR_COUNT; r++)
        if (rec->v.mss.new_reasons & (1u << r)) {
            tick_stat_node(st, node_mss_reason, 0, FALSE);
            tick_stat_node(st, tcpdiag_mss_reason_name((tcpdiag_mss_reason)r), ts->id_mss_reason, FALSE);
        }
}

static void count_retransmission(stats_tree *st, tree_state *ts, const tcpdiag_layer_record *rec)
{
    if (rec->v.quoted || rec->v.retrans_kind == TCPDIAG_RK_NONE)
        return;
    tick_stat_node(st, node_kind, 0, FALSE);
    tick_stat_node(st, tcpdiag_retrans_kind_name((tcpdiag_retrans_kind)rec->v.retrans_kind), ts->id_kind, FALSE);
    tick_stat_node(st, node_cause, 0, FALSE);
    const char *cause = "undetermined";
    if (rec->retrans && rec->retrans->ncauses > 0)
        cause = tcpdiag_cause_name((tcpdiag_cause)rec->retrans->cause[0].cause);
    tick_stat_node(st, cause, ts->id_cause, FALSE);
}

/* The sender's share of retransmitted segments against the preference; a
 * host that went over and came back under stays listed with 0. */
static void count_sender(stats_tree *st, tree_state *ts, const tcpdiag_tally_conn *conn, gboolean from_server)
{
    tcpdiag_host sender;
    tcpdiag_host_of(&conn->tuple, !from_server, &sender);
    const tcpdiag_tally_host *h = tcpdiag_tally_host_of(&ts->tally, &sender);
    if (!h)
        return;
    gboolean over = tcpdiag_mib_rate_verdict(&h->mib, tcpdiag_prefs_rate_threshold_pct(),
                                             tcpdiag_prefs_rate_min_segments()) == TCPDIAG_RATE_OVER;
    gboolean was_over = g_hash_table_contains(ts->hosts_over, &sender);
    if (!over && !was_over)
        return;
    char addr[TCPDIAG_HOST_STRLEN];
    tcpdiag_host_format(&sender, addr, sizeof addr);
    stats_tree_manip_node_int(MN_SET, st, addr, ts->id_hosts, FALSE, over ? (gint)h->mib.retrans_segs : 0);
    if (over && !was_over)
        g_hash_table_add(ts->hosts_over, g_memdup2(&sender, sizeof sender));
    else if (!over)
        g_hash_table_remove(ts->hosts_over, &sender);
    /* The parent sums the retransmissions of the hosts over the threshold now. */
    gint sum = 0;
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, ts->hosts_over);
    while (g_hash_table_iter_next(&it, &key, NULL))
        sum += (gint)tcpdiag_tally_host_of(&ts->tally, key)->mib.retrans_segs;
    stats_tree_manip_node_int(MN_SET, st, node_hosts, 0, FALSE, sum);
}

static tap_packet_status tree_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_,
                                     const void *vp, tap_flags_t flags _U_)
{
    tree_state *ts = open_trees ? g_hash_table_lookup(open_trees, st) : NULL;
    if (!ts)
        return TAP_PACKET_DONT_REDRAW;
    /* A retap (GUI refilter, -2) starts from the first frame again: the
     * tree's counters were zeroed, so start our memory over too. */
    if (pinfo->num < ts->last_num)
        tree_state_clear(ts);
    ts->last_num = pinfo->num;

    const tcpdiag_layer_record *rec = vp;
    tcpdiag_tally_conn before = { 0 };
    if (rec->v.conv_id != TCPDIAG_NO_CONV && rec->v.conv_id < ts->tally.conns->len)
        before = g_array_index(ts->tally.conns, tcpdiag_tally_conn, rec->v.conv_id);
    const tcpdiag_tally_conn *now = tcpdiag_tally_add(&ts->tally, pinfo, rec);
    if (!now)
        return TAP_PACKET_DONT_REDRAW;
    count_connection(st, ts, &before, now);
    count_retransmission(st, ts, rec);
    count_mss(st, ts, rec, &before, now);
    if (!rec->v.quoted)
        count_sender(st, ts, now, rec->v.from_server);
    return TAP_PACKET_REDRAW;
}

void tcpdiag_stats_tree_register(void)
{
    stats_tree_register_plugin("tcpdiag", "tcpdiag", "TCP Diagnostics", 0, tree_packet, tree_init, tree_cleanup);
    register_shutdown_routine(free_open_trees);
}
