#!/usr/bin/python3
"""Runs actors-bench against a real one-node cluster and checks what its cluster figures
promise: every line says "mode": "cluster", the values are finite and positive, and the large
object metrics (put into the node's store, a view from another process of the node),
recovery_s and recovery_hung_s (a node killed or stopped under its tasks, on a cluster the
benchmark starts itself) are there.
Speed itself is not judged here (that is the benchmark's job, on a quiet machine).

    check_cluster_bench.py BENCH_BINARY ACTORS_CLI
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

WANTED = ["single_client_put_gigabytes", "other_process_get_gigabytes", "other_process_get_view_us",
          "single_client_tasks_sync", "recovery_s", "recovery_hung_s"]


def fail(message):
    print(f"check_cluster_bench: {message}", file=sys.stderr)
    sys.exit(1)


def main(bench, cli):
    with tempfile.TemporaryDirectory(prefix="accb") as temp:
        env = dict(os.environ, ACTORS_TEMP_DIR=temp)
        start = subprocess.run([cli, "start", "--head", "--port", "0", "--num-cpus", "2",
                                "--object-store-memory", str(1 << 30), "--temp-dir", temp],
                               capture_output=True, text=True, timeout=60, env=env)
        try:
            if start.returncode != 0:
                fail(f"the head did not start:\n{start.stdout}\n{start.stderr}")
            address = re.search(r"address:\s+(\S+)", start.stdout).group(1)
            args = [bench, "--quick", "--repeat", "1", "--address", address]
            for w in WANTED:
                args += ["--filter", w]
            run = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
            if run.returncode != 0:
                fail(f"actors-bench exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
        finally:
            subprocess.run([cli, "stop", "--temp-dir", temp], capture_output=True, timeout=60, env=env)
    seen = {}
    for line in run.stdout.splitlines():
        record = json.loads(line)
        if record.get("mode") != "cluster":
            fail(f"mode should be cluster with --address: {line}")
        value = record.get("value")
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            fail(f"value is not a positive number: {line}")
        seen[record["metric"]] = record
    missing = [w for w in WANTED if w not in seen]
    if missing:
        fail(f"metrics asked for but not printed: {missing}\n{run.stdout}")
    if "cold_gb_per_s" not in seen["other_process_get_gigabytes"]:
        fail("other_process_get_gigabytes should report its cold first run")
    print(run.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: check_cluster_bench.py BENCH_BINARY ACTORS_CLI")
    main(sys.argv[1], sys.argv[2])
