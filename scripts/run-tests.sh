#!/bin/sh
# Build tcpdiag with warnings as errors and run the whole test suite (ctest):
# unit tests of the analysis core, then integration tests that run the real
# tshark with the build-tree plugin on every capture in captures/. The tests
# are independent (they share tshark outputs through a cache that each ctest
# run starts empty), so ctest runs as many at a time as there are processors.
#   scripts/run-tests.sh [extra ctest arguments]
# TCPDIAG_BUILD_DIR=DIR builds there instead (the version matrix builds outside
# its read-only copy of the tree).
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/deps.sh"
tcpdiag_ensure_packages

build=${TCPDIAG_BUILD_DIR:-$top/build-tests}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPDIAG_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
exec ctest --output-on-failure -j"$(nproc)" "$@"
