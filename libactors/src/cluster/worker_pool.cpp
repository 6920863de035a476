#include "cluster/worker_pool.hpp"

#include "cluster/executables.hpp"
#include "cluster/reach.hpp"
#include "cluster/worker_process.hpp"
#include "transport/connection.hpp"

#include <algorithm>
#include <sys/wait.h>

#include <cmath>
#include <csignal>

namespace actors::cluster {

namespace {
using clock = std::chrono::steady_clock;
constexpr auto reap_interval = std::chrono::milliseconds(50);
// A client's program, hashed or sent whole (hundreds of MB for a sanitizer build on a slow link).
constexpr auto executable_timeout = std::chrono::seconds(300);

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

std::string describe(const resource_map& r) {
  std::string s = "{";
  for (const auto& [name, amount] : r) s += (s.size() > 1 ? ", " : "") + name + ": " + std::to_string(amount);
  return s + "}";
}

// What a task blocked in get() lends out: its CPUs, not its GPUs or custom resources, which it
// may still be using (as in Ray).
resource_map lendable(const resource_map& held) {
  double cpus = amount_of(held, "CPU");
  return cpus > 0 ? resource_map{{"CPU", cpus}} : resource_map{};
}

// The other nodes of the head's table that leases can spill over to, in node id order (the
// packing order of placement.hpp).
std::vector<node_load> loads_of(const std::vector<node_entry>& table, const std::string& self) {
  std::vector<node_load> loads;
  for (const auto& e : table)
    if (e.alive && e.node.node_id != self && !e.node.manager_address.empty())
      loads.push_back({e.node.node_id, e.node.manager_address, e.node.total, e.available});
  std::sort(loads.begin(), loads.end(), [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  return loads;
}

bool same_loads(const std::vector<node_load>& a, const std::vector<node_load>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const node_load& x, const node_load& y) {
    return x.node_id == y.node_id && x.total == y.total && x.available == y.available;
  });
}
}  // namespace

struct worker_pool::client {
  std::string id;
  // The driver whose program this is: itself, or for a worker the job of the worker. Workers
  // belong to a job (Ray's), so a nested task reuses any idle worker its driver's job has.
  std::string job_id;
  client_role role = client_role::driver;
  std::string executable;
  std::string ns;
  net::connection_ptr conn;
};

struct worker_pool::waiting_lease {
  net::connection_ptr conn;
  net::frame request;  // kept for reply(): its correlation id
  lease_request wanted;
  bool actor = false;
  std::weak_ptr<client> owner;
};

struct worker_pool::worker {
  std::string id;
  pid_t pid = 0;
  std::weak_ptr<client> owner;
  std::string owner_id;   // the job (driver id) it belongs to: it dies with that driver
  std::string leased_to;  // the client its task lease is for, if any: it dies with that client too
  bool actor_host = false;
  bool dedicated = false;
  bool detached = false;  // hosts a detached actor: outlives its job, exits when the actor ends
  std::vector<std::string> gpus;  // the devices it was started with (CUDA_VISIBLE_DEVICES)
  int blocked = 0;  // its tasks waiting in get(): while > 0 its lease's resources are lent out
  bool ready = false;
  std::string address;
  net::connection_ptr conn;  // the worker's own registration connection
  clock::time_point spawned;
  std::filesystem::path log_file;
  // The task lease it serves, if any.
  std::uint64_t lease_id = 0;
  resource_map held;
  // Grants made before it was ready, answered when it registers: one for a task worker; any
  // number for a shared actor host, so that actors placed while it starts share it instead of
  // starting processes of their own.
  std::vector<std::pair<std::shared_ptr<waiting_lease>, std::uint64_t>> promised;
  // What its actors hold for their lives (set_resources), by the lease that placed each: given
  // back when the actor's creator returns that lease, or when the process ends.
  std::map<std::uint64_t, hold> actor_holds;
};

worker_pool::worker_pool(worker_pool_config config)
    : config_(std::move(config)), available_(config_.total), gpus_(config_.gpu_ids) {}

worker_pool::~worker_pool() { stop(); }

net::result<void> worker_pool::start() {
  io_ = std::make_unique<net::io_pool>(1);
  net::handlers h;
  h.on_frame = [this](const net::connection_ptr& c, net::frame&& f) { serve(c, std::move(f)); };
  h.on_closed = [this](const net::connection_ptr& c, const net::error&) { on_closed(c); };
  net::options o;
  o.log = config_.log;
  auto l = net::listener::open(io_->context(), config_.listen, config_.token, h, o);
  if (!l) return actors::unexpected<net::error>(l.error());
  listener_ = *l;
  if (!config_.node_ip.empty()) {
    auto tcp = net::parse_address(tcp_any_port(config_.node_ip));
    if (!tcp) return actors::unexpected<net::error>(tcp.error());
    auto t = net::listener::open(io_->context(), *tcp, config_.token, h, o);
    if (!t) {
      listener_->close();
      return actors::unexpected<net::error>(t.error());
    }
    tcp_listener_ = *t;
  }
  if (auto capacity = static_cast<std::uint64_t>(amount_of(config_.total, "object_store_memory")); capacity > 0) {
    const auto overflow = config_.spill_directory.empty() || config_.spill_limit == 0
                              ? std::string()
                              : (config_.spill_directory / ("store_" + config_.node_id.substr(0, 16))).string();
    auto opened = node_store::open({.session = config_.node_id.substr(0, 16), .capacity = capacity,
                                    .prefault_ahead = config_.store_prefault_ahead, .overflow_path = overflow,
                                    .overflow_capacity = config_.spill_limit, .address = address(),
                                    .token = config_.token, .log = config_.log},
                                   io_->context());
    if (!opened) {
      listener_->close();
      if (tcp_listener_) tcp_listener_->close();
      return actors::unexpected<net::error>(opened.error());
    }
    store_ = std::move(*opened);
  }
  reaper_ = std::thread([this] { reap_until_stopped(); });
  log(net::log_level::info, "worker pool: serving on " + address() + " with " + describe(config_.total));
  return {};
}

void worker_pool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !reaper_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  if (listener_) listener_->close();
  if (tcp_listener_) tcp_listener_->close();
  if (store_) store_->close();
  std::vector<pid_t> pids;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, w] : workers_)
      if (w->pid > 0) pids.push_back(w->pid);
    pids.insert(pids.end(), unreaped_.begin(), unreaped_.end());
    unreaped_.clear();
    workers_.clear();
    clients_.clear();
    waiting_.clear();
  }
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
  if (io_) io_->stop();
}

std::string worker_pool::address() const {
  return both_ways(config_.listen.to_string(), tcp_listener_ ? tcp_listener_->local_address().to_string() : "");
}

resource_map worker_pool::available() const {
  std::lock_guard lock(mutex_);
  auto free = available_;
  for (auto& [name, amount] : free) amount = std::max(0.0, amount);  // oversubscribed: none free
  if (store_ && free.contains("object_store_memory"))
    free["object_store_memory"] = std::max(0.0, config_.total.at("object_store_memory") - static_cast<double>(store_->bytes_used()));
  return free;
}

std::size_t worker_pool::worker_count() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

void worker_pool::serve(const net::connection_ptr& c, net::frame&& f) {
  try {
    if (store_ && store_->serve(c, f)) return;
    switch (static_cast<work_kind>(f.kind)) {
      case work_kind::register_client: return register_client(c, f);
      case work_kind::request_lease: return request_lease(c, f, false);
      case work_kind::place_actor: return request_lease(c, f, true);
      case work_kind::return_lease: return return_lease(c, f);
      case work_kind::worker_blocked: return worker_blocked(c, true);
      case work_kind::worker_unblocked: return worker_blocked(c, false);
      default:
        c->close("the node manager does not serve " + kind_name(f.kind) + " frames");
    }
  } catch (const actors::error& e) {
    log(net::log_level::warning, "worker pool: malformed request from " + c->peer() + ": " + e.what());
    c->close(std::string("malformed request: ") + e.what());
  }
}

void worker_pool::register_client(const net::connection_ptr& c, const net::frame& f) {
  auto hello = decode_work<client_hello>(f);
  auto request = reply_stub(f);
  executable_identity program{hello.executable, hello.executable_size, hello.executable_mtime_ns};
  // A driver (or a client spilled here) whose program is not on this host as it announced it:
  // get it by content hash first; its workers run from the copy.
  if (hello.role == client_role::driver && !same_file_here(program))
    return pull_executable(c, request, std::move(hello));
  admit(c, *request, hello, hello.executable);
}

void worker_pool::pull_executable(const net::connection_ptr& c, std::shared_ptr<const net::frame> request,
                                  client_hello hello) {
  auto refuse = [this, c, request](const std::string& why) {
    log(net::log_level::warning, "worker pool: cannot get the program of client " + c->peer() + ": " + why);
    c->reply(*request, encode_work(work_kind::register_client,
                                   client_registered{false, "this node cannot get your program: " + why, config_.node_id}));
  };
  auto hash_reply = [this, c, request, hello, refuse](net::result<net::frame> reply) mutable {
    if (!reply) return refuse("no answer to fetch_executable: " + to_string(reply.error()));
    auto answer = decode_work<executable_reply>(*reply);
    if (answer.sha256.empty()) return refuse(answer.reason);
    if (auto cached = cached_executable(config_.executable_cache, answer.sha256))
      return admit(c, *request, hello, cached->string());
    log(net::log_level::info, "worker pool: pulling the program " + hello.executable + " (sha256 " +
                                  answer.sha256.substr(0, 12) + ") from client " + hello.client_id.substr(0, 8));
    c->request(encode_work(work_kind::fetch_executable, executable_request{.with_bytes = true}), executable_timeout,
               [this, c, request, hello, refuse, hash = answer.sha256](net::result<net::frame> reply) mutable {
                 if (!reply) return refuse("the program did not arrive: " + to_string(reply.error()));
                 std::span<const std::byte> bytes;
                 executable_reply got;
                 try {
                   got = decode_work<executable_reply>(*reply, &bytes);
                 } catch (const actors::error& e) {
                   return refuse(std::string("a malformed answer: ") + e.what());
                 }
                 std::string why = got.reason;
                 auto stored = got.sha256 == hash ? cache_executable(config_.executable_cache, hash, bytes, why)
                                                  : std::nullopt;
                 if (!stored) return refuse(why.empty() ? "the program's hash changed" : why);
                 log(net::log_level::info, "worker pool: cached " + std::to_string(bytes.size()) + " bytes as " +
                                               stored->string());
                 admit(c, *request, hello, stored->string());
               });
  };
  c->request(encode_work(work_kind::fetch_executable, executable_request{}), executable_timeout,
             [hash_reply, refuse](net::result<net::frame> reply) mutable {
               try {
                 hash_reply(std::move(reply));
               } catch (const actors::error& e) {
                 refuse(std::string("a malformed answer: ") + e.what());
               }
             });
}

void worker_pool::admit(const net::connection_ptr& c, const net::frame& request, const client_hello& hello,
                        const std::string& runnable) {
  client_registered answer{.accepted = true, .node_id = config_.node_id};
  // A driver is its own job; a client sent here by a spillback names the job it works for.
  std::string job = hello.job_id.empty() ? hello.client_id : hello.job_id;
  std::lock_guard lock(mutex_);
  if (hello.role == client_role::worker) {
    auto it = workers_.find(hello.client_id);
    if (it == workers_.end() || it->second->ready) {
      answer = {false, "no worker " + hello.client_id + " was started by this node manager", config_.node_id};
    } else {
      auto& w = *it->second;
      job = w.owner_id;
      w.ready = true;
      w.address = hello.listen_address;
      w.conn = c;
      answer_ready_locked(w);
    }
  }
  if (answer.accepted) {
    auto cl = std::make_shared<client>();
    cl->id = hello.client_id;
    cl->job_id = job;
    cl->role = hello.role;
    cl->executable = runnable;
    cl->ns = hello.ns;
    cl->conn = c;
    clients_[c.get()] = cl;
    answer.job_id = job;
    if (store_) {
      answer.store_segment = store_->segment();
      answer.store_address = store_->address();
      answer.store_overflow = store_->overflow_path();
    }
    if (hello.role == client_role::driver)
      log(net::log_level::info, "worker pool: " + std::string(job == hello.client_id ? "driver " : "client ") +
                                    hello.client_id.substr(0, 8) + " (pid " + std::to_string(hello.pid) + ", " +
                                    runnable + (job == hello.client_id ? "" : ", job " + job.substr(0, 8)) +
                                    ") connected");
  }
  c->reply(request, encode_work(work_kind::register_client, answer));
}

void worker_pool::request_lease(const net::connection_ptr& c, const net::frame& f, bool actor) {
  auto wanted = decode_work<lease_request>(f);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end()) {
    c->close("a lease was asked for before register_client");
    return;
  }
  for (const auto& [name, amount] : wanted.resources)
    if (amount < 0 || !std::isfinite(amount))
      return reply_lease(c, f, {.status = lease_status::failed, .reason = "a resource amount must be a number of 0 or more, not " +
                                                                          describe(wanted.resources)});
  if (wanted.spilled) {
    // Sent here by a node whose view of this one was stale: the client asks its own node again.
    if (!could_ever_fit(wanted.resources, self_load_locked()))
      return reply_lease(c, f, {.status = lease_status::infeasible,
                                .reason = "this node has " + describe(config_.total) + ", which cannot fit " +
                                          describe(wanted.resources)});
  } else {
    auto p = place_locked(wanted.resources);
    if (p.kind == placement_kind::elsewhere) return reply_lease(c, f, spillback_locked(*p.node, wanted.resources));
    if (p.kind == placement_kind::infeasible)
      return reply_lease(c, f, {.status = lease_status::infeasible,
                                .reason = "no node of the cluster has " + describe(wanted.resources) + " (this one has " +
                                          describe(config_.total) + ")"});
  }
  auto waiting = std::make_shared<waiting_lease>();
  waiting->conn = c;
  waiting->request.kind = f.kind;
  waiting->request.flags = f.flags;
  waiting->request.correlation_id = f.correlation_id;
  waiting->wanted = std::move(wanted);
  waiting->actor = actor;
  waiting->owner = it->second;
  waiting_.push_back(std::move(waiting));
  grant_what_fits_locked();
}

void worker_pool::reply_lease(const net::connection_ptr& c, const net::frame& request, const lease_reply& answer) {
  c->reply(request, encode_work(static_cast<work_kind>(request.kind), answer));
}

node_load worker_pool::self_load_locked() const {
  return {config_.node_id, "", config_.total, available_};
}

placement worker_pool::place_locked(const resource_map& want) {
  auto self = self_load_locked();
  if (fits_locked(want) && utilisation(want, self) < spread_threshold)
    return {placement_kind::here};  // the common case, without looking at the view
  refresh_view_locked();
  auto p = choose_node(want, self, others_);
  // GPUs fragmented into shares may not fit a whole-device request the count allows.
  if (p.kind == placement_kind::here && !gpus_.can_take(amount_of(want, "GPU"))) p.kind = placement_kind::wait_here;
  return p;
}

lease_reply worker_pool::spillback_locked(const node_load& to, const resource_map& want) {
  // Until the next view, count what was sent there as taken, so a burst spreads over the nodes
  // instead of all going to the one that looked free.
  for (auto& n : others_)
    if (n.node_id == to.node_id)
      for (const auto& [name, amount] : want) n.available[name] -= amount;
  return {.status = lease_status::spillback,
          .reason = "node " + config_.node_id.substr(0, 8) + " is busy or lacks " + describe(want),
          .spill_to = to.manager_address,
          .spill_node = to.node_id};
}

void worker_pool::refresh_view_locked() {
  if (!config_.view) return;
  auto fresh = loads_of(config_.view(), config_.node_id);
  if (same_loads(fresh, view_)) return;
  view_ = fresh;
  others_ = std::move(fresh);
}

void worker_pool::spill_waiting_locked() {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& want = **it;
    if (want.wanted.spilled || fits_locked(want.wanted.resources)) {
      ++it;
      continue;
    }
    auto p = choose_node(want.wanted.resources, self_load_locked(), others_);
    if (p.kind != placement_kind::elsewhere || !fits_now(want.wanted.resources, *p.node)) {
      ++it;
      continue;
    }
    reply_lease(want.conn, want.request, spillback_locked(*p.node, want.wanted.resources));
    it = waiting_.erase(it);
  }
}

void worker_pool::worker_blocked(const net::connection_ptr& c, bool blocked) {
  // A task blocked in get() lends its CPU to other work, as embedded (ARCHITECTURE.md §5), so
  // that nested tasks deeper than the node's CPUs complete; taking it back may oversubscribe
  // the node for a moment, which beats a deadlock.
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end() || it->second->role != client_role::worker) return;
  auto w = workers_.find(it->second->id);
  if (w == workers_.end() || !w->second->lease_id) return;
  auto& worker = *w->second;
  if (blocked) {
    if (worker.blocked++ == 0) give_back_locked(lendable(worker.held));
  } else if (worker.blocked > 0 && --worker.blocked == 0) {
    take_locked(lendable(worker.held));
  }
  grant_what_fits_locked();
}

void worker_pool::return_lease(const net::connection_ptr& c, const net::frame& f) {
  auto back = decode_work<lease_return>(f);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end()) return;
  auto& cl = *it->second;
  for (auto& [id, w] : workers_) {
    if (w->owner_id != cl.job_id) continue;
    if (auto hold = w->actor_holds.find(back.lease_id); hold != w->actor_holds.end()) {
      give_back_hold_locked(hold->second);
      w->actor_holds.erase(hold);
      break;
    }
    if (w->lease_id == back.lease_id && w->leased_to == cl.id) {
      release_lease_locked(*w);
      break;
    }
  }
  grant_what_fits_locked();
}

void worker_pool::on_closed(const net::connection_ptr& c) {
  if (store_) store_->forget(c);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end()) return;
  auto cl = it->second;
  clients_.erase(it);
  if (cl->role == client_role::worker) {
    if (auto w = workers_.find(cl->id); w != workers_.end())
      forget_worker_locked(w->second, "its connection to the node manager closed");
  }
  drop_client_locked(*cl);
  grant_what_fits_locked();
}

void worker_pool::drop_client_locked(client& cl) {
  // Workers are fate-shared with their job (Ray's): they go when its driver leaves this node, or
  // the last client of the job that is not one of them (the clients spillback sent here). A
  // worker leased to a client goes with that client: no one would take its results. Hosts of
  // detached actors outlive their job (API.md), with the workers leased to them while they last.
  const bool driver_left = cl.role == client_role::driver && cl.id == cl.job_id;
  bool job_left = true;
  std::set<std::string> live;  // the clients still here, whose leased workers stay
  for (auto& [conn, other] : clients_) {
    live.insert(other->id);
    if (other->role == client_role::driver && other->job_id == cl.job_id) job_left = false;
  }
  std::vector<std::shared_ptr<worker>> owned;
  for (auto& [id, w] : workers_) {
    const bool job_ends_it = (driver_left || job_left) && w->owner_id == cl.job_id && !w->detached &&
                             !live.contains(w->leased_to);
    if (job_ends_it || w->leased_to == cl.id) owned.push_back(w);
  }
  for (auto& w : owned) {
    if (w->pid > 0) ::kill(w->pid, SIGKILL);
    forget_worker_locked(w, "its client " + cl.id.substr(0, 8) + " disconnected");
  }
  std::erase_if(waiting_, [&](const auto& w) { return w->conn == cl.conn; });
  if (cl.role == client_role::driver)
    log(net::log_level::info, "worker pool: client " + cl.id.substr(0, 8) + " of job " + cl.job_id.substr(0, 8) +
                                  " disconnected; " + std::to_string(owned.size()) + " workers stopped");
}

void worker_pool::grant_what_fits_locked() {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& want = **it;
    auto owner = want.owner.lock();
    if (!owner || !want.conn->is_open()) {
      it = waiting_.erase(it);
      continue;
    }
    if (!fits_locked(want.wanted.resources)) {
      ++it;
      continue;
    }
    const double gpus = amount_of(want.wanted.resources, "GPU");
    std::uint64_t lease = next_lease_++;
    std::shared_ptr<worker> w;
    if (want.actor) {
      // An actor with GPUs is always alone in its process, started with its devices; so is a
      // detached one, whose process outlives the job that shares the others'.
      const bool detached = want.wanted.detached;
      std::vector<std::string> devices;
      if (want.wanted.hold_for_life) {
        take_locked(want.wanted.resources);
        devices = gpus_.take(gpus).value_or(std::vector<std::string>{});
      }
      if (gpus <= 0 && !detached) w = idle_worker_locked(*owner, true, want.wanted.dedicated, 0);
      if (!w) w = spawn_locked(*owner, true, 1, devices, detached);
      if (want.wanted.dedicated || gpus > 0 || detached) w->dedicated = true;
      if (want.wanted.hold_for_life) w->actor_holds[lease] = {want.wanted.resources, std::move(devices)};
    } else {
      take_locked(want.wanted.resources);
      w = idle_worker_locked(*owner, false, false, gpus);
      if (!w) {
        auto devices = gpus_.take(gpus).value_or(std::vector<std::string>{});
        w = spawn_locked(*owner, false, want.wanted.resources.contains("CPU") ? want.wanted.resources.at("CPU") : 1.0,
                         std::move(devices));
      }
      w->lease_id = lease;
      w->leased_to = owner->id;
      w->held = want.wanted.resources;
    }
    auto granted = *it;
    it = waiting_.erase(it);
    if (!w->pid) {  // the spawn failed: say why and give the resources back
      for (auto& [id, hold] : std::exchange(w->actor_holds, {})) give_back_hold_locked(hold);
      release_lease_locked(*w);
      reply_lease(granted->conn, granted->request,
                  {.status = lease_status::failed, .reason = "could not start a worker: " + w->address});
      workers_.erase(w->id);
      continue;
    }
    w->promised.emplace_back(granted, lease);
    if (w->ready) answer_ready_locked(*w);
  }
}

void worker_pool::release_lease_locked(worker& w) {
  if (!w.lease_id) return;
  give_back_locked(w.held);
  if (w.blocked > 0) take_locked(lendable(w.held));  // lent out while it was blocked: back already
  gpus_.give_back(w.gpus, amount_of(w.held, "GPU"));
  w.held.clear();
  w.blocked = 0;
  w.lease_id = 0;
  w.leased_to.clear();
}

void worker_pool::answer_ready_locked(worker& w) {
  for (auto& [granted, lease] : std::exchange(w.promised, {})) {
    reply_lease(granted->conn, granted->request,
                {.status = lease_status::granted, .lease_id = lease, .worker_id = w.id, .worker_address = w.address});
  }
}

std::shared_ptr<worker_pool::worker> worker_pool::idle_worker_locked(client& owner, bool actor_host, bool dedicated,
                                                                      double gpus) {
  for (auto& [id, w] : workers_) {
    if (w->owner_id != owner.job_id || w->actor_host != actor_host) continue;
    if (actor_host && !dedicated && !w->dedicated) return w;  // the client's shared actor host, ready or not
    if (actor_host || w->lease_id != 0 || !w->promised.empty()) continue;
    // A worker sees only the GPUs it was started with: reuse it for the same number of them,
    // if they are free, and never for a task that asked for none.
    if (gpus <= 0 ? w->gpus.empty() : gpus_.take_these(w->gpus, gpus)) return w;
  }
  return nullptr;
}

std::shared_ptr<worker_pool::worker> worker_pool::spawn_locked(client& owner, bool actor_host, double cpus,
                                                                std::vector<std::string> gpus, bool detached) {
  auto w = std::make_shared<worker>();
  w->id = random_id();
  w->owner = owner.conn ? clients_[owner.conn.get()] : nullptr;
  w->owner_id = owner.job_id;
  w->actor_host = actor_host;
  w->detached = detached;
  w->gpus = std::move(gpus);
  w->spawned = clock::now();
  w->log_file = config_.logs / ("worker_" + w->id.substr(0, 8) + ".log");
  worker_launch launch{.executable = owner.executable,
                       .worker_id = w->id,
                       .node_socket = config_.listen.to_string(),
                       .listen_socket = worker_socket(w->id).string(),
                       .token_file = config_.token_file,
                       .log_file = w->log_file,
                       .cpus = cpus,
                       .head_address = config_.head_address,
                       .ns = owner.ns,
                       .tcp_host = config_.node_ip,
                       .gpu_ids = w->gpus,
                       .detached = detached};
  auto pid = spawn_worker(launch);
  workers_[w->id] = w;
  if (!pid) {
    w->address = pid.error();  // read by grant_what_fits_locked, which reports it
    log(net::log_level::error, "worker pool: cannot start a worker from " + owner.executable + ": " + pid.error());
    return w;
  }
  w->pid = *pid;
  log(net::log_level::info, "worker pool: started worker " + w->id.substr(0, 8) + " (pid " + std::to_string(*pid) +
                                (detached ? ", detached actor host" : actor_host ? ", actor host" : "") + ") for " +
                                owner.id.substr(0, 8));
  return w;
}

void worker_pool::forget_worker_locked(std::shared_ptr<worker> w, const std::string& why) {
  if (!workers_.erase(w->id)) return;
  if (w->pid > 0) unreaped_.push_back(w->pid);  // killed or exiting: the reaper waits for it
  release_lease_locked(*w);
  for (auto& [lease, hold] : std::exchange(w->actor_holds, {})) give_back_hold_locked(hold);
  for (auto& [granted, lease] : std::exchange(w->promised, {}))
    reply_lease(granted->conn, granted->request,
                {.status = lease_status::failed,
                 .reason = "the worker started for this lease " + why + " before it was ready (its log: " +
                           w->log_file.string() + ")"});
  if (w->conn) w->conn->close("the worker " + why);
  // A worker that was killed cannot remove its socket file; an exiting one no longer needs it.
  std::error_code ec;
  std::filesystem::remove(worker_socket(w->id), ec);
  log(net::log_level::info, "worker pool: worker " + w->id.substr(0, 8) + " " + why);
}

bool worker_pool::fits_locked(const resource_map& r) const {
  return fits_in(r, available_) && gpus_.can_take(amount_of(r, "GPU"));
}

void worker_pool::take_locked(const resource_map& r) {
  for (const auto& [name, amount] : r)
    if (amount > 0) available_[name] -= amount;
}

void worker_pool::give_back_locked(const resource_map& r) {
  for (const auto& [name, amount] : r)
    if (amount > 0) available_[name] += amount;
}

void worker_pool::give_back_hold_locked(const hold& h) {
  give_back_locked(h.amounts);
  gpus_.give_back(h.gpus, amount_of(h.amounts, "GPU"));
}

void worker_pool::reap_until_stopped() {
  std::unique_lock lock(mutex_);
  while (!stop_cv_.wait_for(lock, reap_interval, [this] { return stopping_; })) {
    std::vector<std::pair<std::shared_ptr<worker>, std::string>> gone;
    auto now = clock::now();
    for (auto& [id, w] : workers_) {
      if (w->pid <= 0) continue;
      int status = 0;
      if (::waitpid(w->pid, &status, WNOHANG) == w->pid) {
        w->pid = 0;  // reaped: never signal or wait for that pid again
        gone.emplace_back(w, describe_exit(status));
      } else if (!w->ready && now - w->spawned > config_.worker_start_timeout) {
        ::kill(w->pid, SIGKILL);
        gone.emplace_back(w, "did not register within " + std::to_string(config_.worker_start_timeout.count()) + " ms");
      }
    }
    std::erase_if(unreaped_, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
    for (auto& [w, why] : gone) forget_worker_locked(w, why);
    if (!gone.empty()) grant_what_fits_locked();
    announce_deaths_locked();
    if (!waiting_.empty()) {
      refresh_view_locked();
      spill_waiting_locked();
    }
  }
}

void worker_pool::announce_deaths_locked() {
  if (!config_.view) return;
  // Owners retry and restart what ran there as soon as they hear, instead of waiting for their
  // connections to its workers to time out (a host that is cut off never closes them).
  for (const auto& n : config_.view()) {
    if (n.alive || n.node.node_id == config_.node_id || !dead_nodes_.insert(n.node.node_id).second) continue;
    log(net::log_level::warning, "worker pool: node " + n.node.node_id.substr(0, 8) + " is dead (" + n.death_reason +
                                     "); telling " + std::to_string(clients_.size()) + " client(s)");
    auto frame = encode_work(work_kind::node_died, node_death{.node_id = n.node.node_id,
                                                               .manager_address = n.node.manager_address,
                                                               .reason = n.death_reason});
    for (const auto& [key, cl] : clients_) cl->conn->send(frame);
  }
}

void worker_pool::log(net::log_level level, const std::string& line) const { net::log(config_.log, level, line); }

}  // namespace actors::cluster
