/* tcpdiag_proto.c - registration of the tcpdiag postdissector, and the dissector that ties session and views together.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every pass (the first included) renders and taps only what the session
 * stored for the frame, so one pass, two passes and GUI clicks all show
 * the same thing.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include "tcpdiag_extract.h"
#include "tcpdiag_prefs.h"
#include "tcpdiag_report_conns.h"
#include "tcpdiag_report_netstat.h"
#include "tcpdiag_session.h"
#include "tcpdiag_stats_tree.h"
#include "tcpdiag_summary.h"
#include "tcpdiag_tap_record.h"
#include "tcpdiag_view_conn.h"
#include "tcpdiag_view_mss.h"
#include "tcpdiag_view_notices.h"
#include "tcpdiag_view_retrans.h"
#include "tcpdiag_view_wanted.h"

void proto_register_tcpdiag(void);
void proto_reg_handoff_tcpdiag(void);

static int proto_tcpdiag = -1;
static int tap_tcpdiag = -1;
static dissector_handle_t tcpdiag_handle;

static void tcpdiag_init(void)
{
    tcpdiag_config cfg;
    tcpdiag_prefs_config(&cfg);
    tcpdiag_session_start(&cfg);
}

static int dissect_tcpdiag(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const tcpdiag_frame_record *rec = tcpdiag_session_frame(tvb, tree, pinfo);
    if (!rec)
        return 0;
    /* Reports need only the tap: build items only for someone who will see them. */
    tcpdiag_wanted_new_frame();
    for (guint i = 0; i < rec->count; i++) {
        const tcpdiag_layer_record *layer = &rec->layer[i];
        /* Most headers have nothing for Expert Info: ask whether anyone listens only when they do. */
        gboolean experts = (tcpdiag_view_conn_has_experts(&layer->v) ||
                            tcpdiag_view_retrans_has_experts(&layer->v, layer->retrans) ||
                            tcpdiag_view_mss_has_experts(&layer->v)) &&
                           tcpdiag_experts_wanted(pinfo, tree);
        /* Each view asks about its own fields, and only when it has something to show. */
        if (tree || experts) {
            tcpdiag_view_top top = { tvb, tree, NULL, NULL };
            if (tcpdiag_protocol_wanted(tree))
                tcpdiag_view_top_open(&top);
            tcpdiag_view_conn_render(pinfo, &top, &layer->v, layer->ends, experts);
            tcpdiag_view_retrans_render(pinfo, &top, &layer->v, layer->retrans, experts);
            tcpdiag_view_mss_render(pinfo, &top, &layer->v, experts);
        }
        tap_queue_packet(tap_tcpdiag, pinfo, layer);
    }
    return tvb_captured_length(tvb);
}

void proto_register_tcpdiag(void)
{
    proto_tcpdiag = proto_register_protocol("TCP Diagnostics", "tcpdiag", "tcpdiag");
    tcpdiag_view_conn_register(proto_tcpdiag);
    tcpdiag_view_notices_register(proto_tcpdiag);
    tcpdiag_view_retrans_register(proto_tcpdiag);
    tcpdiag_view_mss_register(proto_tcpdiag);
    tcpdiag_prefs_register(proto_tcpdiag);

    register_init_routine(tcpdiag_init);
    register_cleanup_routine(tcpdiag_session_end);
    tap_tcpdiag = register_tap(TCPDIAG_TAP_NAME);
    tcpdiag_summary_register();
    tcpdiag_report_netstat_register();
    tcpdiag_report_conns_register();
    tcpdiag_stats_tree_register();
}

void proto_reg_handoff_tcpdiag(void)
{
    tcpdiag_handle = create_dissector_handle(dissect_tcpdiag, proto_tcpdiag);
    register_postdissector(tcpdiag_handle);
    tcpdiag_extract_init();
    tcpdiag_wanted_init(proto_tcpdiag);
}
