"""tdl_base_expect.py - expected_retrans / expected_mss of lab scenarios 1-20.

SPDX-License-Identifier: GPL-2.0-or-later

Scenarios 1-20 were recorded before truth.json had these keys; they were added to their
truth.json files afterwards (JSON edit, no re-recording) from this table, and tcpdiag-lab
applies the same table when one of them is recorded again. Every entry is reasoned from
what the scenario injected and checked against its recorded kernel counters
(TcpRetransSegs, TCPLossProbes, DSACK ...) and captures; the notes say how.
"""

C2S_LOST = "between client-side and server-side capture (router nft forward drop)"
V4, V6 = 1460, 1440
CS, SS = "client-side", "server-side"

# scenario -> (expected_retrans entries as (sender, injected, where, note),
#              client MSS per capture, server MSS per capture, extra expected_mss keys)
# MSS values: the option in that side's SYN / SYN-ACK at each capture point; None where the
# capture holds no such SYN (midstream start, SYN dropped or answered by RST / ICMP).
BASE = {
    "close-by-client": ([], V4, V4, {}),
    "close-by-server": ([], V4, V4, {}),
    "close-data-in-flight": ([], V4, V4, {
        "note": "TCPLossProbes=1 but TcpRetransSegs=0: the probe sent new data, no re-send"}),
    "simultaneous-close": ([
        ("client", "congestion",
         "1 Mbit/s tbf queue on rtr-s (no drop): the FIN waited behind 12 KB of data",
         "the client's FIN was delayed, not lost: its tail loss probe re-sent it 4 ms later "
         "(spurious: the server reports a DSACK, server TCPDSACKOldSent=1)"),
        ("server", "congestion",
         "1 Mbit/s tbf queue on rtr-c (no drop): the FIN waited behind 12 KB of data",
         "the server's FIN was delayed, not lost: its tail loss probe re-sent it "
         "(spurious, client TCPDSACKOldSent=1)")], V4, V4, {}),
    "half-close": ([], V4, V4, {}),
    "refused": ([], V4, {CS: None, SS: None}, {
        "note": "the SYN is answered by the server kernel's RST,ACK: no SYN-ACK"}),
    "filtered": ([
        ("client", "segment_lost", C2S_LOST,
         "every SYN dropped by the router: 2 SYN re-sends (1 s, then 2 s later)")],
        {CS: V4, SS: None}, {CS: None, SS: None}, {}),
    "abortive-close": ([], V4, V4, {}),
    "midstream": ([], {CS: None, SS: None}, {CS: None, SS: None}, {
        "note": "the captures start after the handshake: no MSS option seen (not mss_absent)"}),
    "many-short": ([], V4, V4, {"note": "the same values for all 30 connections"}),
    "ipv6": ([], V6, V6, {}),
    "server-never-closes": ([], V4, V4, {}),
    "reject-rst": ([], {CS: V4, SS: None}, {CS: None, SS: None}, {
        "note": "the router answers the SYN with a forged RST: no SYN-ACK"}),
    "reject-icmp": ([
        ("client", "segment_lost",
         "between client-side and server-side capture (router nft reject: the SYN is "
         "discarded and answered with ICMPv6 administratively prohibited)",
         "IPv6 connection only: the first ICMPv6 error did not abort connect() and the SYN "
         "was re-sent ~1 s later (TCPSynRetrans=1); the IPv4 SYN was not re-sent")],
        {CS: V4, SS: None}, {CS: None, SS: None}, {
            "note": "client_announced / server_announced are those of the IPv4 connection; "
                    "per_conversation has both",
            "per_conversation": [
                {"client": "10.77.1.2:40014", "server": "10.77.2.2:5014",
                 "client_announced": {CS: V4, SS: None},
                 "server_announced": {CS: None, SS: None}},
                {"client": "[fd77:1::2]:40014", "server": "[fd77:2::2]:5014",
                 "client_announced": {CS: V6, SS: None},
                 "server_announced": {CS: None, SS: None}}]}),
    "port-reuse": ([], V4, V4, {"note": "the same values for both connections"}),
    "filtered-linear": ([
        ("client", "segment_lost", C2S_LOST,
         "every SYN dropped by the router: 5 SYN re-sends 1 s apart (linear timeouts)")],
        {CS: V4, SS: None}, {CS: None, SS: None}, {}),
    "loss-random": ([
        ("client", "segment_lost", C2S_LOST,
         "~4% of client data segments dropped at random by the router")], V4, V4, {}),
    "ack-loss": ([
        ("client", "ack_lost",
         "between server-side and client-side capture (router nft drop of the server's pure "
         "ACKs)",
         "the data had arrived; the ACKs for the last burst were dropped, so the client's "
         "tail loss probe re-sent data the server already had (spurious, DSACK: client "
         "TCPDSACKRecv=1)")], V4, V4, {}),
    "slow-reader": ([
        ("client", "receiver_window_full",
         "at the server: SO_RCVBUF 4096 and a slow reader (no impairment on the path)",
         "each re-send is a tail loss probe of the segment that filled the server's window; "
         "the server had it (DSACK, client TCPDSACKRecv=2) but its ACK waited for the "
         "application to read")], V4, V4, {}),
    "tbf-congestion": ([
        ("client", "congestion",
         "between client-side and server-side capture (tbf queue overflow on rtr-s)",
         "4 Mbit/s bottleneck with a 12 KB queue: tail drops, fast retransmits")], V4, V4, {}),
}


def apply(s):
    """Put the table's expectations on a Scenario being recorded (scenarios 1-20)."""
    retrans, client, server, extra = BASE[s.name]
    for sender, injected, where, note in retrans:
        s.expect_retrans(sender, injected, where, note)
    s.expect_mss(client, server, [], **extra)
