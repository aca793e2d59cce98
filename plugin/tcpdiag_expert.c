/* tcpdiag_expert.c - one Expert Info entry per kind of finding.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names and default sentences live here only; tcpdiag_tree.c adds the
 * numbers (tries, seconds, frames) to the sentence when it has them.
 */
#include "tcpdiag_glue.h"

void tcpdiag_expert_register(int proto)
{
    static ei_register_info ei[] = {
#define EI(note, name, group, sev, text) \
        { &tcpdiag_id.ei[TCPDIAG_NOTE_##note], { "tcpdiag." name, group, sev, text, EXPFILL } }
        EI(STATE_CHANGE, "state_change", PI_SEQUENCE, PI_CHAT,
           "Connection state changed"),
        EI(HANDSHAKE_COMPLETE, "handshake_complete", PI_SEQUENCE, PI_CHAT,
           "Three-way handshake completed"),
        EI(SYN_UNANSWERED, "syn_unanswered", PI_SEQUENCE, PI_WARN,
           "SYN re-sent: no answer from the server yet (host down, or port filtered)"),
        EI(SYNACK_REPEATED, "synack_repeated", PI_SEQUENCE, PI_NOTE,
           "SYN-ACK re-sent: the client's final ACK did not arrive"),
        EI(REJECTED_RST, "rejected_rst", PI_RESPONSE_CODE, PI_WARN,
           "Connection refused: the server answered the SYN with RST (no listener on this port, or a firewall reset)"),
        EI(REJECTED_ICMP, "rejected_icmp", PI_RESPONSE_CODE, PI_WARN,
           "Connection rejected by an ICMP destination-unreachable error"),
        EI(SYNACK_BAD_ACK, "synack_bad_ack", PI_PROTOCOL, PI_WARN,
           "Invalid SYN-ACK: its acknowledgment number is not the client's ISN + 1"),
        EI(FINAL_ACK_BAD, "final_ack_bad", PI_PROTOCOL, PI_WARN,
           "Invalid handshake ACK: its acknowledgment number is not the server's ISN + 1"),
        EI(HANDSHAKE_ABORTED, "handshake_aborted", PI_SEQUENCE, PI_WARN,
           "Handshake aborted: reset after the SYN-ACK, before the connection was established"),
        EI(DATA_BEFORE_HANDSHAKE, "data_before_handshake", PI_PROTOCOL, PI_WARN,
           "Data sent before the handshake completed"),
        EI(SYN_WITH_DATA, "syn_with_data", PI_PROTOCOL, PI_NOTE,
           "SYN carries data (TCP Fast Open)"),
        EI(DATA_AFTER_FIN, "data_after_fin", PI_PROTOCOL, PI_WARN,
           "New data sent after this side's FIN"),
        EI(AFTER_RST, "after_rst", PI_SEQUENCE, PI_WARN,
           "Segment after the connection was reset"),
        EI(CLOSE_WAIT_LINGERS, "close_wait_lingers", PI_SEQUENCE, PI_WARN,
           "Socket stays in CLOSE_WAIT: the peer closed but this application has not closed its socket"),
        EI(PORT_REUSE, "port_reuse", PI_SEQUENCE, PI_NOTE,
           "New connection on a 4-tuple used before (port reuse)"),
        EI(MIDSTREAM, "midstream", PI_SEQUENCE, PI_NOTE,
           "Capture began after this connection was opened: states unknown until each side sends"),
        EI(QUOTED_IN_ICMP, "quoted_in_icmp", PI_SEQUENCE, PI_NOTE,
           "TCP header quoted in an ICMP error: not a transmission"),
        EI(HEADER_CUT, "header_cut", PI_UNDECODED, PI_NOTE,
           "TCP header cut short by the capture (snaplen): flags and sequence numbers unknown, this segment is left out of the analysis"),
        EI(SYN_OPTIONS_CUT, "syn_options_cut", PI_UNDECODED, PI_NOTE,
           "SYN options not captured (snaplen): this side's MSS and window scale are unknown, so MSS checks are skipped and windows are not scaled"),
        EI(CONVERSATION_DROPPED, "conversation_dropped", PI_UNDECODED, PI_WARN,
           "Conversation limit reached: tcpdiag stopped following the conversation idle the longest"),
#undef EI
    };
    expert_module_t *module = expert_register_protocol(proto);
    expert_register_field_array(module, ei, array_length(ei));
}
