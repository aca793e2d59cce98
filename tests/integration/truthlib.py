"""Read tcpdiag's per-conversation verdicts and the lab's kernel truth side by side.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import collections

import tdharness as h

# ss spells states its own way; netstat (and tcpdiag) use these names.
SS_TO_NETSTAT = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECEIVED",
    "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "TIME-WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING",
    "LISTEN": "LISTEN", "CLOSED": "CLOSED", "UNCONN": "CLOSED",
}

CONV_FIELDS = ["frame.number", "tcpdiag.stream", "tcpdiag.client", "tcpdiag.server",
               "tcpdiag.handshake", "tcpdiag.state.client", "tcpdiag.state.server"]


def conversations(capture):
    """{(client, server): [final row of each conversation on that pair, in order]}.

    A row is a dict of CONV_FIELDS (without the tcpdiag. prefix). Headers quoted in
    ICMP errors report their conversation's state too, so they take part.
    """
    by_key = collections.OrderedDict()
    for row in h.fields(capture, CONV_FIELDS):
        layers = [col.split("|") for col in row[1:]]
        for i in range(len(layers[1])):
            vals = {name.replace("tcpdiag.", ""): (col[i] if i < len(col) else "")
                    for name, col in zip(CONV_FIELDS[1:], layers)}
            if not vals["client"]:
                continue
            vals["frame"] = row[0]
            key = (vals["client"], vals["server"])
            streams = by_key.setdefault(key, collections.OrderedDict())
            streams[vals["stream"]] = vals
    return {k: list(v.values()) for k, v in by_key.items()}


def ss_state(entries, local, peer):
    for e in entries:
        if e["local"] == local and e["peer"] == peer:
            return SS_TO_NETSTAT.get(e["state"], e["state"])
    return None


def has_listener(entries, endpoint):
    port = endpoint.rsplit(":", 1)[1]
    return any(e["state"] == "LISTEN" and e["local"].rsplit(":", 1)[1] == port for e in entries)
