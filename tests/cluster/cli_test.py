#!/usr/bin/env python3
"""Integration tests of the `actors` command line: real daemons on loopback, each test in a
temp dir of its own (never the machine's /tmp/actors), every process stopped, every wait bounded.

Usage: cli_test.py /path/to/actors [unittest args]
"""
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

ACTORS = None  # the binary, from argv
RUN_TIMEOUT = 60  # seconds any one command may take (ASan builds are slow to start)


def run(*args, env=None, check=None):
    full_env = dict(os.environ)
    full_env.pop("ACTORS_TOKEN", None)
    if env:
        full_env.update(env)
    p = subprocess.run([ACTORS, *args], capture_output=True, text=True, timeout=RUN_TIMEOUT, env=full_env)
    if check is not None and p.returncode != check:
        raise AssertionError(f"actors {' '.join(args)} exited {p.returncode}, expected {check}\n"
                             f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def running(pid):
    """True while pid exists and is not a zombie waiting for its parent."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def records(temp_dir):
    out = []
    for entry in os.listdir(temp_dir):
        nodes = os.path.join(temp_dir, entry, "nodes")
        if entry.startswith("session_") and not os.path.islink(os.path.join(temp_dir, entry)) and os.path.isdir(nodes):
            for name in os.listdir(nodes):
                if name.endswith(".json"):
                    with open(os.path.join(nodes, name)) as f:
                        out.append(json.load(f))
    return out


class cluster_case(unittest.TestCase):
    def setUp(self):
        # Short paths: a Unix socket path must fit in 107 bytes.
        self.dirs = []
        self.pids = set()

    def temp_dir(self):
        d = tempfile.mkdtemp(prefix="actors-cli-", dir="/tmp")
        self.dirs.append(d)
        return d

    def remember(self, temp_dir):
        for r in records(temp_dir):
            self.pids.add(r["pid"])

    def tearDown(self):
        for d in self.dirs:
            self.remember(d)
            run("stop", "--temp-dir", d, "--grace-period", "5")
        for pid in self.pids:  # a safety net: a failed test must not leave daemons behind
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        for d in self.dirs:
            subprocess.run(["rm", "-rf", d], check=False)

    def start_head(self, temp_dir, *extra):
        p = run("start", "--head", "--port", "0", "--temp-dir", temp_dir, "--heartbeat-interval-ms", "100",
                "--heartbeat-timeout-ms", "1500", *extra, check=0)
        self.remember(temp_dir)
        return p

    def status(self, temp_dir, *extra, env=None):
        p = run("status", "--json", "--temp-dir", temp_dir, *extra, env=env, check=0)
        return json.loads(p.stdout)

    def wait_for(self, what, predicate, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.1)


class help_and_flags(cluster_case):
    def test_every_command_has_help(self):
        self.assertIn("start", run("--help", check=0).stdout)
        start = run("start", "--help", check=0).stdout
        for flag in ("--head", "--address", "--port", "--num-cpus", "--num-gpus", "--resources",
                     "--object-store-memory", "--block", "--temp-dir", "--token-file", "--node-ip"):
            self.assertIn(flag, start)
        self.assertIn("--grace-period", run("stop", "--help", check=0).stdout)
        self.assertIn("--json", run("status", "--help", check=0).stdout)

    def test_bad_flags_are_named_and_exit_2(self):
        d = self.temp_dir()
        cases = [
            (["start", "--head", "--bogus"], "unknown flag --bogus"),
            (["start", "--temp-dir", d], "say --head"),
            (["start", "--head", "--address", "1.2.3.4:5"], "give only one"),
            (["start", "--head", "--num-cpus", "two"], "--num-cpus needs a number"),
            (["start", "--head", "--num-cpus"], "--num-cpus needs a value"),
            (["start", "--head", "--port", "70000"], "out of range"),
            (["start", "--head", "--resources", "[1]"], "JSON object"),
            (["start", "--head", "--resources", '{"CPU": 1}'], "--num-cpus"),
            (["start", "--head", "--resources", "{oops"], "not valid JSON"),
            (["start", "--head", "--heartbeat-interval-ms", "1000", "--heartbeat-timeout-ms", "1500"], "twice"),
            (["start", "--address", "nonsense", "--temp-dir", d], "not HOST:PORT"),
            (["start", "--address", "127.0.0.1:9", "--port", "1"], "head only"),
            (["start", "--address", "127.0.0.1:9", "--temp-dir", d], "no cluster token"),
            (["status", "--temp-dir", d], "no running actors head"),
            (["stop", "extra"], "unexpected argument"),
            (["frobnicate"], "unknown command"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(message, p.stderr)
        self.assertEqual(records(d), [])  # nothing was started by a refused command


class lifecycle(cluster_case):
    def test_head_node_death_and_stop(self):
        d = self.temp_dir()
        out = self.start_head(d, "--num-cpus", "2", "--resources", '{"custom": 1}').stdout
        self.assertIn("ACTORS_ADDRESS=", out)
        self.assertIn("actors start --address", out)
        session = os.path.realpath(os.path.join(d, "session_latest"))
        token = os.path.join(session, "token")
        self.assertEqual(stat.S_IMODE(os.stat(token).st_mode), 0o600)
        self.assertTrue(os.listdir(os.path.join(session, "logs")))

        s = self.status(d)
        self.assertEqual(len(s["nodes"]), 1)
        head = s["nodes"][0]
        self.assertTrue(head["alive"] and head["is_head"])
        self.assertEqual(head["resources_total"]["CPU"], 2)
        self.assertEqual(head["resources_total"]["custom"], 1)
        self.assertEqual(head["resources_available"]["custom"], 1)

        # A second node on this machine finds the token through the session folder.
        run("start", "--address", s["head_address"], "--temp-dir", d, "--num-cpus", "1",
            "--resources", '{"other": 3}', check=0)
        self.remember(d)
        s = self.status(d)
        self.assertEqual([n["alive"] for n in s["nodes"]], [True, True])
        node = s["nodes"][1]
        self.assertFalse(node["is_head"])
        self.assertEqual(node["resources_total"]["CPU"], 1)
        self.assertEqual(node["resources_total"]["other"], 3)
        self.assertEqual(s["resources_total"]["CPU"], 3)
        table = run("status", "--temp-dir", d, check=0).stdout
        self.assertIn(head["node_id"], table)
        self.assertIn(node["node_id"], table)

        os.kill(node["pid"], signal.SIGKILL)
        s = self.wait_for("the killed node to be declared dead",
                          lambda: (lambda st: st if not st["nodes"][1]["alive"] else None)(self.status(d)))
        self.assertIn("no heartbeat", s["nodes"][1]["death_reason"])
        self.assertTrue(s["nodes"][0]["alive"])
        self.assertEqual(s["resources_total"]["CPU"], 2)  # the dead node no longer counts

        head_pid = head["pid"]
        p = run("stop", "--temp-dir", d, check=0)
        self.assertIn("Stopped head", p.stdout)
        self.assertIn("no longer running", p.stdout)  # the killed node's record
        self.assertFalse(running(head_pid))
        self.assertEqual(records(d), [])
        self.assertEqual(os.listdir(os.path.join(session, "sockets")), [])
        self.assertIn("No actors processes", run("stop", "--temp-dir", d, check=0).stdout)

    def test_a_node_whose_head_is_gone_stops_within_its_timeout(self):
        d = self.temp_dir()
        self.start_head(d, "--num-cpus", "1")
        s = self.status(d)
        head_pid = s["nodes"][0]["pid"]
        run("start", "--address", s["head_address"], "--temp-dir", d, "--num-cpus", "1",
            "--head-timeout-ms", "1500", check=0)
        self.remember(d)
        node = [r for r in records(d) if r["role"] == "node"][0]
        os.kill(head_pid, signal.SIGKILL)
        # Not forever: it stops once it has tried for its --head-timeout-ms, saying why.
        self.wait_for("the node to stop after losing its head", lambda: not running(node["pid"]), timeout=20)
        with open(node["log_file"]) as f:
            self.assertIn("lost the head", f.read())

    def test_a_node_declared_dead_that_comes_back_joins_as_a_new_node(self):
        d = self.temp_dir()
        self.start_head(d, "--num-cpus", "1")  # heartbeats every 100 ms, dead after 1.5 s
        s = self.status(d)
        run("start", "--address", s["head_address"], "--temp-dir", d, "--num-cpus", "1",
            "--resources", '{"returns": 1}', check=0)
        self.remember(d)
        old = self.status(d)["nodes"][1]
        log_file = [r for r in records(d) if r["role"] == "node"][0]["log_file"]
        # A hung host: its process stops answering, past the head's timeout, then goes on.
        os.kill(old["pid"], signal.SIGSTOP)
        try:
            self.wait_for("the stopped node to be declared dead",
                          lambda: (lambda st: st if not st["nodes"][1]["alive"] else None)(self.status(d)))
        finally:
            os.kill(old["pid"], signal.SIGCONT)
        # Nothing of the old id is taken back: the same process joins under a new id.
        s = self.wait_for("the node to join again under a new id",
                          lambda: (lambda st: st if len(st["nodes"]) == 3 and st["nodes"][2]["alive"] else None)(
                              self.status(d)))
        new = s["nodes"][2]
        self.assertNotEqual(new["node_id"], old["node_id"])
        self.assertEqual(new["pid"], old["pid"])
        self.assertFalse(s["nodes"][1]["alive"])
        self.assertEqual(new["resources_total"]["returns"], 1)
        self.assertEqual(s["resources_total"]["returns"], 1)  # counted once: the dead id no longer counts
        with open(log_file) as f:
            self.assertIn("joining the cluster again as a new node", f.read())
        self.assertIn("Stopped node", run("stop", "--temp-dir", d, check=0).stdout)

    def test_a_node_that_stops_leaves_the_cluster(self):
        d = self.temp_dir()
        self.start_head(d, "--num-cpus", "1")
        address = self.status(d)["head_address"]
        # A node elsewhere: its own temp dir, so the token must come from the environment.
        other = self.temp_dir()
        session = os.path.realpath(os.path.join(d, "session_latest"))
        with open(os.path.join(session, "token")) as f:
            hex_token = f.read().strip()
        run("start", "--address", address, "--temp-dir", other, env={"ACTORS_TOKEN": hex_token}, check=0)
        self.remember(other)
        self.assertEqual([n["alive"] for n in self.status(d)["nodes"]], [True, True])
        self.assertIn("Stopped node", run("stop", "--temp-dir", other, check=0).stdout)
        s = self.status(d)
        self.assertFalse(s["nodes"][1]["alive"])
        self.assertIn("stopped by SIGTERM", s["nodes"][1]["death_reason"])


class tokens(cluster_case):
    def test_another_sessions_token_is_refused(self):
        first, second = self.temp_dir(), self.temp_dir()
        self.start_head(first)
        self.start_head(second)
        address = self.status(first)["head_address"]
        wrong = os.path.join(os.path.realpath(os.path.join(second, "session_latest")), "token")

        p = run("status", "--address", address, "--temp-dir", first, "--token-file", wrong)
        self.assertEqual(p.returncode, 1)
        self.assertIn("refused the cluster token", p.stderr)

        third = self.temp_dir()
        p = run("start", "--address", address, "--temp-dir", third, "--token-file", wrong)
        self.remember(third)
        self.assertEqual(p.returncode, 1)
        self.assertIn("refused this node's cluster token", p.stderr)
        self.assertEqual(len(self.status(first)["nodes"]), 1)

        # The right token, by address and file, works.
        right = os.path.join(os.path.realpath(os.path.join(first, "session_latest")), "token")
        p = run("status", "--address", address, "--temp-dir", third, "--token-file", right, check=0)
        self.assertIn("1 alive", p.stdout)


if __name__ == "__main__":
    ACTORS = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
