/* tcpdiag_view_mss.c - fields, tree items and Expert Info for MSS, fragmentation and path MTU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Renders the tcpdiag_mss_verdict stored with each TCP header. Values are
 * the conversation's, as known up to this header; an Expert Info entry is
 * added where a reason is found first, and where an ICMP's outcome is decided.
 */
#include "tcpdiag_view_mss.h"

#include <epan/expert.h>

#include "tcpdiag_view_wanted.h"

static int hf_mss = -1, hf_client = -1, hf_server = -1, hf_assumed = -1;
static int hf_send_client = -1, hf_send_server = -1, hf_largest_client = -1, hf_largest_server = -1;
static int hf_risk = -1, hf_reason = -1, hf_segment = -1;
static int hf_link = -1, hf_link_vlans = -1, hf_link_mss = -1, hf_path_mtu = -1, hf_icmp = -1, hf_pmtud = -1;
static int hf_wscale_client = -1, hf_wscale_server = -1, hf_sack_perm = -1, hf_timestamps = -1;
static gint ett_mss = -1, ett_mss_risk = -1, ett_mss_link = -1;
static tcpdiag_field_set mss_fields;

static expert_field ei_reason[TCPDIAG_MSSR_COUNT];
static expert_field ei_pmtud_worked = EI_INIT, ei_pmtud_ignored = EI_INIT;

/* Typical full-size MSS of the family, when the capture's link is unknown. */
static guint typical_mss(const tcpdiag_mss_verdict *m, gboolean v6)
{
    return m->link_mss ? m->link_mss : (v6 ? 1440u : 1460u);
}

static const char *side_name(int side)
{
    return side == TCPDIAG_CLIENT ? "client" : "server";
}

static const char *absent_sentence(wmem_allocator_t *scope, const tcpdiag_mss_verdict *m, gboolean v6)
{
    int side = (m->opts & TCPDIAG_MSSO_ASSUMED_CLIENT) ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    guint assumed = m->mss[side], full = typical_mss(m, v6);
    if (!assumed || full <= assumed)
        return wmem_strdup_printf(scope, "The %s's SYN carries no MSS option: %u bytes assumed",
                                  side_name(side), assumed);
    /* Congestion windows count segments: the same window moves full/assumed times less data. */
    return wmem_strdup_printf(scope,
        "The %s's SYN carries no MSS option: the %s must assume %u bytes (%s) and sends at most %u-byte segments, "
        "%.1f times as many as with %u, so about %.1f times less throughput for the same congestion window",
        side_name(side), side_name(!side), assumed, v6 ? "IPv6" : "IPv4", assumed,
        (double)full / assumed, full, (double)full / assumed);
}

static const char *above_link_sentence(wmem_allocator_t *scope, const tcpdiag_mss_verdict *m)
{
    for (int side = 0; side < 2; side++)
        if (m->link_mss && m->mss[side] > m->link_mss)
            return wmem_strdup_printf(scope,
                "The %s announced MSS %u, above the %u the capture's %s link carries: the %s's full-size "
                "segments do not fit it (fine only if every link on the path takes larger frames)",
                side_name(side), m->mss[side], m->link_mss, tcpdiag_link_name((tcpdiag_link)m->link),
                side_name(!side));
    return wmem_strdup_printf(scope,
        "MSS %u/%u (client/server) is above what a %u-byte MTU on the path carries%s: full-size segments "
        "must be fragmented or are dropped", m->mss[0], m->mss[1], m->path_mtu,
        m->icmp_frame ? " (reported by ICMP)" : " (revealed by IP fragments)");
}

static const char *clamped_sentence(wmem_allocator_t *scope, const tcpdiag_mss_verdict *m)
{
    int side = m->mss[TCPDIAG_CLIENT] && m->mss[TCPDIAG_CLIENT] < m->link_mss ? TCPDIAG_CLIENT : TCPDIAG_SERVER;
    return wmem_strdup_printf(scope,
        "The %s announced MSS %u, below the %u the capture's %s link carries: MSS clamping by a router, "
        "firewall or VPN (or a smaller link at the %s, e.g. PPPoE or a tunnel); full-size segments to it "
        "carry %u bytes", side_name(side), m->mss[side], m->link_mss,
        tcpdiag_link_name((tcpdiag_link)m->link), side_name(side), m->mss[side]);
}

static const char *reason_sentence(wmem_allocator_t *scope, tcpdiag_mss_reason r, const tcpdiag_verdict *v)
{
    const tcpdiag_mss_verdict *m = &v->mss;
    guint peer_mss = m->mss[v->from_server ? TCPDIAG_CLIENT : TCPDIAG_SERVER];
    gboolean v6 = m->family == 6;
    switch (r) {
    case TCPDIAG_MSSR_ABSENT:
        return absent_sentence(scope, m, v6);
    case TCPDIAG_MSSR_ABOVE_LINK:
        return above_link_sentence(scope, m);
    case TCPDIAG_MSSR_CLAMPED:
        return clamped_sentence(scope, m);
    case TCPDIAG_MSSR_ABOVE_PEER:
        return wmem_strdup_printf(scope,
            "%u bytes of data (plus TCP options) in one segment, above the %u-byte MSS the receiver announced: "
            "the sender ignores the receiver's MSS, and a smaller link fragments or drops such segments",
            v->payload_len, peer_mss);
    case TCPDIAG_MSSR_OFFLOAD:
        return wmem_strdup_printf(scope,
            "%u-byte segment, larger than this %s link carries: captured on a host with TSO/GSO (sending) or GRO "
            "(receiving) offload, not on the wire; the card cuts it into segments of at most %u bytes", v->payload_len,
            tcpdiag_link_name((tcpdiag_link)m->link), peer_mss);
    case TCPDIAG_MSSR_FRAGMENTS:
        if (m->path_mtu && !m->icmp_frame)
            return wmem_strdup_printf(scope,
                "TCP travels in IP fragments cut for a link of %u-%u bytes MTU: one lost fragment loses the whole "
                "segment", m->path_mtu, m->path_mtu + 7);
        return "TCP travels in IP fragments: a link on the path is smaller than the segments, and one lost "
               "fragment loses the whole segment";
    case TCPDIAG_MSSR_ICMP_FRAG_NEEDED:
        return wmem_strdup_printf(scope,
            "A router reports next-hop MTU %u for a datagram of this conversation (frame %u); the MSS in use "
            "(%u/%u client/server) needs a %u-byte MTU", m->path_mtu, m->icmp_frame, m->mss[0], m->mss[1],
            MAX(m->mss[0], m->mss[1]) + (v6 ? 60u : 40u));
    default:
        return tcpdiag_mss_reason_meaning(r);
    }
}

static proto_item *add_gen(proto_item *it)
{
    proto_item_set_generated(it);
    return it;
}

static void add_uint_if(proto_tree *t, tvbuff_t *tvb, int hf, guint value)
{
    if (value)
        add_gen(proto_tree_add_uint(t, hf, tvb, 0, 0, value));
}

static void add_sides(proto_tree *t, tvbuff_t *tvb, const tcpdiag_mss_verdict *m)
{
    const int hf_side[2] = { hf_client, hf_server };
    const guint8 assumed_bit[2] = { TCPDIAG_MSSO_ASSUMED_CLIENT, TCPDIAG_MSSO_ASSUMED_SERVER };
    for (int side = 0; side < 2; side++) {
        if (!m->mss[side])
            continue;
        proto_item *it = add_gen(proto_tree_add_uint(t, hf_side[side], tvb, 0, 0, m->mss[side]));
        if (!(m->opts & assumed_bit[side]))
            continue;
        proto_item_append_text(it, " (assumed: no MSS option on the %s's SYN)", side_name(side));
        proto_item *a = add_gen(proto_tree_add_item(proto_item_add_subtree(it, ett_mss), hf_assumed, tvb, 0, 0, ENC_NA));
        proto_item_append_text(a, ": %s, %u", side_name(side), m->mss[side]);
    }
    add_uint_if(t, tvb, hf_send_client, m->send_mss[TCPDIAG_CLIENT]);
    add_uint_if(t, tvb, hf_send_server, m->send_mss[TCPDIAG_SERVER]);
    add_uint_if(t, tvb, hf_largest_client, m->largest[TCPDIAG_CLIENT]);
    add_uint_if(t, tvb, hf_largest_server, m->largest[TCPDIAG_SERVER]);
}

static void add_link(proto_tree *t, tvbuff_t *tvb, const tcpdiag_mss_verdict *m)
{
    proto_item *it;
    if (m->opts & TCPDIAG_MSSO_TUNNELLED) {
        it = add_gen(proto_tree_add_string(t, hf_link, tvb, 0, 0, "tunnel"));
        proto_item_append_text(it, " (TCP inside another IP header: the tunnel's MTU is not known)");
        return;
    }
    it = add_gen(proto_tree_add_string(t, hf_link, tvb, 0, 0, tcpdiag_link_name((tcpdiag_link)m->link)));
    proto_item_append_text(it, " (%s)", tcpdiag_link_meaning((tcpdiag_link)m->link));
    proto_tree *lt = proto_item_add_subtree(it, ett_mss_link);
    add_uint_if(lt, tvb, hf_link_vlans, m->link_vlans);
    add_uint_if(lt, tvb, hf_link_mss, m->link_mss);
}

static void add_path(proto_tree *t, tvbuff_t *tvb, const tcpdiag_mss_verdict *m)
{
    if (m->path_mtu) {
        proto_item *it = add_gen(proto_tree_add_uint(t, hf_path_mtu, tvb, 0, 0, m->path_mtu));
        proto_item_append_text(it, m->icmp_frame ? " (reported by an ICMP error)" : " (from the size of IP fragments)");
    }
    if (m->icmp_frame)
        add_gen(proto_tree_add_uint(t, hf_icmp, tvb, 0, 0, m->icmp_frame));
    if (m->pmtud != TCPDIAG_PMTUD_NONE)
        add_gen(proto_tree_add_string(t, hf_pmtud, tvb, 0, 0, tcpdiag_pmtud_name((tcpdiag_pmtud)m->pmtud)));
}

/* Each option as soon as both SYNs decide it (the rule the tracker scales windows by). */
static void add_options(proto_tree *t, tvbuff_t *tvb, const tcpdiag_mss_verdict *m)
{
    if (m->opts & TCPDIAG_MSSO_WSCALE) {
        add_gen(proto_tree_add_uint(t, hf_wscale_client, tvb, 0, 0, m->wscale[TCPDIAG_CLIENT]));
        add_gen(proto_tree_add_uint(t, hf_wscale_server, tvb, 0, 0, m->wscale[TCPDIAG_SERVER]));
    }
    if (!(m->opts & TCPDIAG_MSSO_BOTH_SYNS))
        return;
    add_gen(proto_tree_add_boolean(t, hf_sack_perm, tvb, 0, 0, (m->opts & TCPDIAG_MSSO_SACK_PERM) != 0));
    add_gen(proto_tree_add_boolean(t, hf_timestamps, tvb, 0, 0, (m->opts & TCPDIAG_MSSO_TIMESTAMPS) != 0));
}

/* What this header itself shows. */
static void add_segment_facts(proto_tree *t, tvbuff_t *tvb, const tcpdiag_mss_verdict *m)
{
    static const struct { guint8 flag; const char *name, *text; } facts[] = {
        { TCPDIAG_MSSF_ABOVE_PEER, "above_peer_mss", "larger than the receiver's MSS" },
        { TCPDIAG_MSSF_OFFLOAD, "offload_artefact", "larger than the link carries: offload artefact, not on the wire" },
        { TCPDIAG_MSSF_FRAGMENT, "ip_fragment", "carried in IP fragments" },
        { TCPDIAG_MSSF_DF_CLEAR, "df_clear", "IPv4 datagram above 576 bytes without don't-fragment" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(facts); i++)
        if (m->seg & facts[i].flag)
            proto_item_append_text(add_gen(proto_tree_add_string(t, hf_segment, tvb, 0, 0, facts[i].name)),
                                   " (%s)", facts[i].text);
}

static void add_experts(packet_info *pinfo, proto_item *item, const tcpdiag_verdict *v)
{
    const tcpdiag_mss_verdict *m = &v->mss;
    for (int r = 0; r < TCPDIAG_MSSR_COUNT; r++)
        if (m->new_reasons & (1u << r))
            expert_add_info_format(pinfo, item, &ei_reason[r], "%s",
                                   reason_sentence(pinfo->pool, (tcpdiag_mss_reason)r, v));
    if (!(m->seg & TCPDIAG_MSSF_PMTUD_JUDGED))
        return;
    if (m->pmtud == TCPDIAG_PMTUD_WORKED)
        expert_add_info_format(pinfo, item, &ei_pmtud_worked,
            "Path MTU discovery worked: after the ICMP in frame %u the sender sends datagrams that fit the %u-byte MTU",
            m->icmp_frame, m->path_mtu);
    else if (m->pmtud == TCPDIAG_PMTUD_IGNORED)
        expert_add_info_format(pinfo, item, &ei_pmtud_ignored,
            "The sender re-sends datagrams too big for the %u-byte MTU reported in frame %u: the ICMP did not reach "
            "it or is ignored (firewall on the sender?), a path MTU black hole", m->path_mtu, m->icmp_frame);
}

gboolean tcpdiag_view_mss_has_experts(const tcpdiag_verdict *v)
{
    const tcpdiag_mss_verdict *m = &v->mss;
    return m->known && (m->new_reasons || (m->seg & TCPDIAG_MSSF_PMTUD_JUDGED));
}

void tcpdiag_view_mss_render(packet_info *pinfo, tcpdiag_view_top *view_top, const tcpdiag_verdict *v, gboolean experts)
{
    const tcpdiag_mss_verdict *m = &v->mss;
    if (!m->known)
        return;
    experts = experts && tcpdiag_view_mss_has_experts(v);
    if (!experts && !tcpdiag_fields_wanted(view_top->parent, &mss_fields))
        return;
    tvbuff_t *tvb = view_top->tvb;
    proto_tree *tree = tcpdiag_top_tree(view_top);
    proto_item *top = view_top->item;
    const char *risk = tcpdiag_mss_risk_name((tcpdiag_mss_risk)m->risk);
    proto_item *mi = add_gen(proto_tree_add_item(tree, hf_mss, tvb, 0, 0, ENC_NA));
    proto_item_append_text(mi, ": client %u, server %u, risk %s", m->mss[0], m->mss[1], risk);
    proto_tree *t = proto_item_add_subtree(mi, ett_mss);
    add_sides(t, tvb, m);

    proto_item *ri = add_gen(proto_tree_add_string(t, hf_risk, tvb, 0, 0, risk));
    proto_tree *rt = proto_item_add_subtree(ri, ett_mss_risk);
    for (int r = 0; r < TCPDIAG_MSSR_COUNT; r++)
        if (m->reasons & (1u << r))
            proto_item_append_text(add_gen(proto_tree_add_string(rt, hf_reason, tvb, 0, 0,
                                                                 tcpdiag_mss_reason_name((tcpdiag_mss_reason)r))),
                                   " (%s)", tcpdiag_mss_reason_meaning((tcpdiag_mss_reason)r));
    add_segment_facts(t, tvb, m);
    add_link(t, tvb, m);
    add_path(t, tvb, m);
    add_options(t, tvb, m);
    if (m->risk != TCPDIAG_MSS_RISK_NONE)
        proto_item_append_text(top, ", MSS risk %s", risk);
    if (experts)
        add_experts(pinfo, mi, v);
}

void tcpdiag_view_mss_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_mss, { "MSS and path MTU", "tcpdiag.mss", FT_NONE, BASE_NONE, NULL, 0x0,
          "Maximum segment sizes, IP fragmentation and path MTU of this conversation, as known up to this packet", HFILL } },
        { &hf_client, { "Client MSS", "tcpdiag.mss.client", FT_UINT16, BASE_DEC, NULL, 0x0,
          "MSS the client announced on its SYN; 536 (IPv4) / 1220 (IPv6) when it sent none (tcpdiag.mss.assumed)", HFILL } },
        { &hf_server, { "Server MSS", "tcpdiag.mss.server", FT_UINT16, BASE_DEC, NULL, 0x0,
          "MSS the server announced on its SYN-ACK; 536 (IPv4) / 1220 (IPv6) when it sent none (tcpdiag.mss.assumed)", HFILL } },
        { &hf_assumed, { "MSS assumed", "tcpdiag.mss.assumed", FT_NONE, BASE_NONE, NULL, 0x0,
          "This side's SYN carried no MSS option: its peer must assume the RFC 9293 default", HFILL } },
        { &hf_send_client, { "Client may send", "tcpdiag.mss.send.client", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Effective send MSS of the client (before TCP options): the smallest of the server's MSS, the capture link's and the path MTU's", HFILL } },
        { &hf_send_server, { "Server may send", "tcpdiag.mss.send.server", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Effective send MSS of the server (before TCP options): the smallest of the client's MSS, the capture link's and the path MTU's", HFILL } },
        { &hf_largest_client, { "Largest client segment", "tcpdiag.mss.largest.client", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Largest payload the client sent so far (capped at 65535)", HFILL } },
        { &hf_largest_server, { "Largest server segment", "tcpdiag.mss.largest.server", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Largest payload the server sent so far (capped at 65535)", HFILL } },
        { &hf_risk, { "MSS / MTU risk", "tcpdiag.mss.risk", FT_STRING, BASE_NONE, NULL, 0x0,
          "none, low (costs throughput or makes trouble likely) or high (something fails on the path), from the reasons below", HFILL } },
        { &hf_reason, { "Reason", "tcpdiag.mss.reason", FT_STRING, BASE_NONE, NULL, 0x0,
          "mss_absent, mss_above_link, mss_clamped, segment_above_peer_mss, offload_artefact, ip_fragments, df_clear, "
          "fragment_reassembly_failed, icmp_frag_needed, pmtu_blackhole", HFILL } },
        { &hf_segment, { "This segment", "tcpdiag.mss.segment", FT_STRING, BASE_NONE, NULL, 0x0,
          "What this packet itself shows: above_peer_mss, offload_artefact, ip_fragment, df_clear", HFILL } },
        { &hf_link, { "Capture link", "tcpdiag.mss.link", FT_STRING, BASE_NONE, NULL, 0x0,
          "What carried the outermost IP header: ethernet, ieee802.3_llc_snap, pppoe, linux_cooked, linux_loopback, bsd_loopback, raw_ip, tunnel, unknown", HFILL } },
        { &hf_link_vlans, { "VLAN tags", "tcpdiag.mss.link.vlans", FT_UINT8, BASE_DEC, NULL, 0x0,
          "802.1Q / 802.1ad tags in front of the IP header (they do not reduce the IP MTU)", HFILL } },
        { &hf_link_mss, { "Link MSS", "tcpdiag.mss.link.mss", FT_UINT16, BASE_DEC, NULL, 0x0,
          "The MSS the capture's link carries for this IP version (Ethernet 1460/1440, LLC/SNAP and PPPoE 1452/1432)", HFILL } },
        { &hf_path_mtu, { "Path MTU", "tcpdiag.mss.path_mtu", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Smallest MTU on the path known so far: reported by ICMP fragmentation-needed / packet-too-big, or the size of IP fragments", HFILL } },
        { &hf_icmp, { "ICMP too big", "tcpdiag.mss.icmp", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The latest ICMP fragmentation-needed / ICMPv6 packet-too-big about this conversation", HFILL } },
        { &hf_pmtud, { "Path MTU discovery", "tcpdiag.mss.pmtud", FT_STRING, BASE_NONE, NULL, 0x0,
          "After the ICMP: waiting, worked (the sender then sent datagrams that fit) or ignored (it re-sent datagrams still too big)", HFILL } },
        { &hf_wscale_client, { "Client window scale", "tcpdiag.mss.wscale.client", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Window scale shift the client announced (window scaling in use: both SYNs carried the option)", HFILL } },
        { &hf_wscale_server, { "Server window scale", "tcpdiag.mss.wscale.server", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Window scale shift the server announced (window scaling in use: both SYNs carried the option)", HFILL } },
        { &hf_sack_perm, { "SACK permitted", "tcpdiag.mss.sack_permitted", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Both SYNs carried SACK-permitted: selective acknowledgements are in use", HFILL } },
        { &hf_timestamps, { "Timestamps", "tcpdiag.mss.timestamps", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Both SYNs carried the timestamps option: every segment spends 12 bytes of its MSS on it", HFILL } },
    };
    static gint *ett[] = { &ett_mss, &ett_mss_risk, &ett_mss_link };
    proto_register_field_array(proto, hf, array_length(hf));
    mss_fields.hf = hf;
    mss_fields.count = array_length(hf);
    proto_register_subtree_array(ett, array_length(ett));

#define EIR(r, name, group, sev, text) \
    { &ei_reason[TCPDIAG_MSSR_##r], { "tcpdiag.mss." name, group, sev, text, EXPFILL } }
    static ei_register_info ei[] = {
        EIR(ABSENT, "mss_absent", PI_PROTOCOL, PI_NOTE, "SYN without MSS option: the peer must assume 536 (IPv4) / 1220 (IPv6) bytes"),
        EIR(ABOVE_LINK, "mss_above_link", PI_PROTOCOL, PI_WARN, "Announced MSS above what a link on the path carries"),
        EIR(CLAMPED, "mss_clamped", PI_PROTOCOL, PI_NOTE, "Announced MSS below the capture link's usual value: MSS clamping"),
        EIR(ABOVE_PEER, "segment_above_peer_mss", PI_PROTOCOL, PI_WARN, "Segment larger than the receiver's MSS"),
        EIR(OFFLOAD, "offload_artefact", PI_PROTOCOL, PI_NOTE, "Segment larger than the link carries: TSO/GSO/GRO offload artefact, not on the wire"),
        EIR(FRAGMENTS, "ip_fragments", PI_REASSEMBLE, PI_NOTE, "TCP carried in IP fragments"),
        EIR(DF_CLEAR, "df_clear", PI_PROTOCOL, PI_NOTE, "Large IPv4 datagrams without don't-fragment: path MTU discovery off"),
        EIR(REASSEMBLY_FAILED, "fragment_reassembly_failed", PI_REASSEMBLE, PI_WARN, "IP fragments of a segment never all arrived: the segment is re-sent"),
        EIR(ICMP_FRAG_NEEDED, "icmp_frag_needed", PI_PROTOCOL, PI_NOTE, "ICMP fragmentation needed / packet too big for this conversation"),
        EIR(PMTU_BLACKHOLE, "pmtu_blackhole", PI_PROTOCOL, PI_WARN, "Probable path MTU black hole: full-size segments re-sent, no ICMP"),
        { &ei_pmtud_worked, { "tcpdiag.mss.pmtud_worked", PI_PROTOCOL, PI_CHAT, "Path MTU discovery worked: the sender adapted to the reported MTU", EXPFILL } },
        { &ei_pmtud_ignored, { "tcpdiag.mss.pmtud_ignored", PI_PROTOCOL, PI_WARN, "The sender re-sends datagrams larger than the reported MTU", EXPFILL } },
    };
#undef EIR
    expert_module_t *module = expert_register_protocol(proto);
    expert_register_field_array(module, ei, array_length(ei));
    tcpdiag_wanted_add_experts(ei, array_length(ei));
}
