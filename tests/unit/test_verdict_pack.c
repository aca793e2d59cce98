/* test_verdict_pack.c - the per-frame store's split of a verdict loses nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every field of a verdict gets a distinct non-zero value (bools true); the
 * verdict unpacked from its slot and shared part must equal it byte for byte,
 * and two verdicts that differ only in per-header fields must share a part.
 */
#include <stdbool.h>
#include <string.h>

#include "tcpdiag_check.h"
#include "tcpdiag_verdict_pack.h"

static void fill_everything(tcpdiag_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->conv_id = 11; v->stream = 12; v->notices = 0x80000003u; v->evidence_frame = 14;
    v->handshake = 2; v->state_client = 3; v->state_server = 4; v->prev_client = 5; v->prev_server = 6;
    v->from_server = v->has_stream = v->roles_inferred = v->quoted = v->one_direction = true;
    v->rtt_known = v->rtt_server_known = v->rtt_client_known = true;
    v->syn_count = 21; v->synack_count = 22; v->icmp_type = 3; v->icmp_code = 4; v->icmp_v6 = true;
    v->rtt_ns = 1000000001; v->rtt_server_ns = 1000000002; v->rtt_client_ns = 1000000003;
    v->close_wait_ns = 5000000004; v->payload_len = 70000; v->flags = 0x18; v->checksum = 2;
    v->retrans_kind = 7; v->lookalike = 4; v->has_retrans_info = v->first_fragment = v->fragment_completion = true;
    tcpdiag_mss_verdict *m = &v->mss;
    m->mss[0] = 1460; m->mss[1] = 1400; m->send_mss[0] = 1380; m->send_mss[1] = 1360;
    m->largest[0] = 1200; m->largest[1] = 1300; m->reasons = 0x201; m->new_reasons = 0x200;
    m->link_mss = 1460; m->path_mtu = 1280; m->icmp_frame = 99; m->risk = 2; m->pmtud = 3; m->link = 1;
    m->link_vlans = 2; m->opts = 0x3f; m->wscale[0] = 7; m->wscale[1] = 9; m->seg = 0x1f; m->family = 6;
    m->known = true;
}

int main(void)
{
    tcpdiag_verdict v, back;
    tcpdiag_verdict_shared shared;
    tcpdiag_verdict_slot slot;

    check_context("every field set");
    fill_everything(&v);
    tcpdiag_verdict_pack(&v, &slot, &shared);
    tcpdiag_verdict_unpack(&slot, &shared, &back);
    CHECK(memcmp(&v, &back, sizeof v) == 0);
    /* The shared part is stored a few times per conversation: it stays compact. */
    CHECK_EQ_INT(sizeof shared, 80);

    check_context("each field alone survives");
    /* A field the pack forgets comes back zero: try each byte of the verdict alone. */
    for (size_t off = 0; off < sizeof v; off++) {
        tcpdiag_verdict full;
        fill_everything(&full);
        unsigned char *want = (unsigned char *)&full;
        if (want[off] == 0)
            continue;   /* padding or a zero byte of a value */
        tcpdiag_verdict one;
        memset(&one, 0, sizeof one);
        ((unsigned char *)&one)[off] = want[off];
        tcpdiag_verdict_pack(&one, &slot, &shared);
        tcpdiag_verdict_unpack(&slot, &shared, &back);
        CHECK_EQ_INT(((unsigned char *)&back)[off], want[off]);
    }

    check_context("neighbours share");
    tcpdiag_verdict a, b;
    tcpdiag_verdict_shared shared_b;
    tcpdiag_verdict_slot slot_b;
    fill_everything(&a);
    b = a;
    b.notices = 1; b.payload_len = 5; b.state_client = 9; b.from_server = false; b.retrans_kind = 0;
    b.mss.largest[1] = 1448; b.mss.seg = 0;
    tcpdiag_verdict_pack(&a, &slot, &shared);
    tcpdiag_verdict_pack(&b, &slot_b, &shared_b);
    CHECK(memcmp(&shared, &shared_b, sizeof shared) == 0);
    b.rtt_ns = 7;
    tcpdiag_verdict_pack(&b, &slot_b, &shared_b);
    CHECK(memcmp(&shared, &shared_b, sizeof shared) != 0);
    return tcpdiag_check_finish("verdict_pack");
}
