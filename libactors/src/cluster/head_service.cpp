#include "cluster/head_service.hpp"

#include "transport/connection.hpp"

#include <algorithm>

namespace actors::cluster {

namespace {

void reply_error(const net::connection_ptr& c, const net::frame& request, std::string message) {
  if (request.correlation_id == 0) return;  // a plain send expects no answer
  c->reply(request, encode_message(kind::error_reply, error_body{std::move(message)}));
}

}  // namespace

head_service::head_service(head_config config)
    : config_(std::move(config)), table_(config_.heartbeat_timeout) {}

head_service::~head_service() { stop(); }

void head_service::log(net::log_level level, const std::string& line) const {
  net::log(config_.log, level, "head: " + line);
}

net::result<void> head_service::start() {
  if (config_.heartbeat_interval.count() <= 0 ||
      config_.heartbeat_timeout < 2 * config_.heartbeat_interval)
    return net::fail(net::errc::invalid_argument,
                     "the heartbeat timeout (" + std::to_string(config_.heartbeat_timeout.count()) +
                         " ms) must be at least twice the heartbeat interval (" +
                         std::to_string(config_.heartbeat_interval.count()) + " ms)");
  // Two threads: requests from many nodes must not queue behind one slow handshake.
  io_ = std::make_unique<net::io_pool>(2);
  net::handlers h;
  h.on_frame = [this](const net::connection_ptr& c, net::frame&& f) { serve(c, std::move(f)); };
  h.on_closed = [this](const net::connection_ptr& c, const net::error&) { names_.drop_owner(c.get()); };
  net::options o;
  o.log = config_.log;
  // Control messages are small; a peer that announces a large one is not speaking this protocol.
  o.max_frame_size = 16u << 20;

  auto tcp = net::listener::open(io_->context(), config_.tcp_listen, config_.token, h, o);
  if (!tcp) return actors::unexpected<net::error>(tcp.error());
  tcp_ = *tcp;
  if (config_.unix_listen) {
    auto local = net::listener::open(io_->context(), *config_.unix_listen, config_.token, h, o);
    if (!local) {
      tcp_->close();
      return actors::unexpected<net::error>(local.error());
    }
    unix_ = *local;
  }
  advertised_ = tcp_->local_address();
  if (!config_.advertised_host.empty()) advertised_.host = config_.advertised_host;

  config_.self.is_head = true;
  config_.self.address = advertised_.to_string();
  auto self = table_.register_node(config_.self, membership::clock::now());
  if (!self.accepted) {
    stop();
    return net::fail(net::errc::invalid_argument, "the head's own node is invalid: " + self.reason);
  }
  ticker_ = std::thread([this] { tick_until_stopped(); });
  log(net::log_level::info, "listening at " + advertised_.to_string() +
                                (unix_ ? " and " + unix_->local_address().to_string() : std::string()));
  return {};
}

void head_service::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (tcp_) tcp_->close();
  if (unix_) unix_->close();
  if (io_) io_->stop();
  tcp_.reset();
  unix_.reset();
  io_.reset();
}

cluster_status head_service::status() const {
  auto s = table_.snapshot(membership::clock::now());
  s.head_address = advertised_.to_string();
  return s;
}

void head_service::announce_manager(const std::string& address) {
  node_info self;
  {
    std::lock_guard lock(stop_mutex_);
    config_.self.manager_address = address;
    self = config_.self;
  }
  table_.register_node(self, membership::clock::now());  // the same node, described anew
}

void head_service::report_available(std::function<resource_map()> available) {
  std::lock_guard lock(stop_mutex_);
  available_ = std::move(available);
}

void head_service::tick_until_stopped() {
  // Checking five times per timeout bounds how late a death is noticed to a fifth of it.
  auto period = std::clamp(config_.heartbeat_timeout / 5, std::chrono::milliseconds(10),
                           std::chrono::milliseconds(500));
  std::unique_lock lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; })) {
    auto now = membership::clock::now();
    // The head's own node lives exactly as long as this process.
    table_.heartbeat(config_.self.node_id, available_ ? available_() : config_.self.total, now);
    for (const auto& id : table_.expire(now))
      log(net::log_level::warning, "node " + id + " is dead: no heartbeat within " +
                                       std::to_string(config_.heartbeat_timeout.count()) + " ms");
  }
}

void head_service::serve(const net::connection_ptr& c, net::frame&& f) {
  auto now = membership::clock::now();
  switch (static_cast<kind>(f.kind)) {
    case kind::register_node: {
      auto req = decode_body<register_request>(f, kind::register_node);
      if (!req) return reply_error(c, f, req.error().message);
      auto reply = table_.register_node(req->node, now);
      reply.head_node_id = config_.self.node_id;
      reply.heartbeat_interval_ms = static_cast<std::uint32_t>(config_.heartbeat_interval.count());
      if (reply.accepted)
        log(net::log_level::info, "node " + req->node.node_id + " registered from " + c->peer() +
                                      " (" + req->node.hostname + ", pid " + std::to_string(req->node.pid) + ")");
      else
        log(net::log_level::warning, "refused node " + req->node.node_id + ": " + reply.reason);
      c->reply(f, encode_message(kind::register_node, reply));
      return;
    }
    case kind::heartbeat: {
      auto req = decode_body<heartbeat_request>(f, kind::heartbeat);
      if (!req) return reply_error(c, f, req.error().message);
      auto reply = table_.heartbeat(req->node_id, req->available, now);
      if (reply.standing == node_standing::alive) reply.nodes = status().nodes;  // its view for spillback
      c->reply(f, encode_message(kind::heartbeat, reply));
      return;
    }
    case kind::unregister_node: {
      auto req = decode_body<unregister_request>(f, kind::unregister_node);
      if (!req) return reply_error(c, f, req.error().message);
      if (req->node_id == config_.self.node_id)
        return reply_error(c, f, "the head's own node leaves only when the head stops");
      bool known = table_.unregister(req->node_id, req->reason);
      if (known) log(net::log_level::info, "node " + req->node_id + " left: " + req->reason);
      c->reply(f, encode_message(kind::unregister_node, unregister_reply{known}));
      return;
    }
    case kind::get_cluster_status:
      c->reply(f, encode_message(kind::get_cluster_status, status()));
      return;
    case kind::register_actor_name: {
      auto req = decode_body<named_actor>(f, kind::register_actor_name);
      if (!req) return reply_error(c, f, req.error().message);
      auto why = names_.add(c.get(), *req);
      c->reply(f, encode_message(kind::register_actor_name, name_reply{.ok = why.empty(), .reason = why}));
      return;
    }
    case kind::lookup_actor_name: {
      auto req = decode_body<named_actor>(f, kind::lookup_actor_name);
      if (!req) return reply_error(c, f, req.error().message);
      auto found = names_.find(req->ns, req->name);
      c->reply(f, encode_message(kind::lookup_actor_name, name_reply{.ok = found.has_value(), .actor = found.value_or(named_actor{})}));
      return;
    }
    case kind::actor_placed: {
      if (auto req = decode_body<named_actor>(f, kind::actor_placed)) names_.placed(req->id_hi, req->id_lo, req->address);
      return;
    }
    case kind::adopt_actor_name: {
      auto req = decode_body<named_actor>(f, kind::adopt_actor_name);
      if (!req) return reply_error(c, f, req.error().message);
      bool named = names_.adopt(c.get(), req->id_hi, req->id_lo);
      c->reply(f, encode_message(kind::adopt_actor_name, name_reply{.ok = named, .reason = named ? "" : "no name is that actor's"}));
      return;
    }
    case kind::unregister_actor_name: {
      if (auto req = decode_body<named_actor>(f, kind::unregister_actor_name)) names_.remove(*req);
      return;
    }
    default:
      log(net::log_level::warning, "ignored " + kind_name(f.kind) + " from " + c->peer());
      return reply_error(c, f, "the head does not serve " + kind_name(f.kind));
  }
}

}  // namespace actors::cluster
