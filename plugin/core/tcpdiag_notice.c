/* tcpdiag_notice.c - the one table of tcpdiag's notices.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Severity policy: chat for the normal life of a connection, note for what
 * is unusual but harmless or a limit of the capture, warn for what a user
 * should look at (a refusal, an invalid number, a lingering socket, lost
 * analysis state).
 */
#include "tcpdiag_notice.h"

#include "tcpdiag_words.h"

#define ROW(n, nm, grp, lvl, text) \
    [TCPDIAG_NOTE_##n] = { { nm, text }, TCPDIAG_NG_##grp, TCPDIAG_NL_##lvl }

static const tcpdiag_notice_info notices[TCPDIAG_NOTE_COUNT] = {
    ROW(STATE_CHANGE, "state_change", SEQUENCE, CHAT,
        "Connection state changed"),
    ROW(HANDSHAKE_COMPLETE, "handshake_complete", SEQUENCE, CHAT,
        "Three-way handshake completed"),
    ROW(SYN_UNANSWERED, "syn_unanswered", SEQUENCE, WARN,
        "SYN re-sent: no answer from the server yet (host down, or port filtered)"),
    ROW(SYNACK_REPEATED, "synack_repeated", SEQUENCE, NOTE,
        "SYN-ACK re-sent: the client's final ACK did not arrive"),
    ROW(REJECTED_RST, "rejected_rst", RESPONSE_CODE, WARN,
        "Connection refused: the server answered the SYN with RST (no listener on this port, or a firewall reset)"),
    ROW(REJECTED_ICMP, "rejected_icmp", RESPONSE_CODE, WARN,
        "Connection rejected by an ICMP destination-unreachable error"),
    ROW(SYNACK_BAD_ACK, "synack_bad_ack", PROTOCOL, WARN,
        "Invalid SYN-ACK: its acknowledgment number is not the client's ISN + 1"),
    ROW(FINAL_ACK_BAD, "final_ack_bad", PROTOCOL, WARN,
        "Invalid handshake ACK: its acknowledgment number is not the server's ISN + 1"),
    ROW(HANDSHAKE_ABORTED, "handshake_aborted", SEQUENCE, WARN,
        "Handshake aborted: reset after the SYN-ACK, before the connection was established"),
    ROW(DATA_BEFORE_HANDSHAKE, "data_before_handshake", PROTOCOL, WARN,
        "Data sent before the handshake completed"),
    ROW(SYN_WITH_DATA, "syn_with_data", PROTOCOL, NOTE,
        "SYN carries data (TCP Fast Open)"),
    ROW(DATA_AFTER_FIN, "data_after_fin", PROTOCOL, WARN,
        "New data sent after this side's FIN"),
    ROW(AFTER_RST, "after_rst", SEQUENCE, WARN,
        "Segment after the connection was reset"),
    ROW(CLOSE_WAIT_LINGERS, "close_wait_lingers", SEQUENCE, WARN,
        "Socket stays in CLOSE_WAIT: the peer closed but this application has not closed its socket"),
    ROW(PORT_REUSE, "port_reuse", SEQUENCE, NOTE,
        "New connection on a 4-tuple used before (port reuse)"),
    ROW(MIDSTREAM, "midstream", SEQUENCE, NOTE,
        "Capture began after this connection was opened: states unknown until each side sends"),
    ROW(QUOTED_IN_ICMP, "quoted_in_icmp", SEQUENCE, NOTE,
        "TCP header quoted in an ICMP error: not a transmission"),
    ROW(CONVERSATION_DROPPED, "conversation_dropped", UNDECODED, WARN,
        "Conversation limit reached: tcpdiag stopped following the conversation idle the longest"),
    ROW(HEADER_CUT, "header_cut", UNDECODED, NOTE,
        "TCP header cut short by the capture (snaplen): flags and sequence numbers unknown, this segment is left out of the analysis"),
    ROW(SYN_OPTIONS_CUT, "syn_options_cut", UNDECODED, NOTE,
        "SYN options not all captured (snaplen): an option after the cut may have been sent, so what it "
        "decides is unknown (an unknown MSS is left out of the MSS checks; windows of unknown scale are not "
        "used to judge a full receiver window)"),
    ROW(ONE_DIRECTION, "one_direction_only", UNDECODED, NOTE,
        "The capture shows one direction of this conversation only (asymmetric routing, or a one-way SPAN/tap): "
        "this segment acknowledges a SYN-ACK or data its peer sent that the capture never saw"),
};

const tcpdiag_notice_info *tcpdiag_notice_info_of(tcpdiag_notice n)
{
    /* A value outside the table reads as the fallback word, a note. */
    static tcpdiag_notice_info unknown = { { NULL, NULL }, TCPDIAG_NG_UNDECODED, TCPDIAG_NL_NOTE };
    if ((unsigned)n < TCPDIAG_NOTE_COUNT && notices[n].word.name)
        return &notices[n];
    if (!unknown.word.name)
        unknown.word = *TCPDIAG_WORD_OF(notices, n);
    return &unknown;
}

const char *tcpdiag_notice_name(tcpdiag_notice n)
{
    return TCPDIAG_WORD_OF(notices, n)->name;
}
