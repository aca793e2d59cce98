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

/* The verdict against the threshold, in netstat's terms. */
static const char *verdict_of(double pct, double threshold)
{
    if (pct < 0)
        return "no_segments_sent";
    return pct > threshold ? "over_threshold" : "under_threshold";
}

static void print_text_host(const tcpdiag_tally_host *h, double threshold)
{
    char addr[TCPDIAG_HOST_STRLEN];
    tcpdiag_host_format(&h->host, addr, sizeof addr);
    printf("\nTCP Statistics for %s\n\n", addr);
    for (guint i = 0; i < G_N_ELEMENTS(mib_rows); i++)
        printf("  %-36s= %" G_GUINT64_FORMAT "\n", mib_rows[i].label, mib_value(&h->mib, &mib_rows[i]));
    double pct = tcpdiag_mib_retrans_pct(&h->mib);
    if (pct < 0)
        printf("  %-36s= -  (no segments sent)\n", "Retransmitted / Sent");
    else
        printf("  %-36s= %.2f%%  (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT "): %s the %g%% threshold\n",
               "Retransmitted / Sent", pct, h->mib.retrans_segs, h->mib.out_segs,
               pct > threshold ? "OVER" : "under", threshold);
}

static void print_csv(const GArray *hosts, double threshold)
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
        printf(",%g,%s\n", threshold, verdict_of(pct, threshold));
    }
}

static void print_json(const tcpdiag_tally_report *r, const GArray *hosts, double threshold, const char *moment)
{
    printf("{\"report\": \"netstat\", \"moment\": ");
    tcpdiag_print_json_string(moment);
    printf(", \"last_frame\": %u, \"threshold_pct\": %g, \"hosts\": [", r->tally.last_frame, threshold);
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
        printf(", \"verdict\": \"%s\"}", verdict_of(pct, threshold));
    }
    printf("\n]}\n");
}

static void netstat_draw(void *data)
{
    tcpdiag_tally_report *r = data;
    double threshold = tcpdiag_view_retrans_rate_threshold_pct();
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
        print_csv(hosts, threshold);
        break;
    case TCPDIAG_FORMAT_JSON:
        print_json(r, hosts, threshold, moment);
        break;
    case TCPDIAG_FORMAT_TEXT:
        printf("\n%s\nTCP Diagnostics - netstat -s -p tcp for each host, computed from the capture\n", TCPDIAG_REPORT_RULE);
        char last[48];
        tcpdiag_last_frame_describe(last, sizeof last, r->tally.last_frame);
        printf("Counted %s (%s). Hosts: %u. Retransmission threshold: %g%%.\n",
               moment, last, hosts->len, threshold);
        printf("Exact for a host when the capture sees all of its TCP traffic (capture next to the host).\n");
        printf("%s\n", TCPDIAG_REPORT_THIN_RULE);
        for (guint i = 0; i < hosts->len; i++)
            print_text_host(&g_array_index(hosts, tcpdiag_tally_host, i), threshold);
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
