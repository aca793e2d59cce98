"""A client that gives up after unanswered SYNs, in the netstat reports.

SPDX-License-Identifier: GPL-2.0-or-later

The capture is written at test time (tests/adversarial/pktlib.py). Hand reasoning, frame by
frame (times in seconds from the first frame):

  client 10.9.0.1:40000 -> server 10.9.0.2:80, never answered:
    frames 1-3   SYN at 0, 1, 3 s        waits 1 s then 2 s: exponential backoff
  a second client 10.9.0.3:41000 -> 10.9.0.2:80, a complete connection that keeps talking:
    frames 4-6   handshake at 3.5 s
    frames 7-    one data segment and its ACK each second from 4 s to 20 s

The next SYN of the first client was due 4 s after its last (twice the last wait), at 7 s;
with half as long again for timer slack, by 9 s at the latest. The capture goes on to 20 s
with no SYN from it: the client gave up, its socket closed as a failed connection attempt
(Linux: TcpAttemptFails += 1 when a SYN_SENT socket times out). So at the end:
  - `-z tcpdiag,conns` no longer lists 10.9.0.1:40000 (netstat -an shows no closed socket);
  - `-z tcpdiag,netstat` gives 10.9.0.1 one Active Open and one Failed Connection Attempt;
  - at frame 8 (4 s, before anything was due), the client is still SYN_SENT and no attempt
    has failed.
The control: the same capture cut at 8 s (frames up to 7.5 s) keeps the client SYN_SENT:
at 7.5 s its retry, due by 9 s, may still come.
"""
import json
import os
import sys
import unittest

import tdharness as h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "adversarial"))
import pktlib as p  # noqa: E402

CLIENT, OTHER, SERVER = "10.9.0.1", "10.9.0.3", "10.9.0.2"


def write_capture(path, end_s):
    w = p.PcapWriter(path)

    def send(t, src, dst, sport, dport, seq, ack, flags, payload=b"", options=b""):
        if t > end_s:
            return
        seg = p.tcp(src, dst, sport, dport, seq, ack, flags, payload, options)
        w.write(int(t * 1e6), p.ether(p.ipv4(src, dst, p.PROTO_TCP, seg), 0x0800, to_server=src != SERVER))

    for t in (0, 1, 3):
        send(t, CLIENT, SERVER, 40000, 80, 1000, 0, p.SYN, options=p.SYN_OPTIONS)
    send(3.5, OTHER, SERVER, 41000, 80, 5000, 0, p.SYN, options=p.SYN_OPTIONS)
    send(3.5005, SERVER, OTHER, 80, 41000, 9000, 5001, p.SYN | p.ACK, options=p.SYN_OPTIONS)
    send(3.501, OTHER, SERVER, 41000, 80, 5001, 9001, p.ACK)
    seq = 5001
    for i in range(17):
        t = 4.0 + i
        send(t, OTHER, SERVER, 41000, 80, seq, 9001, p.ACK | p.PSH, b"x" * 100)
        seq += 100
        send(t + 0.0005, SERVER, OTHER, 80, 41000, 9001, seq, p.ACK)
    w.close()


def netstat_client(capture, extra=""):
    out = h.tshark(["-q", "-z", "tcpdiag,netstat,host=%s,json%s" % (CLIENT, extra)], capture)
    doc = json.loads(out[out.index("{"):out.rindex("}") + 1])
    hosts = doc["hosts"] if isinstance(doc, dict) and "hosts" in doc else doc
    return hosts[0] if isinstance(hosts, list) else hosts


class SynGiveUp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = h.work_dir("give-up")
        cls.full = os.path.join(d, "give-up.pcap")
        cls.cut = os.path.join(d, "give-up-cut.pcap")
        write_capture(cls.full, 20)
        write_capture(cls.cut, 7.5)
        for f in (cls.full, cls.cut):
            os.chmod(f, 0o644)

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_conns_drops_the_client_that_gave_up(self):
        out = h.tshark(["-q", "-z", "tcpdiag,conns,csv"], self.full)
        self.assertNotIn("%s:40000" % CLIENT, out)
        self.assertIn("%s:41000" % OTHER, out)

    def test_netstat_counts_the_failed_attempt(self):
        host = netstat_client(self.full)
        self.assertEqual(host["active_opens"], 1, host)
        self.assertEqual(host["attempt_fails"], 1, host)

    def test_before_the_retry_was_due_it_still_waits(self):
        out = h.tshark(["-q", "-z", "tcpdiag,conns,csv,frame=8"], self.full)
        self.assertIn("%s:40000" % CLIENT, out)
        self.assertIn("SYN_SENT", out)
        self.assertEqual(netstat_client(self.full, ",frame=8")["attempt_fails"], 0)
        cut = h.tshark(["-q", "-z", "tcpdiag,conns,csv"], self.cut)
        self.assertIn("SYN_SENT", cut)


if __name__ == "__main__":
    unittest.main()
