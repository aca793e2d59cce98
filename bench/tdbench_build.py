"""Builds the tcpdiag.so the benchmark and the profile measure.

SPDX-License-Identifier: GPL-2.0-or-later

RelWithDebInfo (-O2 -g): optimised like a release, with symbols so that
callgrind names tcpdiag's functions. A separate build folder (build-bench/)
leaves the developer's build/ and the tests' build-tests/ alone.
"""
import os
import subprocess
import sys

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.path.join(SOURCE_DIR, "build-bench")
PLUGIN_SO = os.path.join(BUILD_DIR, "plugins", "4.0", "epan", "tcpdiag.so")


def build_plugin():
    for cmd in (["cmake", "-S", SOURCE_DIR, "-B", BUILD_DIR, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                ["cmake", "--build", BUILD_DIR, "--target", "tcpdiag", "-j2"]):
        proc = subprocess.run(["nice"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        if proc.returncode:
            sys.exit("building the plugin failed:\n" + proc.stdout[-3000:])
    return PLUGIN_SO
