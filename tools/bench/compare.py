#!/usr/bin/python3
"""Puts actors-bench beside the peers of ../shared/bench-peers, and beside the targets.

    build/release/tools/actors-bench > build/bench/actors.jsonl
    /usr/bin/python3 ../shared/bench-peers/dask_bench.py > build/bench/dask.jsonl
    /usr/bin/python3 tools/bench/compare.py build/bench/actors.jsonl build/bench/dask.jsonl ...

Prints a Markdown table on standard output: one row per comparable metric, our median, each
peer's value, the ratio to the best peer, and the target of issue 2 with whether it holds.
Peers' lines carry a "peer" field; ours carry "mode". Every file may hold lines of several
runs: values of one (source, metric) are reduced to their median.

Exit status: 0, or 1 when an input line is not a JSON object with metric and value (a broken
benchmark must not turn into a quiet table).
"""
import json
import statistics
import sys

# Our metric -> (peer metric, how to turn the peer's value into our unit).
# wait_1k_refs: Ray's definition (wait for one at a time until all 1,000 are ready) is the
# peers' wait_1k_refs_one_at_a_time_s, in seconds per iteration; ours is iterations/s.
PEER_METRIC = {
    "single_client_tasks_sync": ("tasks_sync_per_s", lambda v: v),
    "single_client_tasks_async": ("tasks_async_per_s", lambda v: v),
    "1_1_actor_calls_sync": ("actor_calls_sync_per_s", lambda v: v),
    "1_1_actor_calls_async": ("actor_calls_async_per_s", lambda v: v),
    "single_client_put_calls": ("put_small_per_s", lambda v: v),
    "single_client_get_calls": ("get_small_per_s", lambda v: v),
    "single_client_put_gigabytes": ("put_gigabytes_per_s", lambda v: v),
    "single_client_get_gigabytes": ("get_gigabytes_per_s", lambda v: v),
    "single_client_wait_1k_refs": ("wait_1k_refs_one_at_a_time_s", lambda v: 1 / v if v else None),
    "init_shutdown_s": ("startup_s", lambda v: v),
}

# Issue 2's targets (embedded mode): (kind, bound). "min" = at least, "max" = at most;
# "memcpy" = at least that fraction of memcpy_gigabytes measured in the same run.
TARGETS = {
    "single_client_tasks_sync": ("min", 50_000),
    "single_client_tasks_async": ("min", 1_000_000),
    "1_1_actor_calls_sync": ("min", 50_000),
    "1_1_actor_calls_async": ("min", 1_000_000),
    "single_client_put_calls": ("min", 1_000_000),
    "single_client_get_calls": ("min", 2_000_000),
    "single_client_put_gigabytes": ("memcpy", 0.5),
    "single_client_get_gigabytes": ("memcpy", 0.5),
    "get_view_us": ("max", 50),
    "single_client_wait_1k_refs": ("min", 50),
    "actors_created_per_s": ("min", 100_000),
    "tasks_queued_1m_s": ("max", 5),
    "tasks_queued_1m_peak_rss_mb": ("max", 1000),
    "init_shutdown_s": ("max", 0.05),
}

LOWER_IS_BETTER_UNITS = {"s", "us", "MB"}


def read_lines(path):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"compare.py: {path}:{number}: not JSON ({e})")
            if not isinstance(record, dict) or "metric" not in record or "value" not in record:
                raise SystemExit(f"compare.py: {path}:{number}: expected an object with metric and value")
            yield record


def collect(paths):
    """{source: {metric: [values]}} and {metric: unit}; source is the peer or "actors"."""
    values, units = {}, {}
    for path in paths:
        for r in read_lines(path):
            source = r.get("peer", "actors")
            if r["value"] is not None:
                values.setdefault(source, {}).setdefault(r["metric"], []).append(float(r["value"]))
            if source == "actors":
                units[r["metric"]] = r.get("unit", "")
    medians = {s: {m: statistics.median(v) for m, v in ms.items()} for s, ms in values.items()}
    return medians, units


def fmt(v):
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{round(v):,}"
    return f"{v:.4g}"


def target_cell(metric, ours):
    if metric not in TARGETS:
        return ""
    kind, bound = TARGETS[metric]
    value = ours.get(metric)
    if kind == "memcpy":
        memcpy = ours.get("memcpy_gigabytes")
        if value is None or not memcpy:
            return f"≥ {bound} × memcpy: —"
        ratio = value / memcpy
        return f"≥ {bound} × memcpy: {ratio:.2f} × {'✓' if ratio >= bound else '✗ miss'}"
    if value is None:
        return f"{'≥' if kind == 'min' else '≤'} {fmt(bound)}: —"
    holds = value >= bound if kind == "min" else value <= bound
    return f"{'≥' if kind == 'min' else '≤'} {fmt(bound)} {'✓' if holds else '✗ miss'}"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    medians, units = collect(argv[1:])
    ours = medians.get("actors", {})
    if not ours:
        raise SystemExit("compare.py: no actors-bench lines (lines without a \"peer\" field) in the inputs")
    peers = sorted(s for s in medians if s != "actors")
    peer_columns = "".join(f" {p} |" for p in peers) + (" actors ÷ best peer |" if peers else "")
    print("| metric | unit | actors |" + peer_columns + " target |")
    print("|---|---|---:|" + "---:|" * len(peers) + ("---:|" if peers else "") + "---|")
    for metric, value in ours.items():
        unit = units.get(metric, "")
        row = [metric, unit, fmt(value)]
        peer_values = []
        for p in peers:
            v = None
            if metric in PEER_METRIC:
                name, convert = PEER_METRIC[metric]
                raw = medians[p].get(name)
                v = convert(raw) if raw is not None else None
            peer_values.append(v)
            row.append(fmt(v))
        if peers:
            known = [v for v in peer_values if v]
            if known and value:
                lower = unit in LOWER_IS_BETTER_UNITS
                best = min(known) if lower else max(known)
                # Always "how many times better": >1 means ours wins.
                row.append(f"{(best / value if lower else value / best):,.1f} ×")
            else:
                row.append("")
        row.append(target_cell(metric, ours))
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
