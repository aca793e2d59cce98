/* tcpdiag_view_wanted.c - whether anyone will see what a view would add to this frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_view_wanted.h"

#include <epan/column-utils.h>
#include <epan/tap.h>

static int expert_tap = -1;
static int hf_ws_expert = -1;   /* the "Expert Info" protocol every expert field belongs to */
static const header_field_info *tcpdiag_info;
/* The views' expert fields: their registration arrays, then (on first use)
 * the header_field_info Wireshark gave each of them. */
#define MAX_EXPERT_ARRAYS 8
static const ei_register_info *expert_arrays[MAX_EXPERT_ARRAYS];
static size_t expert_array_sizes[MAX_EXPERT_ARRAYS];
static guint expert_array_count;
static tcpdiag_field_set expert_fields;
/* Counts frames, so that each set is asked once per frame; starts at 1 (0: never asked). */
static guint frame_counter = 1;

void tcpdiag_wanted_new_frame(void)
{
    if (++frame_counter == 0)
        frame_counter = 1;
}

void tcpdiag_wanted_init(int proto_tcpdiag)
{
    expert_tap = find_tap_id("expert");
    hf_ws_expert = proto_registrar_get_id_byname("_ws.expert");
    tcpdiag_info = proto_registrar_get_nth((guint)proto_tcpdiag);
}

void tcpdiag_wanted_add_experts(const ei_register_info *ei, size_t count)
{
    g_assert(expert_array_count < MAX_EXPERT_ARRAYS);
    expert_arrays[expert_array_count] = ei;
    expert_array_sizes[expert_array_count++] = count;
}

/* Registration gave every expert field a field id (expert_field.hf); from
 * then on they are asked like any other field set. */
static void collect_expert_fields(void)
{
    size_t total = 0;
    for (guint a = 0; a < expert_array_count; a++)
        total += expert_array_sizes[a];
    expert_fields.info = g_new(const header_field_info *, total);
    for (guint a = 0; a < expert_array_count; a++)
        for (size_t i = 0; i < expert_array_sizes[a]; i++)
            expert_fields.info[expert_fields.count++] = proto_registrar_get_nth((guint)expert_arrays[a][i].ids->hf);
}

/* Every field and expert field of tcpdiag has the protocol as its parent, and
 * priming a field for this frame (filter, column, -e, tap) marks the parent
 * as referenced through it: unmarked, no field needs asking about. */
static gboolean no_field_primed(void)
{
    return tcpdiag_info && tcpdiag_info->ref_type == HF_REF_TYPE_NONE;
}

/* Whether one of the fields is referenced. Most sets are read whole (none of
 * their fields is), so fields are taken four at a time and their reference
 * types ORed (NONE is 0): half the instructions of a test per field. */
#define FIELDS_AT_ONCE 4
G_STATIC_ASSERT(HF_REF_TYPE_NONE == 0);
static gboolean any_referenced(const header_field_info *const *info, size_t count)
{
    size_t i = 0;
    for (; i + FIELDS_AT_ONCE <= count; i += FIELDS_AT_ONCE)
        if (info[i]->ref_type | info[i + 1]->ref_type | info[i + 2]->ref_type | info[i + 3]->ref_type)
            return TRUE;
    for (; i < count; i++)
        if (info[i]->ref_type != HF_REF_TYPE_NONE)
            return TRUE;
    return FALSE;
}

static gboolean referenced_in(tcpdiag_field_set *set)
{
    set->asked_in = frame_counter;
    set->answer = any_referenced(set->info, set->count);
    return set->answer;
}

gboolean tcpdiag_fields_wanted(proto_tree *tree, tcpdiag_field_set *set)
{
    if (!tree)
        return FALSE;
    if (PTREE_DATA(tree)->visible)
        return TRUE;
    if (set->asked_in == frame_counter)
        return set->answer;
    if (no_field_primed())
        return FALSE;
    if (!set->info) {
        set->info = g_new(const header_field_info *, set->count);
        for (size_t i = 0; i < set->count; i++)
            set->info[i] = proto_registrar_get_nth((guint)*set->hf[i].p_id);
    }
    /* What proto_field_is_referenced() asks, without a call and a lookup per field. */
    return referenced_in(set);
}

static gboolean experts_wanted(packet_info *pinfo, proto_tree *tree)
{
    if (tree && PTREE_DATA(tree)->visible)
        return TRUE;
    if (expert_tap >= 0 && have_tap_listener(expert_tap))
        return TRUE;
    if (pinfo->cinfo && col_get_writable(pinfo->cinfo, COL_EXPERT))
        return TRUE;
    /* _ws.expert and its own fields (_ws.expert.message, ...) */
    if (hf_ws_expert > 0 && proto_field_is_referenced(tree, hf_ws_expert))
        return TRUE;
    /* A filter on one of tcpdiag's expert fields (tcpdiag.one_direction_only):
     * up to 4.0 that also marks _ws.expert, from 4.4 on only the field itself. */
    if (!tree || no_field_primed())
        return FALSE;
    if (!expert_fields.info)
        collect_expert_fields();
    return referenced_in(&expert_fields);
}

gboolean tcpdiag_experts_wanted(packet_info *pinfo, proto_tree *tree)
{
    static guint asked_in;
    static gboolean answer;
    if (asked_in != frame_counter) {
        answer = experts_wanted(pinfo, tree);
        asked_in = frame_counter;
    }
    return answer;
}

gboolean tcpdiag_protocol_wanted(proto_tree *tree)
{
    /* A filter "tcpdiag" names the protocol itself (DIRECT; -e tcpdiag from 4.4 on: PRINT);
     * INDIRECT only says that one of its fields is asked for. */
    return tree && (PTREE_DATA(tree)->visible ||
                    (tcpdiag_info && tcpdiag_info->ref_type != HF_REF_TYPE_NONE &&
                     tcpdiag_info->ref_type != HF_REF_TYPE_INDIRECT));
}
