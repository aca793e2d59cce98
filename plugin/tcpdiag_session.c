/* tcpdiag_session.c - owns the tracker of the open capture file and the per-frame records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The per-frame store is most of what tcpdiag keeps for a large capture, so
 * it is compact: per TCP header a 28-byte record (the verdict's per-header
 * slot and the index of the part it shares with its conversation's
 * neighbours), in large blocks, and 4 bytes per frame in a frame-indexed
 * table; the retransmission details that only re-sent and look-alike
 * segments have sit in a table of their own, sorted by header. A shared part
 * (the rest of the verdict, 80 bytes) is stored again only when it changes,
 * about three times per conversation (SYN, SYN-ACK, ACK); the endpoints are
 * the tracker's, found by conversation id. Later passes get
 * the verdict unpacked into packet memory: the same bytes the first pass
 * computed (core/tcpdiag_verdict_pack.h).
 */
#include "tcpdiag_session.h"

#include "core/tcpdiag_blocks.h"
#include "core/tcpdiag_verdict_pack.h"
#include "tcpdiag_extract.h"

/* At most this many TCP headers per frame are analysed (tunnels, ICMP). */
#define MAX_LAYERS 8
/* Stored headers per block: large enough that block pointers cost nothing per header. */
#define HEADERS_PER_BLOCK 8192u
/* In a stored header's slot bits: another header of the same frame follows. */
#define MORE_IN_FRAME 0x80u
G_STATIC_ASSERT((MORE_IN_FRAME & TCPDIAG_SLOT_FREE_BITS) == MORE_IN_FRAME);

/* Shared parts per block: 80 KB, small next to a capture's other state. */
#define SHARED_PER_BLOCK 1024u

/* 28 bytes: indexes, not pointers, and no room for the retransmission
 * details that only a few headers have (they are in retrans_details). */
typedef struct stored_header {
    tcpdiag_verdict_slot slot;
    guint32              shared;  /* index in shared_parts */
} stored_header;
G_STATIC_ASSERT(sizeof(stored_header) == 28);

/* The details of a re-sent or look-alike header, by its index. */
typedef struct header_details {
    guint32                     header;
    const tcpdiag_retrans_info *info;
} header_details;

static tcpdiag_tracker *tracker;
/* Frame number -> index of its first stored header + 1 (0: no TCP). */
static GArray *frame_index;
#define FRAME_INDEX_BLOCK 4096u   /* a power of two */
static tcpdiag_blocks headers;
/* Every shared part (tcpdiag_verdict_shared), by index. */
static tcpdiag_blocks shared_parts;
/* The shared part unpacked last, expanded: about half the frames a filter
 * or view reads in turn share it with the frame before (measured on the
 * benchmark capture), and copying it is cheaper than expanding it again.
 * Parts never change once stored. */
#define NO_PART G_MAXUINT32
static tcpdiag_verdict expanded;
static guint32 expanded_index = NO_PART;
/* Appended in header order, so sorted by header index. */
static GArray *retrans_details;
/* By conversation id: the index + 1 of the shared part its latest header
 * used (0: none yet). */
static GArray *shared_by_conv;

void tcpdiag_session_start(const tcpdiag_config *cfg)
{
    tracker = tcpdiag_tracker_new(cfg);
    tcpdiag_blocks_init(&headers, sizeof(stored_header), HEADERS_PER_BLOCK);
    tcpdiag_blocks_init(&shared_parts, sizeof(tcpdiag_verdict_shared), SHARED_PER_BLOCK);
    tcpdiag_extract_reset();
}

void tcpdiag_session_end(void)
{
    tcpdiag_tracker_free(tracker);
    tracker = NULL;
    tcpdiag_extract_reset();
    /* Each table is created with the first record that needs it. */
    g_clear_pointer(&frame_index, g_array_unref);
    tcpdiag_blocks_clear(&headers);
    tcpdiag_blocks_clear(&shared_parts);
    expanded_index = NO_PART;
    g_clear_pointer(&retrans_details, g_array_unref);
    g_clear_pointer(&shared_by_conv, g_array_unref);
}

/* The conversation's entry in shared_by_conv, grown as needed (new entries are 0). */
static guint32 *latest_shared_of(guint32 conv_id)
{
    if (!shared_by_conv)
        shared_by_conv = g_array_new(FALSE, TRUE, (guint)sizeof(guint32));
    if (conv_id >= shared_by_conv->len)
        g_array_set_size(shared_by_conv, conv_id + 1);
    return &g_array_index(shared_by_conv, guint32, conv_id);
}

/* The tracker keeps every conversation's endpoints, at a fixed address, for
 * as long as the session (and this store) lasts. */
static const tcpdiag_tuple *ends_of(guint32 conv_id)
{
    return conv_id == TCPDIAG_NO_CONV ? NULL : tcpdiag_tracker_tuple(tracker, conv_id);
}

/* The index of the conversation's latest shared part when it is the same, else of a new one. */
static guint32 share(const tcpdiag_verdict_shared *shared_v)
{
    guint32 *latest = shared_v->conv_id == TCPDIAG_NO_CONV ? NULL : latest_shared_of(shared_v->conv_id);
    if (latest && *latest &&
        memcmp(tcpdiag_blocks_at(&shared_parts, *latest - 1), shared_v, sizeof *shared_v) == 0)
        return *latest - 1;
    memcpy(tcpdiag_blocks_append(&shared_parts), shared_v, sizeof *shared_v);
    if (latest)
        *latest = shared_parts.count;
    return shared_parts.count - 1;
}

static const stored_header *header_at(guint32 index)
{
    return tcpdiag_blocks_at(&headers, index);
}

static void index_frame(guint32 frame, guint32 first_header)
{
    if (!frame_index)
        frame_index = g_array_new(FALSE, TRUE, (guint)sizeof(guint32));
    /* Grown a block of frames at a time: resizing for every frame cost more than the
     * rest of the store. New entries are zero (no header). */
    if (frame >= frame_index->len)
        g_array_set_size(frame_index, (frame | (FRAME_INDEX_BLOCK - 1)) + 1);
    g_array_index(frame_index, guint32, frame) = first_header + 1;
}

static void store_header(const tcpdiag_verdict *v, const tcpdiag_retrans_info *info, gboolean more)
{
    tcpdiag_verdict_shared shared_v;
    stored_header *h = tcpdiag_blocks_append(&headers);
    tcpdiag_verdict_pack(v, &h->slot, &shared_v);
    if (more)
        h->slot.bits |= MORE_IN_FRAME;
    h->shared = share(&shared_v);
    if (!(h->slot.bits & TCPDIAG_SLOT_HAS_RETRANS_INFO))
        return;
    if (!retrans_details)
        retrans_details = g_array_new(FALSE, FALSE, (guint)sizeof(header_details));
    header_details d = { headers.count - 1, wmem_memdup(wmem_file_scope(), info, sizeof *info) };
    g_array_append_val(retrans_details, d);
}

/* The retransmission details stored for header `index`. */
static const tcpdiag_retrans_info *details_of(guint32 index)
{
    guint lo = 0, hi = retrans_details ? retrans_details->len : 0;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const header_details *d = &g_array_index(retrans_details, header_details, mid);
        if (d->header == index)
            return d->info;
        if (d->header < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* First pass: extract, analyse and store; FALSE when the frame holds no TCP. */
static gboolean analyse_frame(tvbuff_t *frame, proto_tree *tree, packet_info *pinfo)
{
    tcpdiag_segment segs[MAX_LAYERS];
    guint n = tcpdiag_extract(frame, tree, pinfo, segs, MAX_LAYERS);
    if (n == 0)
        return FALSE;
    index_frame(pinfo->num, headers.count);
    for (guint i = 0; i < n; i++) {
        tcpdiag_verdict v;   /* the tracker clears both */
        tcpdiag_retrans_info info;
        tcpdiag_tracker_process(tracker, &segs[i], &v, &info);
        store_header(&v, &info, i + 1 < n);
    }
    return TRUE;
}

/* The stored headers of the frame, unpacked into packet memory. */
static const tcpdiag_frame_record *stored_record(packet_info *pinfo)
{
    guint32 frame = pinfo->num;
    if (!frame_index || frame >= frame_index->len || !g_array_index(frame_index, guint32, frame))
        return NULL;
    guint32 first = g_array_index(frame_index, guint32, frame) - 1;
    guint n = 1;
    while (header_at(first + n - 1)->slot.bits & MORE_IN_FRAME)
        n++;
    tcpdiag_frame_record *rec = wmem_alloc(pinfo->pool, sizeof *rec + n * sizeof(tcpdiag_layer_record));
    rec->count = (guint8)n;
    for (guint i = 0; i < n; i++) {
        const stored_header *h = header_at(first + i);
        tcpdiag_layer_record *layer = &rec->layer[i];
        if (h->shared != expanded_index) {
            tcpdiag_verdict_expand(tcpdiag_blocks_at(&shared_parts, h->shared), &expanded);
            expanded_index = h->shared;
        }
        layer->v = expanded;
        tcpdiag_verdict_apply_slot(&h->slot, &layer->v);
        layer->ends = ends_of(layer->v.conv_id);
        layer->retrans = h->slot.bits & TCPDIAG_SLOT_HAS_RETRANS_INFO ? details_of(first + i) : NULL;
    }
    return rec;
}

const tcpdiag_frame_record *tcpdiag_session_frame(tvbuff_t *frame, proto_tree *tree, packet_info *pinfo)
{
    if (!PINFO_FD_VISITED(pinfo) && !analyse_frame(frame, tree, pinfo))
        return NULL;
    return stored_record(pinfo);
}
