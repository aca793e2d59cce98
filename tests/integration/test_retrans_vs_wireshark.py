"""tcpdiag.retrans against Wireshark's own TCP analysis, frame by frame.

SPDX-License-Identifier: GPL-2.0-or-later

tcpdiag does its own sequence analysis; with Wireshark's analysis on, the
two are compared on every committed capture. Frames where exactly one of
them reports a retransmission must fall in one of these explained
categories (anything else fails, with the frame listed). Wireshark's analysis
changes between releases: these categories were checked against 4.0.17,
4.4.19 and 4.6.9 (scripts/test-wireshark-versions.sh), and this test passes
unchanged on each; a new release that disagrees elsewhere must be explained
here, with the release named.

  ws_out_of_order   Wireshark says "out-of-order" for a segment re-sending
                    data whose first transmission this capture saw (its
                    heuristic: < 3 ms after the previous segment). It is a
                    retransmission; the sender's TcpRetransSegs agrees with
                    tcpdiag (test_retrans_truth).
  duplicate         tcpdiag.not_retrans says the same datagram was seen
                    twice (same IP ID and bytes): nobody re-sent it.
  simultaneous_open the SYN-ACK of a simultaneous open repeats its own
                    SYN's sequence number by design (RFC 9293 3.5).
  fragments         the segment travelled as IP fragments: tcpdiag marks the
                    first fragment (where the TCP header is), Wireshark the
                    frame completing reassembly, or nothing when the
                    datagram never completed.
  ws_no_original    Wireshark marks nothing because it never saw the
                    original (lost before the capture point), and tcpdiag
                    finds the gap it left (retrans.original absent).
  reordered_original  Wireshark calls a retransmission the segment filling a
                    gap, tcpdiag.not_retrans says out_of_order: its IPv4 ID
                    or TCP timestamp is older than the segment that revealed
                    the gap, so the sender sent it first (a re-send is stamped
                    later). Checked by hand on lab-events/run-00092
                    server-side frame 170: IP ID 0x514c after frame 163's
                    0x514d, no drop in the run, and the kernel's one
                    retransmission of that data is frame 172 (IP ID 0x5151).
"""
import collections
import unittest

import tdharness as h

FIELDS = ["frame.number", "tcpdiag.retrans", "tcpdiag.retrans.original", "tcpdiag.not_retrans",
          "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
          "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
          "tcpdiag.handshake", "tcp.flags.syn", "tcp.flags.ack", "ip.flags.mf", "ip.frag_offset",
          "ip.fragment.count"]


def category(r):
    f = dict(zip(FIELDS, r))
    ours = f["tcpdiag.retrans"] != ""
    if h.flag_set(f["ip.flags.mf"]) or f["ip.fragment.count"] not in ("", "0"):
        return "fragments"
    if ours and f["tcp.analysis.out_of_order"] and f["tcpdiag.retrans.original"]:
        return "ws_out_of_order"
    if ours and not f["tcpdiag.retrans.original"]:
        return "ws_no_original"
    if not ours and f["tcpdiag.not_retrans"] in ("duplicate_capture", "network_duplicate"):
        return "duplicate"
    if not ours and f["tcpdiag.not_retrans"] == "out_of_order":
        return "reordered_original"
    if (not ours and f["tcpdiag.handshake"].split("|")[-1] == "simultaneous"
            and h.flag_set(f["tcp.flags.syn"]) and h.flag_set(f["tcp.flags.ack"])):
        return "simultaneous_open"
    return None


class AgreementWithWireshark(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_every_disagreement_is_explained(self):
        seen = collections.Counter()
        agree = 0
        for cap in h.all_captures():
            # The frames -Y "tcpdiag.retrans or tcp.analysis.retransmission or
            # tcp.analysis.fast_retransmission or tcp.analysis.spurious_retransmission"
            # selects: -T fields prints each of these (FT_NONE) as "1" when present.
            for r in h.fields(cap, FIELDS):
                f = dict(zip(FIELDS, r))
                if not any(f[k] for k in FIELDS[1:2] + FIELDS[4:7]):
                    continue
                ours = f["tcpdiag.retrans"] != ""
                theirs = any(f[k] for k in FIELDS[4:7])
                if ours == theirs:
                    agree += 1
                    continue
                why = category(r)
                with self.subTest(capture=cap, frame=f["frame.number"], tcpdiag=ours, wireshark=theirs):
                    self.assertIsNotNone(why, "unexplained disagreement: %r" % f)
                seen[why] += 1
        print("\nagreeing retransmission frames: %d; explained disagreements: %s" % (agree, dict(seen)))
        self.assertGreater(agree, 200)


if __name__ == "__main__":
    unittest.main()
