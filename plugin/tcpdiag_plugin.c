/* tcpdiag_plugin.c - the entry points Wireshark's plugin loader looks for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <wireshark.h>
#include <epan/proto.h>

#include "tcpdiag_compat.h"
#include "tcpdiag_version.h"

void proto_register_tcpdiag(void);
void proto_reg_handoff_tcpdiag(void);

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = TCPDIAG_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = TCPDIAG_WS_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = TCPDIAG_WS_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#ifdef TCPDIAG_HAS_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return TCPDIAG_PLUGIN_DESCRIPTION;
}
#endif

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_tcpdiag;
    plug.register_handoff = proto_reg_handoff_tcpdiag;
    proto_register_plugin(&plug);
}
