/* tcpdiag_tap_record.h - what the "tcpdiag" tap hands its listeners: one TCP header's verdict, self-contained.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Like Wireshark's TCP tap, the record names its endpoints, so reports and
 * the stats tree need nothing but the record (and the preferences).
 */
#ifndef TCPDIAG_TAP_RECORD_H
#define TCPDIAG_TAP_RECORD_H

#include "core/tcpdiag_retrans.h"
#include "core/tcpdiag_segment.h"
#include "core/tcpdiag_verdict.h"

#define TCPDIAG_TAP_NAME "tcpdiag"

/* One TCP header's stored result, as the first pass computed it. */
typedef struct tcpdiag_layer_record {
    tcpdiag_verdict v;
    /* The conversation's endpoints, client -> server, held for the whole
     * capture file; NULL for a header quoted in an ICMP error that matches
     * no conversation (v.conv_id == TCPDIAG_NO_CONV). */
    const tcpdiag_tuple *ends;
    const tcpdiag_retrans_info *retrans;  /* NULL unless v.has_retrans_info */
} tcpdiag_layer_record;

#endif
