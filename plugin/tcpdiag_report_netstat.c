/* tcpdiag_report_netstat.c - `tshark -q -z tcpdiag,netstat[,OPTIONS][,FILTER]`: `netstat -s -p tcp` for every host.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The counters each host's own TCP MIB keeps (definitions in
 * tcpdiag_report_tally.h), computed from the packets, so they can be put
 * next to what `netstat -s` printed on that host. A host's numbers are
 * complete when the capture sees all of its TCP traffic: take the capture
 * nearest to it (segments lost between the host and the capture point make
 * "sent" and "received" differ on the far side).
 */
#include "tcpdiag_report_tally.h"

#include <stdio.h>

#include <epan/tap.h>

#include "core/tcpdiag_words.h"
#include "tcpdiag_prefs.h"
#include "tcpdiag_report_netstat.h"

/* The rows `netstat -s -p tcp` prints, in its order and with its words. */
typedef struct mib_row {
    const char *label;     /* netstat's words */
    const char *key;       /* CSV column / JSON member */
    size_t      offset;    /* into tcpdiag_mib */
} mib_row;

static const mib_row mib_rows[] = {
    { "Active Opens",               "active_opens",   G_STRUCT_OFFSET(tcpdiag_mib, active_opens) },
    { "Passive Opens",              "passive_opens",  G_STRUCT_OFFSET(tcpdiag_mib, passive_opens) },
    { "Failed Connection Attempts", "attempt_fails",  G_STRUCT_OFFSET(tcpdiag_mib, attempt_fails) },
    { "Reset Connections",          "estab_resets",   G_STRUCT_OFFSET(tcpdiag_mib, estab_resets) },
    { "Current Connections",        "curr_estab",     G_STRUCT_OFFSET(tcpdiag_mib, curr_estab) },
    { "Segments Received",          "in_segs",        G_STRUCT_OFFSET(tcpdiag_mib, in_segs) },
    { "Segments Sent",              "out_segs",       G_STRUCT_OFFSET(tcpdiag_mib, out_segs) },
    { "Segments Retransmitted",     "retrans_segs",   G_STRUCT_OFFSET(tcpdiag_mib, retrans_segs) },
};

static guint64 mib_value(const tcpdiag_mib *m, const mib_row *r)
{
    return G_STRUCT_MEMBER(guint64, m, r->offset);
}

/* The preferences a host's retransmission share is judged by. */
typedef struct rate_rule {
    double threshold_pct;
    guint  min_segments;
} rate_rule;

/* The verdict's word in CSV and JSON. */
static const char *verdict_key(tcpdiag_rate_verdict v)
{
    static const tcpdiag_word keys[] = {
        [TCPDIAG_RATE_NO_SEGMENTS] = { "no_segments_sent", "the host sent no segment" },
        [TCPDIAG_RATE_TOO_FEW] = { "too_few_segments", "above the threshold, but too few segments to judge" },
        [TCPDIAG_RATE_UNDER] = { "under_threshold", "at or under the threshold" },
        [TCPDIAG_RATE_OVER] = { "over_threshold", "over the threshold" },
    };
    return TCPDIAG_WORD_OF(keys, v)->name;
}

static void print_text_host(const tcpdiag_tally_host *h, const rate_rule *rule)
{
    char addr[TCPDIAG_HOST_STRLEN];
    tcpdiag_host_format(&h->host, addr, sizeof addr);
    printf("\nTCP Statistics for %s\n\n", addr);
    for (guint i = 0; i < G_N_ELEMENTS(mib_rows); i++)
        printf("  %-36s= %" G_GUINT64_FORMAT "\n", mib_rows[i].label, mib_value(&h->mib, &mib_rows[i]));
    double pct = tcpdiag_mib_retrans_pct(&h->mib);
    tcpdiag_rate_verdict verdict = tcpdiag_mib_rate_verdict(&h->mib, rule->threshold_pct, rule->min_segments);
    if (verdict == TCPDIAG_RATE_NO_SEGMENTS) {
        printf("  %-36s= -  (no segments sent)\n", "Retransmitted / Sent");
        return;
    }
    printf("  %-36s= %.2f%%  (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT "): ",
           "Retransmitted / Sent", pct, h->mib.retrans_segs, h->mib.out_segs);
    if (verdict == TCPDIAG_RATE_TOO_FEW)
        printf("above the %g%% threshold, but too few segments to judge (%" G_GUINT64_FORMAT
               " sent, fewer than tcpdiag.retrans_rate_min_segments = %u)\n", rule->threshold_pct,
               h->mib.out_segs + h->mib.retrans_segs, rule->min_segments);
    else
        printf("%s the %g%% threshold\n", verdict == TCPDIAG_RATE_OVER ? "OVER" : "under", rule->threshold_pct);
}

static void print_csv(const GArray *hosts, const rate_rule *rule)
{
    printf("host");
    for (guint i = 0; i < G_N_ELEMENTS(mib_rows); i++)
        printf(",%s", mib_rows[i].key);
    printf(",retrans_pct,threshold_pct,verdict\n");
    for (guint i = 0; i < hosts->len; i++) {
        const tcpdiag_tally_host *h = &g_array_index(hosts, tcpdiag_tally_host, i);
        char addr[TCPDIAG_HOST_STRLEN];
        tcpdiag_host_format(&h->host, addr, sizeof addr);
        printf("%s", addr);
        for (guint k = 0; k < G_N_ELEMENTS(mib_rows); k++)
            printf(",%" G_GUINT64_FORMAT, mib_value(&h->mib, &mib_rows[k]));
        double pct = tcpdiag_mib_retrans_pct(&h->mib);
        if (pct < 0)
            printf(",");
        else
            printf(",%.4f", pct);
        printf(",%g,%s\n", rule->threshold_pct,
               verdict_key(tcpdiag_mib_rate_verdict(&h->mib, rule->threshold_pct, rule->min_segments)));
    }
}

static void print_json(const tcpdiag_tally_report *r, const GArray *hosts, const rate_rule *rule, const char *moment)
{
    printf("{\"report\": \"netstat\", \"moment\": ");
    tcpdiag_print_json_string(moment);
    printf(", \"last_frame\": %u, \"threshold_pct\": %g, \"min_segments\": %u, \"hosts\": [", r->tally.last_frame,
           rule->threshold_pct, rule->min_segments);
    for (guint i = 0; i < hosts->len; i++) {
        const tcpdiag_tally_host *h = &g_array_index(hosts, tcpdiag_tally_host, i);
        char addr[TCPDIAG_HOST_STRLEN];
        tcpdiag_host_format(&h->host, addr, sizeof addr);
        printf("%s\n  {\"host\": ", i ? "," : "");
        tcpdiag_print_json_string(addr);
        for (guint k = 0; k < G_N_ELEMENTS(mib_rows); k++)
            printf(", \"%s\": %" G_GUINT64_FORMAT, mib_rows[k].key, mib_value(&h->mib, &mib_rows[k]));
        double pct = tcpdiag_mib_retrans_pct(&h->mib);
        if (pct < 0)
            printf(", \"retrans_pct\": null");
        else
            printf(", \"retrans_pct\": %.4f", pct);
        printf(", \"verdict\": \"%s\"}",
               verdict_key(tcpdiag_mib_rate_verdict(&h->mib, rule->threshold_pct, rule->min_segments)));
    }
    printf("\n]}\n");
}

static void netstat_draw(void *data)
{
    tcpdiag_tally_report *r = data;
    const rate_rule rule = { tcpdiag_prefs_rate_threshold_pct(), tcpdiag_prefs_rate_min_segments() };
    tcpdiag_tally_settle(&r->tally);
    GArray *all = tcpdiag_tally_hosts(&r->tally);
    GArray *hosts = g_array_new(FALSE, TRUE, sizeof(tcpdiag_tally_host));
    for (guint i = 0; i < all->len; i++) {
        const tcpdiag_tally_host *h = &g_array_index(all, tcpdiag_tally_host, i);
        if (!r->opts.has_host || tcpdiag_host_equal(&h->host, &r->opts.host))
            g_array_append_val(hosts, *h);
    }
    char *moment = tcpdiag_moment_describe(&r->tally.moment);
    switch (r->opts.format) {
    case TCPDIAG_FORMAT_CSV:
        print_csv(hosts, &rule);
        break;
    case TCPDIAG_FORMAT_JSON:
        print_json(r, hosts, &rule, moment);
        break;
    case TCPDIAG_FORMAT_TEXT:
        printf("\n%s\nTCP Diagnostics - netstat -s -p tcp for each host, computed from the capture\n", TCPDIAG_REPORT_RULE);
        char last[48];
        tcpdiag_last_frame_describe(last, sizeof last, r->tally.last_frame);
        printf("Counted %s (%s). Hosts: %u. Retransmission threshold: %g%% (over it from %u segments sent).\n",
               moment, last, hosts->len, rule.threshold_pct, rule.min_segments);
        printf("Exact for a host when the capture sees all of its TCP traffic (capture next to the host).\n");
        printf("%s\n", TCPDIAG_REPORT_THIN_RULE);
        for (guint i = 0; i < hosts->len; i++)
            print_text_host(&g_array_index(hosts, tcpdiag_tally_host, i), &rule);
        printf("%s\n", TCPDIAG_REPORT_RULE);
        break;
    }
    g_free(moment);
    g_array_free(hosts, TRUE);
    g_array_free(all, TRUE);
}

static tcpdiag_tap_init_result netstat_init(const char *opt_arg, void *userdata _U_)
{
    tcpdiag_tally_report_start(opt_arg, "netstat", netstat_draw);
    return TCPDIAG_TAP_INIT_OK;
}

void tcpdiag_report_netstat_register(void)
{
    tcpdiag_report_register_ui("tcpdiag,netstat", netstat_init);
}
