/* tcpdiag_evidence.h - the kinds of evidence behind a probable cause (core-private).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each probable cause of a retransmission comes from one row of evidence.
 * The row sets its rank (the score table in tcpdiag_retrans.c) and its
 * confidence (tcpdiag_confidence.c, measured in the capture lab), and its
 * name is shown as tcpdiag.retrans.cause.evidence.
 */
#ifndef TCPDIAG_EVIDENCE_H
#define TCPDIAG_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

/* The evidence rows, in the order of their scores: most direct first. */
typedef enum tcpdiag_evidence {
    EV_BAD_CHECKSUM_TWICE,      /* original and re-send both carry bad checksums */
    EV_BAD_CHECKSUM,            /* the original carried a bad checksum */
    EV_FAST_BUT_ACKED,          /* duplicate ACKs made the re-send, yet the data was acknowledged */
    EV_ACK_BEFORE_RESEND,       /* an ACK of the data passed before the re-send */
    EV_ICMP_TOO_BIG,            /* an ICMP frag-needed / packet-too-big after the original */
    EV_FRAGMENT_MISSING,        /* a fragment of the original never came */
    EV_ORIGINAL_OVERTAKEN,      /* the original arrived here after data sent later */
    EV_RESENT_SMALLER,          /* full-size data re-sent in smaller segments, nothing acknowledged */
    EV_BURST_ON_QUEUE,          /* >= 5 losses within two round trips, a queue growing */
    EV_FULL_SIZE_STUCK,         /* full-size re-sends while smaller data (or the handshake) arrives */
    EV_TIMER_ON_QUEUE,          /* a timer re-send, round trip rising, no gap reported */
    EV_ZERO_WINDOW,             /* the receiver offered a zero window then */
    EV_IP_ID_GAP_AFTER,         /* the receiver's IP IDs skipped after the original */
    EV_WINDOW_FILLED,           /* the data in flight filled the receiver's window */
    EV_PACED_GAP_BEFORE_TAP,    /* never passed here, from data a bottleneck upstream had spaced evenly */
    EV_GAP_BEFORE_TAP,          /* the original never passed the capture point */
    EV_ID_SKIPPED_BEFORE,       /* first seen here, right after a datagram of the sender that never passed */
    EV_PATH_MOSTLY_REORDERS,    /* most of this flow's fast re-sends were reordering */
    EV_IP_ID_GAP_EARLIER,       /* the receiver's IP IDs skipped earlier (lossy return path) */
    EV_NEVER_ACKED,             /* the original passed and was never acknowledged */
    EV_SILENT_PEER,             /* nothing from the receiver since the original */
    EV_PATH_REORDERS,           /* this flow's path has reordered before */
    EV_DUP_ACKS,                /* duplicate ACKs / SACK asked for it */
    EV_ZERO_WINDOW_AND_GAP,     /* a zero window, but the receiver also reported a gap */
    EV_WINDOW_FILLED_AND_GAP,   /* a full window, but the receiver also reported a gap */
    EV_BURST,                   /* >= 3 losses within two round trips */
    EV_NOTHING,                 /* no evidence at all: the default guess */
    /* Repeated SYNs / SYN-ACKs are judged apart (no data flow exists yet). */
    EV_SYN_REPLY_SEEN,          /* the peer's answer passed here before the repeat */
    EV_PEER_REPEATED_SYN,       /* the peer repeated its SYN after our SYN-ACK: it never got it */
    EV_SYN_ICMP,                /* an ICMP error answered the SYN */
    EV_SYN_UNANSWERED,          /* nothing came back at all */
    EV_SYN_LOST,                /* ... so the SYN itself may have been lost */
    EV_COUNT
} tcpdiag_evidence;

/* Measured share of retransmissions whose true cause is the one this
 * evidence named, when it named the first cause (`first`) or a later one;
 * TCPDIAG_CONFIDENCE_UNKNOWN where the lab had too few cases to say. */
#define TCPDIAG_CONFIDENCE_UNKNOWN 255
uint8_t tcpdiag_evidence_confidence(tcpdiag_evidence ev, bool first);
/* The measured table (tcpdiag_confidence.c, generated), by evidence name. */
uint8_t tcpdiag_confidence_lookup(const char *name, bool first);

#endif
