/* tcpdiag_view_notices.c - one Expert Info entry per notice, made from the core's notice table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names, groups, severities and default sentences come from
 * core/tcpdiag_notice.c; this file only adds the numbers (tries, seconds,
 * frames) to the sentence when the verdict has them.
 */
#include "tcpdiag_view_notices.h"
#include "tcpdiag_view_wanted.h"

#include <epan/expert.h>

#include "core/tcpdiag_time.h"
#include "tcpdiag_prefs.h"

static expert_field ei_notice[TCPDIAG_NOTE_COUNT];

static int expert_group(tcpdiag_notice_group g)
{
    static const int groups[] = {
        [TCPDIAG_NG_SEQUENCE] = PI_SEQUENCE, [TCPDIAG_NG_RESPONSE_CODE] = PI_RESPONSE_CODE,
        [TCPDIAG_NG_PROTOCOL] = PI_PROTOCOL, [TCPDIAG_NG_UNDECODED] = PI_UNDECODED,
    };
    return (unsigned)g < G_N_ELEMENTS(groups) ? groups[g] : PI_UNDECODED;
}

static int expert_severity(tcpdiag_notice_level l)
{
    static const int severities[] = {
        [TCPDIAG_NL_CHAT] = PI_CHAT, [TCPDIAG_NL_NOTE] = PI_NOTE, [TCPDIAG_NL_WARN] = PI_WARN,
    };
    return (unsigned)l < G_N_ELEMENTS(severities) ? severities[l] : PI_NOTE;
}

void tcpdiag_view_notices_register(int proto)
{
    /* Wireshark keeps pointers into both arrays for the life of the program. */
    static ei_register_info ei[TCPDIAG_NOTE_COUNT];
    static char names[TCPDIAG_NOTE_COUNT][64];
    for (int n = 0; n < TCPDIAG_NOTE_COUNT; n++) {
        const tcpdiag_notice_info *info = tcpdiag_notice_info_of((tcpdiag_notice)n);
        g_snprintf(names[n], sizeof names[n], "tcpdiag.%s", info->word.name);
        ei_register_info row = {
            &ei_notice[n],
            { names[n], expert_group((tcpdiag_notice_group)info->group),
              expert_severity((tcpdiag_notice_level)info->level), info->word.meaning, EXPFILL }
        };
        ei[n] = row;
    }
    expert_module_t *module = expert_register_protocol(proto);
    expert_register_field_array(module, ei, array_length(ei));
    tcpdiag_wanted_add_experts(ei, array_length(ei));
}

static guint syn_count_of(const tcpdiag_verdict *v)
{
    return v->syn_count;
}

static guint synack_count_of(const tcpdiag_verdict *v)
{
    return v->synack_count;
}

static guint payload_of(const tcpdiag_verdict *v)
{
    return v->payload_len;
}

/* Notices whose sentence carries one count of the verdict. */
static const struct {
    tcpdiag_notice notice;
    const char    *format;
    guint        (*count)(const tcpdiag_verdict *v);
} counted[] = {
    { TCPDIAG_NOTE_SYN_UNANSWERED, "SYN sent %u times without an answer (host down, or port filtered)",
      syn_count_of },
    { TCPDIAG_NOTE_SYNACK_REPEATED, "SYN-ACK sent %u times: the client's final ACK did not arrive",
      synack_count_of },
    { TCPDIAG_NOTE_DATA_BEFORE_HANDSHAKE, "%u bytes of data sent before the handshake completed", payload_of },
    { TCPDIAG_NOTE_SYN_WITH_DATA, "SYN carries %u bytes of data (TCP Fast Open)", payload_of },
};

/* The sentence with its numbers; FALSE when the notice has none to add. */
static gboolean add_with_numbers(packet_info *pinfo, proto_item *top, const tcpdiag_verdict *v,
                                 tcpdiag_notice n, const char *change)
{
    expert_field *ei = &ei_notice[n];
    for (guint i = 0; i < G_N_ELEMENTS(counted); i++)
        if (counted[i].notice == n) {
            expert_add_info_format(pinfo, top, ei, counted[i].format, counted[i].count(v));
            return TRUE;
        }
    switch (n) {
    case TCPDIAG_NOTE_STATE_CHANGE:
        expert_add_info_format(pinfo, top, ei, "Connection state: %s", change ? change : "changed");
        return TRUE;
    case TCPDIAG_NOTE_REJECTED_ICMP:
        expert_add_info_format(pinfo, top, ei,
            "Connection rejected by ICMP%s destination unreachable (type %u, code %u) for the SYN in frame %u",
            v->icmp_v6 ? "v6" : "", v->icmp_type, v->icmp_code, v->evidence_frame);
        return TRUE;
    case TCPDIAG_NOTE_CLOSE_WAIT_LINGERS:
        expert_add_info_format(pinfo, top, ei,
            "Socket in CLOSE_WAIT for %.1f s: the peer closed but this application has not closed its socket",
            (double)v->close_wait_ns / (double)TCPDIAG_NS_PER_SEC);
        return TRUE;
    case TCPDIAG_NOTE_CONVERSATION_DROPPED:
        expert_add_info_format(pinfo, top, ei,
            "Conversation limit reached (preference tcpdiag.max_conversations = %u): tcpdiag stopped "
            "following the conversation idle the longest to make room for this one; a later segment "
            "of that conversation starts a new one whose states are unknown",
            tcpdiag_prefs_max_conversations());
        return TRUE;
    default:
        return FALSE;
    }
}

void tcpdiag_view_notices_render(packet_info *pinfo, proto_item *top, const tcpdiag_verdict *v,
                                 const char *change)
{
    for (int n = 0; n < TCPDIAG_NOTE_COUNT; n++) {
        if (!tcpdiag_verdict_has(v, (tcpdiag_notice)n))
            continue;
        if (!add_with_numbers(pinfo, top, v, (tcpdiag_notice)n, change))
            expert_add_info(pinfo, top, &ei_notice[n]);
    }
}
