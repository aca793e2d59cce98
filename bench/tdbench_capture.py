"""Generates (or reuses) the benchmark's large real captures, cached outside the repository.

SPDX-License-Identifier: GPL-2.0-or-later

A capture is made in a private network namespace (`tdbench-gen-<pid>`),
deleted afterwards: loopback only, MTU 1500, offloads off so every segment
on the wire is an MTU-sized one as on Ethernet; an nft rule in the
prerouting hook drops a random ~1.5% of data segments *after* tcpdump saw
them (loss between the capture point and the receiver), so the capture
holds originals and their retransmissions; tcpdump writes pcap with
snaplen 128. The kernel's own counters (/proc/net/snmp of the namespace)
and nft's drop counter are stored beside the capture as its truth.

The 4x capture is made by generating four times the conversations in one
continuous run, not by duplicating or merging frames: duplicated frames
would be seen by TCP analysis as retransmissions of themselves, and a
longer run of the same generator is what a bigger real capture looks like.
Every conversation has its own client address:port (tdbench_traffic.py),
so no 4-tuple is reused however many conversations a run makes.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

# Bump when the traffic, the loss rule or the capture settings change:
# cached captures of another version are regenerated.
GENERATOR_VERSION = 1
CACHE_DIR = "/var/tmp/tcpdiag-bench"
SNAPLEN = 128
LOSS_PER_MILLE = 15
PORT_BASE, PORTS = 34981, 4    # no dissector owns these (see tdbench_traffic.py)
CONCURRENCY = 256
SEED = 20240601

# Size name -> conversations (about 22.7 packets each). "base" gives
# >= 1,000,000 packets; the quick pair only checks the benchmark end to end.
SIZES = {"base": 60000, "x4": 240000, "quick": 6000, "quick-x4": 24000}

NFT_RULES = """
table inet tdbench {
    counter data_segments {}
    counter data_dropped {}
    chain prerouting {
        type filter hook prerouting priority -300; policy accept;
        meta l4proto tcp tcp flags & (syn | fin | rst) == 0 ip length > 52 counter name data_segments
        meta l4proto tcp tcp flags & (syn | fin | rst) == 0 ip length > 52 numgen random mod 1000 < %d counter name data_dropped drop
    }
}
""" % LOSS_PER_MILLE

HERE = os.path.dirname(os.path.abspath(__file__))


def capture_path(size):
    return os.path.join(CACHE_DIR, "tdbench-%s.pcap" % size)


def meta_path(size):
    return capture_path(size) + ".json"


def read_meta(size):
    try:
        with open(meta_path(size)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def is_current(size):
    meta = read_meta(size)
    return (meta is not None and meta.get("generator_version") == GENERATOR_VERSION
            and os.path.exists(capture_path(size)))


def _run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def _snmp_tcp(ns):
    """The namespace's Tcp: counters from /proc/net/snmp."""
    lines = [l.split() for l in _run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"]).stdout.splitlines()
             if l.startswith("Tcp:")]
    return dict(zip(lines[0][1:], (int(v) for v in lines[1][1:])))


def _nft_counters(ns):
    out = json.loads(_run(["ip", "netns", "exec", ns, "nft", "-j", "list", "counters"]).stdout)
    return {item["counter"]["name"]: item["counter"]["packets"]
            for item in out.get("nftables", []) if "counter" in item}


def packet_count(path):
    out = _run(["capinfos", "-c", "-M", "-T", "-r", path]).stdout.strip().split("\t")
    return int(out[-1])


def _conversation_count(path):
    """Distinct TCP 4-tuples that sent a SYN, counted from the bytes (no tshark)."""
    out = _run(["tcpdump", "-n", "-r", path, "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"]).stdout
    return len(set(re.findall(r"IP (\S+) > (\S+):", out)))


def _stop(proc, sig=signal.SIGTERM):
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def generate(size, log=print):
    """Make the capture of `size` in a fresh namespace. Root only."""
    if os.geteuid() != 0:
        raise SystemExit("generating the %s capture needs root (a private network namespace): "
                         "run `sudo bench/run-bench`" % size)
    conversations = SIZES[size]
    os.makedirs(CACHE_DIR, exist_ok=True)
    os.chmod(CACHE_DIR, 0o755)
    ns = "tdbench-gen-%d" % os.getpid()
    partial = capture_path(size) + ".partial"
    tcpdump = server = None
    log("generating the %s capture: %d conversations in namespace %s (takes a while)"
        % (size, conversations, ns))
    started = time.monotonic()
    _run(["ip", "netns", "add", ns])
    try:
        nsx = ["ip", "netns", "exec", ns]
        _run(nsx + ["ip", "link", "set", "lo", "mtu", "1500", "up"])
        # Fixed offload features refuse to change; the ones that matter (tso, gso, gro) do.
        subprocess.run(nsx + ["ethtool", "-K", "lo", "tso", "off", "gso", "off", "gro", "off"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for key, value in (("net.core.somaxconn", "4096"), ("net.ipv4.tcp_max_syn_backlog", "8192")):
            _run(nsx + ["sysctl", "-qw", "%s=%s" % (key, value)])
        _run(nsx + ["nft", "-f", "-"], input=NFT_RULES)
        snmp_before = _snmp_tcp(ns)

        tcpdump = subprocess.Popen(nsx + ["tcpdump", "-i", "lo", "-n", "-s", str(SNAPLEN), "-B", "262144",
                                          "-Z", "root", "-w", partial],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   universal_newlines=True)
        if "listening on" not in tcpdump.stderr.readline():
            raise RuntimeError("tcpdump did not start")
        traffic = os.path.join(HERE, "tdbench_traffic.py")
        server = subprocess.Popen(nsx + [sys.executable, traffic, "server", str(PORT_BASE), str(PORTS)],
                                  stdout=subprocess.PIPE, universal_newlines=True)
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("traffic server did not start")
        client = _run(nsx + [sys.executable, traffic, "client", str(PORT_BASE), str(PORTS),
                             str(conversations), str(CONCURRENCY), str(SEED)])
        client_counts = json.loads(client.stdout.strip().splitlines()[-1])
        time.sleep(1)  # the last FIN/ACKs
        _stop(server)
        server = None
        _stop(tcpdump, signal.SIGINT)
        tcpdump_report = tcpdump.stderr.read()
        tcpdump = None
        snmp_after = _snmp_tcp(ns)
        nft = _nft_counters(ns)
    finally:
        _stop(server)
        _stop(tcpdump, signal.SIGINT)
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)

    kernel_drops = re.search(r"(\d+) packets? dropped by kernel", tcpdump_report)
    os.chmod(partial, 0o644)
    os.replace(partial, capture_path(size))
    path = capture_path(size)
    meta = {
        "generator_version": GENERATOR_VERSION,
        "size": size,
        "conversations_requested": conversations,
        "client": client_counts,
        "packets": packet_count(path),
        "conversations_with_syn": _conversation_count(path),
        "tcpdump_kernel_drops": int(kernel_drops.group(1)) if kernel_drops else None,
        "nft_data_segments": nft.get("data_segments"),
        "nft_data_dropped": nft.get("data_dropped"),
        "kernel_tcp": {k: snmp_after[k] - snmp_before.get(k, 0)
                       for k in ("ActiveOpens", "PassiveOpens", "OutSegs", "RetransSegs", "InSegs")},
        "snaplen": SNAPLEN,
        "generated_in_s": round(time.monotonic() - started, 1),
    }
    with open(meta_path(size), "w") as f:
        json.dump(meta, f, indent=1)
    os.chmod(meta_path(size), 0o644)
    return meta


def ensure(size, log=print):
    """Path and metadata of the capture of `size`, generating it when stale or missing."""
    if not is_current(size):
        generate(size, log)
    return capture_path(size), read_meta(size)


if __name__ == "__main__":
    print(json.dumps(ensure(sys.argv[1] if len(sys.argv) > 1 else "quick")[1], indent=1))
