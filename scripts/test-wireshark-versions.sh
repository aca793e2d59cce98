#!/bin/sh
# The Wireshark version matrix: build tcpdiag with -Werror, run the whole test
# suite, build its .deb, install / load / remove it, and record its diagnosis of
# every committed capture, on each Wireshark release Debian ships:
#     bookworm = Debian 12 = Wireshark 4.0
#     trixie   = Debian 13 = Wireshark 4.4
#     sid      = unstable  = Wireshark 4.6
# then check that the diagnosis is the same on all of them
# (tests/versions/compare-diagnoses).
#
#   sudo scripts/test-wireshark-versions.sh [--only "trixie sid"] [--no-suite "bookworm"] [--jobs N] [--refresh]
#
# --only LIST      the Debian suites to run (default: bookworm trixie sid)
# --no-suite LIST  build, package and compare there, but skip the test suite
#                  (.ci/run: the host, Debian 12, has just run it on 4.0)
# --jobs N         compile jobs and test suite tests run at a time (default 2;
#                  most tests run one tshark after another, so 2 uses 2 cores)
# --refresh        make the root filesystems again (new Wireshark point releases)
#
# Needs root (chroot, mount) and mmdebstrap. Each root filesystem is made once
# with mmdebstrap from Debian's mirror and cached in $TCPDIAG_ROOTS
# (default /var/tmp/tcpdiag-roots, about 1.3 GB each); it is made again when the
# package list changes. The source tree is bind-mounted read-only at /src, the
# build happens on a tmpfs, results go to $TCPDIAG_VERSIONS_OUT
# (default build-versions/): per Wireshark version the suite log, the .deb and
# the diagnosis dump. Everything mounted is unmounted on exit, also on failure.
# Prints one line per Wireshark version and exits non-zero if any step failed.
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
roots=${TCPDIAG_ROOTS:-/var/tmp/tcpdiag-roots}
out=${TCPDIAG_VERSIONS_OUT:-$top/build-versions}
mirror=${TCPDIAG_MIRROR:-http://deb.debian.org/debian}
suites="bookworm trixie sid"
no_suite=""
jobs=2
refresh=0

usage() { sed -n '2,/^# SPDX/p' "$0" | sed 's/^# \{0,1\}//;/^SPDX/d'; }
while [ $# -gt 0 ]; do
    case $1 in
        --only) suites=$2; shift 2 ;;
        --no-suite) no_suite=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --refresh) refresh=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
for s in $suites; do
    case $s in bookworm|trixie|sid) ;; *) echo "unknown suite $s (bookworm, trixie, sid)" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "run as root: chroot and mount need it" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing: apt-get install mmdebstrap" >&2; exit 2; }

# The packages: what scripts/deps.sh lists for building and testing, plus the
# GUI smoke test's (the Wireshark GUI package is `wireshark` on every suite).
TCPDIAG_PACKAGES=$(CI= sh -c ". '$top/scripts/deps.sh'; echo \$TCPDIAG_PACKAGES")
root_packages="$TCPDIAG_PACKAGES wireshark xvfb xdotool"

mkdir -p "$roots" "$out"
exec 9>"$roots/.lock"
flock -n 9 || { echo "another matrix run holds $roots/.lock: waiting"; flock 9; }

seconds_since() { echo $(( $(date +%s) - $1 )); }
mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# --- root filesystems -------------------------------------------------------
root_ready() {  # suite
    [ $refresh = 0 ] && [ "$(cat "$roots/$1/.tcpdiag-packages" 2>/dev/null)" = "$root_packages" ]
}

make_root() {  # suite; output in $out/root-SUITE.log
    rm -rf "$roots/$1.new"
    # sid's Release file can be past its Valid-Until between mirror pushes.
    mmdebstrap --variant=apt --include="$(echo $root_packages | tr ' ' ,)" \
        --aptopt='APT::Install-Recommends "false"' --aptopt='Acquire::Check-Valid-Until "false"' \
        "$1" "$roots/$1.new" "$mirror" >"$out/root-$1.log" 2>&1 || return 1
    echo "$root_packages" >"$roots/$1.new/.tcpdiag-packages"
    rm -rf "$roots/$1"
    mv "$roots/$1.new" "$roots/$1"
}

started=$(date +%s)
pids=""
for s in $suites; do
    root_ready "$s" && continue
    echo ">> making the $s root filesystem in $roots/$s (log: $out/root-$s.log)"
    make_root "$s" &
    pids="$pids $!:$s"
done
for p in $pids; do
    wait "${p%%:*}" || { echo "mmdebstrap failed for ${p#*:}:"; tail -n 20 "$out/root-${p#*:}.log"; exit 1; }
done
[ -n "$pids" ] && echo ">> root filesystems ready in $(mmss $(seconds_since $started))"

# --- mounts, always undone ---------------------------------------------------
mounted=""   # newest first
mount_in() {  # mount arguments..., target last
    for target; do :; done
    mount "$@"
    mounted="$target $mounted"
}
unmount_all() {
    for m in $mounted; do
        umount "$m" 2>/dev/null || { echo "warning: $m busy, lazy unmount"; umount -l "$m"; }
    done
    mounted=""
}
trap 'unmount_all' EXIT
trap 'unmount_all; exit 130' INT TERM

enter() {  # root, command...: as root in the chroot, with a clean environment
    r=$1; shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 TERM=dumb TCPDIAG_JOBS=$jobs chroot "$r" "$@"
}

# --- one suite ----------------------------------------------------------------
status=0
lines=""
versions=""   # those whose diagnosis was dumped
run_suite() {  # suite
    s=$1
    r=$roots/$s
    mkdir -p "$r/src" "$r/out"
    mount_in -t proc proc "$r/proc"
    mount_in -t tmpfs -o mode=1777 tmpfs "$r/tmp"
    mount_in -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
    mount_in --bind /dev/pts "$r/dev/pts"
    mount_in --bind "$top" "$r/src"
    mount -o remount,bind,ro "$r/src"
    mount_in --bind "$out" "$r/out"

    ws=$(enter "$r" sh /src/scripts/versions/in-root.sh version)
    ver=${ws%.*}
    dir=$out/$ver
    rm -rf "$dir"
    mkdir -p "$dir"
    line="Wireshark $ws ($s):"

    echo ">> $s: Wireshark $ws: build (log: $dir/build.log)"
    t=$(date +%s)
    if enter "$r" sh /src/scripts/versions/in-root.sh build "/out/$ver" >"$dir/build.log" 2>&1; then
        line="$line build -Werror ok ($(mmss $(seconds_since $t)))"
    else
        echo "build failed on $ws:"; tail -n 40 "$dir/build.log"
        lines="$lines$line build FAILED (log: $dir/build.log)\n"; status=1
        unmount_all; return
    fi

    case " $no_suite " in
        *" $s "*) line="$line, suite not run here" ;;
        *)
            echo ">> $s: test suite (log: $dir/suite.log)"
            t=$(date +%s)
            if enter "$r" sh /src/scripts/versions/in-root.sh suite "/out/$ver" >"$dir/suite.log" 2>&1; then
                result="PASSED"
            else
                result="FAILED"; status=1
                echo "test suite failed on $ws (log: $dir/suite.log):"
                grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|FAIL|Error' "$dir/suite.log" | tail -n 60
            fi
            summary=$(grep -E 'tests passed' "$dir/suite.log" | tail -n 1)
            line="$line, suite $result: ${summary:-no ctest summary} ($(mmss $(seconds_since $t)))"
            ;;
    esac

    echo ">> $s: package, install, diagnose, remove (log: $dir/package.log)"
    t=$(date +%s)
    if enter "$r" sh /src/scripts/versions/in-root.sh package "/out/$ver" >"$dir/package.log" 2>&1; then
        line="$line, $(cat "$dir/package.result") ($(mmss $(seconds_since $t)))"
        versions="$versions $ver"   # its diagnosis is dumped: compared below
    else
        echo "package step failed on $ws:"; tail -n 40 "$dir/package.log"
        line="$line, package FAILED (log: $dir/package.log)"; status=1
    fi
    lines="$lines$line\n"
    unmount_all
}

for s in $suites; do
    run_suite "$s"
done

t=$(date +%s)
if [ "$(echo $versions | wc -w)" -gt 1 ]; then
    if "$top/tests/versions/compare-diagnoses" "$out" $versions >"$out/compare.log" 2>&1; then
        compared="same diagnosis on Wireshark $(echo $versions | sed 's/ /, /g')"
    else
        compared="DIFFERENT diagnosis (see $out/compare.log)"; status=1
        tail -n 60 "$out/compare.log"
    fi
    lines="${lines}Cross-version: $compared, $(tail -n 1 "$out/compare.log") ($(mmss $(seconds_since $t)))\n"
elif [ "$(echo $suites | wc -w)" -gt 1 ]; then
    lines="${lines}Cross-version: not compared, fewer than two diagnoses dumped\n"; status=1
fi

echo
echo "== Wireshark version matrix ($(mmss $(seconds_since $started)) in all)"
printf '%b' "$lines" | tee "$out/matrix.txt"
exit $status
