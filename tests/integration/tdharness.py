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

Starting tshark costs more than reading most captures, so the tests run it
once per capture and mode and take everything from that output:
  * dissection(): one `-T fields` run with every tcpdiag field and the
    Wireshark fields the tests compare with (WIRESHARK_FIELDS); fields()
    answers from it whenever its options allow;
  * filter_counts(): the frames each of several display filters matches, in
    one run (filter_counts.lua: a tap listener per filter, evaluated on the
    hidden tree as -Y is, after the postdissector);
  * every output is kept on disk in TCPDIAG_TEST_CACHE (CMake sets it inside
    the build folder and empties it at the start of each ctest run), keyed by
    the arguments, the bytes of the capture, of the plugin and of the tshark
    binary, so test modules share runs, also when ctest runs them at once.
Every check a test makes is still made on tshark's own output.
"""
import atexit
import csv
import fcntl
import functools
import glob
import hashlib
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
        atexit.register(shutil.rmtree, root, True)   # no folder left behind per run
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


def _digest(*paths):
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


_digests = {}


def _file_digest(path):
    st = os.stat(path)
    memo = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if memo not in _digests:
        _digests[memo] = _digest(path)
    return _digests[memo]


def _plugin_digest():
    """Every file of the build's plugin folder, by name and bytes."""
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(BUILD_PLUGINS) for f in fs)
    return [(os.path.relpath(f, BUILD_PLUGINS), _file_digest(f)) for f in files]


def _tshark_identity():
    path = os.path.realpath(shutil.which(TSHARK) or TSHARK)
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns]


def _cache_key(args, capture, plugin, also):
    private = _private_dir()
    key = {
        "args": [a.replace(private, "<private>") for a in args],
        "capture": [os.path.basename(capture), _file_digest(capture)] if capture else None,
        "plugin": _plugin_digest() if plugin else None,
        "tshark": _tshark_identity(),
        "env": [os.environ.get(k) for k in ("TCPDIAG_TSHARK_PRELOAD",) + PASSED_THROUGH],
        "also": also,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _cache_dir():
    path = os.environ.get("TCPDIAG_TEST_CACHE") or os.path.join(_private_dir(), "cache")
    os.makedirs(path, exist_ok=True)
    return path


def _execute(cmd, env):
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, cwd=_private_dir())
    return {"rc": proc.returncode, "out": proc.stdout.decode("utf-8", "replace"),
            "err": proc.stderr.decode("utf-8", "replace")}


def _shared_run(key, cmd, env):
    """The result of cmd, from the cache or run once (other processes wait for it)."""
    path = os.path.join(_cache_dir(), key + ".json")
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        result = _execute(cmd, env)
        with open(path + ".tmp", "w") as f:
            json.dump(result, f)
        os.replace(path + ".tmp", path)
        return result


def tshark(args, capture=None, check=True, plugin=True, share=True, key_also=None):
    """Run tshark; returns stdout. Fails on a non-zero exit (with check) or a
    dissector bug. plugin=False: Wireshark alone, for independent counts.
    share=False: always a new run, nothing kept (large one-off outputs).
    key_also: what else the output depends on (a script's digest)."""
    args = list(args)
    full = ["-r", _readable_copy(capture)] + args if capture is not None else args
    cmd, env = command(full, plugin=plugin)
    if share:
        result = _shared_run(_cache_key(args, capture, plugin, key_also), cmd, env)
    else:
        result = _execute(cmd, env)
    out, err = result["out"], result["err"]
    # Glossary dumps (-G) contain other dissectors' blurbs; only packet output is scanned.
    scanned = err + (out if capture is not None else "")
    for bad in ("Dissector bug", "DISSECTOR_ASSERT", "[Malformed Packet: tcpdiag", "Segmentation fault") + \
            SANITIZER_REPORTS:
        if bad in scanned:
            raise TsharkError("%s in output of %s\n%s%s" % (bad, " ".join(cmd), err, out[-2000:]))
    if check and result["rc"] != 0:
        raise TsharkError("tshark exited %d: %s\n%s" % (result["rc"], " ".join(cmd), err))
    return out


_plugins_listing = None


def require_plugin_loaded(testcase):
    """Prove tshark loads the tcpdiag.so built by this tree (one listing per process:
    it names this process's private plugin folder)."""
    global _plugins_listing
    if _plugins_listing is None:
        _plugins_listing = tshark(["-G", "plugins"], share=False)
    out = _plugins_listing
    lines = [l for l in out.splitlines() if l.startswith("tcpdiag.so")]
    testcase.assertEqual(len(lines), 1, "tcpdiag.so not in `tshark -G plugins`:\n" + out)
    testcase.assertIn(plugin_file(), lines[0], "tshark loaded a tcpdiag.so from elsewhere")


_glossary = None


def glossary():
    """[(name, type)] of every field tshark registers (`-G fields`), in its order."""
    global _glossary
    if _glossary is None:
        _glossary = []
        for line in tshark(["-G", "fields"]).splitlines():
            cols = line.split("\t")
            if len(cols) > 3 and cols[0] == "F":
                _glossary.append((cols[2], cols[3]))
    return _glossary


def tcpdiag_fields():
    """Every field tcpdiag registers, sorted."""
    return sorted(name for name, _ in glossary() if name.startswith("tcpdiag."))


# Wireshark's own fields that tests read next to tcpdiag's; dissection() has them all.
WIRESHARK_FIELDS = [
    "frame.number", "frame.time_epoch", "frame.time_relative",
    "ip.src", "ipv6.src", "ip.proto", "ip.flags.mf", "ip.frag_offset", "ip.fragment.count", "icmp", "icmpv6",
    "tcp.srcport", "tcp.len", "tcp.ack_raw", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin",
    "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
]
# Wireshark 4.2 and later print a boolean as True/False where 4.0 prints 1/0.
BOOLEAN_SPELLING = {"True": "1", "False": "0"}


def _fields_args(names, extra=()):
    args = list(extra) + ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for n in names:
        args += ["-e", n]
    return args


def _parse_fields(out, names):
    """Rows of -T fields output as lists of strings, booleans spelt 1/0."""
    types = dict(glossary())
    booleans = [i for i, n in enumerate(names) if types.get(n) == "FT_BOOLEAN"]
    rows = [line.split("\t") for line in out.splitlines()]
    for row in rows:
        for i in booleans:
            if i < len(row) and row[i]:
                row[i] = "|".join(BOOLEAN_SPELLING.get(v, v) for v in row[i].split("|"))
    return rows


class Dissection:
    """The `-T fields` rows of one capture read with one set of options."""

    def __init__(self, names, rows):
        self.names = names
        self.rows = rows
        self.column = {n: i for i, n in enumerate(names)}

    def select(self, names):
        idx = [self.column[n] for n in names]
        return [[row[i] for i in idx] for row in self.rows]


def dissection_fields():
    return WIRESHARK_FIELDS + tcpdiag_fields()


_dissections = {}


def dissection(capture, extra=()):
    """Every tcpdiag field and WIRESHARK_FIELDS for every frame, one tshark run
    per capture and options (extra: -2, -o pref:value)."""
    memo = (_file_digest(capture), tuple(extra))
    if memo not in _dissections:
        names = dissection_fields()
        _dissections[memo] = Dissection(names, _parse_fields(tshark(_fields_args(names, extra), capture), names))
    return _dissections[memo]


def _options_only(extra):
    """Whether extra only changes how frames are read (-2, -o), not which are printed."""
    extra = list(extra)
    while extra:
        if extra[0] == "-2":
            extra = extra[1:]
        elif extra[0] == "-o" and len(extra) > 1:
            extra = extra[2:]
        else:
            return False
    return True


def fields(capture, names, extra=()):
    """-T fields rows as lists of strings (one list per frame), with occurrences
    aggregated by "|". From dissection() unless extra selects frames (-Y) or a
    name is not in it."""
    if _options_only(extra) and set(names) <= set(dissection_fields()):
        return dissection(capture, extra).select(names)
    return _parse_fields(tshark(_fields_args(names, extra), capture), names)


FILTER_COUNTS_LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "filter_counts.lua")


def filter_counts(capture, filters, extra=()):
    """{filter: number of frames it matches} for several display filters in one
    tshark run: each is a tap listener's filter, applied to the hidden tree
    after the postdissector as -Y applies its filter. The fields the filters
    name are the ones primed; a filter naming the tcpdiag protocol itself
    makes its item real for all of them, so such a filter gets its own run."""
    filters = list(filters)
    script = os.path.join(_private_dir(), "filter_counts.lua")
    if not os.path.exists(script):
        shutil.copyfile(FILTER_COUNTS_LUA, script + ".tmp")
        os.chmod(script + ".tmp", 0o644)
        os.replace(script + ".tmp", script)
    args = list(extra) + ["-q", "-X", "lua_script:" + script] + [a for f in filters for a in ("-X", "lua_script1:" + f)]
    out = tshark(args, capture, key_also=_file_digest(FILTER_COUNTS_LUA))
    counts = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) == 3 and cols[0] == "filter_counts":
            counts[filters[int(cols[1]) - 1]] = int(cols[2])
    if len(counts) != len(set(filters)):
        raise TsharkError("filter_counts.lua answered for %d of %d filters:\n%s" % (len(counts), len(filters), out))
    return counts


@functools.lru_cache(maxsize=None)
def wireshark_release():
    """(major, minor) of the tshark the tests run."""
    out = subprocess.run([TSHARK, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         timeout=TIMEOUT).stdout.decode("utf-8", "replace")
    m = re.search(r"(\d+)\.(\d+)\.\d+", out)
    return (int(m.group(1)), int(m.group(2)))


def cut_file_exit_status():
    """tshark's exit status after reading a file cut in the middle of a packet:
    2 (a read error) until 4.4; 4.6 has its own status for it, 14."""
    return 14 if wireshark_release() >= (4, 6) else 2


def flag_set(value):
    """A boolean field's first occurrence is set (fields() spells booleans 1/0
    on every release: BOOLEAN_SPELLING)."""
    return value.split("|")[0] == "1"


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
