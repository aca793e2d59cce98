/* tcpdiag_summary.c - `tshark -q -z tcpdiag,summary[,FILTER]`: one line per conversation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Fed from the stored verdicts through the "tcpdiag" tap, so it is the same
 * with one pass or two and whether or not a tree is shown. Options and the
 * listener are the reports' shared ones (tcpdiag_report_common.h).
 */
#include "tcpdiag_summary.h"
#include "tcpdiag_compat.h"

#include <stdio.h>

#include <wireshark.h>
#include <epan/packet.h>

#include "core/tcpdiag_handshake.h"
#include "core/tcpdiag_state.h"
#include "core/tcpdiag_time.h"
#include "tcpdiag_prefs.h"
#include "tcpdiag_report_common.h"
#include "tcpdiag_tap_record.h"

#define SUMMARY_RULE "==================================================================================================="
#define SUMMARY_THIN_RULE "---------------------------------------------------------------------------------------------------"

typedef struct summary_row {
    gboolean        seen;
    gchar          *client;
    gchar          *server;
    tcpdiag_verdict last;
    guint32         frames;
    guint32         retrans[2];  /* re-sent segments by the client, by the server */
} summary_row;

typedef struct summary_tap {
    tcpdiag_report_opts opts;
    GArray *rows;      /* summary_row, indexed by conversation id */
    guint64 dropped;   /* frames that made the conversation cap drop a conversation */
} summary_tap;

static void summary_reset(void *data)
{
    summary_tap *s = data;
    for (guint i = 0; i < s->rows->len; i++) {
        summary_row *r = &g_array_index(s->rows, summary_row, i);
        g_free(r->client);
        g_free(r->server);
    }
    g_array_set_size(s->rows, 0);
    s->dropped = 0;
}

static tap_packet_status summary_packet(void *data, packet_info *pinfo, epan_dissect_t *edt _U_,
                                        const void *vp, tap_flags_t flags _U_)
{
    summary_tap *s = data;
    const tcpdiag_layer_record *layer = vp;
    const tcpdiag_verdict *v = &layer->v;
    /* The cap drops one conversation for each frame that gets this notice. */
    if (tcpdiag_verdict_has(v, TCPDIAG_NOTE_CONVERSATION_DROPPED))
        s->dropped++;
    if (v->conv_id == TCPDIAG_NO_CONV)
        return TAP_PACKET_DONT_REDRAW;
    if (v->conv_id >= s->rows->len)
        g_array_set_size(s->rows, v->conv_id + 1);
    summary_row *r = &g_array_index(s->rows, summary_row, v->conv_id);
    if (!r->seen) {
        r->seen = TRUE;
        r->client = g_strdup(layer->ends ? tcpdiag_endpoint_str(pinfo->pool, layer->ends, TRUE) : "?");
        r->server = g_strdup(layer->ends ? tcpdiag_endpoint_str(pinfo->pool, layer->ends, FALSE) : "?");
    }
    r->last = *v;
    if (!v->quoted)
        r->frames++;
    if (v->retrans_kind != TCPDIAG_RK_NONE)
        r->retrans[v->from_server ? 1 : 0]++;
    return TAP_PACKET_REDRAW;
}

static const char *row_note(const summary_row *r)
{
    if (r->last.one_direction)
        return "  (one direction only)";
    return r->last.roles_inferred ? "  (roles inferred)" : "";
}

static void summary_draw(void *data)
{
    summary_tap *s = data;
    guint counts[TCPDIAG_HS_COUNT] = { 0 };
    guint total = 0, one_way = 0;
    for (guint i = 0; i < s->rows->len; i++) {
        summary_row *r = &g_array_index(s->rows, summary_row, i);
        if (r->seen && r->last.handshake < TCPDIAG_HS_COUNT) {
            counts[r->last.handshake]++;
            total++;
            one_way += r->last.one_direction;
        }
    }
    printf("\n%s\n", SUMMARY_RULE);
    printf("TCP Diagnostics - conversation summary\n");
    printf("Conversations: %u", total);
    for (int h = TCPDIAG_HS_NOT_SEEN; h < TCPDIAG_HS_COUNT; h++)
        if (counts[h])
            printf(", %s: %u", tcpdiag_handshake_name((tcpdiag_handshake)h), counts[h]);
    printf("\n");
    if (one_way)
        printf("Seen in one direction only: %u (asymmetric routing or a one-way capture: "
               "what the other side sent is missing)\n", one_way);
    printf("%s\n", SUMMARY_THIN_RULE);
    printf("%-7s %-24s %-24s %-13s %-13s %-13s %10s %7s %11s\n",
           "Stream", "Client", "Server", "Handshake", "Client state", "Server state", "HS RTT ms", "Frames",
           "Re-sent c/s");
    for (guint i = 0; i < s->rows->len; i++) {
        summary_row *r = &g_array_index(s->rows, summary_row, i);
        if (!r->seen)
            continue;
        char stream[16] = "-", rtt[24] = "-";
        if (r->last.has_stream)
            snprintf(stream, sizeof stream, "%u", r->last.stream);
        if (r->last.rtt_known)
            snprintf(rtt, sizeof rtt, "%.3f", (double)r->last.rtt_ns / (double)TCPDIAG_NS_PER_MS);
        char resent[24];
        snprintf(resent, sizeof resent, "%u/%u", r->retrans[0], r->retrans[1]);
        printf("%-7s %-24s %-24s %-13s %-13s %-13s %10s %7u %11s%s\n", stream, r->client, r->server,
               tcpdiag_handshake_name(r->last.handshake),
               tcpdiag_state_name(r->last.state_client), tcpdiag_state_name(r->last.state_server),
               rtt, r->frames, resent, row_note(r));
    }
    if (s->dropped)
        printf("%s\n"
               "Conversations dropped by the cap (tcpdiag.max_conversations = %u): %" G_GUINT64_FORMAT
               " (idle the longest; a later segment of one starts a new conversation)\n",
               SUMMARY_THIN_RULE, tcpdiag_prefs_max_conversations(), s->dropped);
    printf("%s\n", SUMMARY_RULE);
}

static void summary_finish(void *data)
{
    summary_tap *s = data;
    summary_reset(s);
    g_array_free(s->rows, TRUE);
    g_free(s);
}

static tcpdiag_tap_init_result summary_init(const char *opt_arg, void *userdata _U_)
{
    summary_tap *s = g_new0(summary_tap, 1);
    char *err;
    if (!tcpdiag_report_parse(opt_arg, "tcpdiag,summary", &s->opts, &err)) {
        fprintf(stderr, "tshark: tcpdiag,summary: %s\n", err);
        exit(1);
    }
    s->rows = g_array_new(FALSE, TRUE, sizeof(summary_row));
    tcpdiag_report_listen("summary", &s->opts, s, summary_reset, summary_packet, summary_draw, summary_finish);
    return TCPDIAG_TAP_INIT_OK;
}

void tcpdiag_summary_register(void)
{
    tcpdiag_report_register_ui("tcpdiag,summary", summary_init);
}
