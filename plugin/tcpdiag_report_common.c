/* tcpdiag_report_common.c - options, the chosen moment, hosts and output helpers of the reports.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_report_common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wsutil/inet_addr.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "tcpdiag_nstime.h"
#include "tcpdiag_tap_record.h"


/* ---- the moment ----------------------------------------------------------- */

/* "HH:MM[:SS[.frac]]" -> nanoseconds since midnight. */
static gboolean parse_clock(const char *s, gint64 *out_ns)
{
    int h = 0, m = 0, used = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &used) != 2 || h > 23 || m > 59)
        return FALSE;
    double sec = 0;
    if (s[used] == ':') {
        char *end;
        errno = 0;
        sec = strtod(s + used + 1, &end);
        if (errno || end == s + used + 1 || *end || sec < 0 || sec >= 61)
            return FALSE;
    } else if (s[used]) {
        return FALSE;
    }
    *out_ns = ((gint64)h * 3600 + (gint64)m * 60) * TCPDIAG_NS_PER_SEC + llround(sec * (double)TCPDIAG_NS_PER_SEC);
    return TRUE;
}

static gint64 local_midnight_ns(int year, int mon, int mday)
{
    struct tm tm = { 0 };
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_isdst = -1;   /* let the C library decide summer time */
    return (gint64)mktime(&tm) * TCPDIAG_NS_PER_SEC;
}

static gboolean parse_moment_time(const char *s, tcpdiag_moment *m)
{
    if (s[0] == '+') {
        char *end;
        errno = 0;
        double rel = strtod(s + 1, &end);
        if (errno || end == s + 1 || *end || rel < 0)
            return FALSE;
        m->kind = TCPDIAG_MOMENT_RELATIVE;
        m->value_ns = llround(rel * (double)TCPDIAG_NS_PER_SEC);
        return TRUE;
    }
    int y, mo, d, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10) {
        gint64 clock_ns;
        if ((s[10] != 'T' && s[10] != ' ') || !parse_clock(s + 11, &clock_ns))
            return FALSE;
        m->kind = TCPDIAG_MOMENT_ABSOLUTE;
        /* Clock time added to midnight: exact except on a summer-time switch day. */
        m->value_ns = local_midnight_ns(y, mo, d) + clock_ns;
        m->resolved = TRUE;
        m->cutoff_ns = m->value_ns;
        return TRUE;
    }
    if (!parse_clock(s, &m->value_ns))
        return FALSE;
    m->kind = TCPDIAG_MOMENT_TIME_OF_DAY;
    return TRUE;
}

static void resolve_moment(tcpdiag_moment *m, const packet_info *pinfo)
{
    gint64 first_ns = tcpdiag_ns_of(&pinfo->abs_ts) - tcpdiag_ns_of(&pinfo->rel_ts);
    if (m->kind == TCPDIAG_MOMENT_RELATIVE) {
        m->cutoff_ns = first_ns + m->value_ns;
    } else {
        time_t first_s = (time_t)(first_ns / TCPDIAG_NS_PER_SEC);
        struct tm tm;
        localtime_r(&first_s, &tm);
        m->cutoff_ns = local_midnight_ns(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) + m->value_ns;
        /* A clock time earlier than the first frame means the next day. */
        if (m->cutoff_ns < first_ns)
            m->cutoff_ns = local_midnight_ns(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + 1) + m->value_ns;
    }
    m->resolved = TRUE;
}

gboolean tcpdiag_moment_includes(tcpdiag_moment *m, const packet_info *pinfo)
{
    switch (m->kind) {
    case TCPDIAG_MOMENT_END:
        return TRUE;
    case TCPDIAG_MOMENT_FRAME:
        return pinfo->num <= m->frame;
    default:
        if (!m->resolved)
            resolve_moment(m, pinfo);
        return tcpdiag_ns_of(&pinfo->abs_ts) <= m->cutoff_ns;
    }
}

void tcpdiag_last_frame_describe(char *buf, size_t len, guint32 last_frame)
{
    if (last_frame)
        g_snprintf(buf, (gulong)len, "last TCP frame counted: %u", last_frame);
    else
        g_snprintf(buf, (gulong)len, "no TCP segment by then");
}

char *tcpdiag_moment_describe(const tcpdiag_moment *m)
{
    if (m->kind == TCPDIAG_MOMENT_END)
        return g_strdup("at the end of the capture");
    if (m->kind == TCPDIAG_MOMENT_FRAME)
        return g_strdup_printf("after frame %u", m->frame);
    if (!m->resolved)
        return g_strdup("at a moment after the last frame");
    time_t s = (time_t)(m->cutoff_ns / TCPDIAG_NS_PER_SEC);
    struct tm tm;
    char buf[64];
    localtime_r(&s, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return g_strdup_printf("at %s.%06u (local time)", buf, (guint)((m->cutoff_ns % TCPDIAG_NS_PER_SEC) / 1000));
}

/* ---- options -------------------------------------------------------------- */

static gboolean parse_host(const char *s, tcpdiag_host *h)
{
    ws_in4_addr v4;
    ws_in6_addr v6;
    memset(h, 0, sizeof *h);
    if (ws_inet_pton4(s, &v4)) {
        h->family = 4;
        memcpy(h->addr, &v4, 4);
        return TRUE;
    }
    if (ws_inet_pton6(s, &v6)) {
        h->family = 6;
        memcpy(h->addr, &v6, 16);
        return TRUE;
    }
    return FALSE;
}

/* One option word; FALSE with *err set when it is ours but malformed,
 * FALSE without *err when it is not an option (the filter starts here). */
static gboolean parse_word(const char *word, tcpdiag_report_opts *o, char **err)
{
    static const struct { const char *name; tcpdiag_report_format format; } formats[] = {
        { "text", TCPDIAG_FORMAT_TEXT }, { "csv", TCPDIAG_FORMAT_CSV }, { "json", TCPDIAG_FORMAT_JSON },
    };
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (strcmp(word, formats[i].name) == 0) {
            o->format = formats[i].format;
            return TRUE;
        }
    if (strcmp(word, "wide") == 0) {
        o->wide = TRUE;
        return TRUE;
    }
    if (g_str_has_prefix(word, "host=")) {
        o->has_host = parse_host(word + 5, &o->host);
        if (!o->has_host)
            *err = g_strdup_printf("host=%s is not an IPv4 or IPv6 address", word + 5);
        return o->has_host;
    }
    if (g_str_has_prefix(word, "frame=")) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(word + 6, &end, 10);
        if (errno || end == word + 6 || *end || n == 0 || n > G_MAXUINT32) {
            *err = g_strdup_printf("frame=%s is not a frame number", word + 6);
            return FALSE;
        }
        o->moment.kind = TCPDIAG_MOMENT_FRAME;
        o->moment.frame = (guint32)n;
        return TRUE;
    }
    if (g_str_has_prefix(word, "time=")) {
        if (!parse_moment_time(word + 5, &o->moment)) {
            *err = g_strdup_printf("time=%s: use HH:MM:SS[.frac] (local time of day), "
                                   "YYYY-MM-DDTHH:MM:SS[.frac] (local), or +SECONDS after the first frame",
                                   word + 5);
            return FALSE;
        }
        return TRUE;
    }
    return FALSE;
}

gboolean tcpdiag_report_parse(const char *opt_arg, const char *prefix, tcpdiag_report_opts *o, char **err)
{
    memset(o, 0, sizeof *o);
    *err = NULL;
    size_t plen = strlen(prefix);
    if (!opt_arg || strncmp(opt_arg, prefix, plen) != 0 || opt_arg[plen] != ',')
        return TRUE;
    const char *p = opt_arg + plen + 1;
    while (*p) {
        const char *comma = strchr(p, ',');
        char *word = comma ? g_strndup(p, (gsize)(comma - p)) : g_strdup(p);
        gboolean ours = parse_word(word, o, err);
        g_free(word);
        if (*err)
            return FALSE;
        if (!ours) {
            o->filter = p;
            break;
        }
        p = comma ? comma + 1 : p + strlen(p);
    }
    return TRUE;
}

void tcpdiag_report_listen(const char *report, const tcpdiag_report_opts *opts, void *data,
                           tap_reset_cb reset, tap_packet_cb packet, tap_draw_cb draw,
                           tap_finish_cb finish)
{
    GString *err = register_tap_listener(TCPDIAG_TAP_NAME, data, opts->filter, TL_REQUIRES_NOTHING,
                                         reset, packet, draw, finish);
    if (err) {
        fprintf(stderr, "tshark: tcpdiag,%s: %s\n", report, err->str);
        g_string_free(err, TRUE);
        exit(1);
    }
}

void tcpdiag_report_register_ui(const char *cli_string, stat_tap_init_cb init)
{
    /* Wireshark keeps this pointer for the life of the program: static storage
     * (no block a leak checker finds unreachable once epan is cleaned up). */
    static stat_tap_ui uis[4];
    static guint used;
    stat_tap_ui *ui = used < G_N_ELEMENTS(uis) ? &uis[used++] : g_new0(stat_tap_ui, 1);
    ui->group = REGISTER_STAT_GROUP_GENERIC;
    ui->cli_string = cli_string;
    ui->tap_init_cb = init;
    ui->nparams = 0;
    register_stat_tap_ui(ui, NULL);
}

/* ---- output --------------------------------------------------------------- */

void tcpdiag_print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

void tcpdiag_print_csv_field(const char *s)
{
    /* RFC 4180: a field holding a comma, quote or line break is quoted, its
     * quotes doubled; others are written as they are. */
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}
