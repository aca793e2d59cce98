#!/bin/sh
# The steps scripts/test-wireshark-versions.sh runs inside a Debian root
# filesystem, as root with a clean environment; the source tree is at /src
# (read-only), results go to OUT.
#   in-root.sh version          print the Wireshark version (major.minor.micro)
#   in-root.sh build OUT        configure and build with -Werror
#   in-root.sh suite OUT        the README's test command (scripts/run-tests.sh),
#                               with ctest running TCPDIAG_JOBS tests at a time
#   in-root.sh package OUT      cpack -G DEB; install the .deb with apt, prove
#                               tshark loads it, diagnose the demo capture, dump
#                               the diagnosis of every capture, remove it
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
src=/src
build=/tmp/tcpdiag-build
step=$1
out=${2:-}

ws_version() { dpkg-query -W -f='${Version}' libwireshark-dev | sed 's/^\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/'; }

# tshark -G plugins lines naming tcpdiag.so, as root and as an unprivileged user
# (a global install is for every user; root ignores only the personal folder).
loaded_plugins() {
    tshark -G plugins 2>/dev/null | grep '^tcpdiag\.so' || true
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp/nobody-home \
        tshark -G plugins 2>/dev/null | grep '^tcpdiag\.so' || true
}

case $step in
version)
    ws_version
    ;;
build)
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPDIAG_WERROR=ON
    cmake --build "$build" -j"${TCPDIAG_JOBS:-2}"
    ;;
suite)
    TCPDIAG_BUILD_DIR=$build "$src/scripts/run-tests.sh" -j"${TCPDIAG_JOBS:-2}"
    ;;
package)
    cd "$build"
    cpack -G DEB
    deb=$(ls tcpdiag_*.deb)
    cp "$deb" "$out/"
    dpkg-deb --info "$deb"
    dpkg-deb --contents "$deb"
    # A run that failed half-way leaves its package installed in the cached
    # root, and apt would keep that one ("already the newest version").
    if dpkg-query -W tcpdiag >/dev/null 2>&1; then
        echo ">> apt-get remove tcpdiag (left by an earlier run)"
        apt-get remove -y -q tcpdiag
    fi
    echo ">> apt-get install ./$deb"
    apt-get install -y -q "./$deb"
    so=$(dpkg -L tcpdiag | grep '/tcpdiag\.so$')
    ws=$(ws_version)
    case $so in
        */wireshark/plugins/${ws%.*}/epan/tcpdiag.so) ;;
        *) echo "installed into the wrong folder: $so"; exit 1 ;;
    esac
    echo ">> tshark -G plugins, as root and as nobody"
    loaded=$(loaded_plugins)
    echo "$loaded"
    [ "$(echo "$loaded" | grep -c "$so")" = 2 ] || { echo "tshark does not load $so"; exit 1; }
    echo ">> tshark -r captures/demo.pcapng -q -z tcpdiag,summary"
    tshark -r "$src/captures/demo.pcapng" -q -z tcpdiag,summary 2>/dev/null | tee "$out/demo-summary.txt"
    grep -q '^Stream  *Client  *Server  *Handshake' "$out/demo-summary.txt"
    grep -Eq '^[0-9]+ .* complete ' "$out/demo-summary.txt"
    echo ">> diagnosis of every capture"
    python3 "$src/tests/versions/dump-diagnosis" "$src/captures" "$out/diagnosis"
    echo ">> apt-get remove tcpdiag"
    apt-get remove -y -q tcpdiag
    [ ! -e "$so" ] || { echo "$so is still there"; exit 1; }
    left=$(dpkg-query -W -f='${db:Status-Status}' tcpdiag 2>/dev/null || echo not-installed)
    [ "$left" = not-installed ] || { echo "after apt-get remove, dpkg says tcpdiag is $left"; exit 1; }
    [ -z "$(loaded_plugins)" ] || { echo "tshark still loads tcpdiag after removal"; exit 1; }
    echo "$deb installs into ${so%/*}, loads (root and nobody), diagnoses the demo, removes cleanly" \
        >"$out/package.result"
    ;;
*)
    echo "unknown step $step" >&2; exit 2 ;;
esac
