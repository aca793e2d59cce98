"""tshark as the benchmark runs it: as nobody, with or without tcpdiag, same stock plugins.

SPDX-License-Identifier: GPL-2.0-or-later

tshark run as root ignores WIRESHARK_PLUGIN_DIR, so every measured command
runs as `nobody` with a private HOME. WIRESHARK_PLUGIN_DIR replaces the
global plugin folder, so two private folders are laid out: both hold a
copy of Debian's stock plugins (what a user has installed anyway), and one
of them also holds the tcpdiag.so built for the benchmark. The baseline
rows thus pay exactly what Wireshark alone costs, and the tcpdiag rows pay
that plus the plugin. Which tcpdiag.so was loaded (or that none was) is
proven from `tshark -G plugins`.

The same holds for the Wireshark of a matrix root (tdbench_wireshark.py):
the folders are made in the root's private /tmp, paths given to the tool
are the ones it sees inside the root, and every command is prefixed with
the chroot into it.
"""
import os
import shutil
import subprocess

from tdbench_wireshark import the_host


class Tshark:
    """Private folders and the command lines that run tools as nobody in them."""

    def __init__(self, plugin_so, ws=None):
        """plugin_so: its path inside ws, the Wireshark installation (default: the host's)."""
        self.ws = ws = ws or the_host()
        self.root = ws.private_dir()
        self.home = os.path.join(self.root, "home")
        self.plugin_dirs = {False: os.path.join(self.root, "plugins-stock"),
                            True: os.path.join(self.root, "plugins-tcpdiag")}
        abi_dir = os.path.join(ws.release, "epan")
        self._tcpdiag_so = os.path.join(self.plugin_dirs[True], abi_dir, "tcpdiag.so")
        os.makedirs(self.home)
        stock = ws.outside(ws.stock_plugins())
        for with_tcpdiag, folder in self.plugin_dirs.items():
            if os.path.isdir(stock):
                # A tcpdiag installed globally (quickstart as root) is not stock.
                shutil.copytree(stock, os.path.join(folder, ws.release),
                                ignore=shutil.ignore_patterns("tcpdiag.so"))
            os.makedirs(os.path.join(folder, abi_dir), exist_ok=True)
        shutil.copy(ws.outside(plugin_so), self._tcpdiag_so)
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o644)
        os.chmod(self.root, 0o755)
        os.chmod(self.home, 0o777)

    def tcpdiag_so(self):
        """Where the tool, inside the installation, finds the copy it must load."""
        return self.ws.inside(self._tcpdiag_so)

    def env(self, with_tcpdiag):
        inside = self.ws.inside
        return dict(self.ws.env(), **{
            "HOME": inside(self.home),
            "XDG_CONFIG_HOME": inside(os.path.join(self.home, ".config")),
            "WIRESHARK_PLUGIN_DIR": inside(self.plugin_dirs[with_tcpdiag]),
            "LANG": "C.UTF-8",
        })

    @staticmethod
    def as_nobody(argv):
        if os.geteuid() == 0:
            return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + argv
        return argv

    def command(self, tool_argv, with_tcpdiag):
        """(argv, env) that run tool_argv as nobody with the chosen plugin folder."""
        return self.ws.prefix + self.as_nobody(list(tool_argv)), self.env(with_tcpdiag)

    def output(self, args, with_tcpdiag):
        argv, env = self.command(["tshark"] + list(args), with_tcpdiag)
        proc = subprocess.run(argv, env=env, cwd=self.home, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)
        return proc.stdout

    def loaded_tcpdiag(self, with_tcpdiag):
        """The tcpdiag.so paths `tshark -G plugins` lists for this configuration."""
        return [line.split("\t")[-1].strip() for line in self.output(["-G", "plugins"], with_tcpdiag).splitlines()
                if line.startswith("tcpdiag.so")]

    def prove_plugins(self):
        """Raise unless the tcpdiag configuration loads our copy and the baseline loads none."""
        with_it = self.loaded_tcpdiag(True)
        without = self.loaded_tcpdiag(False)
        if with_it != [self.tcpdiag_so()]:
            raise SystemExit("tshark did not load %s (tshark -G plugins lists %s)" % (self.tcpdiag_so(), with_it))
        if without:
            raise SystemExit("the baseline configuration loads tcpdiag anyway: %s" % without)
        return with_it[0]

    def has_field(self, name):
        return any(line.split("\t")[2:3] == [name]
                   for line in self.output(["-G", "fields"], True).splitlines())

    def has_stat(self, name):
        return any(line.strip() == name for line in self.output(["-z", "help"], True).splitlines())

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)
