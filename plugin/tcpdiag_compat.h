/* tcpdiag_compat.h - every difference between the Wireshark releases tcpdiag
 * builds against (4.0, 4.4, 4.6), keyed on the version of the headers found.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The source is written against the newest API; this header gives older
 * releases what they lack. Checked against the headers of Debian 12 (4.0.17),
 * Debian 13 (4.4.19) and Debian sid (4.6.9). The changes that came with 4.2
 * are keyed on 4.2 as Wireshark's release notes and headers date them, but 4.2
 * itself is not built here (CMakeLists.txt refuses it).
 */
#ifndef TCPDIAG_COMPAT_H
#define TCPDIAG_COMPAT_H

#include <wireshark.h>   /* ws_version.h: WIRESHARK_VERSION_MAJOR / _MINOR */
#include <epan/packet.h>

#define TCPDIAG_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* field_info.value: an embedded fvalue_t up to 4.0, a pointer from 4.2. */
#if TCPDIAG_WS_AT_LEAST(4, 2)
#define TCPDIAG_FI_VALUE(fi) ((fi)->value)
#else
#define TCPDIAG_FI_VALUE(fi) (&(fi)->value)
#endif

/* 4.2 renamed tvb_get_guint8 to tvb_get_uint8 (4.4 deprecates the old name). */
#if !TCPDIAG_WS_AT_LEAST(4, 2)
#define tvb_get_uint8 tvb_get_guint8
#endif

/* A plugin can say what it registers (tshark -G plugins shows it) from 4.2 on:
 * tcpdiag is a dissector (postdissector) and registers tap listeners (-z
 * reports, the stats tree). */
#if TCPDIAG_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#define TCPDIAG_HAS_PLUGIN_DESCRIBE 1
#define TCPDIAG_PLUGIN_DESCRIPTION (WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER)
#endif

/* A -z report's init callback (stat_tap_init_cb) returns whether the report
 * could start from 4.6 on; before, it returns nothing. Define init callbacks as
 *     static tcpdiag_tap_init_result x_init(const char *opt_arg, void *userdata)
 * ending with `return TCPDIAG_TAP_INIT_OK;`. */
#if TCPDIAG_WS_AT_LEAST(4, 6)
typedef bool tcpdiag_tap_init_result;
#define TCPDIAG_TAP_INIT_OK true
#else
typedef void tcpdiag_tap_init_result;
#define TCPDIAG_TAP_INIT_OK
#endif

/* Up to 4.4 an item added directly below the tree's root is always real,
 * even in a hidden tree, so the tree walk (tcpdiag_extract_tree.c) finds the
 * protocol items there without asking for them. From 4.6 on Wireshark fakes
 * those too when nobody asks for them (proto_item_is_hidden() takes the
 * root, which has no field, for hidden): there the tree walk can read only
 * a tree that is shown. Asking for them would cost every frame more than
 * tcpdiag's analysis, for the few frames the layer walk cannot read. */
#if TCPDIAG_WS_AT_LEAST(4, 6)
#define TCPDIAG_HIDDEN_ROOT_ITEMS_FAKED 1
#endif

/* A data source of the frame by name ("Reassembled IPv4"): 4.6 returns the
 * source, earlier releases its bytes. */
#if TCPDIAG_WS_AT_LEAST(4, 6)
static inline tvbuff_t *tcpdiag_data_source_tvb(packet_info *pinfo, const char *name)
{
    struct data_source *src = get_data_source_by_name(pinfo, name);
    return src ? get_data_source_tvb(src) : NULL;
}
#else
#define tcpdiag_data_source_tvb(pinfo, name) get_data_source_tvb_by_name((pinfo), (name))
#endif

/* Not needed: 4.6 gave value-to-string helpers (val_to_str and friends) a
 * memory-pool argument, but tcpdiag names its values from its own tables
 * (core/) and calls none of them. */

#endif /* TCPDIAG_COMPAT_H */
