/* tcpdiag_retrans_names.c - the words users see for retransmission kinds, lookalikes and causes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names are the filter values (tcpdiag.retrans.kind == "fast"); meanings
 * are the sentence shown next to them. One table each, indexed by enum.
 */
#include "tcpdiag_retrans.h"

#include "tcpdiag_evidence.h"
#include "tcpdiag_words.h"

static const tcpdiag_word kinds[TCPDIAG_RK_COUNT] = {
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

static const tcpdiag_word lookalikes[TCPDIAG_LA_COUNT] = {
    [TCPDIAG_LA_NONE]              = { "none", "" },
    [TCPDIAG_LA_OUT_OF_ORDER]      = { "out_of_order", "filled a gap sooner than a re-send could have, or was stamped (TCP timestamp, IP ID) before the data that overtook it: reordered before the capture point, not a retransmission" },
    [TCPDIAG_LA_KEEPALIVE]         = { "keepalive", "TCP keep-alive: a probe of the idle connection, not a retransmission" },
    [TCPDIAG_LA_ZERO_WINDOW_PROBE] = { "zero_window_probe", "zero-window probe: asks whether the receiver's window reopened, not a retransmission" },
    [TCPDIAG_LA_DUPLICATE_CAPTURE] = { "duplicate_capture", "the same datagram recorded twice (same IP ID and bytes): a capture artefact, not a retransmission" },
    [TCPDIAG_LA_NETWORK_DUPLICATE] = { "network_duplicate", "the same datagram (same IP ID and bytes) seen again long after: duplicated or delayed on the path, not re-sent by the sender" },
};

static const tcpdiag_word causes[TCPDIAG_CAUSE_COUNT] = {
    [TCPDIAG_CAUSE_NONE]                 = { "none", "" },
    [TCPDIAG_CAUSE_SEGMENT_LOST]         = { "segment_lost", "the original segment was lost" },
    [TCPDIAG_CAUSE_ACK_LOST]             = { "ack_lost", "the data arrived but the acknowledgement was lost on its way back to the sender" },
    [TCPDIAG_CAUSE_ACK_LATE]             = { "ack_late", "the acknowledgement came after the sender's timer had already fired" },
    [TCPDIAG_CAUSE_DUP_ACK_SIGNALLED]    = { "dup_ack_signalled", "the receiver asked for it with duplicate ACKs / SACK: it saw data beyond a missing segment" },
    [TCPDIAG_CAUSE_CHECKSUM_ERROR]       = { "checksum_error", "the original arrived damaged (bad TCP checksum) and was discarded by the receiver" },
    [TCPDIAG_CAUSE_SENDER_CHECKSUM]      = { "sender_checksum", "both the original and the re-send carry bad TCP checksums: the sender computes them wrongly" },
    [TCPDIAG_CAUSE_RECEIVER_WINDOW_FULL] = { "receiver_window_full", "the receiver's buffer was full (zero or exhausted window): an overloaded or slow receiving application" },
    [TCPDIAG_CAUSE_IP_FRAGMENT_LOST]     = { "ip_fragment_lost", "the original went out as IP fragments and not all of them arrived" },
    [TCPDIAG_CAUSE_PMTU_BLACKHOLE]       = { "pmtu_blackhole", "full-size segments keep failing (re-sent, or cut smaller) while smaller ones get through: a path MTU black hole (ICMP frag-needed blocked)" },
    [TCPDIAG_CAUSE_PATH_MTU_EXCEEDED]    = { "path_mtu_exceeded", "a router reported the original too big for the path (ICMP fragmentation needed / packet too big): re-sent smaller" },
    [TCPDIAG_CAUSE_CONGESTION]           = { "congestion", "several losses close together after the round trip time rose: a queue on the path overflowed" },
    [TCPDIAG_CAUSE_NO_ANSWER]            = { "no_answer", "nothing came back from the peer: host down, path broken or traffic filtered" },
    [TCPDIAG_CAUSE_REORDERING]           = { "reordering", "the original was not lost but overtaken by later data on the path: the receiver's duplicate ACKs made the sender re-send it" },
};

static const tcpdiag_word wheres[] = {
    [TCPDIAG_WHERE_UNKNOWN]    = { "unknown", "" },
    [TCPDIAG_WHERE_BEFORE_TAP] = { "before_capture_point", "between the sender and the capture point" },
    [TCPDIAG_WHERE_AFTER_TAP]  = { "after_capture_point", "between the capture point and the receiver" },
};

const char *tcpdiag_retrans_kind_name(tcpdiag_retrans_kind k)
{
    return TCPDIAG_WORD_OF(kinds, k)->name;
}

const char *tcpdiag_retrans_kind_meaning(tcpdiag_retrans_kind k)
{
    return TCPDIAG_WORD_OF(kinds, k)->meaning;
}

const char *tcpdiag_lookalike_name(tcpdiag_lookalike l)
{
    return TCPDIAG_WORD_OF(lookalikes, l)->name;
}

const char *tcpdiag_lookalike_meaning(tcpdiag_lookalike l)
{
    return TCPDIAG_WORD_OF(lookalikes, l)->meaning;
}

const char *tcpdiag_cause_name(tcpdiag_cause c)
{
    return TCPDIAG_WORD_OF(causes, c)->name;
}

const char *tcpdiag_cause_meaning(tcpdiag_cause c)
{
    return TCPDIAG_WORD_OF(causes, c)->meaning;
}

const char *tcpdiag_where_name(tcpdiag_where w)
{
    return TCPDIAG_WORD_OF(wheres, w)->name;
}

const char *tcpdiag_where_phrase(tcpdiag_where w)
{
    return TCPDIAG_WORD_OF(wheres, w)->meaning;
}

static const tcpdiag_word evidence_words[EV_COUNT] = {
    [EV_BAD_CHECKSUM_TWICE] = { "bad_checksum_twice", "original and re-send both carry bad checksums" },
    [EV_BAD_CHECKSUM] = { "bad_checksum", "the original carried a bad checksum" },
    [EV_FAST_BUT_ACKED] = { "fast_but_acked", "duplicate ACKs made the re-send, yet the data was acknowledged" },
    [EV_ACK_BEFORE_RESEND] = { "ack_before_resend", "an ACK of the data passed before the re-send" },
    [EV_ICMP_TOO_BIG] = { "icmp_too_big", "an ICMP frag-needed / packet-too-big after the original" },
    [EV_FRAGMENT_MISSING] = { "fragment_missing", "a fragment of the original never came" },
    [EV_ORIGINAL_OVERTAKEN] = { "original_overtaken", "the original arrived here after data sent later" },
    [EV_RESENT_SMALLER] = { "resent_smaller", "full-size data re-sent in smaller segments after it kept failing: the sender lowered its segment size (path MTU probing)" },
    [EV_BURST_ON_QUEUE] = { "burst_on_queue", ">= 5 losses within two round trips while a queue grew (round trip or one-way delay rising)" },
    [EV_FULL_SIZE_STUCK] = { "full_size_stuck", "full-size re-sends while smaller data, or at least the handshake, got through" },
    [EV_TIMER_ON_QUEUE] = { "timer_on_queue", "a timer re-send, round trip rising, no gap reported" },
    [EV_ZERO_WINDOW] = { "zero_window", "the receiver offered a zero window then" },
    [EV_IP_ID_GAP_AFTER] = { "ip_id_gap_after", "the receiver's IP IDs skipped after the original" },
    [EV_WINDOW_FILLED] = { "window_filled", "the data in flight filled the receiver's window" },
    [EV_PACED_GAP_BEFORE_TAP] = { "paced_gap_before_tap", "the original never passed the capture point, and this sender's data arrives here evenly spaced, at the pace of a bottleneck upstream: its queue dropped it" },
    [EV_GAP_BEFORE_TAP] = { "gap_before_tap", "the original never passed the capture point" },
    [EV_ID_SKIPPED_BEFORE] = { "ip_id_skipped_before", "the sender's datagram just before it never passed the capture point (IP ID skipped): the tail was lost before here" },
    [EV_PATH_MOSTLY_REORDERS] = { "path_mostly_reorders", "most of this flow's fast re-sends were reordering" },
    [EV_IP_ID_GAP_EARLIER] = { "ip_id_gap_earlier", "the receiver's IP IDs skipped earlier (lossy return path)" },
    [EV_NEVER_ACKED] = { "never_acked", "the original passed and was never acknowledged" },
    [EV_SILENT_PEER] = { "silent_peer", "nothing from the receiver since the original" },
    [EV_PATH_REORDERS] = { "path_reorders", "this flow's path has reordered before" },
    [EV_DUP_ACKS] = { "dup_acks", "duplicate ACKs / SACK asked for it" },
    [EV_ZERO_WINDOW_AND_GAP] = { "zero_window_and_gap", "a zero window, but the receiver also reported a gap" },
    [EV_WINDOW_FILLED_AND_GAP] = { "window_filled_and_gap", "a full window, but the receiver also reported a gap" },
    [EV_BURST] = { "burst", ">= 3 losses within two round trips" },
    [EV_NOTHING] = { "nothing", "no evidence at all: the default guess" },
    [EV_SYN_REPLY_SEEN] = { "syn_reply_seen", "the peer's answer passed here before the repeat" },
    [EV_PEER_REPEATED_SYN] = { "peer_repeated_syn", "the peer sent its SYN again after the SYN-ACK: it never got it" },
    [EV_SYN_ICMP] = { "syn_icmp", "an ICMP error answered the SYN" },
    [EV_SYN_UNANSWERED] = { "syn_unanswered", "nothing came back at all" },
    [EV_SYN_LOST] = { "syn_lost", "... so the SYN itself may have been lost" },
};

const char *tcpdiag_evidence_name(uint8_t evidence)
{
    return TCPDIAG_WORD_OF(evidence_words, evidence)->name;
}

uint8_t tcpdiag_evidence_confidence(tcpdiag_evidence ev, bool first)
{
    return tcpdiag_confidence_lookup(TCPDIAG_WORD_OF(evidence_words, ev)->name, first);
}
