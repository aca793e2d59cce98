"""tcpdiag's verdicts on the committed randomized lab runs, event by event, against kernel truth.

SPDX-License-Identifier: GPL-2.0-or-later

captures/lab-events/run-NNNNN/ are runs of captures/lab/tdl_random.py (README-random.md):
two taps plus what the kernel did (trace events with sequence numbers and congestion state,
kernel drop reasons), what each nft rule dropped (nflog) and what the reorderer held.
captures/lab/tdl_score.py ties every kernel retransmission to the frame it produced at each
tap and reads tcpdiag's verdict on that frame; truth is never tcpdiag's output.

The floors below are what tcpdiag achieves on this subset today (measured with
`captures/lab/tdl_score.py captures/lab-events`); a change that lowers one fails, a change that
raises one should raise the floor. docs/accuracy.md has the figures on all recorded runs.
"""
import collections
import os
import sys
import unittest

import tdharness as h

sys.path.insert(0, os.path.join(h.SOURCE_DIR, "captures", "lab"))
import tdl_score  # noqa: E402

SUBSET = os.path.join(h.CAPTURES_DIR, "lab-events")

# Floors measured on the subset on 2026-12-02, re-measured after the reordering, send-order,
# kind and evidence changes (before: 139 of 170 captured retransmissions detected, 1 false,
# kind 128/139; now 145 of 170, 0 false, kind 143/145, states 4070/4118); counts, not
# rates, for the causes (few events per class). Causes re-measured after the queue rules
# (one-way delay behind the bottleneck, round-trip floor a quarter above its best):
# congestion 1 -> 24 of 52, segment_lost 29 -> 32 of 49. Then a gap in evenly paced data
# read as the bottleneck's tail drop (paced_gap_before_tap), tested on new recordings of the
# tuning half first (577 tail drops more named congestion, 82 random drops on paths with a
# bottleneck fewer segment_lost): here congestion 28 -> 30, segment_lost 32 -> 30 (run-00078,
# 1.7% random loss upstream of a 2.6 Mbit/s tbf: its random drops leave gaps in paced data too).
MIN_DETECTED_PCT = 85.2       # kernel retransmissions captured at a tap -> tcpdiag.retrans
MAX_FALSE = 0                 # tcpdiag retransmissions with no kernel retransmission
MIN_KIND_PCT = 98.6           # kind = the kernel's congestion state
MIN_CAUSE_RIGHT = {           # truth cause -> events whose first tcpdiag cause is that
    "segment_lost": 30,       # of 49
    "ack_lost": 17,           # of 26
    "path_mtu_exceeded": 2,   # of 2
    "pmtu_blackhole": 8,      # of 8
    "congestion": 30,         # of 52: the rest of the tbf tail drops are called segment_lost
    "reordering": 1,          # of 2
    "ack_late": 0,            # of 6
}
# (run, tap) pairs with a path-MTU finding although the run never lowered the path MTU:
# run-00076 server-side, random loss of full-size IPv6 segments and their RTO re-sends read
# as a black hole (pmtu_blackhole); run-00110 client-side, a burst of three full-size IPv6
# drops in a four-segment upload: nothing full-size ever arrived, so at the first re-send it
# is the black hole's pattern (requiring a second failed re-send loses the lab's real black
# holes: pmtu-blackhole scenario 5 of 9 instead of 9 of 9)
MAX_FALSE_PATH_MTU_FINDINGS = 2
MIN_STATE_PCT = 98.7          # per-frame endpoint states as the wire can show them
EXPECTED_RUNS = 14


class LabEvents(unittest.TestCase):
    scores = None

    def setUp(self):
        h.require_plugin_loaded(self)
        if LabEvents.scores is None:
            runs = list(tdl_score.run_dirs([SUBSET]))
            LabEvents.runs = runs
            LabEvents.scores = [tdl_score.score_run(d) for d in runs]
            LabEvents.M = tdl_score.matrices(LabEvents.scores)

    def merged(self, measure):
        out = collections.defaultdict(collections.Counter)
        for half in self.M.values():
            for truth, row in half.get(measure, {}).items():
                out[truth].update(row)
        return out

    def test_subset_present(self):
        # only tuning-half runs are committed: the reporting half (odd seeds) stays out of the
        # repository so that nobody tunes on it (captures/lab-events/README.md)
        self.assertEqual(len(self.runs), EXPECTED_RUNS)
        self.assertEqual({s["half"] for s in self.scores}, {"tuning"})

    def test_trace_saw_every_counted_retransmission(self):
        # kernel truth is self-consistent: the trace holds at least the retransmissions the
        # MIB counted over the counter window (it runs a little longer)
        for d, s in zip(self.runs, self.scores):
            run = tdl_score.Run(d)
            with self.subTest(run=s["run"]):
                counted = sum(run.truth["nstat"][host]["TcpRetransSegs"]
                              for host in ("client", "server"))
                self.assertGreaterEqual(sum(k["segs"] for k in run.kernel_retransmissions()),
                                        counted)

    def test_every_retransmission_left_a_frame_at_its_senders_tap(self):
        # the match between kernel events and captured frames (truth, not tcpdiag): every
        # retransmission not dropped on the sender host is found at the sender's tap
        for s in self.scores:
            for e in s["retrans"]:
                if e["tap"] != ("client-side" if e["sender"] == "client" else "server-side"):
                    continue
                if e["err"] < 0 or e["dropped_on_sender"]:
                    continue
                with self.subTest(run=s["run"], t=e["t"], seq=e["seq"]):
                    self.assertTrue(e["seen"])

    def test_detection(self):
        ret = self.merged("retrans")
        seen = sum(sum(v.values()) for k, v in ret.items() if k != "no_kernel_retrans")
        detected = sum(v["retrans"] for k, v in ret.items() if k != "no_kernel_retrans")
        self.assertGreater(seen, 0)
        self.assertGreaterEqual(100.0 * detected / seen, MIN_DETECTED_PCT, dict(ret))

    def test_false_retransmissions(self):
        false = self.merged("retrans").get("no_kernel_retrans", {}).get("retrans", 0)
        self.assertLessEqual(false, MAX_FALSE)

    def test_kind(self):
        kind = self.merged("kind")
        n = sum(sum(v.values()) for v in kind.values())
        ok = sum(v[k] for k, v in kind.items())
        self.assertGreater(n, 0)
        self.assertGreaterEqual(100.0 * ok / n, MIN_KIND_PCT, dict(kind))

    def test_first_cause(self):
        cause = self.merged("cause")
        for truth, floor in MIN_CAUSE_RIGHT.items():
            with self.subTest(cause=truth):
                self.assertGreaterEqual(cause[truth][truth], floor, dict(cause[truth]))

    def test_no_path_mtu_findings_where_the_path_mtu_never_changed(self):
        false = [(s["run"], tap) for s in self.scores if not s["path_mtu_changed"]
                 for tap, reasons in s["mss_reasons"].items()
                 if tdl_score.PATH_MTU_REASONS & set(reasons)]
        self.assertLessEqual(len(false), MAX_FALSE_PATH_MTU_FINDINGS, false)

    def test_states(self):
        st = self.merged("state")
        n = sum(sum(v.values()) for v in st.values())
        ok = sum(v["ok"] for v in st.values())
        self.assertGreater(n, 0)
        self.assertGreaterEqual(100.0 * ok / n, MIN_STATE_PCT)


if __name__ == "__main__":
    unittest.main()
