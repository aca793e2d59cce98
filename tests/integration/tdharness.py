"""Run the real tshark with the build-tree tcpdiag plugin loaded.

SPDX-License-Identifier: GPL-2.0-or-later

tshark running as root ignores the personal plugin folder and
WIRESHARK_PLUGIN_DIR, so when the tests run as root (CI does) tshark is run
as `nobody` with a private HOME and plugin folder that nobody can read.
Every test module calls require_plugin_loaded() first: it proves, from
`tshark -G plugins`, that the plugin tshark loaded is the one just built.

With TCPDIAG_TSHARK_PRELOAD set (scripts/sanitize-check.sh sets it to the
AddressSanitizer runtime), tshark runs with that library preloaded and the
sanitizer settings passed through, so a plugin built with TCPDIAG_SANITIZE=ON
loads into the system tshark.
"""
import csv
import functools
import glob
import io
import json
import os
import re
import shutil
import subprocess
import tempfile

SOURCE_DIR = os.environ.get("TCPDIAG_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_PLUGINS = os.environ.get("TCPDIAG_BUILD_PLUGINS",
                               os.path.join(SOURCE_DIR, "build", "plugins"))
CAPTURES_DIR = os.path.join(SOURCE_DIR, "captures")
TSHARK = os.environ.get("TSHARK", "tshark")
TIMEOUT = 300
# Passed through to tshark when set: sanitizer settings, wmem/GSlice switches
# that make every allocation a malloc the sanitizer can watch, and an empty
# extcap folder (extcap helpers started with the ASan runtime preloaded hang).
PASSED_THROUGH = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "WIRESHARK_DEBUG_WMEM_OVERRIDE",
                  "G_SLICE", "WIRESHARK_EXTCAP_DIR")
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

_private = None


def _private_dir():
    """A world-readable copy of the plugin and of captures, plus a HOME."""
    global _private
    if _private is None:
        root = tempfile.mkdtemp(prefix="tcpdiag-test-")
        os.chmod(root, 0o755)
        shutil.copytree(BUILD_PLUGINS, os.path.join(root, "plugins"))
        for sub in ("home", "captures"):
            os.makedirs(os.path.join(root, sub))
        for dirpath, dirnames, filenames in os.walk(root):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o644)
        os.chmod(os.path.join(root, "home"), 0o777)
        _private = root
    return _private


def plugin_file():
    """The copy of the build's tcpdiag.so, in plugins/<major.minor>/epan of the Wireshark built against."""
    found = glob.glob(os.path.join(_private_dir(), "plugins", "*", "epan", "tcpdiag.so"))
    if len(found) != 1:
        raise AssertionError("expected one plugins/<major.minor>/epan/tcpdiag.so in %s, found %s"
                             % (BUILD_PLUGINS, found))
    return found[0]


def _readable_copy(capture):
    """Copy a capture where `nobody` can read it (the checkout may be private)."""
    dest_dir = os.path.join(_private_dir(), "captures")
    name = os.path.relpath(os.path.abspath(capture), SOURCE_DIR).replace(os.sep, "__").lstrip(".")
    dest = os.path.join(dest_dir, name)
    if not os.path.exists(dest):
        shutil.copyfile(capture, dest)
        os.chmod(dest, 0o644)
    return dest


def _command(args):
    root = _private_dir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(root, "home"),
        "XDG_CONFIG_HOME": os.path.join(root, "home", ".config"),
        "WIRESHARK_PLUGIN_DIR": os.path.join(root, "plugins"),
        "LANG": "C.UTF-8",
    }
    if os.environ.get("TCPDIAG_TSHARK_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["TCPDIAG_TSHARK_PRELOAD"]
        env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    cmd = [TSHARK] + list(args)
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    return cmd, env


class TsharkError(AssertionError):
    pass


def tshark(args, capture=None, check=True, plugin=True):
    """Run tshark; returns stdout. Fails on a non-zero exit (with check) or a
    dissector bug. plugin=False: Wireshark alone, for independent counts."""
    args = list(args)
    if capture is not None:
        args = ["-r", _readable_copy(capture)] + args
    cmd, env = command(args, plugin=plugin)
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, cwd=_private_dir())
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    # Glossary dumps (-G) contain other dissectors' blurbs; only packet output is scanned.
    scanned = err + (out if capture is not None else "")
    for bad in ("Dissector bug", "DISSECTOR_ASSERT", "[Malformed Packet: tcpdiag", "Segmentation fault") + \
            SANITIZER_REPORTS:
        if bad in scanned:
            raise TsharkError("%s in output of %s\n%s%s" % (bad, " ".join(cmd), err, out[-2000:]))
    if check and proc.returncode != 0:
        raise TsharkError("tshark exited %d: %s\n%s" % (proc.returncode, " ".join(cmd), err))
    return out


def require_plugin_loaded(testcase):
    """Prove tshark loads the tcpdiag.so built by this tree."""
    out = tshark(["-G", "plugins"])
    lines = [l for l in out.splitlines() if l.startswith("tcpdiag.so")]
    testcase.assertEqual(len(lines), 1, "tcpdiag.so not in `tshark -G plugins`:\n" + out)
    testcase.assertIn(plugin_file(), lines[0], "tshark loaded a tcpdiag.so from elsewhere")


def fields(capture, names, extra=()):
    """-T fields rows as lists of strings (one list per frame)."""
    args = list(extra) + ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                          "-E", "aggregator=|"]
    for n in names:
        args += ["-e", n]
    out = tshark(args, capture)
    return [line.split("\t") for line in out.splitlines()]


@functools.lru_cache(maxsize=None)
def wireshark_release():
    """(major, minor) of the tshark the tests run."""
    out = subprocess.run([TSHARK, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         timeout=TIMEOUT).stdout.decode("utf-8", "replace")
    m = re.search(r"(\d+)\.(\d+)\.\d+", out)
    return (int(m.group(1)), int(m.group(2)))


def read_error_exit_status():
    """tshark's exit status after a read error such as a capture cut short in
    the middle of a packet: 2 up to 4.4; 4.6 returns WS_EXIT_READ_ERROR, 14."""
    return 14 if wireshark_release() >= (4, 6) else 2


def flag_set(value):
    """A boolean field's first occurrence as -T fields prints it: 1/0 from
    Wireshark 4.0, True/False from 4.2 on."""
    return value.split("|")[0] in ("1", "True")


def frame_numbers(capture, display_filter, extra=(), check=True, plugin=True):
    """Numbers of the frames a display filter matches."""
    out = tshark(list(extra) + ["-Y", display_filter, "-T", "fields", "-e", "frame.number"], capture,
                 check=check, plugin=plugin)
    return [int(n) for n in out.split()]


def all_captures():
    """Every capture committed under captures/."""
    found = []
    for pattern in ("**/*.pcap", "**/*.pcapng"):
        found += glob.glob(os.path.join(CAPTURES_DIR, pattern), recursive=True)
    return sorted(found)


def truth_files(kind):
    """(folder, parsed truth.json) for captures/<kind>/*/truth.json."""
    out = []
    for path in sorted(glob.glob(os.path.join(CAPTURES_DIR, kind, "*", "truth.json"))):
        with open(path) as f:
            out.append((os.path.dirname(path), json.load(f)))
    return out


def command(args, plugin=True):
    """(argv, env) running tshark as the tests do; plugin=False gives it an
    empty plugin folder, to tell Wireshark's own problems from tcpdiag's."""
    cmd, env = _command(args)
    if not plugin:
        empty = os.path.join(_private_dir(), "no-plugins")
        os.makedirs(empty, mode=0o755, exist_ok=True)
        env["WIRESHARK_PLUGIN_DIR"] = empty
    return cmd, env


def work_dir(name):
    """A fresh folder `nobody` can read, for files made at test time."""
    path = tempfile.mkdtemp(prefix=name + "-", dir=_private_dir())
    os.chmod(path, 0o755)
    return path
