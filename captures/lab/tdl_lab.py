"""tdl_lab.py - the machinery of the tcpdiag capture lab (namespaces, captures, counters, truth).

SPDX-License-Identifier: GPL-2.0-or-later

Imported by `tcpdiag-lab` (the command) and by the scenario modules
(tdl_retrans_scenarios.py, tdl_mss_scenarios.py). Nothing here runs by itself.
See tcpdiag-lab's help text and README.md for what a scenario records.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import queue
import time

import tdl_check

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "tdl_peer.py")
PY = "/usr/bin/python3"
# TCPDIAG_LAB_NS renames the namespaces (tdl_random.py runs several workers side by side)
_NS = os.environ.get("TCPDIAG_LAB_NS", "tdlab")
NS_CLI, NS_RTR, NS_SRV = _NS + "-cli", _NS + "-rtr", _NS + "-srv"
NSES = {"client": NS_CLI, "router": NS_RTR, "server": NS_SRV}
CLI4, RTRC4, RTRS4, SRV4 = "10.77.1.2", "10.77.1.1", "10.77.2.1", "10.77.2.2"
CLI6, RTRC6, RTRS6, SRV6 = "fd77:1::2", "fd77:1::1", "fd77:2::1", "fd77:2::2"
HOSTS = {
    "client": {"netns": NS_CLI, "addrs": [CLI4, CLI6], "iface": "cli0"},
    "server": {"netns": NS_SRV, "addrs": [SRV4, SRV6], "iface": "srv0"},
    "router": {"netns": NS_RTR, "addrs": [RTRC4, RTRS4, RTRC6, RTRS6],
               "ifaces": ["rtr-c", "rtr-s"]},
}
USE_DUMPCAP = shutil.which("dumpcap") is not None
CAPEXT = "pcapng" if USE_DUMPCAP else "pcap"

_created_ns = []
_procs = []
VERBOSE = True


def log(*a):
    if VERBOSE:
        print("[lab]", *a, file=sys.stderr, flush=True)


def run(cmd, check=True, ns=None, capture=True):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (r.returncode, " ".join(cmd),
                                                            r.stderr))
    return r.stdout if capture else ""


# ---------------------------------------------------------------- namespaces
def cleanup():
    for p in list(_procs):
        try:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(3)
        except Exception:
            pass
        _procs.remove(p)
    for ns in list(_created_ns):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        _created_ns.remove(ns)


def _sig(signum, frame):
    cleanup()
    sys.exit(128 + signum)


def setup_net():
    existing = run(["ip", "netns", "list"])
    for ns in NSES.values():
        if re.search(r"^%s\b" % re.escape(ns), existing, re.M):
            raise SystemExit("namespace %s already exists (another lab running? "
                             "if not: tcpdiag-lab --cleanup)" % ns)
    for ns in (NS_CLI, NS_RTR, NS_SRV):
        run(["ip", "netns", "add", ns])
        _created_ns.append(ns)
        run(["ip", "link", "set", "lo", "up"], ns=ns)
        # no IPv6 autoconf / DAD noise
        for k in ("net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0",
                  "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                  "net.ipv6.conf.default.router_solicitations=0"):
            run(["sysctl", "-qw", k], ns=ns)
    run(["ip", "link", "add", "cli0", "netns", NS_CLI, "address", "02:77:01:00:00:02",
         "type", "veth", "peer", "name", "rtr-c", "netns", NS_RTR,
         "address", "02:77:01:00:00:01"])
    run(["ip", "link", "add", "srv0", "netns", NS_SRV, "address", "02:77:02:00:00:02",
         "type", "veth", "peer", "name", "rtr-s", "netns", NS_RTR,
         "address", "02:77:02:00:00:01"])
    for ns, dev, a4, a6 in ((NS_CLI, "cli0", CLI4, CLI6), (NS_RTR, "rtr-c", RTRC4, RTRC6),
                            (NS_RTR, "rtr-s", RTRS4, RTRS6), (NS_SRV, "srv0", SRV4, SRV6)):
        run(["ip", "addr", "add", a4 + "/24", "dev", dev], ns=ns)
        run(["ip", "-6", "addr", "add", a6 + "/64", "dev", dev, "nodad"], ns=ns)
        run(["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off",
             "tx", "off", "rx", "off"], ns=ns)
        run(["ip", "link", "set", dev, "up"], ns=ns)
    run(["ip", "route", "add", "default", "via", RTRC4], ns=NS_CLI)
    run(["ip", "-6", "route", "add", "default", "via", RTRC6], ns=NS_CLI)
    run(["ip", "route", "add", "default", "via", RTRS4], ns=NS_SRV)
    run(["ip", "-6", "route", "add", "default", "via", RTRS6], ns=NS_SRV)
    run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns=NS_RTR)
    run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"], ns=NS_RTR)


# ---------------------------------------------------------------- counters
GAUGES = {"TcpCurrEstab", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn"}


def read_mibs(ns):
    out = {}
    txt = run(["cat", "/proc/net/snmp", "/proc/net/netstat"], ns=ns)
    lines = txt.splitlines()
    for i in range(0, len(lines) - 1, 2):
        h, v = lines[i].split(), lines[i + 1].split()
        if not h or h[0] != v[0]:
            continue
        pfx = h[0].rstrip(":")
        if pfx not in ("Tcp", "TcpExt", "Ip", "IpExt", "Icmp"):
            continue
        for k, val in zip(h[1:], v[1:]):
            out[pfx + k] = int(val)
    for line in run(["cat", "/proc/net/snmp6"], ns=ns).splitlines():
        p = line.split()
        if len(p) == 2 and (p[0].startswith("Icmp6") or p[0].startswith("Ip6")):
            out[p[0]] = int(p[1])
    return out


def mib_delta(before, after):
    d = {}
    for k, v in after.items():
        d[k] = v if k in GAUGES else v - before.get(k, 0)
    # convenience aliases: TcpExt counters also under their /proc/net/netstat name
    for k in list(d):
        if k.startswith("TcpExt"):
            d.setdefault(k[6:], d[k])
    return d


# effective values (defaults or changed) recorded per host in truth.json "kernel_sysctls"
REPORT_SYSCTLS = ["net.ipv4.tcp_congestion_control", "net.ipv4.tcp_syn_retries",
                  "net.ipv4.tcp_synack_retries", "net.ipv4.tcp_syn_linear_timeouts",
                  "net.ipv4.tcp_retries2", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_sack",
                  "net.ipv4.tcp_dsack", "net.ipv4.tcp_timestamps", "net.ipv4.tcp_window_scaling",
                  "net.ipv4.tcp_ecn", "net.ipv4.tcp_early_retrans", "net.ipv4.tcp_recovery",
                  "net.ipv4.tcp_thin_linear_timeouts", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
                  "net.ipv4.tcp_mtu_probing", "net.ipv4.tcp_base_mss", "net.ipv4.tcp_tw_reuse",
                  "net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_rto_min_us",
                  "net.ipv4.ip_no_pmtu_disc", "net.ipv4.ipfrag_time"]

# truth "expected_retrans[].injected": what the impairment did to the re-sent data
RETRANS_CAUSES = ("segment_lost", "ack_lost", "pmtu_blackhole", "ip_fragment_lost", "no_answer",
                  "congestion", "receiver_window_full")
# truth "expected_mss.reasons": MSS / fragmentation findings a perfect analyzer reports
MSS_REASONS = ("mss_absent", "mss_above_link", "mss_clamped", "segment_above_peer_mss",
               "offload_artefact", "ip_fragments", "df_clear", "fragment_reassembly_failed",
               "icmp_frag_needed", "pmtu_blackhole")

# the interfaces of the path, in order from client to server, with their namespace
PATH_IFACES = [("cli0", NS_CLI), ("rtr-c", NS_RTR), ("rtr-s", NS_RTR), ("srv0", NS_SRV)]
# ethtool -k feature names recorded in truth "path.offloads" (short name -> ethtool name)
OFFLOAD_FEATURES = {"tso": "tcp-segmentation-offload", "gso": "generic-segmentation-offload",
                    "gro": "generic-receive-offload", "tx-checksum": "tx-checksumming",
                    "rx-checksum": "rx-checksumming"}


def iface_mtu(dev, ns):
    return json.loads(run(["ip", "-j", "link", "show", "dev", dev], ns=ns))[0]["mtu"]


def iface_offloads(dev, ns):
    feats = {}
    for line in run(["ethtool", "-k", dev], ns=ns).splitlines():
        k, _, v = line.strip().partition(":")
        feats[k] = v.split()[0] if v.split() else ""
    return {short: feats.get(name) for short, name in OFFLOAD_FEATURES.items()}


# ---------------------------------------------------------------- ss
SS_RE = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$")


def ss_snapshot(ns):
    raw = run(["ss", "-tanoi"], ns=ns)
    socks = []
    cur = None
    for line in raw.splitlines()[1:]:
        if not line.strip():
            continue
        if line[0].isspace():
            if cur is not None:
                cur["info"] = (cur.get("info", "") + " " + line.strip()).strip()
                cur["raw"] += "\n" + line
            continue
        m = SS_RE.match(line)
        if not m:
            continue
        cur = {"state": m.group(1), "recv_q": int(m.group(2)), "send_q": int(m.group(3)),
               "local": m.group(4), "peer": m.group(5), "raw": line}
        t = re.search(r"timer:\(([^)]*)\)", m.group(6))
        if t:
            cur["timer"] = t.group(1)
        socks.append(cur)
    return raw, socks


# ---------------------------------------------------------------- processes
class Proc:
    def __init__(self, name, ns, argv):
        self.name = name
        self.argv = ["ip", "netns", "exec", ns] + argv
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        _procs.append(self.p)
        self.events = []
        self.q = queue.Queue()
        self.err = []
        threading.Thread(target=self._rd, daemon=True).start()
        threading.Thread(target=self._rde, daemon=True).start()

    def _rd(self):
        for line in self.p.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                e = {"ev": "text", "text": line}
            self.events.append(e)
            self.q.put(e)
        self.q.put({"ev": "exit"})

    def _rde(self):
        for line in self.p.stderr:
            self.err.append(line)

    def wait_ev(self, kind, timeout=60):
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                raise RuntimeError("%s: timeout waiting for %s; events=%s err=%s" %
                                   (self.name, kind, self.events, "".join(self.err)))
            try:
                e = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if e["ev"] == kind:
                return e
            if e["ev"] == "exit":
                raise RuntimeError("%s exited before %s; events=%s err=%s" %
                                   (self.name, kind, self.events, "".join(self.err)))

    def say(self, line="go"):
        try:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def finish(self, timeout=10):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.terminate()
            self.p.wait(5)
        if self.p in _procs:
            _procs.remove(self.p)


class Capture:
    def __init__(self, iface, path, ns=NS_RTR):
        self.path = path
        self.ns = ns
        if USE_DUMPCAP:
            argv = ["dumpcap", "-q", "-i", iface, "-s", "0", "-w", path]
        else:
            argv = ["tcpdump", "-i", iface, "-U", "-s", "0", "--immediate-mode", "-w", path]
        self.p = subprocess.Popen(["ip", "netns", "exec", ns] + argv,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _procs.append(self.p)
        # wait until the capture is really running
        end = time.time() + 10
        buf = ""
        os.set_blocking(self.p.stderr.fileno(), False)
        while time.time() < end:
            try:
                chunk = self.p.stderr.read()
            except (TypeError, OSError):
                chunk = None
            if chunk:
                buf += chunk
            if "Capturing on" in buf or "listening on" in buf or \
                    (os.path.exists(path) and os.path.getsize(path) > 0):
                break
            if self.p.poll() is not None:
                raise RuntimeError("capture on %s died: %s" % (iface, buf))
            time.sleep(0.05)
        time.sleep(0.3)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.terminate()
            self.p.wait(5)
        if self.p in _procs:
            _procs.remove(self.p)


# ---------------------------------------------------------------- the scenario context
def addr(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


class Scenario:
    def __init__(self, name, description, expect):
        self.name = name
        self.description = description
        self.expect = expect          # README paragraph
        self.dir = os.path.join(HERE, name)
        self.sysctls = {}
        self.impairments = []
        self.conversations = []
        self.programs = []
        self.nft_rules = []
        self.peers = []
        self.caps = []
        self.notes = []
        self.events = []              # timed lab actions (rule removed, ...)
        self.removed_counters = {}
        self.path_facts = {"icmp_frag_needed": "not_applicable", "mss_clamp": None}
        self.exp_retrans = []
        self.exp_mss = None
        self.capture_names = ["client-side", "server-side"]
        self.extra_caps = []          # (name, netns, iface) captured besides the router's
        self.faces = {"client-side": "client", "server-side": "server"}
        self.ss_when = None           # README wording when the snapshot is not 0.8 s after
        self.router_caps = True       # capture on rtr-c / rtr-s
        self.truth_extra = {}         # merged into truth.json (dicts are updated)
        self.post_checks = []         # fn(truth) -> [notes], run before truth is written
        self.tshark_check = True      # the randomized runs skip it (seconds per run; not truth)

    # --- setup helpers
    def sysctl(self, host, key, val):
        run(["sysctl", "-qw", "%s=%s" % (key, val)], ns=NSES[host])
        self.sysctls.setdefault(host, {})[key] = str(val)

    # chain name -> (table, hook spec); "egress_s" sees packets leaving rtr-s after IP
    # fragmentation and before the server-side capture point
    NFT_CHAINS = {
        "forward": ("inet tdlab", "type filter hook forward priority 0; policy accept;"),
        "output": ("inet tdlab", "type filter hook output priority 0; policy accept;"),
        "egress_s": ("netdev tdlab", "type filter hook egress device rtr-s priority 0; "
                                     "policy accept;"),
    }

    def _nft_chain(self, chain):
        table, spec = self.NFT_CHAINS[chain]
        if table not in self.nft_rules:
            run(["nft", "add table %s" % table], ns=NS_RTR)
            self.nft_rules.append(table)
        if chain not in self.nft_rules:
            run(["nft", "add chain %s %s { %s }" % (table, chain, spec)], ns=NS_RTR)
            self.nft_rules.append(chain)
        return table

    def nft(self, rule, direction, what, chain="forward"):
        """Add a router rule; returns its nft handle (for nft_remove)."""
        table = self._nft_chain(chain)
        out = run(["nft", "--echo", "--handle", "add rule %s %s %s" % (table, chain, rule)],
                  ns=NS_RTR)
        m = re.search(r"# handle (\d+)", out)
        handle = int(m.group(1)) if m else None
        imp = {"where": "router", "nft": rule, "direction": direction, "what": what}
        if chain != "forward":
            imp["chain"] = "%s %s" % (table, chain)
        self.impairments.append(imp)
        return handle

    def counter_key(self, chain, handle):
        """The truth nft_counters key of a rule added by nft()."""
        return "%s/%s#%d" % (self.NFT_CHAINS[chain][0].replace(" ", "/"), chain, handle)

    def nft_remove(self, chain, handle, what):
        """Delete a rule mid-scenario; its counter at removal goes to truth nft_counters."""
        table = self.NFT_CHAINS[chain][0]
        js = json.loads(run(["nft", "-j", "list", "ruleset"], ns=NS_RTR))
        for key, val in nft_counters(js).items():
            if key.endswith("/%s#%d" % (chain, handle)):
                self.removed_counters[key + " (removed)"] = val
        run(["nft", "delete rule %s %s handle %d" % (table, chain, handle)], ns=NS_RTR)
        self.events.append({"t": round(time.time(), 6), "what": what})

    def mtu(self, host, dev, mtu):
        run(["ip", "link", "set", "dev", dev, "mtu", str(mtu)], ns=NSES[host])

    def offload(self, host, dev, on):
        v = "on" if on else "off"
        run(["ethtool", "-K", dev, "tso", v, "gso", v, "gro", v, "tx", v, "rx", v],
            ns=NSES[host])

    def set_path(self, **kw):
        """Scenario facts for truth "path" (icmp_frag_needed, mss_clamp, notes)."""
        self.path_facts.update(kw)

    def expect_retrans(self, sender, injected, where, note):
        """What the impairment did: the cause a perfect analyzer should name."""
        assert injected in RETRANS_CAUSES, injected
        peer = "server" if sender == "client" else "client"
        self.exp_retrans.append({"sender": sender, "direction": "%s->%s" % (sender, peer),
                                 "injected": injected, "where": where, "note": note})

    def expect_mss(self, client, server, reasons=(), by_capture=None, **extra):
        """client / server: MSS option value in that side's SYN (SYN-ACK) at each capture
        point, {capture: value or None}; an int means the same at every capture point."""
        caps = [c for c in self.capture_names]
        spread = lambda v: v if isinstance(v, dict) else {c: v for c in caps}
        for r in reasons:
            assert r in MSS_REASONS, r
        d = {"client_announced": spread(client), "server_announced": spread(server),
             "reasons": list(reasons),
             "reasons_by_capture": by_capture if by_capture is not None
             else {c: list(reasons) for c in caps}}
        d.update(extra)
        self.exp_mss = d

    def tbf(self, iface, rate, burst, limit, direction, what):
        cmd = ["tc", "qdisc", "add", "dev", iface, "root", "tbf", "rate", rate,
               "burst", burst, "limit", limit]
        run(cmd, ns=NS_RTR)
        self.impairments.append({"where": "router", "tc": " ".join(cmd[1:]),
                                 "direction": direction, "what": what})

    def start(self, keep=()):
        if os.path.isdir(self.dir):
            for f in os.listdir(self.dir):
                if f.endswith((".pcap", ".pcapng", ".json")) and f not in keep:
                    os.unlink(os.path.join(self.dir, f))
        os.makedirs(self.dir, exist_ok=True)
        setup_net()

    def path_record(self):
        """truth "path": MTU and offloads of every interface, PMTU settings, scenario facts."""
        mtu = {dev: iface_mtu(dev, ns) for dev, ns in PATH_IFACES}
        pmtu = {}
        for h in ("client", "server"):
            pmtu[h] = {k: self.kernel_sysctls[h].get(k) for k in
                       ("net.ipv4.ip_no_pmtu_disc", "net.ipv4.tcp_mtu_probing")}
            pmtu[h]["ipv4_df"] = "set" if pmtu[h]["net.ipv4.ip_no_pmtu_disc"] == "0" else "clear"
        d = {"links": {"client": {"ifaces": ["cli0", "rtr-c"],
                                  "mtu": {"cli0": mtu["cli0"], "rtr-c": mtu["rtr-c"]}},
                       "server": {"ifaces": ["rtr-s", "srv0"],
                                  "mtu": {"rtr-s": mtu["rtr-s"], "srv0": mtu["srv0"]}}},
             "pmtu_discovery": pmtu,
             "offloads": {dev: iface_offloads(dev, ns) for dev, ns in PATH_IFACES}}
        d.update(self.path_facts)
        return d

    def counters_before(self):
        self.mib0 = {h: read_mibs(ns) for h, ns in NSES.items()}

    def capture(self):
        points = [("client-side", NS_RTR, "rtr-c"), ("server-side", NS_RTR, "rtr-s")]
        if not self.router_caps:
            points = []
        for side, ns, iface in points + self.extra_caps:
            path = os.path.join(self.dir, "%s.%s" % (side, CAPEXT))
            self.caps.append((side, iface, path, Capture(iface, path, ns)))
        self.t_capture = time.time()

    def capture_on_host(self, name, host, iface):
        """Also capture on an end host (call before capture())."""
        self.extra_caps.append((name, NSES[host], iface))
        self.capture_names.append(name)
        self.faces[name] = "%s host itself (%s in %s)" % (host, iface, NSES[host])

    def server(self, listen, port, actions, count=1, extra=()):
        argv = [PY, PEER, "server", "--listen", listen, "--port", str(port),
                "--count", str(count)] + list(extra) + list(actions)
        p = Proc("server", NS_SRV, argv)
        self.programs.append({"host": "server", "argv": argv[2:]})
        p.wait_ev("ready", 10)
        self.peers.append(p)
        return p

    def client(self, dst, port, actions, bind_port=None, count=1, extra=()):
        argv = [PY, PEER, "client", "--connect", dst, "--port", str(port),
                "--count", str(count)]
        if bind_port:
            argv += ["--bind-port", str(bind_port)]
        argv += list(extra) + list(actions)
        p = Proc("client", NS_CLI, argv)
        self.programs.append({"host": "client", "argv": argv[2:]})
        self.peers.append(p)
        return p

    def conv(self, client, server, expected, **kw):
        d = {"client": client, "server": server, "expected_handshake": expected}
        d.update(kw)
        self.conversations.append(d)

    # --- end of scenario
    def finish(self, settle=0.8, after_snapshot=None, write=True):
        time.sleep(settle)
        ss_raw, ss_parsed = {}, {}
        for h in ("client", "server"):
            ss_raw[h], ss_parsed[h] = ss_snapshot(NSES[h])
        t_ss = time.time()
        mib1 = {h: read_mibs(ns) for h, ns in NSES.items()}
        self.kernel_sysctls = {}
        for h in ("client", "server"):
            d = {}
            for k in REPORT_SYSCTLS:
                r = subprocess.run(["ip", "netns", "exec", NSES[h], "sysctl", "-n", k],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                if r.returncode == 0:
                    d[k] = r.stdout.strip()
            self.kernel_sysctls[h] = d
        nft_json = None
        if self.nft_rules:
            nft_json = json.loads(run(["nft", "-j", "list", "ruleset"], ns=NS_RTR))
        tc_stats = {}
        for dev in ("rtr-c", "rtr-s"):
            tc_stats[dev] = run(["tc", "-s", "qdisc", "show", "dev", dev], ns=NS_RTR)
        path_info = self.path_record()
        time.sleep(0.2)
        for side, iface, path, c in self.caps:
            c.stop()
            if os.path.exists(path):
                os.chmod(path, 0o644)
        if after_snapshot:
            after_snapshot()
        for p in self.peers:
            p.finish()
        self.client_events = [e for p in self.peers if p.name == "client" for e in p.events]
        self.server_events = [e for p in self.peers if p.name == "server" for e in p.events]
        truth = {
            "scenario": self.name,
            "crafted": False,
            "description": self.description,
            "hosts": {h: {"netns": v["netns"], "addrs": v["addrs"]} for h, v in HOSTS.items()},
            "captures": {side: {"file": os.path.basename(path), "iface": iface,
                                "netns": c.ns, "faces": self.faces.get(side, side)}
                         for side, iface, path, c in self.caps},
            "sysctls": self.sysctls,
            "impairments": self.impairments,
            "nstat": {h: mib_delta(self.mib0[h], mib1[h]) for h in NSES},
            "nstat_window": "from just before the captures started to the ss snapshot",
            "ss_end": ss_parsed,
            "ss_end_raw": ss_raw,
            "ss_end_delay_after_programs_s": settle,
            "nft_counters": dict(nft_counters(nft_json) if nft_json else {},
                                 **self.removed_counters),
            "nft_ruleset": nft_json,
            "tc_stats": tc_stats,
            "tshark_check": tdl_check.check_all([(side, path) for side, _, path, _ in self.caps])
            if self.tshark_check else None,
            "conversations": self.conversations,
            "path": path_info,
            "expected_retrans": self.exp_retrans,
            "expected_mss": self.exp_mss,
            "programs": self.programs,
            "program_events": {"client": self.client_events, "server": self.server_events},
            "notes": self.notes,
            "lab_events": self.events,
            "kernel_sysctls": self.kernel_sysctls,
            "kernel": os.uname().release,
            "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t_capture)),
        }
        for k, v in self.truth_extra.items():
            if isinstance(v, dict) and isinstance(truth.get(k), dict):
                truth[k].update(v)
            else:
                truth[k] = v
        if self.exp_mss is not None:
            self.notes.extend(tdl_check.cross_check(truth))
        for check in self.post_checks:
            # observations on the finished recording (nft counters, tshark facts) -> notes;
            # a check raises when the recording did not do what the scenario is for
            self.notes.extend(check(truth))
        if not write:
            cleanup()
            return truth
        self.write(truth, ss_parsed, settle)
        cleanup()
        return truth

    def write(self, truth, ss_parsed, settle):
        with open(os.path.join(self.dir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1, sort_keys=False)
            f.write("\n")
        with open(os.path.join(self.dir, "README.md"), "w") as f:
            f.write("# %s\n\n%s\n\n%s\n" % (self.name, self.description, self.expect))
            f.write("\nFinal `ss` states (%s):\n\n" % (
                self.ss_when or "%.1f s after the programs finished" % settle))
            for h in ("client", "server"):
                for s in ss_parsed[h]:
                    f.write("- %s: `%s %s -> %s`\n" % (h, s["state"], s["local"], s["peer"]))
            if self.notes:
                f.write("\nNotes:\n\n" + "".join("- %s\n" % n for n in self.notes))
            if self.exp_mss is not None:
                f.write(tdl_check.readme_section(truth))
            f.write("\nRecorded by `captures/lab/tcpdiag-lab %s` (kernel %s). Truth: "
                    "`truth.json`.\n" % (self.name, os.uname().release))


def nft_counters(js):
    out = {}
    for item in js.get("nftables", []):
        r = item.get("rule")
        if not r:
            continue
        pk = by = None
        for e in r.get("expr", []):
            if "counter" in e:
                pk, by = e["counter"]["packets"], e["counter"]["bytes"]
        out["%s/%s/%s#%d" % (r["family"], r["table"], r["chain"], r["handle"])] = \
            {"packets": pk, "bytes": by}
    return out


# ---------------------------------------------------------------- scenarios
SCEN = {}


def scenario(fn):
    SCEN[fn.__name__.replace("_", "-")] = fn
    return fn


def simple(s, sport, cport, cli_actions, srv_actions, dst=SRV4, listen="0.0.0.0",
           expected="complete", srv_extra=(), cli_extra=(), count=1):
    s.counters_before()
    s.capture()
    srv = s.server(listen, sport, srv_actions, count=count, extra=srv_extra)
    cli = s.client(dst, sport, cli_actions, bind_port=cport, count=count, extra=cli_extra)
    cli.wait_ev("done", 60)
    srv.wait_ev("done", 30)
    src = CLI6 if ":" in dst else CLI4
    for i in range(count):
        s.conv(addr(src, cport + i), addr(dst, sport), expected)
    return srv, cli

