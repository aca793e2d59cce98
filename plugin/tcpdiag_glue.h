/* tcpdiag_glue.h - what the Wireshark-facing files share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPDIAG_GLUE_H
#define TCPDIAG_GLUE_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>

#include "core/tcpdiag_conv.h"
#include "core/tcpdiag_verdict.h"

/* At most this many TCP headers per frame are analysed (tunnels, ICMP). */
#define TCPDIAG_MAX_LAYERS 8

/* One TCP header's stored result; also what the "tcpdiag" tap delivers. */
typedef struct tcpdiag_layer_record {
    tcpdiag_verdict v;
    const tcpdiag_retrans_info *retrans;  /* NULL unless v.has_retrans_info */
} tcpdiag_layer_record;

/* What the first pass stored for one frame; later passes render only this. */
typedef struct tcpdiag_frame_record {
    guint8               count;
    tcpdiag_layer_record layer[];
} tcpdiag_frame_record;

/* Registered ids, filled by tcpdiag_proto.c. */
typedef struct tcpdiag_ids {
    int proto;
    int tap;
    int hf_stream, hf_client, hf_server, hf_direction;
    int hf_roles_inferred, hf_quoted;
    int hf_handshake, hf_hs_rtt, hf_hs_rtt_server, hf_hs_rtt_client;
    int hf_hs_syn_count, hf_hs_synack_count;
    int hf_state_client, hf_state_server, hf_state_change;
    int hf_close_wait_duration, hf_evidence;
    gint ett_tcpdiag, ett_handshake, ett_state;
    expert_field ei[TCPDIAG_NOTE_COUNT];
} tcpdiag_ids;

extern tcpdiag_ids tcpdiag_id;

/* tcpdiag_extract.c: the TCP headers of this frame, from primed fields only. */
void tcpdiag_extract_register_wanted(dissector_handle_t handle);
guint tcpdiag_extract(proto_tree *tree, packet_info *pinfo, tcpdiag_segment *out, guint max);

/* tcpdiag_tree.c: the tcpdiag subtree for one stored verdict (connection
 * facts and their Expert Info); returns the subtree, *top its item. */
proto_tree *tcpdiag_tree_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                const tcpdiag_verdict *v, const tcpdiag_tuple *ends, proto_item **top);

/* tcpdiag_view_retrans.c: retransmission fields, Expert Info and preferences. */
void tcpdiag_view_retrans_register(int proto, module_t *prefs);
void tcpdiag_view_retrans_config(tcpdiag_retrans_config *cfg);
/* The "retransmission rate warning" preference, in percent (default 1). */
double tcpdiag_view_retrans_rate_threshold_pct(void);
void tcpdiag_view_retrans_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *top,
                                 const tcpdiag_verdict *v, const tcpdiag_retrans_info *r);

/* tcpdiag_view_mss.c: MSS, fragmentation and path-MTU fields and Expert Info. */
void tcpdiag_view_mss_register(int proto);
void tcpdiag_view_mss_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_item *top,
                             const tcpdiag_verdict *v);

/* tcpdiag_expert.c */
void tcpdiag_expert_register(int proto);

/* tcpdiag_proto.c: the endpoints (client -> server) of the conversation
 * behind a verdict, also once the tcpdiag.max_conversations cap dropped its
 * state; NULL for a quoted header of no known conversation. */
const tcpdiag_tuple *tcpdiag_ends_of(const tcpdiag_verdict *v);
/* How many conversations the cap dropped in this capture, and the cap (0 = none). */
guint64 tcpdiag_conversations_dropped(void);
guint tcpdiag_conversation_cap(void);

/* tcpdiag_summary.c: `tshark -z tcpdiag,summary`. */
void tcpdiag_summary_register(void);
/* `-z tcpdiag,netstat`, `-z tcpdiag,conns` and the stats tree (`-z tcpdiag,tree`). */
void tcpdiag_report_netstat_register(void);
void tcpdiag_report_conns_register(void);
void tcpdiag_stats_tree_register(void);

/* "10.0.0.1:443" or "[2001:db8::1]:443" in the given scope. */
const char *tcpdiag_endpoint_str(wmem_allocator_t *scope, const tcpdiag_tuple *t, gboolean source);

#endif
