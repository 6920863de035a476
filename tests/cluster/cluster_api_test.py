#!/usr/bin/env python3
"""Runs a driver test binary against a real cluster on this machine: starts a head with the
`actors` CLI in a temp dir of its own (and with --nodes 3 two more nodes), runs the binary with
$ACTORS_ADDRESS set (its workers are started by the node managers from the same executable),
checks that the driver's workers are gone once it has exited, and stops the cluster. Every wait
is bounded.

One node has 2 CPUs. Three nodes: the head has 1 CPU, the second 2 CPUs and {"other": 1}, the
third 1 CPU, 2 GPUs and {"special": 2} — the shape the driver's "three nodes" tests expect.

Usage: cluster_api_test.py [--nodes 1|3] /path/to/actors /path/to/driver-test [driver args]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 60
DRIVER_TIMEOUT = 600
WORKERS_GONE_TIMEOUT = 15


def processes_of(executable):
    """Pids of running processes whose executable is `executable`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") == executable:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                        pids.append(int(entry))
        except OSError:
            pass
    return pids


NODE_SHAPES = {
    1: [["--num-cpus", "2"]],
    3: [["--num-cpus", "1"],
        ["--num-cpus", "2", "--resources", '{"other": 1}'],
        ["--num-cpus", "1", "--num-gpus", "2", "--resources", '{"special": 2}']],
}


def main():
    args = sys.argv[1:]
    nodes = 1
    if args[0] == "--nodes":
        nodes = int(args[1])
        args = args[2:]
    actors, driver, *driver_args = args
    driver = os.path.realpath(driver)
    temp = tempfile.mkdtemp(prefix="acl")  # short: Unix socket paths must fit in 107 bytes
    env = dict(os.environ)
    for name in ("ACTORS_TOKEN", "ACTORS_TOKEN_FILE", "ACTORS_ADDRESS"):
        env.pop(name, None)
    failed = False
    try:
        shapes = NODE_SHAPES[nodes]
        start = subprocess.run([actors, "start", "--head", "--port", "0", *shapes[0], "--temp-dir", temp],
                               capture_output=True, text=True, timeout=START_TIMEOUT, env=env)
        print(start.stdout, start.stderr, sep="\n", flush=True)
        if start.returncode != 0:
            print("cluster_api_test: the head did not start", flush=True)
            return 1
        match = re.search(r"address:\s+(\S+)", start.stdout)
        if not match:
            print("cluster_api_test: no address in the head's banner", flush=True)
            return 1
        env["ACTORS_ADDRESS"] = match.group(1)
        env["ACTORS_TEMP_DIR"] = temp
        env["ACTORS_TEST_CLI"] = actors  # a test adds a node of its own
        env["ACTORS_TEST_CHAOS_KILLER"] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chaos_killer.py")
        # The other nodes start side by side: each only needs the head.
        starting = [subprocess.Popen([actors, "start", "--address", match.group(1), *shape, "--temp-dir", temp],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
                    for shape in shapes[1:]]
        for node in starting:
            out, _ = node.communicate(timeout=START_TIMEOUT)
            if node.returncode != 0:
                print(out, "cluster_api_test: a node did not start", sep="\n", flush=True)
                failed = True
        if failed:
            return 1
        run = subprocess.run([driver, *driver_args], env=env, timeout=DRIVER_TIMEOUT)
        failed = run.returncode != 0
        # Workers are fate-shared with their driver: the node manager stops them once it left.
        deadline = time.monotonic() + WORKERS_GONE_TIMEOUT
        while processes_of(driver) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = processes_of(driver)
        if left:
            print(f"cluster_api_test: workers still running after the driver exited: {left}", flush=True)
            failed = True
    finally:
        subprocess.run([actors, "stop", "--temp-dir", temp], capture_output=True, timeout=START_TIMEOUT, env=env)
        for pid in processes_of(driver):
            os.kill(pid, 9)
        if failed:
            for root, _, files in os.walk(temp):
                for name in files:
                    if name.endswith(".log"):
                        path = os.path.join(root, name)
                        print(f"---- {path}")
                        with open(path, errors="replace") as f:
                            print(f.read()[-4000:])
        shutil.rmtree(temp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
