/* tcpdiag_session.c - owns the tracker of the open capture file and the per-frame records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_session.h"

#include "tcpdiag_extract.h"

/* At most this many TCP headers per frame are analysed (tunnels, ICMP). */
#define MAX_LAYERS 8

static tcpdiag_tracker *tracker;
/* The stored record of each frame, indexed by frame number (NULL: no TCP).
 * 8 bytes a frame, where p_add_proto_data costs a list node and a key
 * record (~50 bytes) on every frame. The records live in file scope. */
static GPtrArray *frame_records;
/* Each conversation's endpoints in file scope, by conversation id: the tap
 * record points at them (the tracker's own copy may move as it grows). */
static GPtrArray *ends_by_conv;

void tcpdiag_session_start(const tcpdiag_config *cfg)
{
    tracker = tcpdiag_tracker_new(cfg);
}

void tcpdiag_session_end(void)
{
    tcpdiag_tracker_free(tracker);
    tracker = NULL;
    if (frame_records)   /* created with the first record */
        g_ptr_array_free(frame_records, TRUE);
    frame_records = NULL;
    if (ends_by_conv)
        g_ptr_array_free(ends_by_conv, TRUE);
    ends_by_conv = NULL;
}

static void store_record(guint32 frame, tcpdiag_frame_record *rec)
{
    if (!frame_records)
        frame_records = g_ptr_array_new();
    if (frame >= frame_records->len)
        g_ptr_array_set_size(frame_records, (gint)frame + 1);
    g_ptr_array_index(frame_records, frame) = rec;
}

static const tcpdiag_frame_record *stored_record(guint32 frame)
{
    return frame_records && frame < frame_records->len ? g_ptr_array_index(frame_records, frame) : NULL;
}

static const tcpdiag_tuple *ends_of(guint32 conv_id)
{
    if (conv_id == TCPDIAG_NO_CONV)
        return NULL;
    if (!ends_by_conv)
        ends_by_conv = g_ptr_array_new();
    if (conv_id >= ends_by_conv->len)
        g_ptr_array_set_size(ends_by_conv, (gint)conv_id + 1);
    const tcpdiag_tuple *ends = g_ptr_array_index(ends_by_conv, conv_id);
    if (!ends) {
        const tcpdiag_tuple *t = tcpdiag_tracker_tuple(tracker, conv_id);
        if (!t)
            return NULL;
        ends = wmem_memdup(wmem_file_scope(), t, sizeof *t);
        g_ptr_array_index(ends_by_conv, conv_id) = (gpointer)ends;
    }
    return ends;
}

static tcpdiag_frame_record *analyse_frame(proto_tree *tree, packet_info *pinfo)
{
    tcpdiag_segment segs[MAX_LAYERS];
    guint n = tcpdiag_extract(tree, pinfo, segs, MAX_LAYERS);
    if (n == 0)
        return NULL;
    tcpdiag_frame_record *rec = wmem_alloc0(wmem_file_scope(),
                                            sizeof *rec + n * sizeof(tcpdiag_layer_record));
    rec->count = (guint8)n;
    for (guint i = 0; i < n; i++) {
        tcpdiag_layer_record *layer = &rec->layer[i];
        tcpdiag_retrans_info info;
        tcpdiag_tracker_process(tracker, &segs[i], &layer->v, &info);
        layer->ends = ends_of(layer->v.conv_id);
        /* Most segments are plain: keep the details only where there are some. */
        if (layer->v.has_retrans_info)
            layer->retrans = wmem_memdup(wmem_file_scope(), &info, sizeof info);
    }
    return rec;
}

const tcpdiag_frame_record *tcpdiag_session_frame(proto_tree *tree, packet_info *pinfo)
{
    if (PINFO_FD_VISITED(pinfo))
        return stored_record(pinfo->num);
    tcpdiag_frame_record *rec = analyse_frame(tree, pinfo);
    if (rec)
        store_record(pinfo->num, rec);
    return rec;
}
