#!/usr/bin/env python3
"""Where a benchmark's CPU time goes, by program: the kernel's process accounting over a window.

    accton /var/log/pacct          # as root, before the run (apt-get install acct)
    ... run the benchmark, noting the phase's start and end (date +%s) ...
    bench/by-process.py /var/log/pacct START END
    accton off

Sums the user and system CPU seconds of every process that started and ended within [START, END]
(a second's slack at the start, five at the end), by command name and by side: "controller" for
root's processes (the tools and what they start), "target" for the test accounts' (what runs on the
hosts: sshd's sessions, the runner, Codex). The accounts' sshd pre-auth children run as root and are
listed as controller `sshd`; the scale benchmark's own measure (bench/rusage.py) does not count them.
"""
import collections
import datetime
import subprocess
import sys


def records(pacct):
    out = subprocess.run(["dump-acct", pacct], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = [x.strip() for x in line.split("|")]
        if len(f) < 15:
            continue
        # command|version|utime|stime|elapsed|uid|gid|mem|io|pid|ppid|flags|exit|tty|btime; times in 1/100 s.
        start = datetime.datetime.strptime(f[-1], "%a %b %d %H:%M:%S %Y").replace(tzinfo=datetime.timezone.utc).timestamp()
        yield f[0], (float(f[2]) + float(f[3])) / 100, start, start + float(f[4]) / 100, int(f[5])


def main():
    pacct, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cpu = collections.defaultdict(float)
    count = collections.Counter()
    for cmd, seconds, began, ended, uid in records(pacct):
        if began < start - 1 or ended > end + 5:
            continue
        key = ("controller" if uid == 0 else "target", cmd)
        cpu[key] += seconds
        count[key] += 1
    totals = collections.defaultdict(float)
    for (side, cmd), seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        totals[side] += seconds
        if seconds >= 0.5:
            print(f"{side:10} {cmd:16} {seconds:9.1f} s  {count[(side, cmd)]:7} processes")
    print("  ".join(f"{side} {seconds:.1f} s" for side, seconds in sorted(totals.items())))


if __name__ == "__main__":
    main()
