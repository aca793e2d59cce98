/* tcpdiag_notice.h - the findings worth an Expert Info entry, and their one table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each notice has one row (tcpdiag_notice.c): its name (the Expert Info
 * filter name after "tcpdiag."), its group and severity in Expert Info's
 * terms, and the sentence shown when the glue has no numbers to add. The
 * Expert Info registration, the names in messages and the unit-test printer
 * all read that row.
 */
#ifndef TCPDIAG_NOTICE_H
#define TCPDIAG_NOTICE_H

#include <stdint.h>

#include "tcpdiag_words.h"

/* A bit each in tcpdiag_verdict.notices. */
typedef enum tcpdiag_notice {
    TCPDIAG_NOTE_STATE_CHANGE,         /* an endpoint's netstat state changed */
    TCPDIAG_NOTE_HANDSHAKE_COMPLETE,
    TCPDIAG_NOTE_SYN_UNANSWERED,       /* SYN re-sent, no answer yet */
    TCPDIAG_NOTE_SYNACK_REPEATED,      /* SYN-ACK re-sent: the final ACK did not come */
    TCPDIAG_NOTE_REJECTED_RST,
    TCPDIAG_NOTE_REJECTED_ICMP,
    TCPDIAG_NOTE_SYNACK_BAD_ACK,       /* SYN-ACK does not acknowledge client ISN+1 */
    TCPDIAG_NOTE_FINAL_ACK_BAD,        /* final ACK does not acknowledge server ISN+1 */
    TCPDIAG_NOTE_HANDSHAKE_ABORTED,
    TCPDIAG_NOTE_DATA_BEFORE_HANDSHAKE,
    TCPDIAG_NOTE_SYN_WITH_DATA,        /* TCP Fast Open style */
    TCPDIAG_NOTE_DATA_AFTER_FIN,
    TCPDIAG_NOTE_AFTER_RST,
    TCPDIAG_NOTE_CLOSE_WAIT_LINGERS,
    TCPDIAG_NOTE_PORT_REUSE,
    TCPDIAG_NOTE_MIDSTREAM,            /* first segment of a conversation whose start was not captured */
    TCPDIAG_NOTE_QUOTED_IN_ICMP,       /* header quoted in an ICMP error, not a transmission */
    TCPDIAG_NOTE_CONVERSATION_DROPPED, /* the conversation cap dropped the idlest one to make room */
    TCPDIAG_NOTE_HEADER_CUT,           /* TCP header cut before its flags (snaplen): not analysed */
    TCPDIAG_NOTE_SYN_OPTIONS_CUT,      /* a SYN's options were not captured: MSS / window scale unknown */
    TCPDIAG_NOTE_ONE_DIRECTION,        /* this side acknowledges what the capture never saw its peer send */
    TCPDIAG_NOTE_COUNT
} tcpdiag_notice;

/* Expert Info's groups and severities, without epan (the glue maps them). */
typedef enum tcpdiag_notice_group {
    TCPDIAG_NG_SEQUENCE,        /* connection life: PI_SEQUENCE */
    TCPDIAG_NG_RESPONSE_CODE,   /* a refusal: PI_RESPONSE_CODE */
    TCPDIAG_NG_PROTOCOL,        /* a violation of TCP: PI_PROTOCOL */
    TCPDIAG_NG_UNDECODED,       /* what the capture or tcpdiag could not follow: PI_UNDECODED */
} tcpdiag_notice_group;

typedef enum tcpdiag_notice_level {
    TCPDIAG_NL_CHAT,
    TCPDIAG_NL_NOTE,
    TCPDIAG_NL_WARN,
} tcpdiag_notice_level;

typedef struct tcpdiag_notice_info {
    /* name "state_change" (Expert Info's "tcpdiag.state_change"); meaning:
     * the sentence shown when there are no numbers to add */
    tcpdiag_word word;
    uint8_t      group;     /* tcpdiag_notice_group */
    uint8_t      level;     /* tcpdiag_notice_level */
} tcpdiag_notice_info;

/* The row of a notice; a value outside the enum gets a row named "unknown". */
const tcpdiag_notice_info *tcpdiag_notice_info_of(tcpdiag_notice n);
const char *tcpdiag_notice_name(tcpdiag_notice n);

#endif
