#include "cluster/worker_pool.hpp"

#include "cluster/worker_process.hpp"
#include "transport/connection.hpp"

#include <algorithm>
#include <sys/wait.h>

#include <csignal>

namespace actors::cluster {

namespace {
using clock = std::chrono::steady_clock;
constexpr auto reap_interval = std::chrono::milliseconds(50);

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
  std::map<std::uint64_t, resource_map> actor_holds;  // lease id → resources held for an actor's life
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
};

worker_pool::worker_pool(worker_pool_config config) : config_(std::move(config)), available_(config_.total) {}

worker_pool::~worker_pool() { stop(); }

net::result<void> worker_pool::start() {
  io_ = std::make_unique<net::io_pool>(1);
  net::handlers h;
  h.on_frame = [this](const net::connection_ptr& c, net::frame&& f) { serve(c, std::move(f)); };
  h.on_closed = [this](const net::connection_ptr& c, const net::error&) { on_closed(c); };
  net::options o;
  o.log = config_.log;
  auto l = net::listener::open(io_->context(), config_.listen, config_.token, std::move(h), o);
  if (!l) return actors::unexpected<net::error>(l.error());
  listener_ = *l;
  reaper_ = std::thread([this] { reap_until_stopped(); });
  log(net::log_level::info, "worker pool: serving on " + config_.listen.to_string() + " with " +
                                describe(config_.total));
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

resource_map worker_pool::available() const {
  std::lock_guard lock(mutex_);
  auto free = available_;
  for (auto& [name, amount] : free) amount = std::max(0.0, amount);  // oversubscribed: none free
  return free;
}

std::size_t worker_pool::worker_count() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

void worker_pool::serve(const net::connection_ptr& c, net::frame&& f) {
  try {
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
  client_registered answer{.accepted = true, .node_id = config_.node_id};
  std::string job = hello.client_id;  // a driver is its own job
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
    cl->executable = hello.executable;
    cl->ns = hello.ns;
    cl->conn = c;
    clients_[c.get()] = cl;
    if (hello.role == client_role::driver)
      log(net::log_level::info, "worker pool: driver " + hello.client_id.substr(0, 8) + " (pid " +
                                    std::to_string(hello.pid) + ", " + hello.executable + ") connected");
  }
  c->reply(f, encode_work(work_kind::register_client, answer));
}

void worker_pool::request_lease(const net::connection_ptr& c, const net::frame& f, bool actor) {
  auto wanted = decode_work<lease_request>(f);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end()) {
    c->close("a lease was asked for before register_client");
    return;
  }
  for (const auto& [name, amount] : wanted.resources) {
    auto total = config_.total.find(name);
    if (amount < 0 || (amount > 0 && (total == config_.total.end() || total->second < amount))) {
      lease_reply no{.status = lease_status::infeasible,
                     .reason = "this node has " + describe(config_.total) + ", which cannot fit " +
                               describe(wanted.resources)};
      c->reply(f, encode_work(actor ? work_kind::place_actor : work_kind::request_lease, no));
      return;
    }
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
    if (worker.blocked++ == 0) give_back_locked(worker.held);
  } else if (worker.blocked > 0 && --worker.blocked == 0) {
    take_locked(worker.held);
  }
  grant_what_fits_locked();
}

void worker_pool::return_lease(const net::connection_ptr& c, const net::frame& f) {
  auto back = decode_work<lease_return>(f);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(c.get());
  if (it == clients_.end()) return;
  auto& cl = *it->second;
  if (auto hold = cl.actor_holds.find(back.lease_id); hold != cl.actor_holds.end()) {
    give_back_locked(hold->second);
    cl.actor_holds.erase(hold);
  } else {
    for (auto& [id, w] : workers_) {
      if (w->lease_id != back.lease_id || w->leased_to != cl.id) continue;
      if (w->blocked == 0) give_back_locked(w->held);
      w->held.clear();
      w->blocked = 0;
      w->lease_id = 0;
      w->leased_to.clear();
      break;
    }
  }
  grant_what_fits_locked();
}

void worker_pool::on_closed(const net::connection_ptr& c) {
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
  // Workers are fate-shared with the client that caused them (Ray's workers belong to a job).
  std::vector<std::shared_ptr<worker>> owned;
  for (auto& [id, w] : workers_)
    if (w->owner_id == cl.id || w->leased_to == cl.id) owned.push_back(w);
  for (auto& w : owned) {
    if (w->pid > 0) ::kill(w->pid, SIGKILL);
    forget_worker_locked(w, "its client " + cl.id.substr(0, 8) + " disconnected");
  }
  for (auto& [lease, held] : cl.actor_holds) give_back_locked(held);
  cl.actor_holds.clear();
  std::erase_if(waiting_, [&](const auto& w) { return w->conn == cl.conn; });
  if (cl.role == client_role::driver)
    log(net::log_level::info, "worker pool: driver " + cl.id.substr(0, 8) + " disconnected; " +
                                  std::to_string(owned.size()) + " of its workers stopped");
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
    std::uint64_t lease = next_lease_++;
    std::shared_ptr<worker> w;
    if (want.actor) {
      if (want.wanted.hold_for_life) {
        take_locked(want.wanted.resources);
        owner->actor_holds[lease] = want.wanted.resources;
      }
      w = idle_worker_locked(*owner, true, want.wanted.dedicated);
      if (!w) w = spawn_locked(*owner, true, 1);
      if (want.wanted.dedicated) w->dedicated = true;
    } else {
      take_locked(want.wanted.resources);
      w = idle_worker_locked(*owner, false, false);
      auto cpus = want.wanted.resources.contains("CPU") ? want.wanted.resources.at("CPU") : 1.0;
      if (!w) w = spawn_locked(*owner, false, cpus);
      w->lease_id = lease;
      w->leased_to = owner->id;
      w->held = want.wanted.resources;
    }
    auto granted = *it;
    it = waiting_.erase(it);
    if (!w->pid) {  // the spawn failed: say why and give the resources back
      if (want.actor) {
        if (want.wanted.hold_for_life) give_back_locked(want.wanted.resources);
        owner->actor_holds.erase(lease);
      } else {
        give_back_locked(want.wanted.resources);
      }
      lease_reply no{.status = lease_status::failed, .reason = "could not start a worker: " + w->address};
      granted->conn->reply(granted->request, encode_work(static_cast<work_kind>(granted->request.kind), no));
      workers_.erase(w->id);
      continue;
    }
    w->promised.emplace_back(granted, lease);
    if (w->ready) answer_ready_locked(*w);
  }
}

void worker_pool::answer_ready_locked(worker& w) {
  for (auto& [granted, lease] : std::exchange(w.promised, {})) {
    lease_reply yes{.status = lease_status::granted, .lease_id = lease, .worker_id = w.id, .worker_address = w.address};
    granted->conn->reply(granted->request, encode_work(static_cast<work_kind>(granted->request.kind), yes));
  }
}

std::shared_ptr<worker_pool::worker> worker_pool::idle_worker_locked(client& owner, bool actor_host, bool dedicated) {
  for (auto& [id, w] : workers_) {
    if (w->owner_id != owner.job_id || w->actor_host != actor_host) continue;
    if (actor_host && !dedicated && !w->dedicated) return w;  // the client's shared actor host, ready or not
    if (!actor_host && w->lease_id == 0 && w->promised.empty()) return w;
  }
  return nullptr;
}

std::shared_ptr<worker_pool::worker> worker_pool::spawn_locked(client& owner, bool actor_host, double cpus) {
  auto w = std::make_shared<worker>();
  w->id = random_id();
  w->owner = owner.conn ? clients_[owner.conn.get()] : nullptr;
  w->owner_id = owner.job_id;
  w->actor_host = actor_host;
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
                       .ns = owner.ns};
  auto pid = spawn_worker(launch);
  workers_[w->id] = w;
  if (!pid) {
    w->address = pid.error();  // read by grant_what_fits_locked, which reports it
    log(net::log_level::error, "worker pool: cannot start a worker from " + owner.executable + ": " + pid.error());
    return w;
  }
  w->pid = *pid;
  log(net::log_level::info, "worker pool: started worker " + w->id.substr(0, 8) + " (pid " + std::to_string(*pid) +
                                (actor_host ? ", actor host" : "") + ") for " + owner.id.substr(0, 8));
  return w;
}

void worker_pool::forget_worker_locked(std::shared_ptr<worker> w, const std::string& why) {
  if (!workers_.erase(w->id)) return;
  if (w->pid > 0) unreaped_.push_back(w->pid);  // killed or exiting: the reaper waits for it
  if (w->lease_id && w->blocked == 0) give_back_locked(w->held);
  for (auto& [granted, lease] : std::exchange(w->promised, {})) {
    lease_reply no{.status = lease_status::failed,
                   .reason = "the worker started for this lease " + why + " before it was ready (its log: " +
                             w->log_file.string() + ")"};
    granted->conn->reply(granted->request, encode_work(static_cast<work_kind>(granted->request.kind), no));
  }
  if (w->conn) w->conn->close("the worker " + why);
  // A worker that was killed cannot remove its socket file; an exiting one no longer needs it.
  std::error_code ec;
  std::filesystem::remove(worker_socket(w->id), ec);
  log(net::log_level::info, "worker pool: worker " + w->id.substr(0, 8) + " " + why);
}

bool worker_pool::fits_locked(const resource_map& r) const {
  for (const auto& [name, amount] : r) {
    if (amount <= 0) continue;
    auto it = available_.find(name);
    if (it == available_.end() || it->second + 1e-9 < amount) return false;
  }
  return true;
}

void worker_pool::take_locked(const resource_map& r) {
  for (const auto& [name, amount] : r)
    if (amount > 0) available_[name] -= amount;
}

void worker_pool::give_back_locked(const resource_map& r) {
  for (const auto& [name, amount] : r)
    if (amount > 0) available_[name] += amount;
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
  }
}

void worker_pool::log(net::log_level level, const std::string& line) const { net::log(config_.log, level, line); }

}  // namespace actors::cluster
