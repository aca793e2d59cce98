#!/bin/sh
# Debian 12 packages tcpdiag needs to build, install and test.
# Sourced by quickstart.sh and run-tests.sh: installs them with apt when run
# as root, otherwise prints the exact apt line and stops.
# SPDX-License-Identifier: GPL-2.0-or-later
TCPDIAG_PACKAGES="cmake gcc make pkg-config libglib2.0-dev libwireshark-dev wireshark-dev tshark python3 util-linux"
# CI also runs the GUI smoke test (tests/integration/test_gui_smoke.py): the real
# Wireshark under a virtual X server. Elsewhere that test skips itself when these are missing.
if [ "${CI:-}" = true ]; then
    TCPDIAG_PACKAGES="$TCPDIAG_PACKAGES wireshark-qt xvfb xdotool"
fi

tcpdiag_missing_packages() {
    missing=""
    for p in $TCPDIAG_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    echo "$missing"
}

tcpdiag_ensure_packages() {
    missing=$(tcpdiag_missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo ">> installing:$missing"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing || exit 1
    else
        echo "Missing Debian packages:$missing"
        echo "Install them first (as root), then run this again:"
        echo "    sudo apt-get update && sudo apt-get install -y$missing"
        exit 1
    fi
}
