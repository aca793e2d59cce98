#!/bin/sh
# Run tcpdiag under AddressSanitizer + UndefinedBehaviorSanitizer inside the
# system tshark, then under valgrind memcheck.
#   scripts/sanitize-check.sh [--asan-only | --valgrind-only] [FUZZ_FILES]
#   (default: both parts, 300 extra fuzz files)
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 1. Builds build-asan/ with -DTCPDIAG_SANITIZE=ON and runs its whole ctest
#    suite: unit tests (leak checking on), the integration tests over every
#    capture in captures/ and every adversarial capture, and the short fuzz
#    run, with the plugin loaded into Debian's tshark by preloading the ASan
#    runtime (the tests' harness adds LD_PRELOAD when TCPDIAG_TSHARK_PRELOAD
#    is set). Then FUZZ_FILES more mutated files.
#    - WIRESHARK_DEBUG_WMEM_OVERRIDE=simple: every wmem allocation (our
#      per-frame records live in wmem file scope) becomes its own malloc, so
#      ASan sees overflows that a block allocator would hide.
#    - detect_leaks=1: at exit Wireshark 4.0 still holds a few dozen GVariants
#      made by its registration threads; they come from GSlice magazines,
#      which LeakSanitizer does not report, so G_SLICE is left alone and any
#      leak that is reported is a real malloc leak. The fuzzer reruns every
#      finding without the plugin to tell Wireshark's own from tcpdiag's.
#    - an empty WIRESHARK_EXTCAP_DIR: extcap helpers that tshark starts for
#      -G inherit the preloaded runtime and hang.
# 2. Builds build/ normally and runs tests/fuzz/valgrind-check (memcheck,
#    definite leaks, suppressions generated from a run without the plugin;
#    only errors with tcpdiag frames count) over the adversarial captures,
#    the crafted ones and the demo capture.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
part=both
case "${1:-}" in
    --asan-only) part=asan; shift ;;
    --valgrind-only) part=valgrind; shift ;;
esac
fuzz_files=${1:-300}
jobs=$(nproc)
scratch=$(mktemp -d /tmp/tcpdiag-sanitize-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/no-extcap"
chmod -R 755 "$scratch"

if [ "$part" != valgrind ]; then
    asan_build=$top/build-asan

    echo ">> building $asan_build with ASan + UBSan"
    cmake -S "$top" -B "$asan_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPDIAG_WERROR=ON \
          -DTCPDIAG_SANITIZE=ON >/dev/null
    cmake --build "$asan_build" -j"$jobs"

    libasan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
    [ -f "$libasan" ] || { echo "no ASan runtime (gcc -print-file-name=libasan.so)" >&2; exit 1; }

    export TCPDIAG_TSHARK_PRELOAD="$libasan"
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    export WIRESHARK_DEBUG_WMEM_OVERRIDE=simple
    export WIRESHARK_EXTCAP_DIR="$scratch/no-extcap"

    echo ">> 1a. ctest in $asan_build (unit, integration, adversarial, short fuzz) with $libasan preloaded"
    (cd "$asan_build" && ctest --output-on-failure)

    echo ">> 1b. $fuzz_files more fuzz files under ASan + UBSan"
    TCPDIAG_BUILD_PLUGINS="$asan_build/plugins" python3 "$top/tests/fuzz/run-fuzz" \
        --files "$fuzz_files" --jobs "$jobs" --keep "$top/build-asan/fuzz-findings"

    unset TCPDIAG_TSHARK_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS WIRESHARK_DEBUG_WMEM_OVERRIDE WIRESHARK_EXTCAP_DIR
    echo ">> ASan + UBSan: no findings"
fi
[ "$part" = asan ] && exit 0

echo ">> 2. valgrind memcheck with a normal build"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPDIAG_WERROR=ON >/dev/null
cmake --build "$top/build" -j"$jobs"
"$top/tests/adversarial/make-adversarial" "$scratch/adversarial" --syn-flood-count 2000 >/dev/null
TCPDIAG_BUILD_PLUGINS="$top/build/plugins" python3 "$top/tests/fuzz/valgrind-check" \
    "$scratch"/adversarial/*.pcap "$top"/captures/crafted/*/capture.pcap "$top/captures/demo.pcapng"
echo ">> sanitizers and valgrind: no findings"
