/* tcpdiag_retrans_names.c - the words users see for retransmission kinds, lookalikes and causes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names are the filter values (tcpdiag.retrans.kind == "fast"); meanings
 * are the sentence shown next to them. One table each, indexed by enum.
 */
#include "tcpdiag_retrans.h"

#include <stddef.h>

typedef struct word {
    const char *name;
    const char *meaning;
} word;

static const word kinds[TCPDIAG_RK_COUNT] = {
    [TCPDIAG_RK_NONE]     = { "none", "not a retransmission" },
    [TCPDIAG_RK_RTO]      = { "rto", "the sender's retransmission timer expired without an acknowledgement" },
    [TCPDIAG_RK_FAST]     = { "fast", "the receiver signalled the loss with duplicate ACKs or SACK blocks (or it was re-sent sooner than any retransmission timer fires)" },
    [TCPDIAG_RK_SPURIOUS] = { "spurious", "the data had already been acknowledged when it was re-sent" },
    [TCPDIAG_RK_PROBE]    = { "probe", "tail-loss probe: the last segment re-sent about two round trips later to provoke an ACK" },
    [TCPDIAG_RK_SYN]      = { "syn", "connection request (SYN) re-sent: no SYN-ACK reached the client" },
    [TCPDIAG_RK_SYNACK]   = { "synack", "SYN-ACK re-sent: the client's ACK did not reach the server" },
    [TCPDIAG_RK_FIN]      = { "fin", "FIN re-sent: the close was not acknowledged" },
    [TCPDIAG_RK_PMTU]     = { "pmtu", "re-sent in smaller segments right after a router reported the path MTU (ICMP fragmentation needed / packet too big)" },
};

static const word lookalikes[TCPDIAG_LA_COUNT] = {
    [TCPDIAG_LA_NONE]              = { "none", "" },
    [TCPDIAG_LA_OUT_OF_ORDER]      = { "out_of_order", "filled a gap sooner than a re-send could have, or was stamped (TCP timestamp, IP ID) before the data that overtook it: reordered before the capture point, not a retransmission" },
    [TCPDIAG_LA_KEEPALIVE]         = { "keepalive", "TCP keep-alive: a probe of the idle connection, not a retransmission" },
    [TCPDIAG_LA_ZERO_WINDOW_PROBE] = { "zero_window_probe", "zero-window probe: asks whether the receiver's window reopened, not a retransmission" },
    [TCPDIAG_LA_DUPLICATE_CAPTURE] = { "duplicate_capture", "the same datagram recorded twice (same IP ID and bytes): a capture artefact, not a retransmission" },
    [TCPDIAG_LA_NETWORK_DUPLICATE] = { "network_duplicate", "the same datagram (same IP ID and bytes) seen again long after: duplicated or delayed on the path, not re-sent by the sender" },
};

static const word causes[TCPDIAG_CAUSE_COUNT] = {
    [TCPDIAG_CAUSE_NONE]                 = { "none", "" },
    [TCPDIAG_CAUSE_SEGMENT_LOST]         = { "segment_lost", "the original segment was lost" },
    [TCPDIAG_CAUSE_ACK_LOST]             = { "ack_lost", "the data arrived but the acknowledgement was lost on its way back to the sender" },
    [TCPDIAG_CAUSE_ACK_LATE]             = { "ack_late", "the acknowledgement came after the sender's timer had already fired" },
    [TCPDIAG_CAUSE_DUP_ACK_SIGNALLED]    = { "dup_ack_signalled", "the receiver asked for it with duplicate ACKs / SACK: it saw data beyond a missing segment" },
    [TCPDIAG_CAUSE_CHECKSUM_ERROR]       = { "checksum_error", "the original arrived damaged (bad TCP checksum) and was discarded by the receiver" },
    [TCPDIAG_CAUSE_SENDER_CHECKSUM]      = { "sender_checksum", "both the original and the re-send carry bad TCP checksums: the sender computes them wrongly" },
    [TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL] = { "receiver_window_full", "the receiver's buffer was full (zero or exhausted window): an overloaded or slow receiving application" },
    [TCPDIAG_CAUSE_IP_FRAGMENT_LOST]     = { "ip_fragment_lost", "the original went out as IP fragments and not all of them arrived" },
    [TCPDIAG_CAUSE_PMTU_BLACKHOLE]       = { "pmtu_blackhole", "only full-size segments keep being re-sent while smaller ones get through: a path MTU black hole (ICMP fragmentation-needed blocked)" },
    [TCPDIAG_CAUSE_PATH_MTU_EXCEEDED]    = { "path_mtu_exceeded", "a router reported the original too big for the path (ICMP fragmentation needed / packet too big): re-sent smaller" },
    [TCPDIAG_CAUSE_CONGESTION]           = { "congestion", "several losses close together after the round trip time rose: a queue on the path overflowed" },
    [TCPDIAG_CAUSE_NO_ANSWER]            = { "no_answer", "nothing came back from the peer: host down, path broken or traffic filtered" },
    [TCPDIAG_CAUSE_REORDERING]           = { "reordering", "the original was not lost but overtaken by later data on the path: the receiver's duplicate ACKs made the sender re-send it" },
};

const char *tcpdiag_retrans_kind_name(tcpdiag_retrans_kind k)
{
    return (unsigned)k < TCPDIAG_RK_COUNT ? kinds[k].name : "unknown";
}

const char *tcpdiag_retrans_kind_meaning(tcpdiag_retrans_kind k)
{
    return (unsigned)k < TCPDIAG_RK_COUNT ? kinds[k].meaning : "";
}

const char *tcpdiag_lookalike_name(tcpdiag_lookalike l)
{
    return (unsigned)l < TCPDIAG_LA_COUNT ? lookalikes[l].name : "unknown";
}

const char *tcpdiag_lookalike_meaning(tcpdiag_lookalike l)
{
    return (unsigned)l < TCPDIAG_LA_COUNT ? lookalikes[l].meaning : "";
}

const char *tcpdiag_cause_name(tcpdiag_cause c)
{
    return (unsigned)c < TCPDIAG_CAUSE_COUNT ? causes[c].name : "unknown";
}

const char *tcpdiag_cause_meaning(tcpdiag_cause c)
{
    return (unsigned)c < TCPDIAG_CAUSE_COUNT ? causes[c].meaning : "";
}

const char *tcpdiag_where_phrase(tcpdiag_where w)
{
    switch (w) {
    case TCPDIAG_WHERE_BEFORE_TAP:
        return "between the sender and the capture point";
    case TCPDIAG_WHERE_AFTER_TAP:
        return "between the capture point and the receiver";
    default:
        return "";
    }
}
