"""tdl_trace.py - per-event kernel truth for a lab run: tracefs events (+ bpftrace for sequence numbers).

SPDX-License-Identifier: GPL-2.0-or-later

Tracing is global (every namespace shares one kernel), so the lab uses a private tracefs
instance (instances/tdlab-<pid>: its own buffer and event switches, nobody else's tracing is
touched) and filters on the lab's port ranges; the parser then keeps only the lab's addresses.

Events (tracefs): sock:inet_sock_set_state, tcp:tcp_retransmit_skb, tcp:tcp_retransmit_synack,
tcp:tcp_cong_state_set, tcp:tcp_probe, tcp:tcp_send_reset, tcp:tcp_receive_reset.
tcp_retransmit_skb carries the socket and the skb address but not the sequence number, and this
kernel has no kprobes; when bpftrace is installed a sidecar attaches to the same tracepoint and
prints the skb's TCP sequence range, flags and the socket's congestion state (icsk_ca_state) at
that instant (BTF types). Both clocks are CLOCK_MONOTONIC (trace_clock "mono", bpf_ktime_get_ns).

Clock alignment: pcapng timestamps are CLOCK_REALTIME. At start and end, the recorder reads
(monotonic, realtime) pairs back to back (the pair with the smallest gap of 20) and also writes a
trace_marker carrying the realtime; events.jsonl.gz keeps `t` (realtime seconds =
monotonic + offset) and `mono`; the header line says the offsets measured at start and end.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import time

EVENTS = ["sock/inet_sock_set_state", "tcp/tcp_retransmit_skb", "tcp/tcp_retransmit_synack",
          "tcp/tcp_cong_state_set", "tcp/tcp_probe", "tcp/tcp_send_reset",
          "tcp/tcp_receive_reset"]
# events with sport/dport fields get a kernel-side filter on the lab's ports
PORT_FILTERED = {"sock/inet_sock_set_state", "tcp/tcp_retransmit_skb", "tcp/tcp_retransmit_synack",
                 "tcp/tcp_cong_state_set", "tcp/tcp_probe", "tcp/tcp_receive_reset"}
BUFFER_KB = 16384          # per CPU; a 4 MB transfer makes ~10,000 events (~1.5 MB)
CA_STATES = {0: "Open", 1: "Disorder", 2: "CWR", 3: "Recovery", 4: "Loss"}


def tracefs_root():
    """The tracefs mount point; mounts it at /sys/kernel/tracing when nothing is mounted."""
    with open("/proc/mounts") as f:
        for line in f:
            p = line.split()
            if p[2] == "tracefs":
                return p[1]
    subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], check=True)
    return "/sys/kernel/tracing"


def clock_pair():
    """(monotonic, realtime) read back to back: the pair with the smallest gap of 20."""
    best = None
    for _ in range(20):
        a = time.clock_gettime(time.CLOCK_MONOTONIC)
        r = time.clock_gettime(time.CLOCK_REALTIME)
        b = time.clock_gettime(time.CLOCK_MONOTONIC)
        if best is None or b - a < best[0]:
            best = (b - a, (a + b) / 2, r)
    return {"mono": best[1], "real": best[2], "offset": best[2] - best[1], "gap_s": best[0]}


# Every freed packet of the lab's ports with the kernel's drop reason (skb:kfree_skb): the
# TCP header is read from skb->head + network_header (IPv4 / IPv6 without extension headers).
# struct offsets of this kernel's BTF (bpftool btf dump): sk_buff.cb at 40; in tcp_skb_cb seq 0,
# end_seq 4, tcp_gso_segs 8, tcp_flags 12, sacked 14. bpftrace 0.17 cannot take the address of
# an array member, hence raw reads; ca_state and snd_una come through BTF.
SKB_CB = 40
BPF_PROGRAM = r"""
tracepoint:tcp:tcp_retransmit_skb /(args->sport >= %(lo)d && args->sport < %(hi)d) || (args->dport >= %(lo)d && args->dport < %(hi)d)/ {
  $cb = (uint64)args->skbaddr + %(cb)d;
  $icsk = (struct inet_connection_sock *)args->skaddr;
  $tp = (struct tcp_sock *)args->skaddr;
  printf("R %%llu %%llx %%llx %%u %%u %%u %%u %%u %%u %%u %%u %%d %%u\n", nsecs, args->skaddr, args->skbaddr,
         args->sport, args->dport, *(uint32 *)($cb), *(uint32 *)($cb + 4), *(uint16 *)($cb + 12),
         $icsk->icsk_ca_state, $tp->snd_una, $tp->snd_nxt, args->err, *(uint16 *)($cb + 8));
}
tracepoint:skb:kfree_skb {
  $skb = (struct sk_buff *)args->skbaddr;
  $nh = (uint64)$skb->head + $skb->network_header;
  $b0 = *(uint8 *)$nh;
  $v = $b0 >> 4;
  $th = (uint64)0;
  $plen = (uint64)0;
  if ($v == 4 && *(uint8 *)($nh + 9) == 6) {
    $th = $nh + ($b0 & 15) * 4;
    $tl = *(uint16 *)($nh + 2);
    $plen = ((($tl & 0xff) << 8) | ($tl >> 8)) - ($b0 & 15) * 4;
  }
  if ($v == 6 && *(uint8 *)($nh + 6) == 6) {
    $th = $nh + 40;
    $pl = *(uint16 *)($nh + 4);
    $plen = (($pl & 0xff) << 8) | ($pl >> 8);
  }
  if ($th != 0) {
    $s = *(uint16 *)$th;
    $d = *(uint16 *)($th + 2);
    $sp = (($s & 0xff) << 8) | ($s >> 8);
    $dp = (($d & 0xff) << 8) | ($d >> 8);
    if (($sp >= %(lo)d && $sp < %(hi)d) || ($dp >= %(lo)d && $dp < %(hi)d)) {
      $q = *(uint32 *)($th + 4);
      $a = *(uint32 *)($th + 8);
      printf("D %%llu %%u %%u %%u %%u %%u %%u %%u %%d\n", nsecs, $sp, $dp,
             (($q & 0xff) << 24) | (($q & 0xff00) << 8) | (($q >> 8) & 0xff00) | ($q >> 24),
             (($a & 0xff) << 24) | (($a & 0xff00) << 8) | (($a >> 8) & 0xff00) | ($a >> 24),
             *(uint8 *)($th + 13), *(uint8 *)($th + 12) >> 4, $plen, args->reason);
    }
  }
}
BEGIN { printf("B ready\n"); }
"""


class Tracer:
    def __init__(self, out_dir, port_lo, port_hi):
        self.out_dir = out_dir
        self.port_lo, self.port_hi = port_lo, port_hi
        self.root = tracefs_root()
        self.inst = os.path.join(self.root, "instances", "tdlab-%d" % os.getpid())
        self.bpf = None
        self.notes = []

    def _w(self, rel, val):
        with open(os.path.join(self.inst, rel), "w") as f:
            f.write(val)

    def start(self):
        if os.path.isdir(self.inst):
            os.rmdir(self.inst)
        os.mkdir(self.inst)
        self._w("trace_clock", "mono")
        if os.path.exists(os.path.join(self.inst, "options", "hash-ptr")):
            # raw skb / socket addresses, to join the bpftrace records
            self._w("options/hash-ptr", "0")
        self._w("buffer_size_kb", str(BUFFER_KB))
        flt = "(sport >= %d && sport < %d) || (dport >= %d && dport < %d)" % (
            self.port_lo, self.port_hi, self.port_lo, self.port_hi)
        for ev in EVENTS:
            if ev in PORT_FILTERED:
                self._w("events/%s/filter" % ev, flt)
            self._w("events/%s/enable" % ev, "1")
        self._w("tracing_on", "1")
        if shutil.which("bpftrace"):
            self.bpf_out = open(os.path.join(self.out_dir, ".bpf.txt"), "w+")
            prog = BPF_PROGRAM % {"lo": self.port_lo, "hi": self.port_hi, "cb": SKB_CB}
            self.bpf = subprocess.Popen(["bpftrace", "-e", prog], stdout=self.bpf_out,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
            end = time.time() + 30
            while time.time() < end:
                self.bpf_out.seek(0)
                if "B ready" in self.bpf_out.read():
                    break
                if self.bpf.poll() is not None:
                    self.notes.append("bpftrace failed: no sequence numbers for retransmissions")
                    self.bpf = None
                    break
                time.sleep(0.1)
        else:
            self.notes.append("bpftrace not installed: no sequence numbers for retransmissions")
        self.sync0 = clock_pair()
        self._w("trace_marker", "tdl_sync real=%.9f" % time.clock_gettime(time.CLOCK_REALTIME))

    def stop(self):
        """Stop, write events.jsonl.gz; returns a summary for truth.json. Always removes the
        tracing instance and the bpftrace process, also when the run failed."""
        try:
            if not hasattr(self, "sync0"):
                return None           # start() was interrupted: nothing to write
            return self._stop()
        finally:
            if self.bpf and self.bpf.poll() is None:
                self.bpf.kill()
                self.bpf.wait(5)
            if os.path.isdir(self.inst):
                self._w("tracing_on", "0")
                for ev in EVENTS:
                    self._w("events/%s/enable" % ev, "0")
                os.rmdir(self.inst)

    def _stop(self):
        self._w("trace_marker", "tdl_sync real=%.9f" % time.clock_gettime(time.CLOCK_REALTIME))
        self.sync1 = clock_pair()
        time.sleep(0.1)
        self._w("tracing_on", "0")
        if self.bpf:
            self.bpf.terminate()
            try:
                self.bpf.wait(10)
            except subprocess.TimeoutExpired:
                self.bpf.kill()
                self.bpf.wait(5)
        with open(os.path.join(self.inst, "trace")) as f:
            text = f.read()
        try:
            with open(os.path.join(self.inst, "per_cpu", "cpu0", "stats")) as f:
                overrun = sum(int(l.split()[1]) for l in f if l.startswith("overrun"))
        except OSError:
            overrun = None
        bpf_lines = []
        if self.bpf:
            self.bpf_out.seek(0)
            bpf_lines = self.bpf_out.read().splitlines()
            self.bpf_out.close()
            os.unlink(self.bpf_out.name)
        return self._write(text, bpf_lines, overrun)

    def _write(self, text, bpf_lines, overrun):
        off = (self.sync0["offset"] + self.sync1["offset"]) / 2
        events = parse_trace(text)
        seqs = parse_bpf(bpf_lines)
        attach_sequences(events, seqs)
        events += parse_drops(bpf_lines, drop_reasons(self.root))
        events.sort(key=lambda e: e["mono"])
        markers = [e for e in events if e["ev"] == "marker"]
        marker_off = [m["real"] - m["mono"] for m in markers if "real" in m]
        header = {"ev": "header", "clock": "trace_clock mono (CLOCK_MONOTONIC)",
                  "offset_s": off, "offset_start_s": self.sync0["offset"],
                  "offset_end_s": self.sync1["offset"],
                  "offset_drift_s": self.sync1["offset"] - self.sync0["offset"],
                  "marker_offsets_s": marker_off, "ring_overrun": overrun,
                  "bpftrace_sequences": len(seqs), "notes": self.notes}
        path = os.path.join(self.out_dir, "events.jsonl.gz")
        counts = {}
        with gzip.open(path, "wt") as f:
            f.write(json.dumps(header) + "\n")
            for e in events:
                if e["ev"] == "marker":
                    continue
                e["t"] = round(e["mono"] + off, 6)
                counts[e["ev"]] = counts.get(e["ev"], 0) + 1
                f.write(json.dumps(e, separators=(",", ":")) + "\n")
        header["counts"] = counts
        return header


LINE_RE = re.compile(r"^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\w+):\s*(.*)$")
KV_RE = re.compile(r"(\w+)=(\S+)")


def _addr_port(v):
    """'10.77.1.2:40000' / '[fd77:1::2]:40000' -> (addr, port)."""
    if v.startswith("["):
        a, _, p = v[1:].partition("]:")
    else:
        a, _, p = v.rpartition(":")
    return a, int(p) if p.isdigit() else None


def _lab_addr(a):
    return a.startswith("10.77.") or a.startswith("fd77:")


def parse_trace(text):
    """tracefs text -> event dicts with addresses, ports and fields; lab addresses only."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = LINE_RE.match(line)
        if not m:
            continue
        mono, name, rest = float(m.group(4)), m.group(5), m.group(6)
        if name in ("tracing_mark_write", "print"):
            r = re.search(r"tdl_sync real=([\d.]+)", rest)
            if r:
                out.append({"ev": "marker", "mono": mono, "real": float(r.group(1))})
            continue
        kv = dict(KV_RE.findall(rest))
        e = {"ev": name, "mono": mono, "cpu": int(m.group(3))}
        if "src" in kv:
            e["saddr"], e["sport"] = _addr_port(kv["src"])
            e["daddr"], e["dport"] = _addr_port(kv["dest"])
        else:
            v6 = kv.get("family") == "AF_INET6"
            e["saddr"] = kv.get("saddrv6" if v6 else "saddr")
            e["daddr"] = kv.get("daddrv6" if v6 else "daddr")
            e["sport"] = int(kv["sport"]) if "sport" in kv else None
            e["dport"] = int(kv["dport"]) if "dport" in kv else None
        if e["saddr"] and e["saddr"].startswith("::ffff:"):
            e["saddr"], e["daddr"] = e["saddr"][7:], e["daddr"][7:]
        if not (e["saddr"] and _lab_addr(e["saddr"])):
            continue
        for k in ("skaddr", "skbaddr"):
            if k in kv:
                e[k] = kv[k]
        if name == "inet_sock_set_state":
            e["old"], e["new"] = kv["oldstate"], kv["newstate"]
        elif name == "tcp_retransmit_skb":
            e["state"], e["err"] = kv["state"], int(kv["err"])
        elif name == "tcp_cong_state_set":
            e["ca_state"] = CA_STATES.get(int(kv["cong_state"]), kv["cong_state"])
        elif name == "tcp_probe":
            for k in ("data_len", "snd_cwnd", "ssthresh", "snd_wnd", "srtt", "rcv_wnd"):
                e[k] = int(kv[k])
            for k in ("snd_nxt", "snd_una"):
                e[k] = int(kv[k], 16)
        elif name == "tcp_send_reset":
            e["state"], e["reason"] = kv.get("state"), kv.get("reason")
        out.append(e)
    return out


def drop_reasons(root):
    """skb_drop_reason number -> name, from the kfree_skb event format of this kernel."""
    try:
        with open(os.path.join(root, "events", "skb", "kfree_skb", "format")) as f:
            return {int(n): name for n, name in re.findall(r'\{ (\d+), "(\w+)" \}', f.read())}
    except OSError:
        return {}


def parse_drops(lines, reasons):
    """bpftrace 'D' lines -> kfree_skb events (packets the kernel freed, with the reason)."""
    out = []
    for line in lines:
        p = line.split()
        if len(p) != 10 or p[0] != "D":
            continue
        doff, plen = int(p[7]), int(p[8])
        out.append({"ev": "kfree_skb", "mono": int(p[1]) / 1e9, "sport": int(p[2]),
                    "dport": int(p[3]), "seq": int(p[4]), "ack": int(p[5]),
                    "tcp_flags": int(p[6]), "len": max(0, plen - doff * 4),
                    "reason": reasons.get(int(p[9]), p[9])})
    return out


def parse_bpf(lines):
    """bpftrace 'R' lines -> retransmission records in time order."""
    out = []
    for line in lines:
        p = line.split()
        if len(p) != 14 or p[0] != "R":
            continue
        out.append({"mono": int(p[1]) / 1e9, "skaddr": p[2], "skbaddr": p[3],
                    "sport": int(p[4]), "dport": int(p[5]), "seq": int(p[6]),
                    "end_seq": int(p[7]), "tcp_flags": int(p[8]),
                    "ca_state": CA_STATES.get(int(p[9]), p[9]), "snd_una": int(p[10]),
                    "snd_nxt": int(p[11]), "err": int(p[12]), "gso_segs": int(p[13])})
    return out


def _ptr(v):
    try:
        return int(v.replace("0x", ""), 16)
    except ValueError:
        return None


def attach_sequences(events, seqs):
    """Give each tcp_retransmit_skb event the bpftrace record of the same skb (same skb
    address and ports, nearest time within 1 ms): seq, end_seq, tcp_flags, ca_state."""
    pool = {}
    for s in seqs:
        pool.setdefault((_ptr(s["skbaddr"]), s["sport"], s["dport"]), []).append(s)
    for e in events:
        if e["ev"] != "tcp_retransmit_skb":
            continue
        cands = pool.get((_ptr(e.get("skbaddr", "0")), e["sport"], e["dport"])) or []
        best = None
        for s in cands:
            d = abs(s["mono"] - e["mono"])
            if d < 0.001 and (best is None or d < abs(best["mono"] - e["mono"])):
                best = s
        if best:
            cands.remove(best)
            for k in ("seq", "end_seq", "tcp_flags", "ca_state", "snd_una", "snd_nxt", "gso_segs"):
                e[k] = best[k]
