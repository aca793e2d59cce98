"""Builds the tcpdiag.so the benchmark and the profile measure.

SPDX-License-Identifier: GPL-2.0-or-later

RelWithDebInfo (-O2 -g): optimised like a release, with symbols so that
callgrind names tcpdiag's functions. A separate build folder per Wireshark
(build-bench/ for the host's, build-bench-SUITE/ for a matrix root's, built
inside that root against its own libwireshark-dev) leaves the developer's
build/ and the tests' build-tests/ alone.
"""
import subprocess
import sys

from tdbench_wireshark import SOURCE_DIR, the_host


def build_plugin(ws=None):
    """Build in (and for) the installation ws (default: the host); the .so's path inside it."""
    ws = ws or the_host()
    build = ws.build_dir_inside()
    for cmd in (["cmake", "-S", ws.source_dir(), "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                ["cmake", "--build", build, "--target", "tcpdiag", "-j2"]):
        proc = ws.run(["nice"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode:
            sys.exit("building the plugin for %s failed:\n%s" % (ws.describe(), proc.stdout[-3000:]))
    return "%s/plugins/%s/epan/tcpdiag.so" % (build, ws.release)


__all__ = ["SOURCE_DIR", "build_plugin"]
