/* tcpdiag_syn.c - the per-side SYN record and the one rule for negotiated options.
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

static bool carries(const tcpdiag_syn_record *r, uint8_t opt)
{
    return (r->options & opt) != 0;
}

tcpdiag_option_use tcpdiag_syn_option_use(const tcpdiag_syn_record syn[2], uint8_t opt)
{
    if (!syn[0].seen || !syn[1].seen)
        return TCPDIAG_OPTION_UNDECIDED;
    if (carries(&syn[0], opt) && carries(&syn[1], opt))
        return TCPDIAG_OPTION_ON;
    /* A side that lacks it off for sure only when its options were all captured. */
    for (int side = 0; side < 2; side++)
        if (!carries(&syn[side], opt) && !syn[side].options_cut)
            return TCPDIAG_OPTION_OFF;
    return TCPDIAG_OPTION_UNDECIDED;
}

bool tcpdiag_syn_mss_known(const tcpdiag_syn_record *r)
{
    return r->seen && (carries(r, TCPDIAG_OPT_MSS) || !r->options_cut);
}
