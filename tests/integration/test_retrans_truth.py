"""tcpdiag's retransmissions against the kernel that sent them.

SPDX-License-Identifier: GPL-2.0-or-later

Ground truth is what the lab recorded (captures/lab/<scenario>/truth.json):
the sender's own MIB counters over the capture window (TcpRetransSegs and
the TcpExt split: TCPFastRetrans, TCPLossProbes, TCPTimeouts, TCPSynRetrans)
and the impairment the router applied (`expected_retrans`: which side sent,
which cause was injected).

Judged at the capture point nearest the sender (client-side capture for the
client, server-side for the server), which saw every transmission the
sender made:
  * detection: tcpdiag counts at least 98% of the sender's TcpRetransSegs
    and never more (a count above the kernel's is a false positive);
  * loss-free scenarios (both kernels: TcpRetransSegs 0): no tcpdiag.retrans
    at either capture point;
  * kinds (what made the sender re-send; "spurious" is a second value after
    it, never the kind itself): probes == TCPLossProbes, SYN re-sends == TCPSynRetrans, fast
    within 10% below TCPFastRetrans and never above it; timer-driven
    re-sends (rto, syn, synack) cover every TCPTimeouts event except possibly
    the last (a sender that gives up on its final timeout sends nothing);
    none at all when TCPTimeouts is 0. Linux counts the re-sends it makes in
    slow start after a timeout in neither TCPFastRetrans nor TCPTimeouts;
    tcpdiag calls them rto (they belong to the timeout), which the bounds
    above allow.
  * causes: the injected cause is the first probable cause for at least 90%
    of that sender's retransmissions (or, for a re-send a later DSACK showed
    unneeded, the cause tcpdiag gave on that ACK: the capture cannot know
    earlier that the original had arrived).
"""
import collections
import math
import os
import unittest

import tdharness as h

SIDE_OF = {"client": "client-side", "server": "server-side"}
DIRECTION_OF = {"client": "client_to_server", "server": "server_to_client"}

# Where the evidence for the injected cause can be seen, when that is not
# the sender's capture point: the router fragments between the two capture
# points, so only the server-side capture shows the fragments.
EVIDENCE_SIDE = {"fragment-loss": "server-side"}


def retrans_rows(folder, side):
    """(direction, kind, final cause) per retransmission; the kind is the
    first tcpdiag.retrans.kind (a spurious re-send carries "spurious" after
    it). The final cause is
    the first probable cause, unless a later ACK's DSACK showed the re-send
    unneeded: then what tcpdiag concluded there (ack_late / ack_lost)."""
    path = os.path.join(folder, side + ".pcapng")
    rows = h.fields(path, ["frame.number", "tcpdiag.direction", "tcpdiag.retrans.kind",
                           "tcpdiag.retrans.cause", "tcpdiag.retrans.unneeded",
                           "tcpdiag.retrans.unneeded.cause"],
                    ["-Y", "tcpdiag.retrans or tcpdiag.retrans.unneeded"])
    later = {r[4]: r[5] for r in rows if len(r) > 5 and r[4]}
    out = []
    for r in rows:
        if not r[2]:
            continue
        first = r[3].split("|")[0] if len(r) > 3 else ""
        out.append((r[1], r[2].split("|")[0], later.get(r[0], first)))
    return out


class RetransAgainstKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = [(f, t) for f, t in h.truth_files("lab") if "nstat" in t]

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_detection_at_the_sender_side(self):
        checked = 0
        for folder, truth in self.lab:
            for host in ("client", "server"):
                kernel = truth["nstat"][host]["TcpRetransSegs"]
                ours = [r for r in retrans_rows(folder, SIDE_OF[host]) if r[0] == DIRECTION_OF[host]]
                with self.subTest(scenario=truth["scenario"], sender=host):
                    self.assertLessEqual(len(ours), kernel, "more retransmissions than the kernel sent")
                    self.assertGreaterEqual(len(ours), math.ceil(0.98 * kernel))
                checked += kernel > 0
        self.assertGreater(checked, 5, "too few scenarios with retransmissions")

    def test_loss_free_captures_have_none(self):
        for folder, truth in self.lab:
            if any(truth["nstat"][host]["TcpRetransSegs"] for host in ("client", "server")):
                continue
            for side in ("client-side", "server-side"):
                with self.subTest(scenario=truth["scenario"], capture=side):
                    self.assertEqual(retrans_rows(folder, side), [])

    def test_kinds_match_the_kernel_split(self):
        for folder, truth in self.lab:
            for host in ("client", "server"):
                k = truth["nstat"][host]
                if not k["TcpRetransSegs"]:
                    continue
                kinds = collections.Counter(r[1] for r in retrans_rows(folder, SIDE_OF[host])
                                            if r[0] == DIRECTION_OF[host])
                fast, probes, timeouts = k["TcpExtTCPFastRetrans"], k["TcpExtTCPLossProbes"], k["TcpExtTCPTimeouts"]
                timer_driven = kinds["rto"] + kinds["syn"] + kinds["synack"]
                with self.subTest(scenario=truth["scenario"], sender=host, kinds=dict(kinds)):
                    self.assertNotIn("spurious", kinds, "spurious is never the kind itself")
                    self.assertEqual(kinds["probe"], probes, "tail-loss probes")
                    self.assertEqual(kinds["syn"], k["TcpExtTCPSynRetrans"] if host == "client" else 0)
                    self.assertLessEqual(abs(kinds["fast"] - fast), max(1, fast // 10))
                    if timeouts:
                        self.assertGreaterEqual(timer_driven, timeouts - 1)
                    else:
                        self.assertEqual(timer_driven, 0)

    def test_injected_cause_ranks_first(self):
        checked = 0
        for folder, truth in self.lab:
            for exp in truth.get("expected_retrans", []):
                host = exp["sender"]
                side = EVIDENCE_SIDE.get(truth["scenario"], SIDE_OF[host])
                rows = [r for r in retrans_rows(folder, side) if r[0] == DIRECTION_OF[host]]
                if not rows:
                    continue
                firsts = collections.Counter(r[2] for r in rows)
                share = firsts[exp["injected"]] / len(rows)
                with self.subTest(scenario=truth["scenario"], sender=host, capture=side,
                                  injected=exp["injected"], firsts=dict(firsts)):
                    self.assertGreaterEqual(share, 0.9)
                checked += 1
        self.assertGreater(checked, 5, "too few scenarios name an injected cause")


if __name__ == "__main__":
    unittest.main()
