"""Wall time, CPU time and peak memory of one child process, and medians over repetitions.

SPDX-License-Identifier: GPL-2.0-or-later

The child's own resource usage comes from os.wait4 (ru_utime + ru_stime,
ru_maxrss in KiB), so neither this script nor other processes on the
machine are counted; wall time is a monotonic clock around fork..reap and
is what other load on the machine disturbs most.
"""
import os
import statistics
import subprocess
import tempfile
import time


class Sample:
    __slots__ = ("wall_s", "cpu_s", "rss_kib", "status", "error")

    def __init__(self, wall_s, cpu_s, rss_kib, status, error=""):
        self.wall_s, self.cpu_s, self.rss_kib, self.status, self.error = wall_s, cpu_s, rss_kib, status, error


def run_once(argv, env, cwd):
    """Run argv with stdout discarded; a Sample of its resource usage."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:   # interrupted: leave no tool running behind the benchmark
            proc.kill()
            proc.wait()
            raise
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen quiet
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode,
                  text.strip()[-500:] if proc.returncode else "")


class Median:
    """Medians of the successful samples of one configuration."""

    def __init__(self, samples):
        ok = [s for s in samples if s.status == 0]
        self.count = len(ok)
        self.failures = [s for s in samples if s.status != 0]
        self.wall_s = statistics.median(s.wall_s for s in ok) if ok else None
        self.cpu_s = statistics.median(s.cpu_s for s in ok) if ok else None
        self.rss_mib = statistics.median(s.rss_kib for s in ok) / 1024 if ok else None
        self.wall_spread = (min(s.wall_s for s in ok), max(s.wall_s for s in ok)) if ok else None


def alternate(jobs, reps, on_sample=None):
    """Run every job once per repetition, rotating the order each time.

    jobs: {key: (argv, env, cwd)}. Rotating removes a bias for whichever job
    runs right after another (warm page cache, CPU frequency, neighbours).
    Returns {key: Median}.
    """
    keys = list(jobs)
    samples = {k: [] for k in keys}
    for rep in range(reps):
        shift = rep % len(keys) if keys else 0
        for key in keys[shift:] + keys[:shift]:
            sample = run_once(*jobs[key])
            samples[key].append(sample)
            if on_sample:
                on_sample(rep, key, sample)
    return {k: Median(v) for k, v in samples.items()}
