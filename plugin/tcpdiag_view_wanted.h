/* tcpdiag_view_wanted.h - whether anyone will see what a view would add to this frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Most runs never look at most of tcpdiag's items: a `-q -z` report needs
 * only the tap, `-Y tcpdiag.retrans` one field. Wireshark already drops an
 * item nobody asked for, but the sentences and lookups that go into it cost
 * more than the analysis; so views build their items only when the tree is
 * shown or one of their fields is asked for (filter, column, -e, -V, JSON),
 * and Expert Info only when something collects it. Each view asks about its
 * own fields, and only for a header where it has something to show.
 */
#ifndef TCPDIAG_VIEW_WANTED_H
#define TCPDIAG_VIEW_WANTED_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>

/* A view's fields: its registration array, and their header_field_info once
 * registration is over (looked up on first use). */
typedef struct tcpdiag_field_set {
    const hf_register_info   *hf;
    size_t                    count;
    const header_field_info **info;
    guint                     asked_in;   /* the frame (tcpdiag_wanted_new_frame) the answer is for */
    gboolean                  answer;
} tcpdiag_field_set;

/* Looks up what decides whether Expert Info is collected (at handoff). */
void tcpdiag_wanted_init(int proto_tcpdiag);

/* A view's expert fields, for tcpdiag_experts_wanted (at registration; Wireshark
 * must keep the array, as it does for expert_register_field_array). */
void tcpdiag_wanted_add_experts(const ei_register_info *ei, size_t count);

/* A new frame's dissection starts: answers below are asked again. */
void tcpdiag_wanted_new_frame(void);

/* The tree is shown, or a filter, column, print or tap asks for one of these fields. */
gboolean tcpdiag_fields_wanted(proto_tree *tree, tcpdiag_field_set *set);

/* The tree is shown, or the protocol itself is asked for: the "TCP Diagnostics"
 * item is wanted even where no view adds anything to it. */
gboolean tcpdiag_protocol_wanted(proto_tree *tree);

/* Expert Info of this frame goes somewhere: the tree is shown, `-z expert` or the
 * Expert Information dialog listens, the packet list has an Expert column, or
 * a filter or column asks for an expert field. Asked once per frame. */
gboolean tcpdiag_experts_wanted(packet_info *pinfo, proto_tree *tree);

#endif
