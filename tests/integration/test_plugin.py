"""The plugin loads, registers the contract fields, and shows its subtree.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import json
import os
import unittest

import tdharness as h

# The names users filter on (README.md, Fields): renaming one breaks their filters.
CONTRACT_FIELDS = {
    "tcpdiag.stream": "FT_UINT32",
    "tcpdiag.handshake": "FT_STRING",
    "tcpdiag.handshake.rtt": "FT_RELATIVE_TIME",
    "tcpdiag.handshake.rtt.server": "FT_RELATIVE_TIME",
    "tcpdiag.handshake.rtt.client": "FT_RELATIVE_TIME",
    "tcpdiag.state.client": "FT_STRING",
    "tcpdiag.state.server": "FT_STRING",
}

REFUSED = os.path.join(h.CAPTURES_DIR, "lab", "refused", "client-side.pcapng")


class PluginLoads(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_contract_fields_registered(self):
        out = h.tshark(["-G", "fields"])
        registered = {}
        for line in out.splitlines():
            cols = line.split("\t")
            if len(cols) > 3 and cols[0] == "F" and cols[2].startswith("tcpdiag."):
                registered[cols[2]] = cols[3]
        for name, ftype in CONTRACT_FIELDS.items():
            self.assertEqual(registered.get(name), ftype, name)

    def test_protocol_registered(self):
        out = h.tshark(["-G", "protocols"])
        self.assertIn("TCP Diagnostics\ttcpdiag\ttcpdiag", out)

    def test_expert_entries_registered(self):
        # Expert entries are listed with the fields (type FT_NONE) in 4.0, 4.4 and 4.6.
        out = h.tshark(["-G", "fields"])
        names = {l.split("\t")[2] for l in out.splitlines() if l.count("\t") > 2}
        for n in ("tcpdiag.state_change", "tcpdiag.rejected_rst", "tcpdiag.rejected_icmp",
                  "tcpdiag.syn_unanswered", "tcpdiag.data_before_handshake",
                  "tcpdiag.close_wait_lingers", "tcpdiag.after_rst", "tcpdiag.data_after_fin"):
            self.assertIn(n, names)


class SubtreeOnEverySegment(unittest.TestCase):
    """Every TCP segment of every committed capture has a tcpdiag subtree."""

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_every_tcp_frame_has_subtree(self):
        captures = h.all_captures()
        self.assertGreater(len(captures), 10, "captures/ should hold the curated set")
        for cap in captures:
            with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR)):
                rows = h.fields(cap, ["frame.number", "tcp.srcport", "tcpdiag.state.client",
                                      "tcpdiag.handshake"])
                for row in rows:
                    if row[1]:
                        self.assertTrue(row[2] and row[3], "frame %s has no tcpdiag verdict" % row[0])

    def test_json_and_verbose_show_the_subtree(self):
        self.assertTrue(os.path.exists(REFUSED), REFUSED)
        doc = json.loads(h.tshark(["-Y", "tcp", "-T", "json", "-e", "tcpdiag.handshake", "-e",
                                   "tcpdiag.state.client", "-e", "tcpdiag.state.server"], REFUSED))
        layers = [pkt["_source"]["layers"] for pkt in doc]
        self.assertEqual(layers[0]["tcpdiag.handshake"], ["syn_only"])
        self.assertEqual(layers[-1]["tcpdiag.handshake"], ["rejected"])
        self.assertEqual(layers[-1]["tcpdiag.state.client"], ["CLOSED"])
        verbose = h.tshark(["-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-V"], REFUSED)
        self.assertIn("TCP Diagnostics: handshake syn_only, client SYN_SENT, server LISTEN", verbose)
        self.assertIn("Client state: SYN_SENT (This side asked the peer for a connection", verbose)

    def test_summary_report(self):
        out = h.tshark(["-q", "-z", "tcpdiag,summary"], REFUSED)
        self.assertIn("TCP Diagnostics - conversation summary", out)
        self.assertIn("rejected: 1", out)


if __name__ == "__main__":
    unittest.main()
