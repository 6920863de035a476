#!/usr/bin/python3
"""Runs actors-bench on a few cheap metrics and checks what a user of its output relies on:
one JSON object per line with metric, value, unit and mode; a finite, positive value for
each metric asked for; every run listed; and that tools/bench/compare.py turns it into a
table. Speed itself is not judged here (that is the benchmark's job, on a quiet machine).

    check_bench.py BENCH_BINARY COMPARE_PY
"""
import json
import math
import subprocess
import sys

WANTED = ["single_client_put_calls", "single_client_get_calls", "init_shutdown_s", "get_view_small_us",
          "object_transfer_gigabytes"]


def fail(message):
    print(f"check_bench: {message}", file=sys.stderr)
    sys.exit(1)


def main(bench, compare):
    args = [bench, "--quick", "--repeat", "1"]
    for w in WANTED:
        args += ["--filter", w]
    run = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        fail(f"actors-bench exited {run.returncode}:\n{run.stderr}")
    seen = {}
    for line in run.stdout.splitlines():
        record = json.loads(line)  # raises, and fails the test, on anything but JSON
        for key in ("metric", "value", "unit", "mode"):
            if key not in record:
                fail(f"line without {key!r}: {line}")
        if record["mode"] != "embedded":
            fail(f"mode should be embedded without an address: {line}")
        value = record["value"]
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            fail(f"value is not a positive number: {line}")
        if record.get("repeats") != 1 or len(record.get("runs", [])) != 1:
            fail(f"--repeat 1 should give one run: {line}")
        seen[record["metric"]] = record
    missing = [w for w in WANTED if w not in seen]
    if missing:
        fail(f"metrics asked for but not printed: {missing}\n{run.stdout}")
    extra = [m for m in seen if m not in WANTED]
    if extra:
        fail(f"--filter let through metrics not asked for: {extra}")

    # A bad flag is refused with a message, not ignored.
    bad = subprocess.run([bench, "--no-such-flag"], capture_output=True, text=True, timeout=60)
    if bad.returncode == 0 or "unknown argument" not in bad.stderr:
        fail(f"an unknown flag should be refused: rc={bad.returncode} stderr={bad.stderr!r}")

    table = subprocess.run([sys.executable, compare, "/dev/stdin"], input=run.stdout,
                           capture_output=True, text=True, timeout=60)
    if table.returncode != 0:
        fail(f"compare.py failed:\n{table.stderr}")
    for w in WANTED:
        if f"| {w} |" not in table.stdout:
            fail(f"compare.py left out {w}:\n{table.stdout}")
    print(table.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: check_bench.py BENCH_BINARY COMPARE_PY")
    main(sys.argv[1], sys.argv[2])
