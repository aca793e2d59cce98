/* tcpdiag_syn.c - the per-side SYN record (the rules for negotiated options are inline in tcpdiag_syn.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_syn.h"

void tcpdiag_syn_record_take(tcpdiag_syn_record *r, const tcpdiag_segment *syn)
{
    r->seen = true;
    r->options_cut = syn->options_cut;
    r->options = syn->options;
    r->wscale = syn->wscale;
    r->mss = (syn->options & TCPDIAG_OPT_MSS) ? syn->mss : 0;
}
