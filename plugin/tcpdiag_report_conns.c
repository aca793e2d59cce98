/* tcpdiag_report_conns.c - `tshark -q -z tcpdiag,conns[,OPTIONS][,FILTER]`: `netstat -an` for every host.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The sockets each host would have listed at the end of the capture, or at
 * a chosen moment (`time=`, `frame=`): one row per endpoint of every
 * connection that is not CLOSED, and the listening sockets the capture shows
 * (a SYN-ACK proves one; an unanswered SYN presumes one, as tcpdiag's server
 * state does). `wide` adds the role, stream, handshake verdict and the
 * segments and retransmissions each endpoint sent.
 */
#include "tcpdiag_report_conns.h"
#include "tcpdiag_report_tally.h"

#include <stdio.h>

#include <epan/tap.h>

#include "core/tcpdiag_handshake.h"
#include "core/tcpdiag_state.h"

/* One line of the listing. */
typedef struct socket_row {
    tcpdiag_host host;
    gboolean     listener;
    guint16      local_port;
    char        *local, *foreign;     /* "addr:port" */
    const char  *state;
    const char  *role;                /* "client", "server", "listener" */
    const tcpdiag_tally_conn *conn;   /* NULL for a listener */
    int          conn_role;
    const char  *note;
} socket_row;

static gint socket_row_cmp(gconstpointer a, gconstpointer b)
{
    const socket_row *x = a, *y = b;
    int c = tcpdiag_host_compare(&x->host, &y->host);
    if (c)
        return c;
    if (x->listener != y->listener)
        return x->listener ? -1 : 1;
    if (x->local_port != y->local_port)
        return (int)x->local_port - (int)y->local_port;
    c = strcmp(x->foreign, y->foreign);
    if (c)
        return c;
    /* Same socket pair twice only with port reuse: the older first. */
    if (x->conn && y->conn)
        return x->conn->first_frame < y->conn->first_frame ? -1 : 1;
    return 0;
}

/* Whether netstat would list this endpoint: closed sockets are gone, and a
 * server still LISTEN is the listener itself (listed once, separately). */
static gboolean endpoint_listed(guint8 state, int role)
{
    if (state == 0 || state == TCPDIAG_STATE_CLOSED)
        return FALSE;
    return !(role == TCPDIAG_SERVER && state == TCPDIAG_STATE_LISTEN);
}

static void add_conn_rows(GArray *rows, const tcpdiag_tally_conn *c)
{
    for (int role = TCPDIAG_CLIENT; role <= TCPDIAG_SERVER; role++) {
        if (!endpoint_listed(c->state[role], role))
            continue;
        gboolean client = role == TCPDIAG_CLIENT;
        tcpdiag_host peer;
        tcpdiag_host_of(&c->tuple, !client, &peer);
        socket_row row = {
            .foreign = tcpdiag_host_port_str(&peer, client ? c->tuple.dport : c->tuple.sport),
            .local_port = client ? c->tuple.sport : c->tuple.dport,
            .state = tcpdiag_state_name((tcpdiag_state)c->state[role]),
            .role = client ? "client" : "server",
            .conn = c, .conn_role = role,
            .note = c->roles_inferred ? "roles inferred (start not captured)" : "",
        };
        tcpdiag_host_of(&c->tuple, client, &row.host);
        row.local = tcpdiag_host_port_str(&row.host, row.local_port);
        g_array_append_val(rows, row);
    }
}

static void add_listener_rows(GArray *rows, const tcpdiag_tally *t)
{
    GArray *listeners = tcpdiag_tally_listeners(t);
    for (guint i = 0; i < listeners->len; i++) {
        const tcpdiag_listener_row *l = &g_array_index(listeners, tcpdiag_listener_row, i);
        socket_row row = {
            .host = l->host, .listener = TRUE, .local_port = l->port,
            .local = tcpdiag_host_port_str(&l->host, l->port),
            .foreign = g_strdup(l->host.family == 4 ? "*:*" : "[::]:*"),
            .state = tcpdiag_state_name(TCPDIAG_STATE_LISTEN),
            .role = "listener",
            .note = l->presumed ? "presumed: a SYN came, no answer captured" : "proven: it sent a SYN-ACK",
        };
        g_array_append_val(rows, row);
    }
    g_array_free(listeners, TRUE);
}

static GArray *collect_rows(const tcpdiag_tally_report *r)
{
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(socket_row));
    const tcpdiag_tally *t = &r->tally;
    for (guint i = 0; i < t->conns->len; i++) {
        const tcpdiag_tally_conn *c = &g_array_index(t->conns, tcpdiag_tally_conn, i);
        if (c->seen && !c->superseded)
            add_conn_rows(rows, c);
    }
    add_listener_rows(rows, t);
    if (r->opts.has_host) {
        for (guint i = rows->len; i-- > 0;) {
            socket_row *row = &g_array_index(rows, socket_row, i);
            if (!tcpdiag_host_equal(&row->host, &r->opts.host)) {
                g_free(row->local);
                g_free(row->foreign);
                g_array_remove_index(rows, i);
            }
        }
    }
    g_array_sort(rows, socket_row_cmp);
    return rows;
}

static void free_rows(GArray *rows)
{
    for (guint i = 0; i < rows->len; i++) {
        socket_row *row = &g_array_index(rows, socket_row, i);
        g_free(row->local);
        g_free(row->foreign);
    }
    g_array_free(rows, TRUE);
}

/* ---- per-row facts shared by all formats ---------------------------------- */

typedef struct row_facts {
    char        addr[TCPDIAG_HOST_STRLEN];
    const char *proto;
    char        stream[16];
    const char *handshake;
    guint32     sent, retrans;
} row_facts;

static void facts_of(const socket_row *row, row_facts *f)
{
    tcpdiag_host_format(&row->host, f->addr, sizeof f->addr);
    f->proto = row->host.family == 4 ? "TCP" : "TCPv6";
    g_strlcpy(f->stream, "", sizeof f->stream);
    f->handshake = "";
    f->sent = f->retrans = 0;
    if (row->conn) {
        if (row->conn->has_stream)
            snprintf(f->stream, sizeof f->stream, "%u", row->conn->stream);
        f->handshake = tcpdiag_handshake_name((tcpdiag_handshake)row->conn->handshake);
        f->sent = row->conn->sent[row->conn_role];
        f->retrans = row->conn->retrans[row->conn_role];
    }
}

static void print_text(const tcpdiag_tally_report *r, const GArray *rows, const char *moment)
{
    printf("\n%s\nTCP Diagnostics - netstat -an for each host, computed from the capture\n", TCPDIAG_REPORT_RULE);
    char last[48];
    tcpdiag_last_frame_describe(last, sizeof last, r->tally.last_frame);
    printf("Sockets %s (%s).\n", moment, last);
    printf("%s\n", TCPDIAG_REPORT_THIN_RULE);
    const tcpdiag_host *current = NULL;
    for (guint i = 0; i < rows->len; i++) {
        const socket_row *row = &g_array_index(rows, socket_row, i);
        row_facts f;
        facts_of(row, &f);
        if (!current || !tcpdiag_host_equal(current, &row->host)) {
            current = &row->host;
            printf("\nActive connections on %s\n\n", f.addr);
            printf("  %-6s %-30s %-30s %-*s", "Proto", "Local Address", "Foreign Address", r->opts.wide ? 13 : 0, "State");
            if (r->opts.wide)
                printf(" %-8s %6s %-12s %6s %7s  %s", "Role", "Stream", "Handshake", "Sent", "Retrans", "Note");
            printf("\n");
        }
        printf("  %-6s %-30s %-30s %-*s", f.proto, row->local, row->foreign, r->opts.wide ? 13 : 0, row->state);
        if (r->opts.wide) {
            if (row->conn)
                printf(" %-8s %6s %-12s %6u %7u  %s", row->role, f.stream, f.handshake, f.sent, f.retrans, row->note);
            else
                printf(" %-8s %6s %-12s %6s %7s  %s", row->role, "-", "-", "-", "-", row->note);
        }
        printf("\n");
    }
    if (rows->len == 0)
        printf("\nNo sockets open.\n");
    printf("%s\n", TCPDIAG_REPORT_RULE);
}

static void print_csv(const GArray *rows)
{
    printf("host,proto,local,foreign,state,role,stream,handshake,segs_sent,retrans_segs,note\n");
    for (guint i = 0; i < rows->len; i++) {
        const socket_row *row = &g_array_index(rows, socket_row, i);
        row_facts f;
        facts_of(row, &f);
        const char *text[] = { f.addr, f.proto, row->local, row->foreign, row->state, row->role, f.stream,
                               f.handshake };
        for (guint k = 0; k < G_N_ELEMENTS(text); k++) {
            tcpdiag_print_csv_field(text[k]);
            putchar(',');
        }
        printf("%u,%u,", f.sent, f.retrans);
        tcpdiag_print_csv_field(row->note);
        putchar('\n');
    }
}

static void print_json_member(const char *name, const char *value)
{
    printf(", \"%s\": ", name);
    tcpdiag_print_json_string(value);
}

static void print_json(const tcpdiag_tally_report *r, const GArray *rows, const char *moment)
{
    printf("{\"report\": \"conns\", \"moment\": ");
    tcpdiag_print_json_string(moment);
    printf(", \"last_frame\": %u, \"sockets\": [", r->tally.last_frame);
    for (guint i = 0; i < rows->len; i++) {
        const socket_row *row = &g_array_index(rows, socket_row, i);
        row_facts f;
        facts_of(row, &f);
        printf("%s\n  {\"host\": ", i ? "," : "");
        tcpdiag_print_json_string(f.addr);
        print_json_member("proto", f.proto);
        print_json_member("local", row->local);
        print_json_member("foreign", row->foreign);
        print_json_member("state", row->state);
        print_json_member("role", row->role);
        if (row->conn) {
            if (row->conn->has_stream)
                printf(", \"stream\": %u", row->conn->stream);
            print_json_member("handshake", f.handshake);
            printf(", \"segs_sent\": %u, \"retrans_segs\": %u", f.sent, f.retrans);
        }
        print_json_member("note", row->note);
        printf("}");
    }
    printf("\n]}\n");
}

static void conns_draw(void *data)
{
    tcpdiag_tally_report *r = data;
    tcpdiag_tally_settle(&r->tally);
    GArray *rows = collect_rows(r);
    char *moment = tcpdiag_moment_describe(&r->tally.moment);
    switch (r->opts.format) {
    case TCPDIAG_FORMAT_CSV:  print_csv(rows); break;
    case TCPDIAG_FORMAT_JSON: print_json(r, rows, moment); break;
    case TCPDIAG_FORMAT_TEXT: print_text(r, rows, moment); break;
    }
    g_free(moment);
    free_rows(rows);
}

static tcpdiag_tap_init_result conns_init(const char *opt_arg, void *userdata _U_)
{
    tcpdiag_tally_report_start(opt_arg, "conns", conns_draw);
    return TCPDIAG_TAP_INIT_OK;
}

void tcpdiag_report_conns_register(void)
{
    tcpdiag_report_register_ui("tcpdiag,conns", conns_init);
}
