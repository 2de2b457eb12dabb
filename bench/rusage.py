#!/usr/bin/env python3
"""The controller's own CPU time of one command and everything it starts.

    bench/rusage.py OUT.json -- CMD [ARGS...]

Runs CMD as a child of this process, which makes itself a child subreaper
(prctl PR_SET_CHILD_SUBREAPER): a descendant that outlives its parent (an
`ssh -o ControlPersist` master that forks itself into the background, a plugin
the engine did not wait for) is re-parented to this process instead of init,
so its CPU time is still counted (reaped as they end: while CMD runs, this
process's cutime and cstime in /proc/PID/stat are what its orphans used so
far, which is how a long-running CMD such as sshd is measured). When CMD exits, the descendants it left are
sent SIGTERM (what a benchmark's settle step does to Ansible's persistent
connections), then SIGKILL after 5 s, and all are reaped. OUT.json then holds

    {"wall": s, "user": s, "sys": s, "maxrssKb": n, "code": n, "lingering": n}

user and sys are getrusage(RUSAGE_CHILDREN): every descendant that was waited
for, by its parent or by this process. Processes that run elsewhere (sshd and
the sessions under it, started by the benchmark, not by CMD) are not counted.
Exits with CMD's exit code; stdin, stdout and stderr are CMD's. SIGINT, SIGTERM
and SIGHUP are passed on to CMD.
"""
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def children(pid):
    """The pids whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: fields after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def reap_all(deadline_kill):
    """Waits for every remaining child; SIGKILL to those left at deadline_kill. Returns how many were reaped."""
    n = 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return n
        if pid:
            n += 1
            continue
        if time.monotonic() > deadline_kill:
            for c in children(os.getpid()):
                try:
                    os.kill(c, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.02)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write(__doc__)
        return 2
    out, cmd = sys.argv[1], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.stderr.write(f"rusage.py: prctl(PR_SET_CHILD_SUBREAPER): errno {ctypes.get_errno()}\n")
        return 2
    t0 = time.monotonic()
    child = subprocess.Popen(cmd)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, lambda sig, _frame: child.send_signal(sig))
    # Reaps as it goes (orphans re-parented here count at once, and leave no zombies on a long run)
    # until CMD itself ends.
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            code = child.wait()
            break
        if pid == child.pid:
            code = os.waitstatus_to_exitcode(status)
            child.returncode = code
            break
    wall = time.monotonic() - t0
    lingering = children(os.getpid())
    for c in lingering:
        try:
            os.kill(c, signal.SIGTERM)
        except ProcessLookupError:
            pass
    reap_all(time.monotonic() + 5)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrssKb": ru.ru_maxrss, "code": code, "lingering": len(lingering)}, f)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
