/* tcpdiag_report_common.h - what the `-z tcpdiag,...` reports share: options, the moment, hosts, output.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Option syntax (after `tcpdiag,<report>`): comma-separated words the report
 * knows (`csv`, `json`, `wide`, `host=ADDR`, `frame=N`, `time=...`); the
 * first word that is not one of them starts the display filter, which takes
 * the rest of the argument.
 */
#ifndef TCPDIAG_REPORT_COMMON_H
#define TCPDIAG_REPORT_COMMON_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>

#include "tcpdiag_compat.h"
#include <epan/tap.h>

#include "tcpdiag_host.h"

typedef enum tcpdiag_report_format {
    TCPDIAG_FORMAT_TEXT,
    TCPDIAG_FORMAT_CSV,
    TCPDIAG_FORMAT_JSON,
} tcpdiag_report_format;

/* How the user named the moment the report describes. */
typedef enum tcpdiag_moment_kind {
    TCPDIAG_MOMENT_END,          /* end of the capture */
    TCPDIAG_MOMENT_FRAME,        /* after frame N */
    TCPDIAG_MOMENT_RELATIVE,     /* seconds after the first frame */
    TCPDIAG_MOMENT_TIME_OF_DAY,  /* local HH:MM:SS on the first frame's day (or the next) */
    TCPDIAG_MOMENT_ABSOLUTE,     /* local date and time */
} tcpdiag_moment_kind;

typedef struct tcpdiag_moment {
    tcpdiag_moment_kind kind;
    guint32  frame;
    gint64   value_ns;     /* relative offset, seconds since midnight, or epoch time */
    gboolean resolved;     /* kinds needing the first frame's time: cutoff_ns is set */
    gint64   cutoff_ns;    /* epoch ns: frames after it are not counted */
} tcpdiag_moment;

typedef struct tcpdiag_report_opts {
    tcpdiag_report_format format;
    gboolean       wide;
    gboolean       has_host;
    tcpdiag_host   host;
    tcpdiag_moment moment;
    const char    *filter;     /* points into the option string, NULL = none */
} tcpdiag_report_opts;

/* Parses `opt_arg` ("tcpdiag,netstat,csv,host=10.0.0.1,tcp.port==80"); on an
 * unknown value returns FALSE with a message in *err (g_free it). */
gboolean tcpdiag_report_parse(const char *opt_arg, const char *prefix, tcpdiag_report_opts *opts,
                              char **err);

/* TRUE while this frame is at or before the chosen moment. */
gboolean tcpdiag_moment_includes(tcpdiag_moment *m, const packet_info *pinfo);

/* "at the end of the capture", "after frame 12", "at 2024-05-01 10:42:07.000000" */
char *tcpdiag_moment_describe(const tcpdiag_moment *m);
/* "last TCP frame counted: N", or that no TCP frame came by then (frame 0). */
void tcpdiag_last_frame_describe(char *buf, size_t len, guint32 last_frame);

/* Registers a report's tap listener; exits tshark with a message on failure. */
void tcpdiag_report_listen(const char *report, const tcpdiag_report_opts *opts, void *data,
                           tap_reset_cb reset, tap_packet_cb packet, tap_draw_cb draw,
                           tap_finish_cb finish);

/* The `-z` entry of a report, in the Generic group. */
void tcpdiag_report_register_ui(const char *cli_string, stat_tap_init_cb init);

/* ---- output --------------------------------------------------------------- */

#define TCPDIAG_REPORT_RULE \
    "===================================================================================================="
#define TCPDIAG_REPORT_THIN_RULE \
    "----------------------------------------------------------------------------------------------------"

/* A JSON string literal (addresses and fixed names only: no escaping needed
 * beyond quotes and backslashes, done anyway). */
void tcpdiag_print_json_string(const char *s);

/* One CSV field, quoted when it must be (RFC 4180). */
void tcpdiag_print_csv_field(const char *s);

#endif
