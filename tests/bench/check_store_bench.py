#!/usr/bin/python3
"""Runs actors-store-bench --quick and checks what a user of its output relies on: one JSON
object per line with metric, value, unit and mode "store"; every metric it lists, each with a
finite positive value and one run per repeat; --filter keeps to what was asked; a bad flag is
refused. Speed itself is not judged here.

    check_store_bench.py BENCH_BINARY SPILL_DIR
"""
import json
import math
import subprocess
import sys

METRICS = ["store_spill_write_gib_s", "store_spill_rewrite_gib_s", "store_restore_gib_s",
           "store_restore_cold_gib_s", "cross_process_attach_us", "cross_process_first_read_gib_s",
           "cross_process_read_gib_s", "in_process_read_gib_s", "chunk_assemble_gib_s"]


def fail(message):
    print(f"check_store_bench: {message}", file=sys.stderr)
    sys.exit(1)


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
        if record["mode"] != "store":
            fail(f"mode should be store: {line}")
        value = record["value"]
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            fail(f"value is not a positive number: {line}")
        if record.get("repeats") != 2 or len(record.get("runs", [])) != 2:
            fail(f"--repeat 2 should give two runs: {line}")
        seen[record["metric"]] = record
    return seen


def main(bench, spill_dir):
    seen = run([bench, "--quick", "--repeat", "2", "--spill-dir", spill_dir])
    if sorted(seen) != sorted(METRICS):
        fail(f"printed {sorted(seen)}, expected {sorted(METRICS)}")
    only = run([bench, "--quick", "--repeat", "2", "--spill-dir", spill_dir, "--filter", "chunk"])
    if list(only) != ["chunk_assemble_gib_s"]:
        fail(f"--filter chunk printed {list(only)}")
    bad = subprocess.run([bench, "--no-such-flag"], capture_output=True, text=True, timeout=60)
    if bad.returncode == 0 or "unknown" not in bad.stderr:
        fail(f"an unknown flag should be refused: rc={bad.returncode} stderr={bad.stderr!r}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: check_store_bench.py BENCH_BINARY SPILL_DIR")
    main(sys.argv[1], sys.argv[2])
