/* tcpdiag_prefs.c - every preference of tcpdiag, and the core configuration made from them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_prefs.h"

#include <epan/prefs.h>

#include "core/tcpdiag_time.h"

static guint pref_close_wait_warn_s = 5;
/* Enough for the busiest real captures (a Linux host tracks at most 262144
 * connections by default, nf_conntrack_max), small enough that a SYN flood
 * cannot make tcpdiag's own state grow without bound. */
static guint pref_max_conversations = 500000;
static guint pref_dup_acks = 3;
/* A string so users can write 0.5. Wireshark replaces the initial value by its
 * own copy when the preference is registered, so it starts as a literal. */
static const char *pref_rate_pct = "1";
static guint pref_rate_min_segs = 100;

double tcpdiag_prefs_rate_threshold_pct(void)
{
    return pref_rate_pct ? CLAMP(g_ascii_strtod(pref_rate_pct, NULL), 0.0, 100.0) : 1.0;
}

guint tcpdiag_prefs_rate_min_segments(void)
{
    return pref_rate_min_segs;
}

guint tcpdiag_prefs_max_conversations(void)
{
    return pref_max_conversations;
}

void tcpdiag_prefs_config(tcpdiag_config *cfg)
{
    tcpdiag_config_defaults(cfg);
    cfg->close_wait_warn_ns = (gint64)pref_close_wait_warn_s * TCPDIAG_NS_PER_SEC;
    cfg->max_conversations = pref_max_conversations;
    cfg->retrans.dup_ack_threshold = pref_dup_acks ? pref_dup_acks : 1;
    cfg->retrans.rate_warn_bp = (guint32)(tcpdiag_prefs_rate_threshold_pct() * 100.0 + 0.5);
    cfg->retrans.rate_min_segments = pref_rate_min_segs;
}

void tcpdiag_prefs_register(int proto)
{
    module_t *module = prefs_register_protocol(proto, NULL);
    prefs_register_uint_preference(module, "close_wait_warning",
        "Warn when CLOSE_WAIT lasts (seconds)",
        "A socket that stays in CLOSE_WAIT this long means its application is not closing it",
        10, &pref_close_wait_warn_s);
    prefs_register_uint_preference(module, "max_conversations",
        "Conversations tracked at most (0 = no limit)",
        "Beyond this many conversations the one idle the longest is dropped, so that a SYN flood "
        "cannot exhaust memory. A later segment of a dropped conversation starts a new one "
        "(handshake not_seen), and a second pass can no longer name its client and server. "
        "The -z tcpdiag,summary report counts the dropped conversations.",
        10, &pref_max_conversations);
    prefs_register_uint_preference(module, "dup_ack_threshold",
        "Duplicate ACKs for a fast retransmission",
        "How many duplicate ACKs (without SACK evidence) make a re-send count as fast (RFC 5681: 3)",
        10, &pref_dup_acks);
    prefs_register_string_preference(module, "retrans_rate_warning",
        "Warn above this retransmission rate (%)",
        "A sender re-sending more than this share of its segments gets a warning (netstat rule of thumb: 1%)",
        &pref_rate_pct);
    prefs_register_uint_preference(module, "retrans_rate_min_segments",
        "Minimum segments before a rate warning",
        "No retransmission-rate warning, and no over/under verdict in -z tcpdiag,netstat, until a "
        "side has sent this many segments",
        10, &pref_rate_min_segs);
}
