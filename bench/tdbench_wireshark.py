"""Which Wireshark the benchmark measures: the host's, or one in a root filesystem of the version matrix.

SPDX-License-Identifier: GPL-2.0-or-later

The version matrix (scripts/test-wireshark-versions.sh) keeps a Debian root
filesystem per release in $TCPDIAG_ROOTS (default /var/tmp/tcpdiag-roots).
The benchmark does not make them and never writes into them: another run
may be using one. It sees a root through its own mounts, made in a private
mount namespace (run-bench re-runs itself under `unshare --mount`), so they
are gone when the benchmark ends however it ends, and are unmounted
explicitly before that:

    ROOT          the root filesystem, bound read-only
    ROOT/proc     proc
    ROOT/tmp      a tmpfs: the tools' private folders, and mount points for
    ROOT/tmp/src    the source tree, read-only
    ROOT/tmp/build  the build folder, build-bench-SUITE/ in the tree (kept,
                    so a second run only rebuilds what changed)
    ROOT/var/tmp  a tmpfs holding the mount point for
    ROOT/var/tmp/tcpdiag-bench  the cached captures, read-only, at the same
                    path as on the host

A measured command is `chroot ROOT setpriv ... tool ...`: chroot and setpriv
replace themselves with the tool (exec, no fork), so the child the
benchmark waits for *is* the tool and its wait4 resource usage is the
tool's, as on the host.

Everything else (capture generation, capinfos) stays on the host, which
has the tools; the captures are only read in the root.
"""
import os
import re
import subprocess
import sys
import tempfile

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS_DIR = os.environ.get("TCPDIAG_ROOTS", "/var/tmp/tcpdiag-roots")
CACHE_DIR = "/var/tmp/tcpdiag-bench"

# --wireshark choices: "host" is the machine's own Wireshark (Debian 12:
# 4.0); the others name the matrix's Debian suites (trixie: 4.4, sid: 4.6).
# "all" runs them in this order.
CHOICES = ("host", "trixie", "sid")

# The PATH a root's tools run with: the root's own programs only.
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
STOCK_PLUGINS = "/usr/lib/x86_64-linux-gnu/wireshark/plugins"

# Set before the benchmark re-runs itself in a new mount namespace: the
# namespace it came from, so the new process can tell that it is in another.
OUTER_NS_VAR = "TDBENCH_OUTER_MOUNT_NS"


def mount_namespace():
    return os.readlink("/proc/self/ns/mnt")


def in_private_mount_namespace():
    outer = os.environ.get(OUTER_NS_VAR)
    return bool(outer) and outer != mount_namespace()


def reexec_in_private_mount_namespace(script, argv):
    """Replace this process by `script argv` in a new mount namespace whose mounts propagate nowhere."""
    os.environ[OUTER_NS_VAR] = mount_namespace()
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "--",
                          sys.executable, script] + list(argv))


class Host:
    """The machine's own Wireshark: paths are paths, commands run as they are."""

    name = "host"
    prefix = []
    missing_program = "%(name)s is not installed: sudo apt-get install %(name)s"

    def __init__(self):
        self.mnt = ""
        self.build_dir = os.path.join(SOURCE_DIR, "build-bench")
        self.version_line = self.version = self.release = None

    def __enter__(self):
        self._read_version()
        return self

    def __exit__(self, *exc):
        return False

    # An absolute path inside this installation, as seen from the benchmark.
    def outside(self, path):
        return self.mnt + path

    def inside(self, path):
        assert path.startswith(self.mnt + "/"), path
        return path[len(self.mnt):]

    def env(self):
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def source_dir(self):
        return SOURCE_DIR

    def build_dir_inside(self):
        return self.build_dir

    def run_env(self):
        """The environment of run(): on the host, the caller's own."""
        return dict(os.environ)

    def run(self, argv, **kw):
        """argv run as the caller (root) in this installation."""
        return subprocess.run(self.prefix + list(argv), env=self.run_env(), universal_newlines=True, **kw)

    def has_program(self, name):
        return any(os.access(self.outside(os.path.join(d, name)), os.X_OK)
                   for d in self.env()["PATH"].split(":") if d)

    def missing_reason(self, name):
        return self.missing_program % {"name": name}

    def stock_plugins(self):
        return os.path.join(STOCK_PLUGINS, self.release)

    def private_dir(self):
        """A fresh folder for the tools' private files (host path)."""
        return tempfile.mkdtemp(prefix="tdbench-", dir=self.outside("/tmp"))

    def _read_version(self):
        out = self.run(["tshark", "-v"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        self.version_line = out.splitlines()[0] if out else "tshark -v printed nothing"
        found = re.search(r"(\d+)\.(\d+)\.(\d+)", self.version_line)
        if not found:
            raise SystemExit("%s: cannot read the Wireshark version from tshark -v: %r" % (self.name, out[:200]))
        self.version = found.group(0)
        self.release = "%s.%s" % found.group(1, 2)

    def describe(self):
        return "Wireshark %s (%s)" % (self.version, self.name)


class Root(Host):
    """The Wireshark of one of the matrix's Debian root filesystems, seen through private mounts."""

    missing_program = "%(name)s is not installed in this root"

    def __init__(self, suite):
        super().__init__()
        self.name = suite
        self.path = os.path.join(ROOTS_DIR, suite)
        self.build_dir = os.path.join(SOURCE_DIR, "build-bench-" + suite)
        self.prefix = []
        self._mounted = []

    def env(self):
        return {"PATH": ROOT_PATH}

    def run_env(self):
        """A clean environment, as the matrix enters a root (scripts/test-wireshark-versions.sh)."""
        return dict(self.env(), HOME="/root", LANG="C.UTF-8")

    def source_dir(self):
        return "/tmp/src"

    def build_dir_inside(self):
        return "/tmp/build"

    def _mount(self, *args):
        target = args[-1]
        subprocess.run(["mount"] + list(args), check=True)
        self._mounted.append(target)

    def _bind(self, source, target, read_only):
        self._mount("--bind", source, target)
        if read_only:   # a bind mount takes "ro" only when remounted
            subprocess.run(["mount", "-o", "remount,bind,ro", target], check=True)

    def __enter__(self):
        if not os.path.isfile(os.path.join(self.path, "usr", "bin", "tshark")):
            raise SystemExit("%s has no tshark: make the matrix's root filesystems first "
                             "(sudo scripts/test-wireshark-versions.sh --only %s)" % (self.path, self.name))
        if not in_private_mount_namespace():
            raise SystemExit("internal error: a root is mounted only in a private mount namespace")
        self.mnt = tempfile.mkdtemp(prefix="tdbench-root-%s-" % self.name)
        try:
            self._bind(self.path, self.mnt, read_only=True)
            self._mount("-t", "proc", "proc", self.outside("/proc"))
            self._mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", self.outside("/tmp"))
            self._mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", self.outside("/var/tmp"))
            os.makedirs(self.build_dir, exist_ok=True)
            for source, inside, read_only in ((CACHE_DIR, CACHE_DIR, True),
                                              (SOURCE_DIR, self.source_dir(), True),
                                              (self.build_dir, self.build_dir_inside(), False)):
                os.makedirs(self.outside(inside))
                self._bind(source, self.outside(inside), read_only)
            self.prefix = ["chroot", self.mnt]
            self._read_version()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        while self._mounted:
            target = self._mounted.pop()
            if subprocess.run(["umount", target], stderr=subprocess.DEVNULL).returncode:
                print("warning: %s busy, lazy unmount" % target, flush=True)
                subprocess.run(["umount", "-l", target])
        if self.mnt:
            try:
                os.rmdir(self.mnt)   # never a recursive removal: it could reach into the root
            except OSError as e:
                print("warning: %s left behind: %s" % (self.mnt, e), flush=True)
            self.mnt = ""
        return False

    def describe(self):
        return "Wireshark %s (Debian %s root, %s)" % (self.version, self.name, self.path)


def the_host():
    """The host's Wireshark, ready to use (it needs no mounts)."""
    return Host().__enter__()


def installation(choice):
    return Host() if choice == "host" else Root(choice)
