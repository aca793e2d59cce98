"""What the benchmark measures: the rows of its table and the targets they are held to.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import collections

# key, label, tool, with_tcpdiag, arguments after the capture, what must exist
Row = collections.namedtuple("Row", "key label tool with_tcpdiag args needs")

ROWS = [
    Row("a", "tshark, Wireshark TCP analysis only (-Y tcp.analysis.retransmission)",
        "tshark", False, ["-Y", "tcp.analysis.retransmission"], None),
    Row("a+", "same filter, tcpdiag installed (what every TCP filter pays)",
        "tshark", True, ["-Y", "tcp.analysis.retransmission"], None),
    Row("b", "tshark + tcpdiag (-Y tcpdiag.retrans)",
        "tshark", True, ["-Y", "tcpdiag.retrans"], ("field", "tcpdiag.retrans")),
    Row("c", "tcpdiag report (-q -z tcpdiag,netstat)",
        "tshark", True, ["-q", "-z", "tcpdiag,netstat"], ("stat", "tcpdiag,netstat")),
    Row("c'", "tcpdiag report (-q -z tcpdiag,summary)",
        "tshark", True, ["-q", "-z", "tcpdiag,summary"], ("stat", "tcpdiag,summary")),
    Row("d", "tshark -q -z conv,tcp (no tcpdiag)",
        "tshark", False, ["-q", "-z", "conv,tcp"], None),
    Row("e", "tcptrace -n -l",
        "tcptrace", False, [], ("program", "tcptrace")),
]

# A target: name, numerator row(s), denominator row(s), quantity, limit.
# The first row of a tuple that was measured is used; a later one is a
# stand-in, named as such in the report, until the first exists.
Target = collections.namedtuple("Target", "name num den quantity limit")

TARGETS = [
    Target("(b) wall <= 1.10 x (a)", ("b", "a+"), ("a",), "wall_s", 1.10),
    Target("(b) peak RSS <= 1.15 x (a)", ("b", "a+"), ("a",), "rss_mib", 1.15),
    Target("(c) wall <= 1.10 x (d)", ("c", "c'"), ("d",), "wall_s", 1.10),
    Target("(c) faster than (e)", ("c", "c'"), ("e",), "wall_s", 1.00),
]

# Cost linear in packets: wall time per packet on the 4x capture over the
# same on the base capture. 1.00 is perfectly linear; 1.15 leaves room for
# the noise of a shared 2-core machine and for hash tables that grow.
LINEAR_ROWS = (("b", "a+"), ("c", "c'"), ("a",))
LINEAR_LIMIT = 1.15

# Rows run on the SYN-flood capture (no targets: it shows that a flood of
# half-open conversations costs no more per packet than normal traffic).
FLOOD_ROWS = ("a", "a+", "b", "c", "c'", "d")
