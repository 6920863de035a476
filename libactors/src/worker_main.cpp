// Worker mode: a process a node manager started from a client's executable (docs/cluster.md,
// "Workers and leases"). actors::init() sees ACTORS_WORKER_ID and comes here instead of
// returning: the process listens for its clients, registers with its node manager, runs the
// calls pushed to it on the same scheduler and actor mailboxes the embedded runtime uses, and
// exits when its node manager goes away.
//
// Detached hosts (ACTORS_WORKER_DETACHED): a process that hosts one detached actor outlives the
// job that started it (API.md, "Lifetime"). It takes the actor's name over at the head, so the
// name lasts while it runs, and exits once the actor has ended and its clients have heard, or
// when no actor came to it and no client is left to send one.
#include "worker_main.hpp"

#include <actors/detail/remote.hpp>
#include <actors/registry.hpp>

#include "actor_core.hpp"
#include "call_errors.hpp"
#include "cluster/work_protocol.hpp"
#include "cluster_client.hpp"
#include "head_link.hpp"
#include "blocking.hpp"
#include "log.hpp"
#include "object_exchange.hpp"
#include "runtime.hpp"
#include "scheduler.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "cluster/reach.hpp"
#include "transport/token.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace actors::detail {
namespace {

namespace wire = actors::cluster;

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw error(std::string("actors worker: $") + name + " is not set");
  return v;
}

/// A call pushed by a client: a task, an actor's factory, or a method call. It answers exactly
/// once, whether it runs or is abandoned.
class pushed_call final : public job {
 public:
  enum class what { task, factory, method };

  pushed_call(what w, net::connection_ptr client, net::frame&& f, std::shared_ptr<object_exchange> exchange)
      : what_(w), client_(std::move(client)), frame_(std::move(f)), exchange_(std::move(exchange)) {
    header_ = wire::decode_work<wire::call_header>(frame_, &args_);
  }

  void run() noexcept override {
    auto started = std::chrono::steady_clock::now();
    writer out;
    wire::call_result_header result{.call_id = header_.call_id};
    object_exchange::pin_scope lent;  // refs in the result stay alive until the client drops them
    try {
      object_exchange::decode_scope from(exchange_, client_);  // refs in the arguments are the client's
      const remote_entry& e = find_remote(header_.function, header_.signature);
      reader in(args_);
      if (what_ == what::factory) {
        if (!e.construct) throw error("actors: " + header_.function + " cannot make an actor in a worker");
        if (header_.restarts > 0) mark_creating_actor_restarted();
        set_current_actor_instance(e.construct(e, in));
      } else {
        if (!e.invoke) throw error("actors: " + header_.function + " cannot be called in a worker");
        e.invoke(e, in, out, what_ == what::method ? current_actor_instance() : nullptr);
      }
    } catch (...) {
      auto wrapped = wrap_user_exception(std::current_exception(), header_.function);
      if (what_ == what::factory) current_actor_failed(wrapped);
      result = describe_failure(header_.call_id, wrapped);
    }
    result.run_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    if (result.outcome == wire::call_outcome::ok) {
      // A large result waits in the node's store, where the client reads or pulls it.
      object_exchange::send_through_store(current_runtime() ? current_runtime()->node_store() : nullptr, nullptr, out,
                                          result.stored);
      auto pins = lent.take();
      result.lends_refs = !pins.cells.empty() || !pins.actors.empty();
      exchange_->pin(client_, std::move(pins));
    }
    answer(result, result.outcome == wire::call_outcome::ok ? std::move(out.bytes()) : std::vector<std::byte>{});
  }

  void abandon(std::exception_ptr e) noexcept override {
    if (answered_.exchange(true)) return;
    client_->send(wire::encode_work(wire::work_kind::call_result, describe_failure(header_.call_id, e)));
  }

  const std::string& name() const noexcept override { return header_.function; }
  const wire::call_header& header() const noexcept { return header_; }

 private:
  void answer(const wire::call_result_header& r, std::vector<std::byte>&& value) {
    if (answered_.exchange(true)) return;
    const std::uint64_t bytes = value.size();
    auto sent = client_->send(wire::encode_work(wire::work_kind::call_result, r, std::move(value)));
    // A result the node's store could not take and no frame can carry: the caller hears why.
    if (!sent && sent.error().code == net::errc::frame_too_large)
      client_->send(wire::encode_work(
          wire::work_kind::call_result,
          describe_failure(header_.call_id, too_large_to_send("the result of " + header_.function, bytes,
                                                              "the node's store had no room for it (raise "
                                                              "object_store_memory)"))));
  }

  what what_;
  net::connection_ptr client_;
  net::frame frame_;  // owns the argument bytes
  wire::call_header header_;
  std::span<const std::byte> args_;
  std::shared_ptr<object_exchange> exchange_;
  std::atomic<bool> answered_{false};
};

/// How long a detached host waits for its actor with no client connected.
constexpr auto detached_idle_limit = std::chrono::seconds(30);

/// Serves the calls of this worker's clients.
class worker_service {
 public:
  worker_service(runtime& rt, bool detached_host) : rt_(rt), detached_(detached_host) {}

  /// Where it listens; set once, before the first call.
  void set_address(std::string address) { listen_address_ = std::move(address); }

  void opened(const net::connection_ptr& c) {
    std::lock_guard lock(mu_);
    clients_.insert(c);
  }
  void closed(const net::connection_ptr& c) {
    std::lock_guard lock(mu_);
    clients_.erase(c);
  }

  /// A detached host's reason to end now (its actor ended, or none came), or "".
  std::string why_done(std::chrono::steady_clock::duration serving_for) const {
    std::lock_guard lock(mu_);
    if (!detached_ || unsettled_ > 0) return {};
    if (hosted_any_) {
      for (const auto& [id, token] : hosted_)
        if (!token->core().ended()) return {};
      return "its detached actor ended";
    }
    if (clients_.empty() && serving_for > detached_idle_limit) return "no detached actor came to it";
    return {};
  }

  void serve(const net::connection_ptr& c, net::frame&& f) {
    auto kind = static_cast<wire::work_kind>(f.kind);
    try {
      if (rt_.exchange()->serve(c, f)) return;  // a client fetches a ref a result lent it
      switch (kind) {
        case wire::work_kind::locate_actor: return locate(c, f);
        case wire::work_kind::push_task:
          rt_.sched().enqueue(with_shape(new pushed_call(pushed_call::what::task, c, std::move(f), rt_.exchange()),
                                         scheduler::one_cpu_shape));
          return;
        case wire::work_kind::create_actor: return create(c, std::move(f));
        case wire::work_kind::actor_call: return call(c, std::move(f));
        case wire::work_kind::release_actor:
        case wire::work_kind::kill_actor: return end(c, kind, f);
        default: c->close("a worker does not serve " + wire::kind_name(f.kind) + " frames");
      }
    } catch (const std::exception& e) {
      log_warning(std::string("actors worker: a malformed call from ") + c->peer() + ": " + e.what());
      c->close(std::string("malformed call: ") + e.what());
    }
  }

 private:
  static job* with_shape(job* j, std::uint32_t shape) {
    j->shape = shape;
    return j;
  }

  static actor_id actor_of(const wire::call_header& h) { return actor_id{h.actor_hi, h.actor_lo}; }

  void create(const net::connection_ptr& c, net::frame&& f) {
    auto factory = std::make_unique<pushed_call>(pushed_call::what::factory, c, std::move(f), rt_.exchange());
    const auto header = factory->header();
    const std::type_info* type = nullptr;
    try {
      type = find_remote(header.function, header.signature).object_type;
      if (!type) throw error("actors: " + header.function + " is not an actor factory in this program");
    } catch (...) {
      factory->abandon(std::current_exception());
      return;
    }
    // Its name now lasts while this process runs, past its creator: before the factory runs,
    // so that the creator, which waits for the factory at shutdown, may leave once it returns.
    if (detached_ && rt_.head()) {
      try {
        rt_.head()->adopt_name(cluster::named_actor{.id_hi = header.actor_hi, .id_lo = header.actor_lo});
      } catch (const std::exception& e) {
        log_warning(std::string("actors worker: the head did not let this process hold its detached actor's name (") +
                    e.what() + "); the name goes when its creator does");
      }
    }
    actor_options options;
    options.resources = resource_map{};  // placed by the node manager already; holds nothing here
    options.max_concurrency = std::max(1, header.max_concurrency);
    auto token = create_actor_with_id(std::move(factory), options, *type, {}, actor_of(header));
    std::lock_guard lock(mu_);
    hosted_[actor_of(header)] = std::move(token);
    hosted_any_ = true;
  }

  void call(const net::connection_ptr& c, net::frame&& f) {
    auto j = std::make_unique<pushed_call>(pushed_call::what::method, c, std::move(f), rt_.exchange());
    auto id = actor_of(j->header());
    std::shared_ptr<actor_token> token;
    {
      std::lock_guard lock(mu_);
      if (auto it = hosted_.find(id); it != hosted_.end()) token = it->second;
    }
    if (!token) {
      j->abandon(std::make_exception_ptr(actor_died_error("actors: the actor " + to_string(id) +
                                                          " is not hosted by this worker any more")));
      return;
    }
    submit_actor_call(*token, std::move(j), {});
  }

  /// Where the actor of a handle this worker lent is: here, or wherever its client says.
  void locate(const net::connection_ptr& c, const net::frame& f) {
    auto key = wire::decode_work<wire::object_key>(f);
    bool here = false;
    {
      std::lock_guard lock(mu_);
      here = hosted_.contains(actor_id{key.hi, key.lo});
    }
    if (!here && rt_.cluster()) return rt_.cluster()->serve_locate(c, f);
    c->reply(f, wire::encode_work(wire::work_kind::locate_actor,
                                     wire::actor_location{.found = here, .address = listen_address_,
                                                          .reason = here ? "" : "this worker does not know it"}));
  }

  void end(const net::connection_ptr& c, wire::work_kind how, const net::frame& f) {
    const auto header = wire::decode_work<wire::call_header>(f);
    auto id = actor_of(header);
    // A kill sent as a request is answered once the actor no longer runs (kill() returns then).
    std::shared_ptr<const net::frame> request;
    if (how == wire::work_kind::kill_actor && f.correlation_id != 0) request = wire::reply_stub(f);
    std::shared_ptr<actor_token> token;
    {
      std::lock_guard lock(mu_);
      auto it = hosted_.find(id);
      if (it != hosted_.end()) {
        token = std::move(it->second);
        hosted_.erase(it);
        ++unsettled_;
      }
    }
    auto confirm = [this, c, request] {
      if (request) send_counted(c, request.get(), wire::encode_work(wire::work_kind::kill_actor, wire::call_header{}));
    };
    if (!token) return confirm();
    if (how != wire::work_kind::kill_actor) return settle();
    // kill() waits for a running call to return: not on the io thread that serves the others.
    std::thread([this, token, confirm, c, header] {
      kill_actor(*token);
      confirm();
      // Its other clients (its creator, borrowers) hear it was killed: they fail its calls at
      // once, and its creator does not restart it.
      std::vector<net::connection_ptr> others;
      {
        std::lock_guard lock(mu_);
        for (const auto& other : clients_)
          if (other != c) others.push_back(other);
      }
      for (const auto& other : others)
        send_counted(other, nullptr,
                     wire::encode_work(wire::work_kind::kill_actor,
                                       wire::call_header{.actor_hi = header.actor_hi, .actor_lo = header.actor_lo}));
      settle();
    }).detach();
  }

  /// Sends `m` (the reply to `request`, if given), counted as unsettled until it is written, so
  /// that a detached host does not exit with it unsent.
  void send_counted(const net::connection_ptr& c, const net::frame* request, net::message m) {
    {
      std::lock_guard lock(mu_);
      ++unsettled_;
    }
    auto written = [this](const net::result<void>&) { settle(); };
    auto sent = request ? c->reply(*request, std::move(m), written) : c->send(std::move(m), written);
    if (!sent) settle();
  }
  void settle() {
    std::lock_guard lock(mu_);
    --unsettled_;
  }

  runtime& rt_;
  const bool detached_;
  std::string listen_address_;
  mutable std::mutex mu_;
  std::unordered_map<actor_id, std::shared_ptr<actor_token>> hosted_;
  std::set<net::connection_ptr> clients_;
  bool hosted_any_ = false;
  int unsettled_ = 0;  // kills and messages about them under way
};

}  // namespace

namespace {
// This worker's client, for the blocking observer (a plain function pointer); set once, and
// the process never returns from serve_as_worker.
std::atomic<cluster_client*> worker_client{nullptr};

void report_blocked(bool blocked) {
  if (auto* c = worker_client.load(std::memory_order_acquire)) c->report_blocked(blocked);
}
}  // namespace

bool launched_as_worker() noexcept { return std::getenv("ACTORS_WORKER_ID") != nullptr; }

void serve_as_worker(runtime& rt) {
  try {
    auto id = required_env("ACTORS_WORKER_ID");
    auto node = required_env("ACTORS_WORKER_NODE");
    auto socket = required_env("ACTORS_WORKER_SOCKET");
    auto token = net::read_token_file(required_env("ACTORS_TOKEN_FILE"));
    if (!token) throw error("actors worker: cannot read the cluster token: " + token.error().message);

    auto where = net::parse_address("unix:" + socket);
    if (!where) throw error("actors worker: bad socket path " + socket);
    // Clients reach it on its node through the Unix socket, from other hosts over TCP at the
    // node's IP; its address names both (cluster/reach.hpp), and each client picks.
    std::string tcp_host = std::getenv("ACTORS_WORKER_TCP_HOST") ? std::getenv("ACTORS_WORKER_TCP_HOST") : "";
    auto tcp_where = net::parse_address(cluster::tcp_any_port(tcp_host));
    if (!tcp_host.empty() && !tcp_where) throw error("actors worker: bad TCP host " + tcp_host);
    const bool detached_host = std::getenv("ACTORS_WORKER_DETACHED") != nullptr;
    worker_service service(rt, detached_host);  // before io: its handlers use it until io stops
    net::io_pool io(1);
    // The service needs the address, known once both listeners are open, and the calls need
    // the runtime's cluster client and store, attached once registration (which announces this
    // worker to clients) has been answered: a call that comes in between waits for them.
    std::atomic<worker_service*> serving{nullptr};
    std::mutex ready_mu;
    std::condition_variable ready_cv;
    bool ready = false;                  // guarded by ready_mu
    std::atomic<bool> ready_now{false};  // the same, read without the lock once set
    net::handlers h;
    h.on_frame = [&](const net::connection_ptr& c, net::frame&& f) {
      if (!ready_now.load(std::memory_order_acquire)) {
        std::unique_lock lock(ready_mu);
        if (!ready_cv.wait_for(lock, std::chrono::minutes(1), [&] { return ready; }))
          return c->close("the worker did not get ready");
      }
      if (auto* s = serving.load(std::memory_order_acquire)) return s->serve(c, std::move(f));
      c->close("the worker is not serving yet");
    };
    h.on_open = [&service](const net::connection_ptr& c) { service.opened(c); };
    h.on_closed = [&service, exchange = rt.exchange()](const net::connection_ptr& c, const net::error&) {
      service.closed(c);
      exchange->forget(c.get());
    };
    auto listener = net::listener::open(io.context(), *where, *token, h);
    if (!listener) throw error("actors worker: cannot listen on " + socket + ": " + to_string(listener.error()));
    std::shared_ptr<net::listener> tcp_listener;
    if (!tcp_host.empty()) {
      auto t = net::listener::open(io.context(), *tcp_where, *token, h);
      if (!t) throw error("actors worker: cannot listen on " + tcp_where->to_string() + ": " + to_string(t.error()));
      tcp_listener = *t;
    }
    const auto address =
        cluster::both_ways(where->to_string(), tcp_listener ? tcp_listener->local_address().to_string() : "");
    service.set_address(address);
    serving.store(&service, std::memory_order_release);

    std::mutex mu;
    std::condition_variable cv;
    bool node_gone = false;
    std::string why;
    // Registering is what tells the node manager this worker is ready: listen first.
    // The head: named actors and nodes() inside tasks and actors.
    if (const char* head = std::getenv("ACTORS_WORKER_HEAD"); head && *head)
      rt.attach_head(std::make_unique<head_link>(head, token->to_hex()));
    auto client = std::make_unique<cluster_client>(cluster_client_options{
        .node_address = node, .token_hex = token->to_hex(), .client_id = id, .is_worker = true,
        .listen_address = address, .exchange = rt.exchange(), .head = rt.head(), .ns = rt.ns()});
    client->on_node_lost([&](const std::string& reason) {
      std::lock_guard lock(mu);
      node_gone = true;
      why = reason;
      cv.notify_all();
    });
    worker_client.store(client.get(), std::memory_order_release);
    set_blocking_observer(&report_blocked);
    rt.attach_cluster(std::move(client));
    {
      std::lock_guard lock(ready_mu);
      ready = true;
      ready_now.store(true, std::memory_order_release);
    }
    ready_cv.notify_all();
    std::unique_lock lock(mu);
    const auto serving_since = std::chrono::steady_clock::now();
    if (!detached_host) cv.wait(lock, [&] { return node_gone; });
    // A detached host also ends with its actor: it looks every 100 ms.
    while (!cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return node_gone; })) {
      why = service.why_done(std::chrono::steady_clock::now() - serving_since);
      if (!why.empty()) break;
    }
    if (node_gone)
      std::cerr << "actors worker " << id.substr(0, 8) << ": the node manager went away (" << why << "); exiting\n";
    else
      std::cerr << "actors worker " << id.substr(0, 8) << ": " << why << "; exiting\n";
    ::unlink(socket.c_str());  // _Exit below runs no destructor that would remove it
  } catch (const std::exception& e) {
    std::cerr << "actors worker: " << e.what() << "\n";
    std::_Exit(1);
  }
  // Fate-shared with the node manager: user threads may still run, so no static destructors.
  std::_Exit(0);
}

}  // namespace actors::detail
