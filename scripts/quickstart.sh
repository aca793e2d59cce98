#!/bin/sh
# Build tcpdiag, install it where Wireshark loads it, and diagnose a capture.
#   scripts/quickstart.sh [CAPTURE]
# As root: installs build dependencies with apt and the plugin into the global
# plugin folder. As a normal user: the plugin goes to your personal folder
# (~/.local/lib/wireshark/plugins/4.0/epan); missing packages are listed.
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/deps.sh"
tcpdiag_ensure_packages

capture=${1:-$top/captures/demo.pcapng}
build=$top/build
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake --install "$build"

echo ">> tshark -G plugins:"
if ! tshark -G plugins 2>/dev/null | grep '^tcpdiag'; then
    echo "tcpdiag is not loaded by tshark; see README.md (Install)" >&2
    exit 1
fi

echo ">> diagnosis of $capture"
tshark -r "$capture" -q -z tcpdiag,summary 2>/dev/null
echo ">> per segment (tshark -r CAPTURE -T fields -e frame.number -e tcpdiag.stream -e tcpdiag.handshake -e tcpdiag.state.client -e tcpdiag.state.server -e tcpdiag.state.change), first 20 TCP frames:"
tshark -r "$capture" -Y tcpdiag -T fields -E header=y -e frame.number -e tcpdiag.stream \
    -e tcpdiag.handshake -e tcpdiag.state.client -e tcpdiag.state.server -e tcpdiag.state.change \
    2>/dev/null | head -21
echo ">> netstat -s -p tcp, per host, computed from the capture (tshark -r CAPTURE -q -z tcpdiag,netstat):"
tshark -r "$capture" -q -z tcpdiag,netstat 2>/dev/null
echo ">> retransmissions: kind and probable causes, most probable first (tshark -r CAPTURE -Y tcpdiag.retrans -T fields ...), first 20:"
tshark -r "$capture" -Y tcpdiag.retrans -T fields -E header=y -e frame.number -e tcpdiag.direction \
    -e tcpdiag.retrans.kind -e tcpdiag.retrans.attempt -e tcpdiag.retrans.cause 2>/dev/null | head -21
