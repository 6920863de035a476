#!/usr/bin/env python3
"""The killer of the chaos test (cluster_api_test.cpp, "three nodes"): while the driver runs
its DAG, sends SIGKILL every INTERVAL_MS to one process chosen at random among those whose
executable is EXE (the driver's workers) and that run for a second at least, never to
DRIVER_PID, and once, AT_S seconds in, to
NODE_PID (a node manager, whose workers then exit too). Stops when the file STOP exists, when
the driver is gone, or after 300 s, and prints "killed N workers, node K" as its last line.

Usage: chaos_killer.py EXE DRIVER_PID INTERVAL_MS NODE_PID AT_S STOP
"""
import os
import random
import signal
import sys
import time

LIMIT_S = 300
MIN_AGE_S = 1.0


TICKS = os.sysconf("SC_CLK_TCK")


def age_s(pid):
    """Seconds since the process started."""
    with open(f"/proc/{pid}/stat") as f:
        started = int(f.read().rsplit(")", 1)[1].split()[19]) / TICKS
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) - started


def processes_of(executable, but, min_age):
    """Running workers: processes of `executable` other than `but`, alive for min_age seconds
    at least (one still starting is not a worker yet: under the sanitizers a start takes longer
    than the killer's interval, and killing only those would starve the DAG, not test it)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == but:
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") == executable and age_s(entry) >= min_age:
                pids.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return pids


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main():
    executable, driver, interval_ms, node, at_s, stop = sys.argv[1:7]
    driver, node = int(driver), int(node)
    interval, at = int(interval_ms) / 1000.0, float(at_s)
    started = time.monotonic()
    killed, node_killed = 0, 0
    while not os.path.exists(stop) and alive(driver) and time.monotonic() - started < LIMIT_S:
        time.sleep(interval)
        if not node_killed and time.monotonic() - started >= at:
            try:
                os.kill(node, signal.SIGKILL)
                node_killed = 1
            except OSError:
                pass
        victims = processes_of(executable, driver, MIN_AGE_S)
        if victims:
            try:
                os.kill(random.choice(victims), signal.SIGKILL)
                killed += 1
            except OSError:
                pass  # it exited on its own meanwhile
    print(f"killed {killed} workers, node {node_killed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
