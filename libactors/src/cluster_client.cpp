#include "cluster_client.hpp"

#include "call_errors.hpp"
#include "cluster/work_protocol.hpp"
#include "cluster/executables.hpp"
#include "cluster/reach.hpp"
#include "object_exchange.hpp"
#include "head_link.hpp"
#include "located_value.hpp"
#include "log.hpp"
#include "store_client.hpp"
#include "transport/address.hpp"
#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"
#include "transport/token.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <unordered_map>

namespace actors::detail {
namespace {

using namespace std::chrono_literals;
namespace wire = actors::cluster;

constexpr auto register_timeout = 10s;
// Registering may include the node pulling this program (hundreds of MB in a sanitizer build).
constexpr auto register_with_program_timeout = 300s;
// A lease request waits at the node manager until resources are free, which may take as long
// as the tasks ahead of it run; the timeout only bounds a node manager that never answers.
constexpr auto lease_timeout = std::chrono::hours(24);
// An idle lease is kept this long before it goes back, so that a caller submitting one task
// after another (get, submit, get, ...) does not ask the node manager for a worker each time.
constexpr auto lease_linger = 20ms;
// Calls pushed to one worker before earlier ones have answered, when calls of the shape are
// short (see shape_state::typical_run_us): one round trip per call would cap throughput, and a
// queue of short calls delays nothing by much. The depth grows as calls get shorter, so that a
// worker's queue holds about as much work as pipeline_depth calls of short_call_us would: with
// 16 in flight per worker, calls of a few µs were bound by round trips (~30,000 per second).
constexpr int pipeline_depth = 16;
constexpr int max_pipeline_depth = 256;
constexpr std::uint64_t short_call_us = 500;
constexpr std::size_t max_lease_requests = 16;
// Pipelining onto a busy worker only while it keeps answering at least this often.
constexpr auto stalled_after = std::chrono::milliseconds(2);
// A shape no node can fit is asked for again this often: a node that has it may join.
constexpr auto infeasible_retry = 500ms;
// What to do about a call whose arguments no message can carry.
constexpr const char* by_store_advice =
    "pass a large value as an object_ref (actors::put) so that it goes through the node's store";
// After a spillback target could not be reached: ask the own node again this much later, by
// when its view of the cluster has changed.
constexpr auto unreachable_retry = 200ms;
// Lease failures in a row (200 ms apart) before a shape's waiting tasks fail.
constexpr int lease_attempts = 5;
// A borrowed actor whose process died: how often, and how far apart, its lender is asked where
// it went while it still names the dead host (its creator has not seen the death yet, or is
// placing the actor again).
constexpr int relocate_attempts = 100;
constexpr auto relocate_retry = 100ms;
// How long shutdown waits for detached actors still being made (shutdown returns promptly, API.md).
constexpr auto detached_creation_limit = 10s;

std::string shape_key(const resource_map& r) {
  std::string key;
  for (const auto& [name, amount] : r) key += name + "=" + std::to_string(amount) + ";";
  return key;
}

/// The decoded answer to a request, or a default T whose `reason` says why there is none.
template <class T>
T answer_or_why(const net::result<net::frame>& reply, const std::string& what) {
  T answer;
  if (!reply) {
    answer.reason = what + " did not answer: " + to_string(reply.error());
    return answer;
  }
  try {
    answer = wire::decode_work<T>(*reply);
  } catch (const error& e) {
    answer.reason = e.what();
  }
  return answer;
}

/// What a node manager asks of its clients: their program, when it lacks it (executables.hpp).
void serve_node_manager(const net::connection_ptr& c, net::frame&& f) {
  if (f.kind != static_cast<std::uint16_t>(wire::work_kind::fetch_executable))
    return c->close("a node manager sent " + wire::kind_name(f.kind) + ", which clients do not serve");
  try {
    wire::answer_executable_request(c, f);
  } catch (const error& e) {
    c->close(std::string("malformed fetch_executable: ") + e.what());
  }
}

}  // namespace

void when_complete(std::span<cell* const> deps, std::function<void()> ready) {
  std::vector<cell*> waiting;
  for (cell* c : deps)
    if (!c->complete()) waiting.push_back(c);
  if (waiting.empty()) return ready();
  struct pending {
    std::atomic<std::size_t> remaining;
    std::function<void()> ready;
  };
  auto p = std::make_shared<pending>();
  p->remaining.store(waiting.size());
  p->ready = std::move(ready);
  for (cell* c : waiting)
    c->on_complete([p] {
      if (p->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) p->ready();
    });
}

/// One actor this client created, as the client sees it.
class remote_actor {
 public:
  enum class state { placing, running, dead };
  struct queued {
    std::unique_ptr<job> j;
    bool ready = false;
    bool is_factory = false;
    int attempts = 0;  // a call sent again after its actor's process died
    std::exception_ptr failure;  // a method call whose argument failed or was lost for good
  };

  actor_id id;
  std::string display;  // for errors: its name, or its id
  std::int32_t max_concurrency = 1;
  int max_restarts = 0;      // -1: without end
  int max_task_retries = 0;  // how often a call in flight when its process died is sent again; -1: always
  int restarts = 0;          // how often it was re-created so far
  std::unique_ptr<job> factory;  // kept once sent, to re-create the actor after its process dies
  // Guarded by the client's mutex.
  state st = state::placing;
  std::exception_ptr death;
  net::connection_ptr conn;
  std::uint64_t hold_lease = 0;
  net::connection_ptr manager;      // the node manager that placed it (hold_lease goes back there)
  cluster::lease_request placement; // what it was placed with, for asking again
  bool told_infeasible = false;
  bool released = false;
  bool borrowed = false;  // its handle came inside a message: another process created it
  bool detached = false;  // outlives this client (API.md, "Lifetime"): its shutdown leaves it be
  std::string name, ns;   // a named actor: the head's directory knows it by these
  std::string type;       // its class's mangled name, for the directory
  std::weak_ptr<net::connection> lender;  // borrowed in a message: told when our last handle goes
  std::string host;       // the host's listen address, once placed
  std::string address;    // the same, once the actor exists there: what locate_actor and the head are told
  std::vector<std::function<void(const std::string&)>> locate_waiters;  // until address is known
  std::deque<std::shared_ptr<queued>> queue;
};

class cluster_client::impl : public std::enable_shared_from_this<impl> {
 public:
  struct lease {
    std::uint64_t id = 0;
    net::connection_ptr manager;  // the node manager that granted it: it goes back there
    net::connection_ptr conn;
    int in_flight = 0;
    std::uint64_t idle_generation = 0;
    std::chrono::steady_clock::time_point progress;  // its last answer, or when it got work while idle
  };
  struct ready_task {
    std::unique_ptr<job> j;
    int attempts = 0;
    int max_retries = 3;
    bool retry_exceptions = false;
    std::uint64_t sent_bytes = 0;  // its arguments' encoding, last sent: its lineage's cost
    std::vector<cell*> arguments;  // the cells its arguments read (job::dependencies, found once)
  };
  struct shape_state {
    resource_map resources;
    std::string prefer;  // the node manager asked first: the one holding most of its arguments' bytes
    std::deque<ready_task> ready;
    std::vector<std::shared_ptr<lease>> leases;
    std::size_t requesting = 0;
    bool infeasible = false;       // no node fits it now; asked again after infeasible_retry
    bool told_infeasible = false;  // the user was warned once
    int lease_failures = 0;        // in a row: a worker that died before it was ready, say
    std::uint64_t typical_run_us = short_call_us * 10;  // assume long until measured
  };
  struct in_flight {
    ready_task task;                      // tasks and method calls
    std::string shape;                    // tasks
    std::shared_ptr<lease> on_lease;      // tasks
    std::shared_ptr<remote_actor> actor;  // factories and method calls
    bool is_factory = false;
    net::connection_ptr conn;
    std::uint64_t id = 0;  // the call's, once it is lost with its process
    bool actor_restarts = false;  // lost with its process, and its actor is being re-created
  };

  impl(cluster_client_options o, net::cluster_token t) : options(std::move(o)), token(t) {}

  cluster_client_options options;
  net::cluster_token token;
  net::io_pool io{1};
  net::connection_ptr node;
  std::string node_id;
  std::string job_id;  // the driver whose job this is, as the own node manager says
  cluster_client::store_place store;  // the node's shared store, as its manager says

  std::mutex mu;
  bool stopped = false;
  std::uint64_t next_call = 1;
  std::map<std::string, shape_state> shapes;
  std::unordered_map<std::uint64_t, in_flight> calls;
  std::map<std::string, net::connection_ptr> workers;  // by address
  // Other nodes' managers, by address (both ways), once a spillback sent us there; registered
  // as clients of this job.
  struct manager_link {
    net::connection_ptr conn;
    std::vector<std::function<void(net::connection_ptr)>> waiting;
    bool unreachable = false;  // said so once; a node that died is asked for again and again until declared dead
  };
  std::map<std::string, manager_link> managers;
  std::map<std::string, std::vector<std::function<void(net::connection_ptr)>>> connecting;
  std::vector<std::shared_ptr<remote_actor>> actors;
  std::condition_variable created;  // an actor's factory returned (or it died): stop() waits for detached ones
  std::function<void(const std::string&)> node_lost;

  // ---- connections ---------------------------------------------------------------------------

  void connect_node() {
    auto address = net::parse_address(options.node_address);
    if (!address) throw error("actors: bad node manager address '" + options.node_address + "'");
    net::handlers h;
    std::weak_ptr<impl> weak = weak_from_this();
    h.on_frame = from_node_manager();
    h.on_closed = [weak](const net::connection_ptr&, const net::error& why) {
      if (auto self = weak.lock()) self->on_node_closed(why.message);
    };
    auto c = net::connect(io.context(), *address, token, h).get();
    if (!c) throw error("actors: cannot reach the node manager at " + options.node_address + ": " + to_string(c.error()));
    node = *c;
    auto hello = hello_as(options.is_worker ? wire::client_role::worker : wire::client_role::driver);
    hello.listen_address = options.listen_address;
    auto reply = node->request(wire::encode_work(wire::work_kind::register_client, hello), register_with_program_timeout).get();
    if (!reply) throw error("actors: the node manager did not register this process: " + to_string(reply.error()));
    auto answer = wire::decode_work<wire::client_registered>(*reply);
    if (!answer.accepted) throw error("actors: the node manager refused this process: " + answer.reason);
    node_id = answer.node_id;
    job_id = answer.job_id.empty() ? options.client_id : answer.job_id;
    store = {answer.store_segment, answer.store_address, answer.store_overflow};
  }

  /// Serves what a node manager (ours, or another that we are a client of) sends: requests
  /// for our program, and word of a node's death, which every node tells its clients.
  std::function<void(const net::connection_ptr&, net::frame&&)> from_node_manager() {
    std::weak_ptr<impl> weak = weak_from_this();
    return [weak](const net::connection_ptr& c, net::frame&& f) {
      if (f.kind != static_cast<std::uint16_t>(wire::work_kind::node_died)) return serve_node_manager(c, std::move(f));
      auto self = weak.lock();
      if (!self) return;
      try {
        self->on_node_died(wire::decode_work<wire::node_death>(f));
      } catch (const error& e) {
        c->close(std::string("malformed node_died: ") + e.what());
      }
    };
  }

  /// Runs `use` with a registered connection to the node manager at `address` (another node,
  /// after a spillback), once there is one (or null if it cannot be reached).
  void with_manager_locked(const std::string& address, std::function<void(net::connection_ptr)> use) {
    auto& m = managers[address];
    if (m.conn && m.conn->is_open()) return use(m.conn);
    m.waiting.push_back(std::move(use));
    if (m.waiting.size() > 1) return;
    std::weak_ptr<impl> weak = weak_from_this();
    auto finish = [weak, address](net::connection_ptr c, const std::string& why) {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mu);
      auto& link = self->managers[address];
      if (!c && !std::exchange(link.unreachable, true))
        log_warning("actors: cannot use the node manager at " + address + ": " + why);
      if (c) link.unreachable = false;
      link.conn = c;
      for (auto& w : std::exchange(link.waiting, {})) w(c);
    };
    auto parsed = net::parse_address(wire::nearest_way(address));
    if (!parsed) {
      boost::asio::post(io.context(), [finish] { finish(nullptr, "not an address"); });
      return;
    }
    net::handlers h;
    h.on_frame = from_node_manager();
    h.on_closed = [weak, address](const net::connection_ptr& c, const net::error&) {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mu);
      if (auto it = self->managers.find(address); it != self->managers.end() && it->second.conn == c)
        it->second.conn = nullptr;
    };
    auto hello = hello_as(wire::client_role::driver);
    hello.job_id = job_id;  // on another node: a client of this job
    net::connect(io.context(), *parsed, token, h, {}, [finish, hello](net::result<net::connection_ptr> c) {
      if (!c) return finish(nullptr, to_string(c.error()));
      auto conn = *c;
      conn->request(wire::encode_work(wire::work_kind::register_client, hello), register_with_program_timeout,
                    [finish, conn](net::result<net::frame> reply) {
                      auto answer = answer_or_why<wire::client_registered>(reply, "the node manager");
                      if (answer.accepted) return finish(conn, "");
                      conn->close("not registered");
                      finish(nullptr, answer.reason);
                    });
    });
  }

  /// Runs `fn` under the lock after `delay`, unless the client stopped meanwhile.
  void later_locked(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io.context(), delay);
    std::weak_ptr<impl> weak = weak_from_this();
    timer->async_wait([weak, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      std::lock_guard lock(self->mu);
      if (!self->stopped) fn();
    });
  }

  /// How this process introduces itself to a node manager.
  wire::client_hello hello_as(wire::client_role role) const {
    auto program = wire::own_executable();
    return {.role = role,
            .client_id = options.client_id,
            .pid = ::getpid(),
            .executable = program.path,
            .ns = options.ns,
            .executable_size = program.size,
            .executable_mtime_ns = program.mtime_ns};
  }

  /// The head declared a node dead: whatever this process has running there is lost, though a
  /// host cut off from the network never closes its connections. Closing them here retries
  /// tasks and restarts actors (on_worker_closed) now, not after TCP gives up.
  void on_node_died(const wire::node_death& death) {
    std::vector<net::connection_ptr> doomed;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      auto it = managers.find(death.manager_address);
      if (it == managers.end() || !it->second.conn) return;  // nothing of ours went through it
      auto manager = it->second.conn;
      for (auto& [key, s] : shapes)
        for (auto& l : s.leases)
          if (l->manager == manager && l->conn) doomed.push_back(l->conn);
      for (auto& a : actors)
        if (a->manager == manager && a->conn) doomed.push_back(a->conn);
      doomed.push_back(manager);
    }
    log_warning("actors: node " + death.node_id.substr(0, 8) + " is dead (" + death.reason + "); " +
                std::to_string(doomed.size() - 1) + " connection(s) to its workers are given up");
    for (auto& c : doomed) c->close("its node " + death.node_id.substr(0, 8) + " is dead (" + death.reason + ")");
  }

  void on_node_closed(const std::string& why) {
    std::function<void(const std::string&)> fn;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      fn = node_lost;
    }
    log_warning("actors: the connection to the node manager closed: " + why);
    if (fn) fn(why);
  }

  /// Runs `use` with a connection to the worker at `address`, once there is one (or null).
  void with_worker_locked(const std::string& address, std::function<void(net::connection_ptr)> use) {
    if (auto it = workers.find(address); it != workers.end() && it->second->is_open()) return use(it->second);
    auto& waiters = connecting[address];
    waiters.push_back(std::move(use));
    if (waiters.size() > 1) return;
    auto parsed = net::parse_address(wire::nearest_way(address));
    std::weak_ptr<impl> weak = weak_from_this();
    net::handlers h;
    h.on_frame = [weak](const net::connection_ptr& c, net::frame&& f) {
      auto self = weak.lock();
      if (!self) return;
      try {
        if (self->options.exchange->serve(c, f)) return;  // the worker fetches a ref we lent it
        if (f.kind == static_cast<std::uint16_t>(wire::work_kind::locate_actor)) return self->serve_locate(c, f);
        if (f.kind == static_cast<std::uint16_t>(wire::work_kind::kill_actor)) return self->killed_elsewhere(c, f);
      } catch (const error& e) {
        return c->close(std::string("malformed object request: ") + e.what());
      }
      self->on_result(c, std::move(f));
    };
    h.on_closed = [weak](const net::connection_ptr& c, const net::error& why) {
      if (auto self = weak.lock()) self->on_worker_closed(c, why.message);
    };
    auto done = [weak, address](net::result<net::connection_ptr> c) {
      auto self = weak.lock();
      if (!self) return;
      std::vector<std::function<void(net::connection_ptr)>> waiting;
      {
        std::lock_guard lock(self->mu);
        waiting = std::move(self->connecting[address]);
        self->connecting.erase(address);
        if (c) self->workers[address] = *c;
        else log_warning("actors: cannot reach the worker at " + address + ": " + to_string(c.error()));
        for (auto& w : waiting) w(c ? *c : nullptr);
      }
    };
    if (!parsed) {
      net::result<net::connection_ptr> bad = net::fail(net::errc::invalid_argument, "bad worker address");
      boost::asio::post(io.context(), [done, bad]() mutable { done(std::move(bad)); });
      return;
    }
    net::connect(io.context(), *parsed, token, h, {}, done);
  }

  // ---- tasks -----------------------------------------------------------------------------------

  void task_ready(const std::string& key, ready_task t) {
    std::lock_guard lock(mu);
    if (stopped) return t.j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
    auto& s = shapes[key];
    s.ready.push_back(std::move(t));
    dispatch_locked(key, s);
  }

  void dispatch_locked(const std::string& key, shape_state& s) {
    int depth = 1;
    if (s.typical_run_us <= short_call_us)
      depth = static_cast<int>(std::clamp<std::uint64_t>(short_call_us * pipeline_depth / std::max<std::uint64_t>(s.typical_run_us, 1),
                                                         pipeline_depth, max_pipeline_depth));
    auto now = std::chrono::steady_clock::now();
    while (!s.ready.empty()) {
      std::shared_ptr<lease> best;
      for (auto& l : s.leases) {
        if (!l->conn || !l->conn->is_open() || l->in_flight >= depth) continue;
        // A worker that has not answered for a while runs a long call: queueing behind it would
        // hold short calls while another worker is free (head-of-line blocking).
        if (l->in_flight > 0 && now - l->progress > stalled_after) continue;
        if (!best || l->in_flight < best->in_flight) best = l;
      }
      if (!best) break;
      auto t = std::move(s.ready.front());
      s.ready.pop_front();
      send_task_locked(key, best, std::move(t));
    }
    if (!s.ready.empty() && !s.infeasible && s.requesting < std::min(max_lease_requests, s.ready.size()))
      request_lease_locked(key, s);
  }

  void send_task_locked(const std::string& key, const std::shared_ptr<lease>& l, ready_task t) {
    std::uint64_t id = next_call++;
    writer args;
    object_exchange::pin_scope lent;  // refs inside the arguments stay alive for the worker
    try {
      t.j->encode_arguments(args);
    } catch (...) {
      t.j->abandon(std::current_exception());
      return;
    }
    wire::call_header header{.call_id = id, .function = t.j->name(), .signature = t.j->signature()};
    options.exchange->pin(l->conn, lent.take());  // before the worker can ask for them
    const std::uint64_t bytes = args.bytes().size();
    t.sent_bytes = bytes;
    auto sent = l->conn->send(wire::encode_work(wire::work_kind::push_task, header, std::move(args.bytes())));
    if (!sent && sent.error().code == net::errc::frame_too_large)
      return t.j->abandon(too_large_to_send("the arguments of " + t.j->name(), bytes, by_store_advice));
    if (!sent) {
      shapes[key].ready.push_front(std::move(t));  // the worker is gone; its close reschedules
      return;
    }
    if (l->in_flight++ == 0) l->progress = std::chrono::steady_clock::now();
    calls.emplace(id, in_flight{std::move(t), key, l, nullptr, false, l->conn});
  }

  void request_lease_locked(const std::string& key, shape_state& s) {
    ++s.requesting;
    if (s.prefer.empty()) return ask_for_lease_locked(key, node, false);
    // Locality: the node holding the arguments decides (it may spill the work on, as ours would).
    std::weak_ptr<impl> weak = weak_from_this();
    with_manager_locked(s.prefer, [weak, key](net::connection_ptr c) {
      if (auto self = weak.lock()) self->ask_for_lease_locked(key, c ? c : self->node, false);
    });
  }

  /// Sends the shape's lease request to `manager`: the own node, the one holding the shape's
  /// arguments, or one that a spillback sent us to (`spilled`: it must not send us on).
  void ask_for_lease_locked(const std::string& key, const net::connection_ptr& manager, bool spilled) {
    wire::lease_request want{.resources = shapes[key].resources, .spilled = spilled};
    std::weak_ptr<impl> weak = weak_from_this();
    manager->request(wire::encode_work(wire::work_kind::request_lease, want), lease_timeout,
                     [weak, key, manager](net::result<net::frame> reply) {
                       if (auto self = weak.lock()) self->on_lease(key, manager, std::move(reply));
                     });
  }

  /// One lease request less is out for the shape; ask again after `delay`.
  void lease_retry_locked(const std::string& key, std::chrono::milliseconds delay) {
    --shapes[key].requesting;
    later_locked(delay, [this, key] {
      auto& st = shapes[key];
      st.infeasible = false;
      dispatch_locked(key, st);
    });
  }

  void on_lease(const std::string& key, const net::connection_ptr& manager, net::result<net::frame> reply) {
    std::vector<ready_task> failed;
    std::string why;
    {
      std::lock_guard lock(mu);
      auto& s = shapes[key];
      if (stopped) return void(--s.requesting);
      auto answer = answer_or_why<wire::lease_reply>(reply, "the node manager");
      if (answer.status == wire::lease_status::spillback) {
        std::weak_ptr<impl> weak = weak_from_this();
        return with_manager_locked(answer.spill_to, [weak, key](net::connection_ptr c) {
          auto self = weak.lock();
          if (!self) return;
          if (c)
            self->ask_for_lease_locked(key, c, true);
          else
            self->lease_retry_locked(key, unreachable_retry);
        });
      }
      if (!reply && manager != node) return lease_retry_locked(key, unreachable_retry);  // that node went away
      if (answer.status == wire::lease_status::infeasible) {
        if (!s.told_infeasible)
          log_warning("actors: a task needs resources no node of this cluster has (" + answer.reason +
                      "); it stays pending until such a node joins");
        s.told_infeasible = true;
        if (!s.infeasible) {
          s.infeasible = true;
          return lease_retry_locked(key, infeasible_retry);
        }
        return void(--s.requesting);
      }
      // A lease can fail for a moment (its worker was killed before it was ready): ask again a
      // few times before failing the tasks, which a lasting failure (a program that cannot be
      // started) then does within a second.
      if (answer.status != wire::lease_status::granted && ++s.lease_failures < lease_attempts)
        return lease_retry_locked(key, unreachable_retry);
      --s.requesting;
      if (answer.status != wire::lease_status::granted) {
        s.lease_failures = 0;
        why = "actors: no worker could be leased for this task: " + answer.reason;
        // As when a worker dies under it, each waiting task uses up one attempt; those with
        // attempts left wait for the next lease (its worker was killed while it started, say),
        // so a lasting failure ends each task within its max_retries.
        std::deque<ready_task> again;
        for (auto& t : s.ready) {
          if (t.max_retries >= 0 && t.attempts >= t.max_retries)
            failed.push_back(std::move(t));
          else
            again.push_back(std::move(t));
        }
        for (auto& t : again) ++t.attempts;
        s.ready = std::move(again);
        if (!s.ready.empty())
          later_locked(unreachable_retry, [this, key] { dispatch_locked(key, shapes[key]); });
      } else {
        s.lease_failures = 0;
        auto l = std::make_shared<lease>();
        l->id = answer.lease_id;
        l->manager = manager;
        s.leases.push_back(l);
        std::weak_ptr<impl> weak = weak_from_this();
        with_worker_locked(answer.worker_address, [weak, key, l](net::connection_ptr c) {
          auto self = weak.lock();
          if (!self) return;
          l->conn = c;
          auto& st = self->shapes[key];
          if (!c) std::erase(st.leases, l);
          self->dispatch_locked(key, st);
          self->maybe_return_locked(key, l);
        });
      }
    }
    for (auto& t : failed) t.j->abandon(std::make_exception_ptr(error(why)));
  }

  /// Returns an idle lease after lease_linger, unless work came for it meanwhile.
  void maybe_return_locked(const std::string& key, const std::shared_ptr<lease>& l) {
    auto& s = shapes[key];
    if (l->in_flight > 0 || !s.ready.empty()) return;
    auto generation = ++l->idle_generation;
    auto timer = std::make_shared<boost::asio::steady_timer>(io.context(), lease_linger);
    std::weak_ptr<impl> weak = weak_from_this();
    timer->async_wait([weak, key, l, generation, timer](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      std::lock_guard lock(self->mu);
      if (self->stopped || l->idle_generation != generation || l->in_flight > 0) return;
      auto& st = self->shapes[key];
      if (!st.ready.empty()) return;
      std::erase(st.leases, l);
      l->manager->send(wire::encode_work(wire::work_kind::return_lease, wire::lease_return{l->id}));
    });
  }

  // ---- actors ----------------------------------------------------------------------------------

  void place_actor_locked(const std::shared_ptr<remote_actor>& a, const actor_options& o) {
    wire::lease_request want{.resources = o.resources.value_or(resource_map{{"CPU", 1}}),
                             .dedicated = o.dedicated_process || a->detached,
                             .hold_for_life = o.resources.has_value(),
                             .detached = a->detached};
    if (want.resources.contains("GPU") && want.resources.at("GPU") > 0) want.dedicated = true;
    a->placement = want;
    ask_to_place_locked(a, node);
  }

  /// Asks `manager` (the own node, or the one it spilled us to) for a host for the actor.
  void ask_to_place_locked(const std::shared_ptr<remote_actor>& a, const net::connection_ptr& manager) {
    auto want = a->placement;
    want.spilled = manager != node;
    std::weak_ptr<impl> weak = weak_from_this();
    manager->request(wire::encode_work(wire::work_kind::place_actor, want), lease_timeout,
                     [weak, a, manager](net::result<net::frame> reply) {
                       if (auto self = weak.lock()) self->on_placed(a, manager, std::move(reply));
                     });
  }

  /// Asks the own node again after `delay`, unless the actor died meanwhile.
  void place_again_later_locked(const std::shared_ptr<remote_actor>& a, std::chrono::milliseconds delay) {
    later_locked(delay, [this, a] {
      if (a->st != remote_actor::state::dead) ask_to_place_locked(a, node);
    });
  }

  void on_placed(const std::shared_ptr<remote_actor>& a, const net::connection_ptr& manager,
                 net::result<net::frame> reply) {
    std::unique_lock lock(mu);
    if (stopped) return;
    auto answer = answer_or_why<wire::lease_reply>(reply, "the node manager");
    if (answer.status == wire::lease_status::spillback && a->st != remote_actor::state::dead) {
      std::weak_ptr<impl> weak = weak_from_this();
      return with_manager_locked(answer.spill_to, [weak, a](net::connection_ptr c) {
        auto self = weak.lock();
        if (!self || a->st == remote_actor::state::dead) return;
        if (c)
          self->ask_to_place_locked(a, c);
        else
          self->place_again_later_locked(a, unreachable_retry);
      });
    }
    if (!reply && manager != node && a->st != remote_actor::state::dead) return place_again_later_locked(a, unreachable_retry);
    if (answer.status == wire::lease_status::infeasible && a->st != remote_actor::state::dead) {
      if (!std::exchange(a->told_infeasible, true))
        log_warning("actors: the actor " + a->display + " needs resources no node of this cluster has (" +
                    answer.reason + "); it stays pending until such a node joins");
      return place_again_later_locked(a, infeasible_retry);
    }
    if (answer.status != wire::lease_status::granted)
      return kill_locked(lock, a, "actors: the actor " + a->display + " could not be placed: " + answer.reason);
    a->hold_lease = answer.lease_id;
    a->manager = manager;
    if (a->st == remote_actor::state::dead) return end_actor_locked(a, wire::work_kind::kill_actor);  // killed meanwhile
    connect_actor_locked(a, answer.worker_address);
  }

  cluster::named_actor directory_entry(const remote_actor& a) const {
    return cluster::named_actor{.ns = a.ns, .name = a.name, .id_hi = a.id.hi, .id_lo = a.id.lo, .type = a.type,
                                .address = a.address};
  }

  /// A named actor ended: its name is free again (the head checks it still names this actor).
  void free_name_locked(const remote_actor& a) {
    if (!a.name.empty() && options.head) options.head->unregister_name(directory_entry(a));
  }

  /// The actor exists at its host (its factory returned): others may now call it there, so
  /// borrowers and the head's directory learn where. "" tells waiters it never will.
  void publish_address_locked(const std::shared_ptr<remote_actor>& a, const std::string& address) {
    a->address = address;
    created.notify_all();
    if (!address.empty() && !a->name.empty() && !a->borrowed && options.head) options.head->actor_placed(directory_entry(*a));
    for (auto& waiter : std::exchange(a->locate_waiters, {})) waiter(address);
  }

  /// The actor is hosted at `address`: connect, then send its queued calls.
  void connect_actor_locked(const std::shared_ptr<remote_actor>& a, const std::string& address) {
    a->host = address;
    if (a->borrowed) publish_address_locked(a, address);  // it exists already
    std::weak_ptr<impl> weak = weak_from_this();
    with_worker_locked(address, [weak, a](net::connection_ptr c) {
      auto self = weak.lock();
      if (!self || a->st == remote_actor::state::dead) return;
      if (!c) {
        a->st = remote_actor::state::dead;
        a->death = std::make_exception_ptr(actor_died_error("actors: the process hosting actor " + a->display +
                                                            " cannot be reached"));
        self->fail_actor_queue_locked(a);
        return;
      }
      a->conn = c;
      a->st = remote_actor::state::running;
      self->flush_actor_locked(a);
    });
  }

  /// Sends the actor's calls that are ready, in order, up to the first that is not.
  void flush_actor_locked(const std::shared_ptr<remote_actor>& a) {
    if (a->st == remote_actor::state::dead) return fail_actor_queue_locked(a);
    if (a->st != remote_actor::state::running) return;
    while (!a->queue.empty() && a->queue.front()->ready) {
      auto q = std::move(a->queue.front());
      a->queue.pop_front();
      if (q->failure) {  // its place in the order passes; it fails off the lock
        boost::asio::post(io.context(), [q] { q->j->abandon(q->failure); });
        continue;
      }
      std::uint64_t id = next_call++;
      writer args;
      object_exchange::pin_scope lent;
      try {
        q->j->encode_arguments(args);
      } catch (...) {
        if (q->is_factory) {
          a->st = remote_actor::state::dead;
          a->death = std::current_exception();
          return fail_actor_queue_locked(a);
        }
        q->j->abandon(std::current_exception());
        continue;
      }
      wire::call_header header{.call_id = id,
                               .function = q->j->name(),
                               .signature = q->j->signature(),
                               .actor_hi = a->id.hi,
                               .actor_lo = a->id.lo,
                               .max_concurrency = q->is_factory ? a->max_concurrency : 1,
                               .restarts = q->is_factory ? a->restarts : 0};
      auto kind = q->is_factory ? wire::work_kind::create_actor : wire::work_kind::actor_call;
      options.exchange->pin(a->conn, lent.take());
      const std::uint64_t bytes = args.bytes().size();
      auto sent = a->conn->send(wire::encode_work(kind, header, std::move(args.bytes())));
      if (!sent && sent.error().code == net::errc::frame_too_large) {
        auto e = too_large_to_send("the arguments of " + q->j->name(), bytes, by_store_advice);
        if (q->is_factory) {
          a->st = remote_actor::state::dead;
          a->death = e;
          return fail_actor_queue_locked(a);
        }
        q->j->abandon(e);
        continue;
      }
      if (!sent) {
        a->queue.push_front(std::move(q));  // the host is gone: its close fails the queue
        return;
      }
      if (q->is_factory) a->factory = std::move(q->j);  // its call needs no job: it completes nothing
      calls.emplace(id, in_flight{ready_task{std::move(q->j), q->attempts}, {}, nullptr, a, q->is_factory, a->conn});
    }
    // A detached actor is not ended by its handles going (API.md): it lives until killed, and
    // this client keeps track of it (restarts, shutdown) until it shuts down.
    if (a->released && a->queue.empty() && !(a->detached && !a->borrowed))
      end_actor_locked(a, wire::work_kind::release_actor);
  }

  /// Shutdown leaves detached actors be, once they exist: it waits (bounded) for those whose
  /// factory has not returned yet, so that an actor created just before shutdown() is there.
  void wait_for_detached_locked(std::unique_lock<std::mutex>& lock) {
    auto being_made = [](const std::shared_ptr<remote_actor>& a) {
      return a->detached && !a->borrowed && a->st != remote_actor::state::dead && a->address.empty();
    };
    if (created.wait_for(lock, detached_creation_limit, [&] { return std::none_of(actors.begin(), actors.end(), being_made); }))
      return;
    for (const auto& a : actors)
      if (being_made(a))
        log_warning("actors: shutdown: the detached actor " + a->display + " was not created within " +
                    std::to_string(detached_creation_limit.count()) + " s (its arguments or a node that fits were "
                    "missing); it is abandoned");
  }

  /// Whether an actor whose process died is re-created (API.md: max_restarts; never after
  /// kill, nor once its creator let go of every handle unless it is detached, nor for a handle
  /// borrowed from another process, whose creator decides).
  static bool may_restart(const remote_actor& a) {
    return !a.borrowed && (!a.released || a.detached) && a.factory &&
           (a.max_restarts < 0 || a.restarts < a.max_restarts);
  }

  /// Re-creates the actor from its factory and arguments, on whichever node places it now: its
  /// factory goes first in its queue, then the calls sent again, then those not sent yet.
  void restart_locked(const std::shared_ptr<remote_actor>& a, const std::string& why) {
    ++a->restarts;
    log_warning("actors: the process hosting actor " + a->display + " died (" + why + "); restarting it (" +
                std::to_string(a->restarts) +
                (a->max_restarts < 0 ? "" : " of " + std::to_string(a->max_restarts)) + ")");
    lose_host_locked(*a);
    a->hold_lease = 0;  // the dead worker's lease ended with it at its node
    a->manager = nullptr;
    auto q = std::make_shared<remote_actor::queued>();
    q->j = std::move(a->factory);
    q->ready = true;
    q->is_factory = true;
    a->queue.push_front(std::move(q));
    ask_to_place_locked(a, node);
  }

  /// The actor's process died: it has no host until it is placed again or found elsewhere;
  /// borrowers asking where it is wait for the new one.
  static void lose_host_locked(remote_actor& a) {
    a.st = remote_actor::state::placing;
    a.conn = nullptr;
    a.host.clear();
    a.address.clear();
  }

  void fail_actor_queue_locked(const std::shared_ptr<remote_actor>& a) {
    auto queue = std::move(a->queue);
    a->queue.clear();
    auto death = a->death;
    boost::asio::post(io.context(), [queue = std::move(queue), death]() mutable {
      for (auto& q : queue) q->j->abandon(death);
    });
  }

  /// Ends the actor here; `tell_host`: send the host kill_actor (kill_actor() asks it itself).
  void kill_locked(std::unique_lock<std::mutex>&, const std::shared_ptr<remote_actor>& a, const std::string& why,
                   bool tell_host = true) {
    if (a->st == remote_actor::state::dead) return;
    if (a->conn) end_actor_locked(a, tell_host ? wire::work_kind::kill_actor : wire::work_kind{});
    free_name_locked(*a);
    a->st = remote_actor::state::dead;
    a->death = std::make_exception_ptr(actor_died_error(why));
    publish_address_locked(a, "");
    fail_actor_queue_locked(a);
  }

  /// Another process lent us a handle to actor `id`: calls go to its host once `from` says
  /// where that is (Ray's borrowed handles; the creator's release still ends the actor).
  std::shared_ptr<remote_actor> borrow_actor(const actor_id& id, const net::connection_ptr& from) {
    auto a = std::make_shared<remote_actor>();
    a->id = id;
    a->display = to_string(id);
    a->borrowed = true;
    a->lender = from;
    {
      std::lock_guard lock(mu);
      if (stopped) {
        a->st = remote_actor::state::dead;
        a->death = std::make_exception_ptr(actor_died_error("actors: the runtime was shut down"));
        return a;
      }
      actors.push_back(a);
    }
    std::weak_ptr<impl> weak = weak_from_this();
    from->request(wire::encode_work(wire::work_kind::locate_actor, wire::object_key{id.hi, id.lo}), register_timeout,
                  [weak, a](net::result<net::frame> reply) {
                    auto self = weak.lock();
                    if (!self) return;
                    auto where = answer_or_why<wire::actor_location>(reply, "the process that lent the handle");
                    std::unique_lock lock(self->mu);
                    if (self->stopped || a->st == remote_actor::state::dead) return;
                    if (!where.found)
                      return self->kill_locked(lock, a, "actors: the actor " + a->display +
                                                            " could not be located: " + where.reason);
                    self->connect_actor_locked(a, where.address);
                  });
    return a;
  }

  /// A borrowed actor's process died: asks whoever can say where the actor is now (the process
  /// that lent the handle, else the head's directory for a named one) until it names a host
  /// other than `lost` (its creator restarted it), or says it is gone; bounded.
  void relocate_locked(const std::shared_ptr<remote_actor>& a, const std::string& lost, const std::string& why,
                       int attempt) {
    std::weak_ptr<impl> weak = weak_from_this();
    auto answer = [weak, a, lost, why, attempt](const std::string& address, const std::string& reason) {
      auto self = weak.lock();
      if (!self) return;
      std::unique_lock lock(self->mu);
      if (self->stopped || a->st == remote_actor::state::dead) return;
      if (!address.empty() && address != lost) return self->connect_actor_locked(a, address);
      // Its creator may not have seen the death yet, and still names the old host.
      if (!address.empty() && attempt < relocate_attempts)
        return self->later_locked(relocate_retry, [self, a, lost, why, attempt] {
          if (a->st != remote_actor::state::dead) self->relocate_locked(a, lost, why, attempt + 1);
        });
      a->st = remote_actor::state::dead;
      a->death = std::make_exception_ptr(actor_died_error("actors: the process hosting actor " + a->display + " died (" +
                                                          why + ")" + (reason.empty() ? "" : "; " + reason)));
      self->publish_address_locked(a, "");
      self->fail_actor_queue_locked(a);
    };
    if (auto lender = a->lender.lock(); lender && lender->is_open()) {
      lender->request(wire::encode_work(wire::work_kind::locate_actor, wire::object_key{a->id.hi, a->id.lo}),
                      register_timeout, [answer](net::result<net::frame> reply) {
                        auto where = answer_or_why<wire::actor_location>(reply, "the process that lent the handle");
                        answer(where.found ? where.address : "", where.reason);
                      });
    } else if (!a->name.empty() && options.head) {
      // The head's directory follows the actor's creator (publish_address_locked); asked off the lock.
      boost::asio::post(io.context(), [answer, head = options.head, ns = a->ns, name = a->name] {
        try {
          auto entry = head->lookup_name(ns, name);
          answer(entry ? entry->address : "", entry ? "" : "its name is free");
        } catch (const error& e) {
          answer("", e.what());
        }
      });
    } else {
      boost::asio::post(io.context(), [answer] { answer("", "nothing can say where it went"); });
    }
  }

  /// A handle found by name: the head said where the actor is hosted.
  std::shared_ptr<remote_actor> borrow_actor_at(const cluster::named_actor& entry) {
    auto a = std::make_shared<remote_actor>();
    a->id = actor_id{entry.id_hi, entry.id_lo};
    a->display = "'" + entry.name + "'";
    a->borrowed = true;
    a->name = entry.name;  // a kill through this handle frees the name
    a->ns = entry.ns;
    a->type = entry.type;
    std::lock_guard lock(mu);
    if (stopped) {
      a->st = remote_actor::state::dead;
      a->death = std::make_exception_ptr(actor_died_error("actors: the runtime was shut down"));
      return a;
    }
    actors.push_back(a);
    connect_actor_locked(a, entry.address);
    return a;
  }

  /// Answers locate_actor for an actor this client created or borrowed.
  void serve_locate(const net::connection_ptr& c, const net::frame& request) {
    auto key = wire::decode_work<wire::object_key>(request);
    auto answer = [c, stub = wire::reply_stub(request)](const std::string& address) {
      wire::actor_location where{.found = !address.empty(), .address = address,
                                 .reason = address.empty() ? "it is dead or was never placed" : ""};
      c->reply(*stub, wire::encode_work(wire::work_kind::locate_actor, where));
    };
    std::lock_guard lock(mu);
    for (auto& a : actors) {
      if (a->id != actor_id{key.hi, key.lo} || a->st == remote_actor::state::dead) continue;
      if (!a->address.empty()) return answer(a->address);
      a->locate_waiters.push_back(answer);
      return;
    }
    answer("");
  }

  /// The host of an actor says another process killed it: its calls fail at once from now on,
  /// and it is not restarted.
  void killed_elsewhere(const net::connection_ptr& c, const net::frame& f) {
    auto header = wire::decode_work<wire::call_header>(f);
    std::unique_lock lock(mu);
    for (auto& a : actors)
      if (a->conn == c && a->id == actor_id{header.actor_hi, header.actor_lo})
        return kill_locked(lock, std::shared_ptr(a),
                           "actors: the actor " + a->display + " was killed by actors::kill in another process", false);
  }

  void end_actor_locked(const std::shared_ptr<remote_actor>& a, wire::work_kind how) {
    wire::call_header header{.actor_hi = a->id.hi, .actor_lo = a->id.lo};
    // A borrower's last handle ends nothing: the creator's does.
    if (a->borrowed && how == wire::work_kind::release_actor) {
      object_exchange::release_handle(a->lender.lock(), a->id);
      a->conn = nullptr;
      return void(std::erase(actors, a));
    }
    if (a->conn && how != wire::work_kind{}) a->conn->send(wire::encode_work(how, header));
    a->conn = nullptr;  // a handle may outlive this client; its connection must not
    if (a->hold_lease && a->manager)
      a->manager->send(wire::encode_work(wire::work_kind::return_lease, wire::lease_return{a->hold_lease}));
    a->hold_lease = 0;
    a->manager = nullptr;
    std::erase(actors, a);
  }

  // ---- results and failures --------------------------------------------------------------------

  void on_result(const net::connection_ptr& c, net::frame&& f) {
    if (f.kind != static_cast<std::uint16_t>(wire::work_kind::call_result)) return;
    std::span<const std::byte> tail;
    wire::call_result_header header;
    try {
      header = wire::decode_work<wire::call_result_header>(f, &tail);
    } catch (const error& e) {
      log_warning(std::string("actors: a malformed call result from a worker: ") + e.what());
      return;
    }
    in_flight call;
    {
      std::lock_guard lock(mu);
      auto it = calls.find(header.call_id);
      if (it == calls.end()) return;  // cancelled by shutdown
      call = std::move(it->second);
      calls.erase(it);
    }
    if (header.outcome == wire::call_outcome::ok && !header.stored.empty() && !call.is_factory) {
      auto t = std::make_shared<ready_task>(std::move(call.task));
      if (!header.lends_refs && header.stored.home != store.address && t->j->new_result_cell())
        keep_where_made(c, header.stored, std::move(t), call.shape);
      else
        take_stored_result(c, header.stored, std::move(t), call.shape);
    } else if (header.outcome == wire::call_outcome::ok) {
      try {
        object_exchange::decode_scope from(options.exchange, c);  // refs in the result are the worker's
        reader r(tail);
        if (call.is_factory) {
          std::lock_guard lock(mu);
          if (call.actor->st != remote_actor::state::dead) publish_address_locked(call.actor, call.actor->host);
        } else {
          call.task.j->accept_result(r);
        }
      } catch (...) {
        if (call.task.j) call.task.j->abandon(std::current_exception());
      }
    } else if (call.on_lease && (call.task.max_retries < 0 || call.task.attempts < call.task.max_retries) &&
               header.outcome == wire::call_outcome::task_error && call.task.retry_exceptions) {
      // set_retry_exceptions(true): user code threw, and the task runs again (API.md).
      ++call.task.attempts;
      std::lock_guard lock(mu);
      shapes[call.shape].ready.push_back(std::move(call.task));
    } else if (call.on_lease && (call.task.max_retries < 0 || call.task.attempts < call.task.max_retries) &&
               header.outcome == wire::call_outcome::object_lost_error) {
      // An argument the worker could not read (its home node went away, say) is a failure of
      // the system, not of the task: it runs again, once the arguments that were lost are made
      // again from their lineage.
      ++call.task.attempts;
      run_when_arguments_present(call.shape, std::move(call.task), true);
    } else {
      auto e = exception_from(header);
      if (call.is_factory) {
        std::unique_lock lock(mu);
        call.actor->death = std::make_exception_ptr(
            actor_died_error("actors: the actor " + call.actor->display + " could not be created: " + header.message));
        call.actor->st = remote_actor::state::dead;
        free_name_locked(*call.actor);
        publish_address_locked(call.actor, "");
        end_actor_locked(call.actor, wire::work_kind::kill_actor);  // its host forgets it; its hold goes back
        fail_actor_queue_locked(call.actor);
      } else {
        call.task.j->abandon(e);
      }
    }
    std::lock_guard lock(mu);
    if (call.on_lease) {
      --call.on_lease->in_flight;
      call.on_lease->progress = std::chrono::steady_clock::now();
      auto& s = shapes[call.shape];
      // A running average of how long calls of this shape take, which sets the pipeline depth.
      s.typical_run_us = (s.typical_run_us * 7 + header.run_us) / 8;
      dispatch_locked(call.shape, s);
      maybe_return_locked(call.shape, call.on_lease);
    }
  }

  /// Completes `j` from a result the worker left in its node's store: opened here (pulled, from
  /// another node), read in place; then the worker may let its copy go.
  /// A task whose result went with its worker (killed after it answered, before the result was
  /// taken from its node's store) runs again while its retries last, as if it had died first.
  void take_stored_result(const net::connection_ptr& c, const wire::block_ref& ref, std::shared_ptr<ready_task> t,
                          const std::string& shape) {
    std::weak_ptr<impl> weak = weak_from_this();
    options.exchange->receive_stored(
        c, ref, "the result of " + t->j->name(),
        [t](std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner) {
          t->j->accept_stored(encoded, owner);
        },
        [weak, t, shape](std::exception_ptr e) {
          if (auto self = weak.lock()) return self->retry_or_fail(t, shape, std::move(e));
          t->j->abandon(std::move(e));
        });
  }

  /// A task whose result was lost before its owner held it runs again while its retries last.
  void retry_or_fail(const std::shared_ptr<ready_task>& t, const std::string& shape, std::exception_ptr e) {
    if (!shape.empty() && (t->max_retries < 0 || t->attempts < t->max_retries)) {
      std::lock_guard lock(mu);
      if (!stopped) {
        ++t->attempts;
        auto& s = shapes[shape];
        s.ready.push_front(std::move(*t));
        return dispatch_locked(shape, s);
      }
    }
    t->j->abandon(std::move(e));
  }

  /// A result left in another node's store stays there (located_value.hpp): this process pins
  /// it at its home over its own connection to that node's manager, lets the worker go, and
  /// completes the cell with where it lies, keeping the task as the value's lineage.
  void keep_where_made(const net::connection_ptr& worker, const wire::block_ref& ref, std::shared_ptr<ready_task> t,
                       const std::string& shape) {
    std::weak_ptr<impl> weak = weak_from_this();
    std::unique_lock lock(mu);
    if (stopped) {
      lock.unlock();  // abandoning runs callbacks that may submit work
      return t->j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
    }
    with_manager_locked(ref.home, [weak, worker, ref, t, shape](net::connection_ptr keeper) {
      auto self = weak.lock();
      if (!self) return;
      if (!keeper) {
        // Under the client's lock here, which retry_or_fail takes: later, on the I/O thread.
        auto lost = std::make_exception_ptr(object_lost_error("actors: the node holding the result of " + t->j->name() +
                                                              " cannot be reached (" + ref.home + ")"));
        return boost::asio::post(self->io.context(), [weak, t, shape, lost] {
          if (auto again = weak.lock()) return again->retry_or_fail(t, shape, lost);
          t->j->abandon(lost);
        });
      }
      std::weak_ptr<net::connection> weak_keeper = keeper;
      keeper->request(wire::encode_work(wire::work_kind::store_open, wire::store_request{.block = ref}), lease_timeout,
                      [weak, weak_keeper, worker, ref, t, shape](net::result<net::frame> reply) {
                        auto self = weak.lock();
                        if (!self) return t->j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
                        self->on_kept(worker, ref, t, shape, weak_keeper.lock(), reply);
                      });
    });
  }

  void on_kept(const net::connection_ptr& worker, const wire::block_ref& ref, const std::shared_ptr<ready_task>& t,
               const std::string& shape, const net::connection_ptr& keeper, const net::result<net::frame>& reply) {
    auto answer = answer_or_why<wire::store_reply>(reply, "the node manager holding the result");
    object_exchange::block_taken(worker, ref.id());  // held at its home for us now, or given up
    if (!answer.ok || !keeper)
      return retry_or_fail(t, shape, std::make_exception_ptr(object_lost_error(
                                         "actors: the result of " + t->j->name() + " could not be kept at its node (" +
                                         ref.home + "): " + answer.reason)));
    std::unique_ptr<located_value::lineage> how;
    if (!shape.empty()) {  // tasks; an actor's calls are not run again
      how = std::make_unique<located_value::lineage>();
      std::lock_guard lock(mu);
      how->options = task_options{.resources = shapes[shape].resources, .max_retries = t->max_retries,
                                  .retry_exceptions = t->retry_exceptions};
    }
    auto result = t->j->swap_result(nullptr);  // the lineage must not hold the value it makes
    if (how) {
      how->bytes = t->sent_bytes;
      how->task = std::move(t->j);
    }
    std::weak_ptr<impl> weak = weak_from_this();
    auto resubmit = [weak](std::unique_ptr<job> j, const task_options& o) {
      if (auto self = weak.lock()) return self->submit(std::move(j), o, {});
      j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
    };
    result->set_located(std::make_shared<located_value>(ref, keeper, std::move(how), std::move(resubmit)));
  }

  // ---- submission ------------------------------------------------------------------------------

  /// Runs the task once its dependencies are complete and those lost with a node (or, with
  /// `probe`, not confirmed by their node) were made again; fails it if one cannot be.
  void submit(std::unique_ptr<job> j, const task_options& o, std::vector<cell*> deps) {
    auto resources = o.resources.value_or(resource_map{{"CPU", 1}});
    auto key = shape_key(resources);
    {
      std::lock_guard lock(mu);
      shapes[key].resources = resources;
    }
    auto holder = std::make_shared<ready_task>(ready_task{std::move(j), 0, o.max_retries, o.retry_exceptions});
    holder->arguments = holder->j->dependencies();
    if (deps.empty()) deps = holder->arguments;
    std::weak_ptr<impl> weak = weak_from_this();
    when_complete(deps, [weak, key, holder, deps] {
      auto self = weak.lock();
      if (!self) return holder->j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
      if (auto failed = first_failure(deps)) return holder->j->abandon(failed);
      self->run_when_arguments_present(key, std::move(*holder), false);
    });
  }

  void run_when_arguments_present(const std::string& key, ready_task t, bool probe) {
    if (t.arguments.empty()) return task_ready(key, std::move(t));  // the common case, kept cheap
    auto holder = std::make_shared<ready_task>(std::move(t));
    std::weak_ptr<impl> weak = weak_from_this();
    when_arguments_present(holder->arguments, probe, [weak, key, holder](std::exception_ptr lost) {
      auto self = weak.lock();
      if (!self) return holder->j->abandon(std::make_exception_ptr(error("actors: the runtime was shut down")));
      if (lost) return holder->j->abandon(lost);
      auto shape = self->local_key(key, holder->arguments);
      self->task_ready(shape, std::move(*holder));
    });
  }

  /// The shape a task goes under: its own, or, when the node holding most of its arguments'
  /// bytes (100 KiB or more) is another, a shape of its own asked of that node first.
  std::string local_key(const std::string& key, const std::vector<cell*>& arguments) {
    std::map<std::string, std::uint64_t> bytes_at;
    for (cell* dep : arguments) {
      if (!dep->complete() || dep->failed()) continue;
      if (auto* at = dynamic_cast<located_value*>(dep->location())) {
        if (auto block = at->block()) bytes_at[block->home] += block->size;
      } else if (auto block = store_client::array_block_of(dep->array_buffer())) {
        bytes_at[store.address] += block->size();
      }
    }
    auto most = std::max_element(bytes_at.begin(), bytes_at.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    if (most == bytes_at.end() || most->second < store_threshold || most->first == store.address) return key;
    auto local = key + "@" + most->first;
    std::lock_guard lock(mu);
    if (!shapes[key].prefer.empty()) return key;  // a retry, placed by locality before
    auto& s = shapes[local];
    s.resources = shapes[key].resources;
    s.prefer = most->first;
    return local;
  }

  void on_worker_closed(const net::connection_ptr& c, const std::string& why) {
    options.exchange->forget(c.get());
    std::vector<in_flight> lost;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      for (auto it = calls.begin(); it != calls.end();) {
        if (it->second.conn == c) {
          lost.push_back(std::move(it->second));
          lost.back().id = it->first;
          it = calls.erase(it);
        } else {
          ++it;
        }
      }
      for (auto& [key, s] : shapes) std::erase_if(s.leases, [&](const auto& l) { return l->conn == c; });
      std::vector<std::shared_ptr<remote_actor>> restarting, relocating;
      for (auto& a : actors)
        if (a->conn == c && a->st != remote_actor::state::dead) {
          if (may_restart(*a)) {
            restarting.push_back(a);
            continue;
          }
          if (a->borrowed && !a->released) {  // its creator may restart it: ask where it went
            relocating.push_back(a);
            continue;
          }
          a->st = remote_actor::state::dead;
          a->death = std::make_exception_ptr(actor_died_error(
              "actors: the process hosting actor " + a->display + " died (" + why + ")" +
              (a->restarts > 0 ? "; it was restarted " + std::to_string(a->restarts) + " time(s) before" : "")));
          free_name_locked(*a);
          fail_actor_queue_locked(a);
        }
      // Calls in flight to an actor that restarts are sent again while its max_task_retries
      // last, before the calls queued after them (per-caller order, API.md); the others fail.
      std::sort(lost.begin(), lost.end(), [](const in_flight& x, const in_flight& y) { return x.id < y.id; });
      for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
        auto& call = *it;
        if (!call.actor || call.is_factory || !call.task.j || call.actor->st == remote_actor::state::dead) continue;
        auto& a = *call.actor;
        if (a.max_task_retries >= 0 && call.task.attempts >= a.max_task_retries) continue;
        ++call.task.attempts;
        auto q = std::make_shared<remote_actor::queued>();
        q->j = std::move(call.task.j);
        q->ready = true;
        q->attempts = call.task.attempts;
        a.queue.push_front(std::move(q));
      }
      for (auto& a : restarting) restart_locked(a, why);
      for (auto& a : relocating) {
        const auto lost = a->host;
        lose_host_locked(*a);
        relocate_locked(a, lost, why, 0);
      }
      for (auto& call : lost) call.actor_restarts = call.actor && call.actor->st != remote_actor::state::dead;
      std::erase_if(workers, [&](const auto& w) { return w.second == c; });
      // Tasks whose worker died go again while their retries last (ARCHITECTURE.md §6), in
      // the order they were sent.
      for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
        auto& call = *it;
        if (!call.on_lease) continue;
        auto& t = call.task;
        ++t.attempts;
        if (t.max_retries < 0 || t.attempts <= t.max_retries) {
          shapes[call.shape].ready.push_front(std::move(t));
          t.j = nullptr;
        }
      }
      for (auto& [key, s] : shapes) dispatch_locked(key, s);
    }
    for (auto& call : lost) {
      if (!call.task.j) continue;
      if (call.actor) {
        call.task.j->abandon(std::make_exception_ptr(actor_died_error(
            "actors: the process hosting actor " + call.actor->display + " died during " + call.task.j->name() +
            (call.actor_restarts ? " (the actor restarts; the call is not retried: see set_max_task_retries)" : ""))));
      } else {
        call.task.j->abandon(std::make_exception_ptr(worker_died_error(
            "actors: the worker process running " + call.task.j->name() + " died (" + why + "); tried " +
                std::to_string(call.task.attempts) + " time(s)",
            call.task.attempts)));
      }
    }
  }
};

namespace {
net::cluster_token parse_token(const std::string& hex) {
  auto token = net::cluster_token::from_hex(hex);
  if (!token) throw error("actors: the cluster token is not valid: " + token.error().message);
  return *token;
}
}  // namespace

cluster_client::cluster_client(const cluster_client_options& options)
    : impl_(std::make_shared<impl>(options, parse_token(options.token_hex))) {
  impl_->connect_node();
}

cluster_client::~cluster_client() { stop(std::make_exception_ptr(error("actors: the runtime was shut down"))); }

void cluster_client::stop(std::exception_ptr cancelled) {
  std::vector<std::unique_ptr<job>> orphans;
  std::vector<std::shared_ptr<remote_actor>> actors;
  std::vector<std::pair<net::connection_ptr, actor_id>> hosts;
  {
    std::unique_lock lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->wait_for_detached_locked(lock);
    impl_->stopped = true;
    for (auto& [key, s] : impl_->shapes)
      for (auto& t : s.ready) orphans.push_back(std::move(t.j));
    impl_->shapes.clear();
    for (auto& [id, call] : impl_->calls)
      if (call.task.j) orphans.push_back(std::move(call.task.j));
    impl_->calls.clear();
    actors = std::move(impl_->actors);
    for (auto& a : actors) {
      if (a->conn && !a->borrowed && !a->detached && a->st == remote_actor::state::running)
        hosts.emplace_back(a->conn, a->id);
      a->conn = nullptr;
      a->manager = nullptr;  // handles outlive the client; its connections must not
      for (auto& q : a->queue) orphans.push_back(std::move(q->j));
      a->queue.clear();
      a->st = remote_actor::state::dead;
      a->death = cancelled;
    }
  }
  for (auto& j : orphans)
    if (j) j->abandon(cancelled);
  end_actors(hosts);
  // Closing the node connection tells the node manager to stop this client's workers.
  impl_->io.stop(std::chrono::milliseconds(1000));
}

void cluster_client::end_actors(const std::vector<std::pair<net::connection_ptr, actor_id>>& hosts) {
  // Shutdown ends the actors as kill() does, so their destructors run (API.md); the node
  // manager's SIGKILL of their processes afterwards is only for those that do not answer.
  constexpr auto limit = std::chrono::seconds(2);
  std::vector<std::future<net::result<net::frame>>> answers;
  for (const auto& [conn, id] : hosts)
    answers.push_back(conn->request(
        wire::encode_work(wire::work_kind::kill_actor, wire::call_header{.actor_hi = id.hi, .actor_lo = id.lo}), limit));
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (auto& a : answers) a.wait_until(deadline);
}

void cluster_client::submit_task(std::unique_ptr<job> j, const task_options& options, std::span<cell* const> deps) {
  impl_->submit(std::move(j), options, std::vector<cell*>(deps.begin(), deps.end()));
}

std::shared_ptr<remote_actor> cluster_client::create_actor(std::unique_ptr<job> factory, const actor_options& options,
                                                           const std::type_info& type, std::span<cell* const> deps,
                                                           actor_id id) {
  auto a = std::make_shared<remote_actor>();
  a->id = id;
  a->display = options.name.empty() ? to_string(id) : "'" + options.name + "'";
  a->max_concurrency = options.max_concurrency;
  a->max_restarts = options.max_restarts;
  a->detached = options.lifetime == actors::lifetime::detached;
  a->max_task_retries = options.max_task_retries;
  a->name = options.name;
  a->ns = impl_->options.ns;
  a->type = type.name();
  auto q = std::make_shared<remote_actor::queued>();
  q->is_factory = true;
  q->j = std::move(factory);
  {
    std::unique_lock lock(impl_->mu);
    if (impl_->stopped) throw error("actors: the runtime was shut down");
    a->queue.push_back(q);
    impl_->actors.push_back(a);
    impl_->place_actor_locked(a, options);
  }
  std::vector<cell*> dep_list(deps.begin(), deps.end());
  std::weak_ptr<impl> weak = impl_;
  when_complete(deps, [weak, a, q, dep_list] {
    auto self = weak.lock();
    if (!self) return;
    std::unique_lock lock(self->mu);
    if (auto failed = first_failure(dep_list)) {
      a->st = remote_actor::state::dead;
      a->death = failed;
      return self->fail_actor_queue_locked(a);
    }
    q->ready = true;
    self->flush_actor_locked(a);
  });
  return a;
}

void cluster_client::call_actor(const std::shared_ptr<remote_actor>& a, std::unique_ptr<job> call,
                                std::span<cell* const> deps) {
  auto q = std::make_shared<remote_actor::queued>();
  q->j = std::move(call);
  {
    std::lock_guard lock(impl_->mu);
    if (a->st == remote_actor::state::dead) {
      auto death = a->death;
      q->j->abandon(death ? death : std::make_exception_ptr(actor_died_error("actors: the actor " + a->display + " is dead")));
      return;
    }
    a->queue.push_back(q);
  }
  std::vector<cell*> dep_list(deps.begin(), deps.end());
  std::weak_ptr<impl> weak = impl_;
  when_complete(deps, [weak, a, q, dep_list] {
    // Arguments lost with their node are made again first; the call keeps its place meanwhile.
    when_arguments_present(dep_list, false, [weak, a, q, dep_list](std::exception_ptr lost) {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mu);
      q->failure = lost ? lost : first_failure(dep_list);
      q->ready = true;
      self->flush_actor_locked(a);
    });
  });
}

void cluster_client::release_actor(const std::shared_ptr<remote_actor>& a) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  if (a->st == remote_actor::state::dead) {
    if (a->borrowed) object_exchange::release_handle(a->lender.lock(), a->id);
    return;
  }
  a->released = true;
  impl_->flush_actor_locked(a);
}

void cluster_client::kill_actor(const std::shared_ptr<remote_actor>& a, const std::string& why) {
  constexpr auto confirm_limit = std::chrono::seconds(30);
  std::promise<net::connection_ptr> reached;
  auto host = reached.get_future();
  {
    std::unique_lock lock(impl_->mu);
    if (a->st == remote_actor::state::dead) return;
    const auto address = a->host;
    if (a->conn) {
      reached.set_value(a->conn);
    } else if (!address.empty()) {
      // Known where it is, not connected yet (a handle just found by name): connect to kill it.
      impl_->with_worker_locked(address, [p = std::make_shared<std::promise<net::connection_ptr>>(std::move(reached))](
                                             net::connection_ptr c) { p->set_value(std::move(c)); });
    } else {
      reached.set_value(nullptr);  // not placed yet: its placement, when it comes, ends it (on_placed)
    }
    impl_->kill_locked(lock, a, why, false);
  }
  if (host.wait_for(confirm_limit) != std::future_status::ready) {
    log_warning("actors: could not reach the host of actor " + a->display + " to kill it");
    return;
  }
  auto conn = host.get();
  if (!conn) return;
  // kill() returns once the actor no longer runs (API.md): the host answers after its kill,
  // which fails the calls it had queued. Bounded, so that a stuck host cannot hang the caller.
  wire::call_header header{.actor_hi = a->id.hi, .actor_lo = a->id.lo};
  auto done = conn->request(wire::encode_work(wire::work_kind::kill_actor, header), confirm_limit).get();
  if (!done) log_warning("actors: the host of actor " + a->display + " did not confirm its kill: " + to_string(done.error()));
}

std::shared_ptr<remote_actor> cluster_client::borrow_actor(const actor_id& id, const net::connection_ptr& from) {
  return impl_->borrow_actor(id, from);
}

std::shared_ptr<remote_actor> cluster_client::borrow_actor_at(const cluster::named_actor& entry) {
  return impl_->borrow_actor_at(entry);
}

void cluster_client::serve_locate(const net::connection_ptr& c, const net::frame& request) {
  impl_->serve_locate(c, request);
}

void cluster_client::report_blocked(bool blocked) {
  wire::object_key none;
  impl_->node->send(wire::encode_work(blocked ? wire::work_kind::worker_blocked : wire::work_kind::worker_unblocked, none));
}

const std::string& cluster_client::node_address() const noexcept { return impl_->options.node_address; }
const std::string& cluster_client::token_hex() const noexcept { return impl_->options.token_hex; }
cluster_client::store_place cluster_client::node_store() const { return impl_->store; }

void cluster_client::on_node_lost(std::function<void(const std::string&)> fn) {
  std::lock_guard lock(impl_->mu);
  impl_->node_lost = std::move(fn);
}

const std::string& cluster_client::node_id() const noexcept { return impl_->node_id; }

}  // namespace actors::detail
