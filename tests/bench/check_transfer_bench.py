#!/usr/bin/python3
"""Runs actors-transfer-bench --quick and checks what a user of its output relies on: one JSON
object per line with metric, value, unit and mode "cluster"; exactly the three metrics
(object_transfer_gigabytes, raw_tcp_gigabytes, object_transfer_vs_raw_tcp), each with a finite
positive value, one run per repeat and the transfer's size; the ratio is the median of the
per-run ratios; a bad flag is refused. Speed itself is not judged here.

    check_transfer_bench.py BENCH_BINARY
"""
import json
import math
import subprocess
import sys

UNITS = {"object_transfer_gigabytes": "GB/s", "raw_tcp_gigabytes": "GB/s", "object_transfer_vs_raw_tcp": "ratio"}
QUICK_SIZE = 64 << 20


def fail(message):
    print(f"check_transfer_bench: {message}", file=sys.stderr)
    sys.exit(1)


def positive(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def run(args):
    done = subprocess.run(args, capture_output=True, text=True, timeout=240)
    if done.returncode != 0:
        fail(f"{args} exited {done.returncode}:\n{done.stderr}")
    seen = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)  # raises, and fails the test, on anything but JSON
        for key in ("metric", "value", "unit", "mode"):
            if key not in record:
                fail(f"line without {key!r}: {line}")
        if record["mode"] != "cluster":
            fail(f"mode should be cluster: {line}")
        if record["metric"] in seen:
            fail(f"metric printed twice: {line}")
        if UNITS.get(record["metric"]) != record["unit"]:
            fail(f"unexpected metric or unit: {line}")
        if not positive(record["value"]):
            fail(f"value is not a positive number: {line}")
        runs = record.get("runs", [])
        if record.get("repeats") != 2 or len(runs) != 2 or not all(positive(r) for r in runs):
            fail(f"--repeat 2 should give two positive runs: {line}")
        if record.get("size_bytes") != QUICK_SIZE:
            fail(f"--quick should move {QUICK_SIZE} bytes: {line}")
        seen[record["metric"]] = record
    return seen


def main(bench):
    seen = run([bench, "--quick", "--repeat", "2"])
    if sorted(seen) != sorted(UNITS):
        fail(f"printed {sorted(seen)}, expected {sorted(UNITS)}")
    obj = seen["object_transfer_gigabytes"]["runs"]
    raw = seen["raw_tcp_gigabytes"]["runs"]
    ratios = sorted(o / r for o, r in zip(obj, raw))
    if not math.isclose(seen["object_transfer_vs_raw_tcp"]["value"], sum(ratios) / 2, rel_tol=1e-3):
        fail(f"the ratio should be the median of object/raw per run: {seen['object_transfer_vs_raw_tcp']}")
    bad = subprocess.run([bench, "--no-such-flag"], capture_output=True, text=True, timeout=60)
    if bad.returncode == 0 or "unknown" not in bad.stderr:
        fail(f"an unknown flag should be refused: rc={bad.returncode} stderr={bad.stderr!r}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: check_transfer_bench.py BENCH_BINARY")
    main(sys.argv[1])
