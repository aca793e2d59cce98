#!/bin/sh
# Run the real Wireshark GUI with the build-tree tcpdiag plugin under Xvfb, open a lab
# capture and save screenshots into docs/ (or only check that it starts cleanly).
#   scripts/gui-screenshots.sh [--smoke] [CAPTURE]
# Needs: wireshark-qt xvfb xdotool x11-apps imagemagick (screenshots) and a build in build/.
# --smoke: start Wireshark on CAPTURE, wait until its window shows, quit, and fail if the
#          log shows a plugin load error, a dissector bug or a crash; no screenshots.
# Wireshark run as root ignores personal plugins, so as root it runs as `nobody` with a
# private HOME, XDG_RUNTIME_DIR and WIRESHARK_PLUGIN_DIR.
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
smoke=0
[ "${1:-}" = "--smoke" ] && { smoke=1; shift; }
capture=${1:-$top/captures/lab/tbf-congestion/client-side.pcapng}
plugins=${TCPDIAG_BUILD_PLUGINS:-$top/build/plugins}
docs=$top/docs
ls "$plugins"/*/epan/tcpdiag.so >/dev/null 2>&1 || { echo "no plugin in $plugins: build first (cmake --build build)"; exit 2; }
for tool in wireshark Xvfb xdotool; do
    command -v $tool >/dev/null || { echo "missing $tool: apt-get install wireshark-qt xvfb xdotool"; exit 2; }
done

work=$(mktemp -d /tmp/tcpdiag-gui.XXXXXX)
xvfb_pid=""
ws_pid=""
cleanup() {
    [ -n "$ws_pid" ] && kill "$ws_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    [ -n "$ws_pid" ] && wait "$ws_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && wait "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cp -r "$plugins" "$work/plugins"
cp "$capture" "$work/capture.pcapng"
mkdir -p "$work/home/.config/wireshark" "$work/run"
# Hide the bytes pane: more room for the tcpdiag subtree.
printf 'gui.byte_view_show: FALSE\n' > "$work/home/.config/wireshark/recent"
chmod -R a+rX "$work"
run_as=""
if [ "$(id -u)" = 0 ]; then
    chown -R nobody:nogroup "$work/home" "$work/run"
    run_as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
chmod 700 "$work/run"
# A plugin built with TCPDIAG_SANITIZE=ON needs the ASan runtime preloaded
# (scripts/sanitize-check.sh sets TCPDIAG_TSHARK_PRELOAD). Qt's own blocks
# still held at exit are not ours: leak checking stays with the tshark runs.
sanitizer_env=""
if [ -n "${TCPDIAG_TSHARK_PRELOAD:-}" ]; then
    sanitizer_env="LD_PRELOAD=$TCPDIAG_TSHARK_PRELOAD ASAN_OPTIONS=detect_leaks=0:halt_on_error=1"
    sanitizer_env="$sanitizer_env UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}"
    [ -n "${WIRESHARK_EXTCAP_DIR:-}" ] && sanitizer_env="$sanitizer_env WIRESHARK_EXTCAP_DIR=$WIRESHARK_EXTCAP_DIR"
fi

# Xvfb picks a free display itself (-displayfd): a display number that looks free here
# can still be held by an X server outside this root filesystem (a chroot has its own
# /tmp, but X's abstract sockets are shared by the whole network namespace).
Xvfb -displayfd 3 -screen 0 1280x860x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
i=0
until [ -s "$work/display" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
        echo "Xvfb did not start"; cat "$work/xvfb.log"; exit 1
    fi
    sleep 0.1
done
export DISPLAY=:$(head -n 1 "$work/display")
i=0
until xdotool getmouselocation >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "Xvfb on $DISPLAY does not answer"; cat "$work/xvfb.log"; exit 1; }
    sleep 0.2
done

launch_wireshark() {  # extra wireshark arguments; fails when the window never shows
    $run_as env $sanitizer_env HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run" \
        WIRESHARK_PLUGIN_DIR="$work/plugins" DISPLAY="$DISPLAY" LANG=C.UTF-8 QT_QPA_PLATFORM=xcb \
        wireshark -r "$work/capture.pcapng" "$@" >>"$work/wireshark.log" 2>&1 &
    ws_pid=$!
    # The main window's title is the capture's file name; wait for it, then for the load.
    i=0
    until win=$(xdotool search --onlyvisible --name "capture.pcapng" 2>/dev/null | head -1) && [ -n "$win" ]; do
        i=$((i + 1))
        if [ $i -gt 300 ] || ! kill -0 "$ws_pid" 2>/dev/null; then
            kill "$ws_pid" 2>/dev/null || true
            ws_status=0; wait "$ws_pid" 2>/dev/null || ws_status=$?
            ws_pid=""
            echo "Wireshark did not show its window on $DISPLAY (exit status $ws_status, Xvfb $(kill -0 "$xvfb_pid" 2>/dev/null && echo running || echo gone)); its log:"
            cat "$work/wireshark.log"; return 1
        fi
        sleep 0.2
    done
    xdotool windowmove "$win" 0 0 windowsize "$win" 1280 860 2>/dev/null || true
    sleep 4
}

start_wireshark() {  # extra wireshark arguments
    launch_wireshark "$@" || exit 1
}

stop_wireshark() {
    kill "$ws_pid" 2>/dev/null || true
    wait "$ws_pid" 2>/dev/null || true
    ws_pid=""
}

shot() {  # name
    xwd -root -silent -display "$DISPLAY" | convert xwd:- -colors 256 png8:"$docs/$1.png"
    echo "saved docs/$1.png ($(du -k "$docs/$1.png" | cut -f1) KB)"
}

check_log() {
    if grep -E "Dissector bug|DISSECTOR_ASSERT|Couldn't load plugin|tcpdiag.*(error|failed)|Segmentation fault|CRITICAL|ERROR: AddressSanitizer|runtime error:" "$work/wireshark.log"; then
        echo "Wireshark log shows errors (above)"; exit 1
    fi
}

plugin_line=$($run_as env $sanitizer_env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" tshark -G plugins | grep '^tcpdiag.so' || true)
case "$plugin_line" in
    *"$work/plugins/"*) ;;
    *) echo "tcpdiag.so from the build is not the one Wireshark loads: $plugin_line"; exit 1 ;;
esac

if [ $smoke = 1 ]; then
    # A GUI that dies before its first window with nothing of tcpdiag's in its log (an X
    # or Qt start-up failure) gets one more try; the log of both tries is checked below.
    if ! launch_wireshark -Y tcpdiag; then
        check_log
        echo "trying once more"
        start_wireshark -Y tcpdiag
    fi
    kill -0 "$ws_pid" || { echo "Wireshark exited"; cat "$work/wireshark.log"; exit 1; }
    stop_wireshark
    check_log
    echo "GUI smoke test passed: Wireshark started with tcpdiag and loaded $(basename "$capture")"
    exit 0
fi

mkdir -p "$docs"
# 1. Retransmissions only, the first one selected, its tcpdiag subtree expanded.
first=$($run_as env $sanitizer_env HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" \
        tshark -r "$work/capture.pcapng" -Y tcpdiag.retrans -T fields -e frame.number | head -1)
start_wireshark -Y tcpdiag.retrans -g "${first:-1}" -o gui.packet_list_show_minimap:FALSE
# Details pane (middle of the window): the last top-level item is the tcpdiag subtree.
xdotool mousemove 300 560 click 1 key End key shift+Right
sleep 1
xdotool key Home
sleep 1
shot gui-retrans-filter
# 2. Expert Info: the button at the left end of the status bar opens it.
xdotool mousemove 10 850 click 1
sleep 3
shot gui-expert-info
stop_wireshark
# 3. The Statistics menu with its TCP Diagnostics entry (the last one), then the stats tree.
start_wireshark
xdotool mousemove 325 10 click 1
sleep 1
shot gui-statistics-menu
xdotool key Up key Return
sleep 4
shot gui-stats-tree
stop_wireshark
check_log
