/* tcpdiag_handshake.c - handshake verdict as a transition table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Verdicts other than syn_only, syn_synack and rejected are final for a
 * conversation; a new SYN on the same 4-tuple starts a new conversation
 * instead. A refusal is undone only by the same attempt retrying.
 */
#include "tcpdiag_handshake.h"

#include "tcpdiag_words.h"

#include <stdint.h>

#define H(x) TCPDIAG_HS_##x
#define E(x) [TCPDIAG_HS_EV_##x]

static const uint8_t transition[TCPDIAG_HS_COUNT][TCPDIAG_HS_EV_COUNT] = {
    [H(SYN_ONLY)] = {
        E(SYN_FROM_SERVER) = H(SIMULTANEOUS),
        E(SYNACK) = H(SYN_SYNACK),
        /* The client ACKs a SYN-ACK the tap did not see (asymmetric path). */
        E(FINAL_ACK) = H(COMPLETE),
        E(RST_FROM_SERVER) = H(REJECTED),
        E(RST_FROM_CLIENT) = H(ABORTED),
        E(ICMP_UNREACHABLE) = H(REJECTED),
    },
    [H(SYN_SYNACK)] = {
        E(FINAL_ACK) = H(COMPLETE),
        E(RST_FROM_SERVER) = H(ABORTED),
        E(RST_FROM_CLIENT) = H(ABORTED),
    },
    /* The same SYN re-sent after an ICMP refusal: the stack did not give up
     * (Linux can retry when the error raced connect()), the verdict is open again. */
    [H(REJECTED)] = {
        E(SYN_RETRY) = H(SYN_ONLY),
    },
};

tcpdiag_handshake tcpdiag_handshake_next(tcpdiag_handshake cur, tcpdiag_hs_event ev)
{
    if (cur < H(NOT_SEEN) || cur >= H(COUNT) || ev >= TCPDIAG_HS_EV_COUNT)
        return cur;
    uint8_t next = transition[cur][ev];
    return next ? (tcpdiag_handshake)next : cur;
}

static const tcpdiag_word hs_words[TCPDIAG_HS_COUNT] = {
    [H(NOT_SEEN)]     = { "not_seen", "The capture began after the handshake" },
    [H(SYN_ONLY)]     = { "syn_only", "SYN sent, no answer seen" },
    [H(SYN_SYNACK)]   = { "syn_synack", "SYN and SYN-ACK seen, the client's final ACK is missing" },
    [H(COMPLETE)]     = { "complete", "SYN, SYN-ACK and ACK seen: the connection was established" },
    [H(REJECTED)]     = { "rejected", "The SYN was refused (RST or ICMP destination unreachable)" },
    [H(SIMULTANEOUS)] = { "simultaneous", "Both sides sent SYN at the same time (simultaneous open)" },
    [H(ABORTED)]      = { "aborted", "Reset after the SYN-ACK, before the handshake completed" },
};

const char *tcpdiag_handshake_name(tcpdiag_handshake hs)
{
    return TCPDIAG_WORD_OF(hs_words, hs)->name;
}

const char *tcpdiag_handshake_meaning(tcpdiag_handshake hs)
{
    return TCPDIAG_WORD_OF(hs_words, hs)->meaning;
}

const char *tcpdiag_hs_event_name(tcpdiag_hs_event ev)
{
    static const tcpdiag_word hs_event_words[TCPDIAG_HS_EV_COUNT] = {
        [TCPDIAG_HS_EV_SYN_FROM_SERVER]  = { "SYN_FROM_SERVER", "a bare SYN from the server" },
        [TCPDIAG_HS_EV_SYNACK]           = { "SYNACK", "SYN-ACK from the server" },
        [TCPDIAG_HS_EV_FINAL_ACK]        = { "FINAL_ACK", "the client's ACK completing the handshake" },
        [TCPDIAG_HS_EV_RST_FROM_SERVER]  = { "RST_FROM_SERVER", "reset from the server" },
        [TCPDIAG_HS_EV_RST_FROM_CLIENT]  = { "RST_FROM_CLIENT", "reset from the client" },
        [TCPDIAG_HS_EV_ICMP_UNREACHABLE] = { "ICMP_UNREACHABLE", "destination unreachable quoting the SYN" },
        [TCPDIAG_HS_EV_SYN_RETRY]        = { "SYN_RETRY", "the client re-sent its SYN with the same ISN" },
    };
    return TCPDIAG_WORD_OF(hs_event_words, ev)->name;
}
