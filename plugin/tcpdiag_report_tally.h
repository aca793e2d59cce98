/* tcpdiag_report_tally.h - per-connection and per-host counts the netstat reports and the stats tree read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Fed one tap record at a time, in frame order, up to the chosen moment.
 * Counter definitions are the host MIB's (RFC 1213 tcp group, the numbers
 * `netstat -s -p tcp` prints), computed per endpoint from the state changes
 * the core reports:
 *   Active Opens   CLOSED -> SYN_SENT
 *   Passive Opens  LISTEN -> SYN_RECEIVED
 *   Failed Connection Attempts  SYN_SENT or SYN_RECEIVED -> CLOSED, plus SYN_RECEIVED -> LISTEN
 *   Reset Connections  ESTABLISHED or CLOSE_WAIT -> CLOSED
 *   Current Connections  endpoints in ESTABLISHED or CLOSE_WAIT at the moment
 *   Segments Received  every segment addressed to the host
 *   Segments Sent  segments from the host, except those that only re-send
 *                  sequence space (RFC 1213 tcpOutSegs; Linux counts the same)
 *   Segments Retransmitted  segments from the host tcpdiag marks as retransmissions
 * TCP headers quoted in ICMP errors are not segments, but the state changes
 * they cause (a refused SYN) count; a SYN re-sent after such an error shows
 * the stack did not give up, and takes the failed attempt back.
 */
#ifndef TCPDIAG_REPORT_TALLY_H
#define TCPDIAG_REPORT_TALLY_H

#include "core/tcpdiag_conv.h"
#include "tcpdiag_report_common.h"
#include "tcpdiag_tap_record.h"

typedef struct tcpdiag_mib {
    guint64 active_opens, passive_opens, attempt_fails, estab_resets, curr_estab;
    guint64 in_segs, out_segs, retrans_segs;
} tcpdiag_mib;

typedef struct tcpdiag_tally_conn {
    gboolean      seen;
    gboolean      superseded;     /* a later connection reused the 4-tuple: this socket is gone */
    tcpdiag_tuple tuple;          /* client -> server */
    guint32       stream;
    gboolean      has_stream;
    gboolean      roles_inferred;
    guint8        handshake;      /* tcpdiag_handshake */
    guint8        state[2];       /* tcpdiag_state, by role (TCPDIAG_CLIENT, TCPDIAG_SERVER) */
    guint32       sent[2];        /* segments sent by each role, retransmissions included */
    guint32       retrans[2];     /* ... of which retransmissions */
    gboolean      attempt_failed[2]; /* the role's latest counted change was a failed attempt */
    guint32       first_frame;    /* orders two connections on one 4-tuple */
    guint8        mss_risk;       /* tcpdiag_mss_risk + 1; 0 = no MSS verdict yet */
    /* The client's SYNs, to tell when an unanswered client has given up. */
    guint16       syns;
    gint64        last_syn_ns, syn_wait_ns;   /* latest SYN; the wait before it */
    gboolean      gave_up;        /* settled: no SYN came when the next retry was due */
    /* The hosts' entries by role, once looked up (tcpdiag_tally_host; NULL: not yet). */
    struct tcpdiag_tally_host *host[2];
} tcpdiag_tally_conn;

/* A listening socket the capture shows: a SYN-ACK proves it; a SYN not
 * (yet) answered presumes it, as tcpdiag's server state does. */
typedef struct tcpdiag_tally_listener {
    tcpdiag_host host;
    guint16      port;
    guint32      synack_frame;    /* latest SYN-ACK from it, 0 = none */
    guint32      refused_frame;   /* latest RST answering a SYN to it, 0 = none */
} tcpdiag_tally_listener;

typedef struct tcpdiag_tally_host {
    tcpdiag_host host;
    tcpdiag_mib  mib;             /* curr_estab is filled by tcpdiag_tally_hosts() */
} tcpdiag_tally_host;

typedef struct tcpdiag_tally {
    tcpdiag_moment moment;
    GArray     *conns;            /* tcpdiag_tally_conn, indexed by conversation id */
    GHashTable *latest;           /* canonical 4-tuple -> latest conversation id + 1 */
    GHashTable *hosts;            /* tcpdiag_host -> tcpdiag_tally_host */
    GHashTable *listeners;        /* "family/addr/port" key -> tcpdiag_tally_listener */
    guint32     last_frame;       /* last frame counted */
    gint64      last_ns;          /* ... and its time */
} tcpdiag_tally;

void tcpdiag_tally_init(tcpdiag_tally *t, const tcpdiag_moment *moment);
void tcpdiag_tally_reset(tcpdiag_tally *t);
void tcpdiag_tally_free(tcpdiag_tally *t);

/* Counts one tap record; returns the connection row it changed, or NULL
 * when the record is after the moment or belongs to no connection. */
const tcpdiag_tally_conn *tcpdiag_tally_add(tcpdiag_tally *t, packet_info *pinfo,
                                            const tcpdiag_layer_record *rec);

const tcpdiag_tally_host *tcpdiag_tally_host_of(const tcpdiag_tally *t, const tcpdiag_host *h);

/* Every host, sorted (tcpdiag_host_compare), with Current Connections
 * filled in; g_array_free(.., TRUE) it. */
GArray *tcpdiag_tally_hosts(const tcpdiag_tally *t);
/* Before reading: a client whose SYNs went unanswered and whose next retry
 * was due well before the last frame counted gave up silently (its socket
 * closed, a failed connection attempt). Idempotent; later records undo it. */
void tcpdiag_tally_settle(tcpdiag_tally *t);

typedef struct tcpdiag_listener_row {
    tcpdiag_host host;
    guint16      port;
    gboolean     presumed;        /* only an unanswered SYN backs it */
} tcpdiag_listener_row;

/* Listeners to show at the moment, sorted by host and port: proven by a
 * SYN-ACK not followed by a refusal, or presumed from a connection whose
 * server still is LISTEN. g_array_free(.., TRUE) it. */
GArray *tcpdiag_tally_listeners(const tcpdiag_tally *t);

/* A `-z tcpdiag,NAME` report built on a tally: its options and its counts. */
typedef struct tcpdiag_tally_report {
    tcpdiag_report_opts opts;
    tcpdiag_tally       tally;
} tcpdiag_tally_report;

/* Parses `opt_arg` for report NAME ("netstat"), then tallies every tap
 * record and calls draw(tcpdiag_tally_report *) at the end; exits tshark
 * with a message on a bad option or filter. */
void tcpdiag_tally_report_start(const char *opt_arg, const char *name, tap_draw_cb draw);

/* The retransmission share the threshold applies to: retransmitted segments
 * per segment sent (netstat users' rule of thumb: "15 of 26,058 is under 1%"), in percent; < 0 when nothing was sent. */
double tcpdiag_mib_retrans_pct(const tcpdiag_mib *m);

/* That share against the retransmission-rate preferences. */
typedef enum tcpdiag_rate_verdict {
    TCPDIAG_RATE_NO_SEGMENTS,   /* nothing sent */
    TCPDIAG_RATE_TOO_FEW,       /* above the threshold, but fewer segments sent than retrans_rate_min_segments */
    TCPDIAG_RATE_UNDER,
    TCPDIAG_RATE_OVER,
} tcpdiag_rate_verdict;

tcpdiag_rate_verdict tcpdiag_mib_rate_verdict(const tcpdiag_mib *m, double threshold_pct, guint min_segments);

#endif
