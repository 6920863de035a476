#!/usr/bin/env python3
"""An actors cluster across three "hosts" made of network namespaces: a head in h1, nodes in h2
and h3 with different resources, each host with a temp dir of its own (they share no session
folder, so tokens travel as they would between machines). Checks membership, token refusal,
placement by custom resource and values crossing hosts (a driver program on h1), failure
detection when h3's link is cut, and what happens when the link comes back.

Needs root and iproute2; exits 77 (skipped) without them or where namespaces cannot be made.
Everything it creates (daemons, namespaces, veths, bridge, its temp dir) is removed in a
finally block, and every wait is bounded. docs/cluster.md, "The network-namespace test".

Usage: netns_test.py /path/to/actors [/path/to/cluster_api_test]
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
SUBNET = "10.77.41"  # a /24 nobody routes; the bridge lives in a namespace of its own anyway
RUN_TIMEOUT = 60  # seconds any one command may take (ASan builds are slow to start)
READY_TIMEOUT = 30  # `actors start` itself gives up after 30 s
BUDGET = 220  # seconds for the scenario; cleanup follows (CTest's TIMEOUT is 300)
ACTORS = None  # the binary, from argv
DRIVER = None  # cluster_api_test, from argv: a driver program for the placement step


class failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise failure(message)


def sh(*args, timeout=10, ok=True):
    """Runs a setup command (ip ...); raises failure with its stderr unless it succeeded."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if ok and p.returncode != 0:
        raise failure(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def env_with(extra):
    """Our environment plus `extra`, but never a token inherited from whoever runs the test."""
    env = {k: v for k, v in os.environ.items() if k != "ACTORS_TOKEN"}
    env.update(extra or {})
    return env


def attempt(what, action):
    """Runs one cleanup step; a step that fails or hangs must not keep the others from running."""
    try:
        action()
    except (OSError, subprocess.SubprocessError) as e:
        print(f"  cleanup: {what} failed: {e}")


def wait_for(what, predicate, timeout):
    """Polls predicate until it returns something true; fails naming `what` after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise failure(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


class testbed:
    """A bridge in namespace <tag>-br and one namespace per host, each joined to the bridge by a
    veth pair. Nothing is added to the root namespace, so parallel runs (the pid is in the tag)
    and the machine's own network cannot collide with it."""

    def __init__(self, hosts):
        self.tag = f"actnet-{os.getpid()}"
        self.bridge_ns = f"{self.tag}-br"
        self.hosts = [f"{self.tag}-h{i}" for i in range(1, hosts + 1)]
        self.made = []  # namespaces that exist, for teardown

    def ip_of(self, i):
        return f"{SUBNET}.{i + 1}"

    def veth(self, i):  # the host-side end, in the bridge's namespace: cutting it cuts host i
        return f"veth{i + 1}"

    def up(self):
        """Returns None, or why the environment cannot make namespaces (a reason to skip)."""
        p = sh("ip", "netns", "add", self.bridge_ns, ok=False)
        if p.returncode != 0:
            return f"cannot create a network namespace ({p.stderr.strip()})"
        self.made.append(self.bridge_ns)
        p = sh("ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge", ok=False)
        if p.returncode != 0:
            return f"cannot create a bridge in a network namespace ({p.stderr.strip()})"
        sh("ip", "-n", self.bridge_ns, "link", "set", "br0", "up")
        for i, ns in enumerate(self.hosts):
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
            sh("ip", "-n", self.bridge_ns, "link", "add", self.veth(i), "type", "veth", "peer", "name", "eth0",
               "netns", ns)
            sh("ip", "-n", self.bridge_ns, "link", "set", self.veth(i), "master", "br0")
            sh("ip", "-n", self.bridge_ns, "link", "set", self.veth(i), "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.ip_of(i)}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        return None

    def set_link(self, i, state):
        sh("ip", "-n", self.bridge_ns, "link", "set", self.veth(i), state)

    def down(self):
        # Veths first: deleting one is synchronous, while a namespace's devices go away
        # asynchronously after `ip netns del` (cluster-testbed.md).
        if self.bridge_ns in self.made:
            for i in range(len(self.hosts)):
                attempt(f"deleting {self.veth(i)}", lambda: sh("ip", "-n", self.bridge_ns, "link", "del",
                                                               self.veth(i), ok=False))
        for ns in reversed(self.made):
            attempt(f"deleting namespace {ns}", lambda: sh("ip", "netns", "del", ns, ok=False))
        self.made = []

    def exec_prefix(self, i):
        return ["ip", "netns", "exec", self.hosts[i]]


class cluster:
    """The daemons and commands of the test, each run on one host of the test-bed."""

    def __init__(self, bed, work):
        self.bed = bed
        self.work = work
        self.procs = []  # (name, Popen, log path) of every --block daemon started
        self.temp_dirs = []  # every --temp-dir handed out, for `actors stop` at the end
        self.head_address = None
        self.head_dir = None
        self.token = None  # the cluster token, hex
        self.h2_dir = None
        self.ids = {}  # "head", "h2", "h3": the node id each host runs now

    def temp_dir(self, host, name):
        # Short paths: the head's Unix socket path must fit in 107 bytes.
        d = os.path.join(self.work, f"h{host + 1}-{name}")
        os.makedirs(d, exist_ok=True)
        self.temp_dirs.append(d)
        return d

    def actors(self, host, *args, env=None):
        """Runs `actors args` on host (one namespace); never inherits a token from our caller."""
        return subprocess.run([*self.bed.exec_prefix(host), ACTORS, *args], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, env=env_with(env), stdin=subprocess.DEVNULL)

    def start_block(self, host, name, *args, env=None):
        """Starts `actors start ... --block` on host and waits until it says it is running.
        Returns (node id, pid). `ip netns exec` execs the command, so the Popen is the daemon."""
        log_path = os.path.join(self.work, f"{name}.log")
        with open(log_path, "w") as log:
            p = subprocess.Popen([*self.bed.exec_prefix(host), ACTORS, "start", *args, "--block"], stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env_with(env),
                                 start_new_session=True)
        self.procs.append((name, p, log_path))

        def started():
            text = read(log_path)
            if p.poll() is not None:
                raise failure(f"{name} exited {p.returncode} while starting:\n{text}")
            return re.search(r"\(node ([0-9a-f]{32}), pid (\d+)\).*Running in the foreground", text, re.S)

        m = wait_for(f"{name} to start", started, READY_TIMEOUT)
        check(int(m.group(2)) == p.pid, f"{name}: the daemon's pid {m.group(2)} is not the one we started ({p.pid})")
        return m.group(1), p.pid

    def process(self, name):
        return next(p for n, p, _ in self.procs if n == name)

    def log_of(self, name):
        return read(next(path for n, _, path in self.procs if n == name))

    def status(self, host=0):
        """`actors status --json` on host (the head's by default), by TCP to the head's address."""
        p = self.actors(host, "status", "--json", "--address", self.head_address, "--temp-dir", self.head_dir)
        check(p.returncode == 0, f"actors status exited {p.returncode}: {p.stderr}")
        s = json.loads(p.stdout)
        return s, {n["node_id"]: n for n in s["nodes"]}

    def run_driver(self, program, *args, timeout=60):
        """Runs a driver program on the head's host, connected to the cluster, and returns its
        CompletedProcess."""
        env = env_with({"ACTORS_ADDRESS": self.head_address, "ACTORS_TOKEN": self.token})
        try:
            return subprocess.run([*self.bed.exec_prefix(0), program, *args], capture_output=True, text=True,
                                  timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            raise failure(f"the driver {os.path.basename(program)} did not finish within {timeout} s:\n"
                          f"{out[-3000:]}\n{err[-3000:]}")

    def start_driver(self, program, *args, env=None):
        """Starts a driver program on the head's host in the background; returns its Popen, whose
        output goes to a log of its own (see `driver_log`)."""
        self.driver_log = os.path.join(self.work, "background-driver.log")
        with open(self.driver_log, "w") as log:
            p = subprocess.Popen([*self.bed.exec_prefix(0), program, *args], stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True,
                                 env=env_with({"ACTORS_ADDRESS": self.head_address, "ACTORS_TOKEN": self.token,
                                               **(env or {})}))
        self.procs.append(("driver", p, self.driver_log))
        return p

    def stop_all(self):
        """SIGTERM to the nodes, then to the head (so nodes can say they leave, as `actors stop`
        does), SIGKILL to what outlives a grace period; then `actors stop` per temp dir for
        daemons that `actors start` forked. Every wait is bounded."""
        nodes = [(n, p) for n, p, _ in self.procs if n != "head"]  # and a background driver
        head = [(n, p) for n, p, _ in self.procs if n == "head"]
        for group in (nodes, head):
            for _, p in group:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for name, p in group:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    print(f"  cleanup: {name} ignored SIGTERM for 10 s; killing it")
                    p.kill()
                    attempt(f"waiting for {name} after SIGKILL", lambda: p.wait(timeout=5))
        for d in self.temp_dirs:
            attempt(f"actors stop --temp-dir {d}", lambda: subprocess.run(
                [ACTORS, "stop", "--temp-dir", d, "--grace-period", "3"], capture_output=True, timeout=30))

    def print_logs(self):
        paths = [path for _, _, path in self.procs]
        for d in self.temp_dirs:  # daemons forked by `actors start` log into their session folder
            for root, _, files in os.walk(d):
                paths += [os.path.join(root, f) for f in sorted(files) if f.endswith(".log")]
        for path in paths:
            print(f"----- {path}\n{read(path)}", end="")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def write_token(path, hex_token):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(hex_token + "\n")


def expect_resources(node, cpus, store, custom):
    """Exactly these resources: CPU, the store, memory (what the machine has beyond the store)
    and the custom ones; no GPU, since every daemon here says --num-gpus 0."""
    total = node["resources_total"]
    check(set(total) == {"CPU", "memory", "object_store_memory", *custom},
          f"node {node['node_id']} has resources {sorted(total)}")
    check(total["CPU"] == cpus and total["object_store_memory"] == store and total["memory"] > 0,
          f"node {node['node_id']} has {total}")
    for name, amount in custom.items():
        check(total[name] == amount, f"node {node['node_id']} has {name} = {total[name]}, not {amount}")
    check(node["resources_available"] == total, f"node {node['node_id']}: available {node['resources_available']}")


STORE = 64 << 20  # an explicit store size, so the expected resources do not depend on the machine
NO_GPU_FIXED_STORE = ["--num-gpus", "0", "--object-store-memory", str(STORE)]
H2_FLAGS = ["--num-cpus", "2", *NO_GPU_FIXED_STORE, "--resources", '{"gpu_like": 1}']
H3_FLAGS = ["--num-cpus", "1", *NO_GPU_FIXED_STORE, "--resources", '{"disk": 4}']


# The scenario, step by step. Each step runs on the cluster `c` (its test-bed is c.bed), may use
# what earlier steps left in c.ids, and returns a line for the log.

def start_cluster(c):
    """The head on h1 (default port: each namespace has its own ports), nodes on h2 and h3.
    h2 gets the token as a copied file, h3 in $ACTORS_TOKEN: the two ways docs/cluster.md gives.
    h3's nodes are not told their address: the namespaces have no default route, as many
    cluster hosts have none, so this checks that the CLI finds the interface's address."""
    bed = c.bed
    c.head_dir = c.temp_dir(0, "head")
    c.ids["head"], _ = c.start_block(0, "head", "--head", "--node-ip", bed.ip_of(0), "--temp-dir", c.head_dir,
                                     "--num-cpus", "1", *NO_GPU_FIXED_STORE)
    c.head_address = f"{bed.ip_of(0)}:6379"
    session = os.path.realpath(os.path.join(c.head_dir, "session_latest"))
    c.token = read(os.path.join(session, "token")).strip()
    c.h2_dir = c.temp_dir(1, "node")
    write_token(os.path.join(c.h2_dir, "token"), c.token)
    c.ids["h2"], _ = c.start_block(1, "node-h2", "--address", c.head_address, "--node-ip", bed.ip_of(1),
                                   "--temp-dir", c.h2_dir, "--token-file", os.path.join(c.h2_dir, "token"),
                                   *H2_FLAGS)
    c.h3_dir = c.temp_dir(2, "node")
    c.ids["h3"], _ = c.start_block(2, "node-h3", "--address", c.head_address, "--temp-dir",
                                   c.h3_dir, *H3_FLAGS, env={"ACTORS_TOKEN": c.token})
    return f"head {c.ids['head'][:8]} on h1, nodes {c.ids['h2'][:8]} on h2 and {c.ids['h3'][:8]} on h3"


def status_shows_each_host(c):
    """Three alive nodes with exactly their resources, each at its own host's address, and the
    head saw each registration come from that address (not only what the node claims)."""
    bed, ids = c.bed, c.ids
    s, nodes = c.status()
    check(len(nodes) == 3 and all(n["alive"] for n in nodes.values()), f"expected 3 alive nodes: {s}")
    check(s["head_address"] == c.head_address and nodes[ids["head"]]["is_head"], f"head: {s}")
    for host, i in (("head", 0), ("h2", 1), ("h3", 2)):
        want = c.head_address if host == "head" else bed.ip_of(i)
        check(nodes[ids[host]]["address"] == want, f"{host}'s node is at {nodes[ids[host]]['address']}, not {want}")
    expect_resources(nodes[ids["head"]], 1, STORE, {})
    expect_resources(nodes[ids["h2"]], 2, STORE, {"gpu_like": 1})
    expect_resources(nodes[ids["h3"]], 1, STORE, {"disk": 4})
    check(s["resources_total"]["CPU"] == 4, f"cluster CPUs {s['resources_total']}")
    for host, i in (("h2", 1), ("h3", 2)):
        check(re.search(f"node {ids[host]} registered from tcp://{re.escape(bed.ip_of(i))}:", c.log_of("head")),
              f"the head's log has no registration of {ids[host]} from {bed.ip_of(i)}")
    # The same status from another host, with the token given by file.
    p = c.actors(1, "status", "--json", "--address", c.head_address, "--temp-dir", c.h2_dir,
                 "--token-file", os.path.join(c.h2_dir, "token"))
    check(p.returncode == 0 and len(json.loads(p.stdout)["nodes"]) == 3, f"status from h2: {p.stderr}")
    return "status: 3 alive nodes with their resources and addresses"


def tokens_are_checked(c):
    """A wrong token is refused by the head (which logs it) and the node does not start; a node
    given no token at all is refused before it connects. Neither joins."""
    bed = c.bed
    p = c.actors(1, "start", "--address", c.head_address, "--node-ip", bed.ip_of(1), "--temp-dir",
                 c.temp_dir(1, "wrong"), *H2_FLAGS, env={"ACTORS_TOKEN": os.urandom(32).hex()})
    check(p.returncode == 1 and "refused this node's cluster token" in p.stderr,
          f"a wrong token: exit {p.returncode}\n{p.stdout}{p.stderr}")
    wait_for("the head to log the refused token", lambda: re.search(
        f"refused a connection: tcp://{re.escape(bed.ip_of(1))}:\\d+ did not prove the cluster token",
        c.log_of("head")), 5)
    p = c.actors(2, "start", "--address", c.head_address, "--node-ip", bed.ip_of(2), "--temp-dir",
                 c.temp_dir(2, "none"), *H3_FLAGS)
    check(p.returncode == 2 and "no cluster token" in p.stderr, f"no token: exit {p.returncode}\n{p.stderr}")
    s, nodes = c.status()
    check(len(nodes) == 3, f"a refused node joined: {s}")
    return "a wrong token and a missing token are refused"


def cut_link_kills_node(c):
    """With h3's link cut the head hears nothing more from it and declares it dead after its
    heartbeat timeout (it checks five times per timeout, at most every 500 ms). A driver on h1
    has a task running on h3 meanwhile (see link_back_means_new_node)."""
    ids = c.ids
    if DRIVER:
        c.marker = os.path.join(c.work, "running-on-h3")
        c.driver = c.start_driver(DRIVER, "--no-skip", "--test-case=(netns_test.py runs this while*",
                                  env={"ACTORS_TEST_MARKER": c.marker})
        wait_for("the driver's task to run on h3", lambda: os.path.exists(c.marker), 60)
    s, _ = c.status()
    timeout_s = s["heartbeat_timeout_ms"] / 1000
    bound = timeout_s + min(timeout_s / 5, 0.5) + 3  # + time for a status round trip under load
    cut = time.monotonic()
    c.bed.set_link(2, "down")

    def h3_dead():
        s, nodes = c.status()
        return (s, nodes) if not nodes[ids["h3"]]["alive"] else None

    s, nodes = wait_for("the head to declare h3's node dead", h3_dead, bound)
    took = time.monotonic() - cut
    dead = nodes[ids["h3"]]
    check("no heartbeat" in dead["death_reason"], f"death reason: {dead['death_reason']}")
    check(dead["ms_since_heartbeat"] >= s["heartbeat_timeout_ms"], f"declared dead early: {dead}")
    check(nodes[ids["head"]]["alive"] and nodes[ids["h2"]]["alive"], f"the others must stay alive: {s}")
    check("disk" not in s["resources_total"] and s["resources_total"]["CPU"] == 3,
          f"a dead node's resources still count: {s['resources_total']}")
    check(c.process("node-h3").poll() is None, "h3's node exited while cut off; it should keep retrying")
    return f"h3 cut off: declared dead after {took:.1f} s (timeout {timeout_s:g} s)"


def link_back_means_new_node(c):
    """A dead node id stays dead (docs/cluster.md, "Rules"): once the link is back, the node's
    next registration is refused, and the same daemon joins again under a new id, with its
    resources; the task that was running on h3 when the link was cut runs again there."""
    ids = c.ids
    c.bed.set_link(2, "up")
    healed = time.monotonic()

    def rejoined():
        s, nodes = c.status()
        fresh = [n for nid, n in nodes.items() if n["alive"] and nid not in ids.values()]
        return (s, nodes, fresh[0]) if fresh else None

    s, nodes, new = wait_for("h3's node to join again as a new node", rejoined, 30)
    back = time.monotonic() - healed
    new_id = new["node_id"]
    check(c.process("node-h3").poll() is None, "h3's daemon exited instead of joining again")
    check("joining the cluster again as a new node" in c.log_of("node-h3"), "h3's node does not say it joins again")
    check(f"refused node {ids['h3']}" in c.log_of("head"), "the head did not log refusing the dead node")
    check(not nodes[ids["h3"]]["alive"] and len(nodes) == 4, f"expected the old h3 node dead and a new one: {s}")
    check(new["address"] == c.bed.ip_of(2), f"the new node is at {new['address']}")
    check(new["pid"] == c.process("node-h3").pid, "the new node is not h3's daemon")
    expect_resources(new, 1, STORE, {"disk": 4})
    check(s["resources_total"]["CPU"] == 4 and s["resources_total"]["disk"] == 4, f"resources: {s}")
    ids["h3"] = new_id
    summary = f"link back: h3's old node was refused; it joined again as {new_id[:8]} after {back:.1f} s"
    if DRIVER:
        try:
            code = c.driver.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise failure("the driver's task did not complete within 120 s of h3's return:\n" + read(c.driver_log)[-3000:])
        out = read(c.driver_log)
        check(code == 0 and "1 passed" in out, f"the driver failed ({code}):\n{out[-3000:]}")
        check(read(c.marker + ".done").strip() == new_id[:8], "the task did not run again on h3's new node")
        summary += "; the task running there when it was cut ran again on it"
    return summary


def driver_places_work_across_hosts(c):
    """A driver on h1 (the head's host) runs cluster_api_test's "netns hosts" case: tasks asking
    for {"gpu_like": 1} run on h2 and for {"disk": 1} on h3, a 4 MiB value made on h2 is summed
    on h3, and an actor on h3 is called from a task on h2 — every hop over TCP between hosts."""
    if not DRIVER:
        return "placement across hosts: no driver program given (second argument); not checked"
    # A copy that deletes itself once started: no host finds the program by its path (as when
    # hosts share no filesystem), so each node must pull it from the driver by content hash.
    copy = os.path.join(c.work, "driver-copy")
    shutil.copy2(DRIVER, copy)
    with open(copy, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    p = c.run_driver(copy, "--delete-own-executable", "--test-suite=netns hosts")
    check(p.returncode == 0, f"the driver failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    check("1 passed" in p.stdout, f"the driver ran no case:\n{p.stdout[-2000:]}")
    check(not os.path.exists(copy), "the driver did not delete its own program")
    for name, temp in (("h1", c.head_dir), ("h2", c.h2_dir), ("h3", c.h3_dir)):
        cached = os.path.join(temp, "executables", digest)
        check(os.path.isfile(cached), f"{name}'s node did not cache the pulled program as {cached}")
    return ("placement by custom resource and values across hosts: the driver's checks passed; "
            "each host pulled its program by hash")


STEPS = [start_cluster, status_shows_each_host, tokens_are_checked, driver_places_work_across_hosts,
         cut_link_kills_node, link_back_means_new_node]


def main():
    global ACTORS, DRIVER
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    ACTORS = os.path.abspath(sys.argv[1])
    DRIVER = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else None
    if os.geteuid() != 0:
        print("SKIPPED: the network-namespace test needs root (it creates namespaces and veths)")
        return SKIP
    if not shutil.which("ip"):
        print("SKIPPED: the network-namespace test needs iproute2's 'ip' command")
        return SKIP

    # SIGTERM/SIGINT (ctest, Ctrl-C) and our own deadline end the scenario with an exception, so
    # the finally block below still cleans up. Every wait is bounded, but their sum is not
    # small: the deadline comes well before CTest's timeout would kill this script outright.
    def interrupted(signum, _):
        if signum == signal.SIGALRM:
            raise failure(f"still running after {BUDGET} s")
        raise failure(f"interrupted by {signal.Signals(signum).name}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(sig, interrupted)
    signal.alarm(BUDGET)

    began = time.monotonic()

    def log(line):
        print(f"[{time.monotonic() - began:5.1f} s] {line}", flush=True)

    bed = testbed(3)
    work = tempfile.mkdtemp(prefix="actors-netns-", dir="/tmp")
    c = cluster(bed, work)
    ok = skipped = False
    try:
        why_not = bed.up()
        if why_not:
            print(f"SKIPPED: {why_not}")
            skipped = True
            return SKIP
        log(f"test-bed up: namespaces {', '.join(bed.hosts)} on a bridge in {bed.bridge_ns}, {SUBNET}.0/24")
        for step in STEPS:
            log(step(c))
        ok = True
    except (failure, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {e}")
    finally:
        # Cleanup is bounded (about 45 s) and must not itself be cut short.
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        c.stop_all()
        if not ok and not skipped:
            c.print_logs()
        bed.down()
        shutil.rmtree(work, ignore_errors=True)
        if not skipped:
            log("stopped every daemon; namespaces, veths and bridge removed")
    if ok:
        log("passed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
