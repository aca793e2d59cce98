"""tcpdiag's final endpoint states equal what the kernel's `ss` showed.

SPDX-License-Identifier: GPL-2.0-or-later

Each lab scenario (captures/lab/<scenario>/truth.json) was run in network
namespaces; at its end the lab recorded `ss -tanoi` in the client and server
namespaces. For every connection the programs made, tcpdiag's state of each
endpoint after the last packet, at both vantage points (router interface
facing the client, and facing the server), must equal the kernel's. A
socket missing from ss is CLOSED.

Differences inherent to a tap, and therefore accepted here (each counted
and named in the failure message if it is not one of these):
  * SYN never answered (filtered, dropped): the tap presumes a listener, so
    tcpdiag says LISTEN for the server although no socket of that
    connection exists; ss shows the listener itself or nothing.
  * A client that gives up after unanswered SYN retries closes silently:
    nothing on the wire marks it, so tcpdiag still says SYN_SENT where the
    kernel has already dropped the socket.
  * A router impairment that drops or rejects the packets before the
    server-side tap: the server-side capture does not hold the connection.
"""
import os
import unittest

import tdharness as h
import truthlib


def expected_states(truth, conv, ours):
    ss = truth["ss_end"]
    client = truthlib.ss_state(ss.get("client", []), conv["client"], conv["server"]) or "CLOSED"
    server = truthlib.ss_state(ss.get("server", []), conv["server"], conv["client"]) or "CLOSED"
    notes = []
    if (server == "CLOSED" and ours["state.server"] == "LISTEN" and ours["handshake"] == "syn_only"):
        server = "LISTEN"
        notes.append("unanswered SYN: the tap presumes a listener")
    if (client == "CLOSED" and ours["state.client"] == "SYN_SENT" and ours["handshake"] == "syn_only"):
        client = "SYN_SENT"
        notes.append("client gave up silently after its last SYN")
    return client, server, notes


def impairment_blocks_server_side(truth):
    return any(any(w in (imp.get("nft", "") + imp.get("what", "")) for w in ("drop", "reject"))
               for imp in truth.get("impairments", []))


class LabStatesMatchKernel(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_scenarios(self):
        scenarios = h.truth_files("lab")
        self.assertGreaterEqual(len(scenarios), 12, "the curated lab set is missing")
        checked = 0
        for folder, truth in scenarios:
            for tap, cap_info in sorted(truth["captures"].items()):
                cap = os.path.join(folder, cap_info["file"])
                convs = truthlib.conversations(cap)
                seen_per_key = {}
                for conv in truth["conversations"]:
                    key = (conv["client"], conv["server"])
                    idx = seen_per_key.get(key, 0)
                    seen_per_key[key] = idx + 1
                    with self.subTest(scenario=truth["scenario"], tap=tap, conv=key, n=idx):
                        found = convs.get(key, [])
                        if len(found) <= idx:
                            self.assertTrue(tap == "server-side" and impairment_blocks_server_side(truth),
                                            "connection %s not found in %s (have %s)"
                                            % (key, cap, sorted(convs)))
                            continue
                        ours = found[idx]
                        if conv.get("expected_handshake"):
                            self.assertEqual(ours["handshake"], conv["expected_handshake"])
                        # The kernel's final state is that of the latest connection on the pair.
                        if idx == len(found) - 1:
                            client, server, _ = expected_states(truth, conv, ours)
                            self.assertEqual((ours["state.client"], ours["state.server"]), (client, server),
                                             "frame %s" % ours["frame"])
                            checked += 1
        self.assertGreater(checked, 20)


if __name__ == "__main__":
    unittest.main()
