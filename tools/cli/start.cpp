// actors start: a head (--head) or a node that joins one (--address), as a daemon unless --block.

#include "access.hpp"
#include "commands.hpp"
#include "daemon.hpp"

#include "cluster/head_service.hpp"
#include "cluster/local_resources.hpp"
#include "cluster/node_manager.hpp"
#include "cluster/worker_pool.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <iostream>

namespace actors::cli {

const char* const start_help = R"(Usage: actors start --head [options]
       actors start --address HOST:PORT [options]

Starts an actors node on this machine. With --head it starts a new cluster: the head runs the
control service (membership, the cluster's resource view) and is a node itself. With --address
it starts a node that joins the cluster whose head listens at HOST:PORT.

Unless --block is given the node runs in the background; 'start' returns once it is ready and
prints the address, the session folder and the commands to connect a driver or add a node.

Options:
  --head                      start a head (a new cluster)
  --address HOST:PORT         join the cluster whose head is at HOST:PORT
  --port PORT                 head only: TCP port to listen on (default 6379; 0 = any free port)
  --num-cpus N                CPUs this node offers (default: the machine's hardware threads)
  --num-gpus N                GPUs this node offers (default: detected, $CUDA_VISIBLE_DEVICES)
  --resources JSON            custom resources, e.g. '{"custom": 1, "ssd": 2}'
  --object-store-memory BYTES bytes for the object store (default: 30% of memory)
  --object-spilling-directory DIR
                              where values go once the object store's memory is all in use
                              (default: the session folder's 'spill')
  --object-spilling-limit BYTES
                              how much of that disk they may take (default: 90% of its free
                              space at start; 0 = none: a full store refuses new values)
  --node-ip IP                the address other hosts reach this node at, and that it reports
                              to the head (default: the source address of the default route,
                              else the first address of an interface that is up; give it on
                              hosts with several networks). The head listens on every address.
  --temp-dir DIR              where session folders live (default /tmp/actors)
  --token-file FILE           joining only: the cluster token, a copy of the head's session
                              'token' file (also: $ACTORS_TOKEN with its 64 hex digits). Not
                              needed on the head's machine: it is found in the session folder.
  --heartbeat-interval-ms MS  head only: how often nodes report (default 500)
  --heartbeat-timeout-ms MS   head only: silence after which a node is dead (default 5000); a
                              node declared dead that is heard from again joins anew under a
                              new id, its old work having been run elsewhere
  --head-timeout-ms MS        joining only: how long the node keeps trying to reach a head that
                              went away before it stops, its workers with it (default 60000)
  --block                     stay in the foreground, logging to the terminal, until Ctrl-C
  --help                      show this text
)";

namespace {

const std::vector<flag_spec> start_flags = {
    {"head", false},  {"address"},       {"port"},       {"num-cpus"},
    {"num-gpus"},     {"resources"},     {"object-store-memory"}, {"node-ip"},
    {"temp-dir"},     {"token-file"},    {"heartbeat-interval-ms"}, {"heartbeat-timeout-ms"},
    {"block", false}, {"object-spilling-directory"}, {"object-spilling-limit"}, {"head-timeout-ms"},
};

// The daemon's start-up (listen, or register with the head) is bounded well inside this.
constexpr std::chrono::seconds start_timeout{30};
constexpr std::chrono::seconds register_timeout{10};

std::string host_name() {
  std::array<char, 256> name{};
  ::gethostname(name.data(), name.size() - 1);
  return name.data();
}

node_record self_record(const std::string& node_id, const std::string& role) {
  node_record r;
  r.node_id = node_id;
  r.role = role;
  r.pid = ::getpid();
  r.start_ticks = process_start_ticks(r.pid).value_or(0);
  return r;
}

// A --block daemon logs to the terminal it runs in; its record then names no log file.
std::string log_place(const node_record& r) {
  return r.log_file.empty() ? "this terminal (--block)" : r.log_file;
}

void print_head_banner(const node_record& r, const fs::path& session_dir, const fs::path& temp_dir) {
  auto hp = host_port(r.address);
  std::string temp_flag = temp_dir == default_temp_dir ? "" : " --temp-dir " + temp_dir.string();
  std::cout << "Started the actors head (node " << r.node_id << ", pid " << r.pid << ").\n"
            << "  address:  " << hp << "\n"
            << "  session:  " << session_dir.string() << "\n"
            << "  log:      " << log_place(r) << "\n\n"
            << "Connect a driver on this machine:\n"
            << "  ACTORS_ADDRESS=" << hp << " ./your_program\n"
            << "  or in C++: actors::init({.address = \"" << hp << "\"});\n\n"
            << "Add a node on this machine:\n"
            << "  actors start --address " << hp << temp_flag << "\n"
            << "Add a node on another machine (it needs this cluster's token):\n"
            << "  ACTORS_TOKEN=" << "$(cat " << (session_dir / "token").string() << ") actors start --address " << hp << "\n"
            << "  or copy that file there (mode 0600) and pass --token-file FILE\n\n"
            << "See the cluster: actors status" << temp_flag << "\n"
            << "Stop it:         actors stop" << temp_flag << "\n";
}

void print_node_banner(const node_record& r, const fs::path& session_dir, const fs::path& temp_dir) {
  std::string temp_flag = temp_dir == default_temp_dir ? "" : " --temp-dir " + temp_dir.string();
  std::cout << "Started an actors node (node " << r.node_id << ", pid " << r.pid << ") in the cluster at "
            << host_port(r.head_address) << ".\n"
            << "  session:  " << session_dir.string() << "\n"
            << "  log:      " << log_place(r) << "\n\n"
            << "Stop it: actors stop" << temp_flag << "\n";
}

// What both kinds of node share: their description and where they keep things.
struct start_plan {
  fs::path temp_dir;
  session sess;
  cluster::node_info self;
  fs::path log_file;
  bool block = false;
  fs::path spill_directory;
  std::uint64_t spill_limit = 0;
};

// Where the node's store overflows to once its memory is all in use (docs/cluster.md,
// "Spilling"), and how much it may take there.
void plan_spilling(start_plan& plan, const parsed_flags& f) {
  plan.spill_directory =
      fs::absolute(f.text("object-spilling-directory").value_or((plan.sess.dir / "spill").string())).lexically_normal();
  if (auto limit = f.count("object-spilling-limit")) {
    plan.spill_limit = *limit;
    return;
  }
  // The free space of the nearest folder that exists: the spill folder is made when first used.
  auto existing = plan.spill_directory;
  std::error_code ec;
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
    existing = existing.parent_path();
  auto space = fs::space(existing, ec);
  plan.spill_limit = ec ? 0 : space.available / 10 * 9;
}

/// Where the node's worker pool listens: known before it starts, so the node can announce it.
std::string pool_address(const start_plan& plan) {
  return "unix:" + (plan.sess.sockets() / ("node_" + plan.self.node_id.substr(0, 8) + ".sock")).string();
}

// The node's worker pool: where drivers on this machine get workers (docs/cluster.md).
// `view` is the head's node table, which leases spill over by.
std::unique_ptr<cluster::worker_pool> start_worker_pool(const start_plan& plan, const net::cluster_token& token,
                                                        const std::string& head_address, const net::log_fn& log,
                                                        std::function<std::vector<cluster::node_entry>()> view) {
  cluster::worker_pool_config config{.listen = *net::parse_address(pool_address(plan)),
                                     .node_ip = plan.self.address,
                                     .token = token,
                                     .token_file = plan.sess.token_file(),
                                     .logs = plan.sess.logs(),
                                     .sockets = plan.sess.sockets(),
                                     .executable_cache = plan.temp_dir / "executables",
                                     .node_id = plan.self.node_id,
                                     .head_address = head_address,
                                     .total = plan.self.total,
                                     .gpu_ids = cluster::gpu_device_ids(
                                         plan.self.total.contains("GPU") ? plan.self.total.at("GPU") : 0),
                                     .view = std::move(view),
                                     .spill_directory = plan.spill_directory,
                                     .spill_limit = plan.spill_limit,
                                     .log = log};
  auto pool = std::make_unique<cluster::worker_pool>(std::move(config));
  if (auto ok = pool->start(); !ok) {
    log(net::log_level::error, "node: cannot start its worker pool: " + to_string(ok.error()));
    return nullptr;
  }
  return pool;
}

int run_head_daemon(const start_plan& plan, cluster::head_config config) {
  block_stop_signals();  // before any thread starts, so they all inherit the mask
  auto log = daemon_log();
  config.log = log;
  config.self = plan.self;
  config.self.pid = ::getpid();
  auto token = config.token;
  cluster::head_service head(std::move(config));
  if (auto ok = head.start(); !ok) {
    log(net::log_level::error, "head: cannot start: " + to_string(ok.error()));
    return 1;
  }
  // After the head: its workers are told the head's address, known once it listens.
  auto pool = start_worker_pool(plan, token, head.tcp_address().to_string(), log, [&head] { return head.status().nodes; });
  if (!pool) {
    head.stop();
    return 1;
  }
  head.report_available([p = pool.get()] { return p->available(); });
  head.announce_manager(pool->address());
  auto record = self_record(plan.self.node_id, "head");
  record.address = head.tcp_address().to_string();
  record.head_address = record.address;
  record.unix_socket = (plan.sess.sockets() / "head.sock").string();
  if (!plan.block) record.log_file = plan.log_file.string();
  write_node_record(plan.sess, record);
  if (plan.block) {
    record.file = plan.sess.nodes() / (record.node_id + ".json");
    print_head_banner(record, plan.sess.dir, plan.temp_dir);
    std::cout << "\nRunning in the foreground; Ctrl-C stops the head.\n" << std::flush;
  }
  std::atomic<bool> never{false};
  auto why = wait_for_stop(never);
  log(net::log_level::info, "head: stopping (" + why + ")");
  pool->stop();
  head.stop();
  std::error_code ec;
  fs::remove(plan.sess.nodes() / (record.node_id + ".json"), ec);
  log(net::log_level::info, "head: stopped");
  return 0;
}

struct incarnation_end {
  int code = 0;
  bool join_again = false;  // the head declared this node dead: come back under a new id
};

// One life of the node under one id: its pool and its membership, until stopped or ended.
incarnation_end run_node_incarnation(const start_plan& plan, cluster::node_config config, const net::log_fn& log,
                                     bool first) {
  std::atomic<bool> ended{false}, declared_dead{false};
  config.log = log;
  config.self = plan.self;
  config.self.pid = ::getpid();
  config.on_fatal = [&ended](const std::string&) { ended = true; };
  config.on_declared_dead = [&ended, &declared_dead](const std::string&) {
    declared_dead = true;
    ended = true;
  };
  // The pool starts first (the node announces its address); it reads the view once the node
  // manager that receives it exists.
  std::atomic<const cluster::node_manager*> manager{nullptr};
  auto view = [&manager] {
    auto* m = manager.load();
    return m ? m->view() : std::vector<cluster::node_entry>{};
  };
  auto pool = start_worker_pool(plan, config.token, config.head.to_string(), log, view);
  if (!pool) return {1, false};
  config.self.manager_address = pool->address();
  config.available = [p = pool.get()] { return p->available(); };
  auto head_text = config.head.to_string();
  cluster::node_manager node(std::move(config));
  manager = &node;
  node.start();
  std::string why;
  if (!node.wait_registered(register_timeout, &why)) {
    log(net::log_level::error, "node: could not join the cluster at " + head_text + ": " + why);
    pool->stop();  // before `node` goes: the pool's view reads it
    node.stop();
    return {1, false};
  }
  auto record = self_record(plan.self.node_id, "node");
  record.address = plan.self.address;
  record.head_address = head_text;
  if (!plan.block) record.log_file = plan.log_file.string();
  write_node_record(plan.sess, record);
  if (plan.block && first) {
    record.file = plan.sess.nodes() / (record.node_id + ".json");
    print_node_banner(record, plan.sess.dir, plan.temp_dir);
    std::cout << "\nRunning in the foreground; Ctrl-C stops the node.\n" << std::flush;
  }
  auto signal = wait_for_stop(ended);
  log(net::log_level::info, "node: stopping (" + (signal.empty() ? "the head ended this node" : signal) + ")");
  pool->stop();  // its workers and its store go with this id
  node.stop(signal.empty() ? "ended by the head" : "stopped by " + signal);
  std::error_code ec;
  fs::remove(plan.sess.nodes() / (record.node_id + ".json"), ec);
  log(net::log_level::info, "node: stopped");
  if (signal.empty() && declared_dead) return {1, true};
  return {ended ? 1 : 0, false};
}

int run_node_daemon(start_plan plan, const cluster::node_config& config) {
  block_stop_signals();
  auto log = daemon_log();
  for (bool first = true;; first = false) {
    auto end = run_node_incarnation(plan, config, log, first);
    if (!end.join_again) return end.code;
    // Declared dead (cut off or hung for longer than the head's timeout): everything of the old
    // id is gone, its work retried elsewhere. The machine joins again as a new node.
    plan.self.node_id = new_node_id();
    log(net::log_level::warning, "node: joining the cluster again as a new node, " + plan.self.node_id);
  }
}

// Runs `body` in a daemon (or here, with --block) and reports how its start went.
template <class Body>
int launch(const start_plan& plan, Body body, bool is_head) {
  if (plan.block) return body();
  pid_t pid = fork_daemon(plan.log_file);
  if (pid == 0) return body();  // the daemon: main returns when it stops
  auto outcome = wait_until_ready(pid, plan.sess, plan.self.node_id, plan.log_file, start_timeout);
  if (!outcome.ready) {
    std::cerr << "actors start: " << (is_head ? "the head" : "the node") << " did not start: "
              << outcome.failure;
    return 1;
  }
  if (is_head)
    print_head_banner(*outcome.ready, plan.sess.dir, plan.temp_dir);
  else
    print_node_banner(*outcome.ready, plan.sess.dir, plan.temp_dir);
  return 0;
}

std::uint32_t milliseconds_flag(const parsed_flags& f, const std::string& name, std::uint32_t fallback) {
  auto v = f.count(name).value_or(fallback);
  if (v == 0 || v > 3'600'000) throw usage_error("--" + name + " must be between 1 and 3600000");
  return static_cast<std::uint32_t>(v);
}

}  // namespace

int run_start(const std::vector<std::string>& args) {
  parsed_flags f(args, start_flags);
  bool head = f.has("head");
  auto address = f.text("address");
  if (head && address) throw usage_error("--head starts a new cluster and --address joins one; give only one");
  if (!head && !address)
    throw usage_error("say --head to start a new cluster, or --address HOST:PORT to join one");
  if (!head)
    for (const char* name : {"port", "heartbeat-interval-ms", "heartbeat-timeout-ms"})
      if (f.has(name)) throw usage_error(std::string("--") + name + " applies to the head only (with --head)");
  if (head && f.has("head-timeout-ms")) throw usage_error("--head-timeout-ms is for joining a cluster (with --address)");
  if (head && f.has("token-file"))
    throw usage_error("--token-file is for joining a cluster; the head creates the cluster's token");

  cluster::resource_flags rf;
  rf.cpus = f.number("num-cpus");
  rf.gpus = f.number("num-gpus");
  rf.object_store_memory = f.count("object-store-memory");
  if (auto json = f.text("resources")) {
    auto custom = cluster::parse_custom_resources(*json);
    if (!custom) throw usage_error(custom.error().message);
    rf.custom = *custom;
  }
  auto total = cluster::local_resources(rf);
  if (!total) throw usage_error(total.error().message);

  start_plan plan;
  plan.block = f.has("block");
  plan.temp_dir = fs::absolute(f.text("temp-dir").value_or(default_temp_dir)).lexically_normal();
  if (plan.temp_dir.has_filename() == false) plan.temp_dir = plan.temp_dir.parent_path();
  plan.self.node_id = new_node_id();
  plan.self.hostname = host_name();
  plan.self.total = *total;
  plan.self.address = f.text("node-ip").value_or(detect_node_ip());
  if (auto ip = net::parse_address(plan.self.address + ":1"); !ip || plan.self.address.empty())
    throw usage_error("--node-ip '" + plan.self.address + "' is not an IP address or host name");

  if (head) {
    auto port = f.count("port").value_or(6379);
    if (port > 65535) throw usage_error("--port " + std::to_string(port) + " is out of range (0-65535)");
    cluster::head_config config{.token = net::cluster_token::generate()};
    config.heartbeat_interval = std::chrono::milliseconds(milliseconds_flag(f, "heartbeat-interval-ms", 500));
    config.heartbeat_timeout = std::chrono::milliseconds(milliseconds_flag(f, "heartbeat-timeout-ms", 5000));
    if (config.heartbeat_timeout < 2 * config.heartbeat_interval)
      throw usage_error("--heartbeat-timeout-ms must be at least twice --heartbeat-interval-ms");
    config.tcp_listen = *net::parse_address("tcp://0.0.0.0:" + std::to_string(port));
    config.advertised_host = plan.self.address;

    plan.sess = create_session(plan.temp_dir);
    auto socket = plan.sess.sockets() / "head.sock";
    if (socket.string().size() > net::max_unix_path)
      throw usage_error("the session folder's path is too long for a Unix socket (" + socket.string() +
                        "); choose a shorter --temp-dir");
    config.unix_listen = *net::parse_address("unix:" + socket.string());
    if (auto ok = net::write_token_file(plan.sess.token_file().string(), config.token); !ok)
      throw std::runtime_error("cannot write the cluster token: " + ok.error().message);
    plan.log_file = plan.sess.logs() / ("head_" + plan.self.node_id.substr(0, 8) + ".log");
    plan_spilling(plan, f);
    return launch(plan, [&] { return run_head_daemon(plan, config); }, true);
  }

  auto head_address = net::parse_address(*address);
  if (!head_address || head_address->type != net::address::kind::tcp)
    throw usage_error("--address '" + *address + "' is not HOST:PORT" +
                      (head_address ? "" : " (" + head_address.error().message + ")"));
  auto local_head = find_local_head(plan.temp_dir, *head_address);
  auto token = resolve_token(f, local_head, *address);
  cluster::node_config config{.head = *head_address, .token = token.token};
  config.head_lost_timeout = std::chrono::milliseconds(milliseconds_flag(f, "head-timeout-ms", 60'000));
  if (local_head) {
    plan.sess = session{session_of(*local_head)};  // same machine: share the head's session
  } else {
    plan.sess = create_session(plan.temp_dir);
    // Kept for the node's workers, which will find it here as the head's workers do.
    if (auto ok = net::write_token_file(plan.sess.token_file().string(), token.token); !ok)
      throw std::runtime_error("cannot write the cluster token: " + ok.error().message);
  }
  plan.log_file = plan.sess.logs() / ("node_" + plan.self.node_id.substr(0, 8) + ".log");
  plan_spilling(plan, f);
  return launch(plan, [&] { return run_node_daemon(plan, config); }, false);
}

}  // namespace actors::cli
