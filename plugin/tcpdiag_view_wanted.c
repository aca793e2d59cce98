/* tcpdiag_view_wanted.c - whether anyone will see what a view would add to this frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcpdiag_view_wanted.h"

#include <epan/column-utils.h>
#include <epan/tap.h>

static int expert_tap = -1;
static int hf_ws_expert = -1;   /* the "Expert Info" protocol every expert field belongs to */

void tcpdiag_wanted_init(void)
{
    expert_tap = find_tap_id("expert");
    hf_ws_expert = proto_registrar_get_id_byname("_ws.expert");
}

gboolean tcpdiag_fields_wanted(proto_tree *tree, tcpdiag_field_set *set)
{
    if (!tree)
        return FALSE;
    if (PTREE_DATA(tree)->visible)
        return TRUE;
    if (!set->info) {
        set->info = g_new(const header_field_info *, set->count);
        for (size_t i = 0; i < set->count; i++)
            set->info[i] = proto_registrar_get_nth((guint)*set->hf[i].p_id);
    }
    /* What proto_field_is_referenced() asks, without a call and a lookup per field:
     * this runs for every view of every TCP header. */
    for (size_t i = 0; i < set->count; i++)
        if (set->info[i]->ref_type != HF_REF_TYPE_NONE)
            return TRUE;
    return FALSE;
}

gboolean tcpdiag_experts_wanted(packet_info *pinfo, proto_tree *tree)
{
    if (tree && PTREE_DATA(tree)->visible)
        return TRUE;
    if (expert_tap >= 0 && have_tap_listener(expert_tap))
        return TRUE;
    if (pinfo->cinfo && col_get_writable(pinfo->cinfo, COL_EXPERT))
        return TRUE;
    /* Referencing any expert field marks its protocol, _ws.expert, as referenced. */
    return hf_ws_expert > 0 && proto_field_is_referenced(tree, hf_ws_expert);
}
