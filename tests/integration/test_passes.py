"""One pass equals two passes; the hidden-tree path (-Y) equals the visible one.

SPDX-License-Identifier: GPL-2.0-or-later

Wireshark does not prime fields on a second pass (tshark -2, GUI clicks):
a plugin that reads fields on every pass prints empty values there. And
-Y without -V/-T builds a hidden tree where unasked-for items are faked.
Display filters here are counted with tdharness.filter_counts: the filter of
a tap listener, applied to the same hidden tree as -Y, every filter of a
capture in one run. The value filters name tcpdiag's fields, never the
protocol, so its own item stays faked as under -Y; the presence filter, which
names the protocol, runs apart.
"""
import collections
import os
import unittest

import tdharness as h


class OnePassEqualsTwo(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_every_capture(self):
        names = ["frame.number"] + h.tcpdiag_fields()
        captures = h.all_captures()
        self.assertTrue(captures)
        for cap in captures:
            with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR)):
                one = h.fields(cap, names)
                two = h.fields(cap, names, extra=["-2"])
                # Empty second-pass values would also differ from the first pass;
                # HiddenTreeFilters.test_presence_filter proves the first is not empty.
                self.assertEqual(one, two)

    def test_independent_of_tcp_preferences(self):
        # tcpdiag reads header bytes itself: Wireshark's own sequence analysis,
        # relative numbering and TCP checksum checks must not change a verdict.
        names = ["frame.number"] + h.tcpdiag_fields()
        prefs = ["-o", "tcp.analyze_sequence_numbers:FALSE", "-o", "tcp.relative_sequence_numbers:FALSE",
                 "-o", "tcp.check_checksum:TRUE"]
        for cap in h.all_captures():
            with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR)):
                self.assertEqual(h.fields(cap, names), h.fields(cap, names, extra=prefs))

    def test_two_pass_summary_report(self):
        for cap in h.all_captures()[:10]:
            with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR)):
                self.assertEqual(h.tshark(["-q", "-z", "tcpdiag,summary"], cap),
                                 h.tshark(["-2", "-q", "-z", "tcpdiag,summary"], cap))


class HiddenTreeFilters(unittest.TestCase):
    """-Y 'tcpdiag.x == v' counts equal the rows -T fields shows with that value."""

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_filter_counts(self):
        fields = ["tcpdiag.handshake", "tcpdiag.state.client", "tcpdiag.state.server",
                  "tcpdiag.retrans.kind"]
        for cap in h.all_captures():
            rows = h.fields(cap, fields)
            counts = collections.Counter()
            for i, name in enumerate(fields):
                for row in rows:
                    for value in set(row[i].split("|")) if row[i] else ():
                        counts[(name, value)] += 1
            filters = {fv: '%s == "%s"' % fv for fv in counts}
            matched = h.filter_counts(cap, filters.values()) if filters else {}
            for (name, value), expected in counts.items():
                with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR), field=name, value=value):
                    self.assertEqual(matched[filters[(name, value)]], expected)

    def test_presence_filter(self):
        # tcpdiag annotates every TCP header, and also the first fragment of
        # an IP-fragmented segment, which Wireshark shows only as a fragment
        # (the retransmission analysis counts it as the transmission).
        tcp_or_first_fragment = "tcp or (ip.flags.mf == 1 and ip.frag_offset == 0 and ip.proto == 6)"
        for cap in h.all_captures():
            with self.subTest(capture=os.path.relpath(cap, h.SOURCE_DIR)):
                matched = h.filter_counts(cap, [tcp_or_first_fragment, "tcpdiag"])
                self.assertEqual(matched[tcp_or_first_fragment], matched["tcpdiag"])


if __name__ == "__main__":
    unittest.main()
