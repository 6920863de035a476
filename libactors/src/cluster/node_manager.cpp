#include "cluster/node_manager.hpp"

#include "transport/connect.hpp"
#include "transport/connection.hpp"

#include <algorithm>
#include <optional>

namespace actors::cluster {

namespace {

// A head that does not answer a control request within this long is treated as unreachable.
constexpr std::chrono::milliseconds request_timeout{3000};
// Between attempts to reach a head that is down: soon enough to rejoin well inside the
// head's timeout, rare enough not to flood its log.
constexpr std::chrono::milliseconds reconnect_delay{500};

}  // namespace

node_manager::node_manager(node_config config)
    : config_(std::move(config)), interval_(config_.heartbeat_interval) {}

node_manager::~node_manager() { stop(); }

void node_manager::log(net::log_level level, const std::string& line) const {
  net::log(config_.log, level, "node: " + line);
}

void node_manager::start() {
  io_ = std::make_unique<net::io_pool>(1);
  thread_ = std::thread([this] { run(); });
}

void node_manager::stop(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable() && !io_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool tell_head = false;
  {
    std::lock_guard lock(mutex_);
    tell_head = registered_ && !fatal_;
  }
  if (head_ && head_->is_open() && tell_head) {
    auto reply = head_->request(
        encode_message(kind::unregister_node, unregister_request{config_.self.node_id, reason}),
        std::chrono::milliseconds(1000));
    auto answer = reply.get();
    if (!answer) log(net::log_level::warning, "could not tell the head this node leaves: " + to_string(answer.error()));
  }
  if (head_) head_->close("node stopping");
  head_.reset();
  if (io_) io_->stop();
  io_.reset();
}

bool node_manager::wait_registered(std::chrono::milliseconds timeout, std::string* why) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return registered_ || fatal_ || stopping_; });
  if (!registered_ && why)
    *why = last_problem_.empty() ? "no answer from the head at " + config_.head.to_string() : last_problem_;
  return registered_;
}

std::vector<node_entry> node_manager::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

bool node_manager::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void node_manager::fail_fatally(const std::string& why, bool declared_dead) {
  {
    std::lock_guard lock(mutex_);
    fatal_ = true;
    last_problem_ = why;
  }
  cv_.notify_all();
  if (declared_dead && config_.on_declared_dead) {
    log(net::log_level::warning, why);
    return config_.on_declared_dead(why);
  }
  log(net::log_level::error, why);
  if (config_.on_fatal) config_.on_fatal(why);
}

void node_manager::run() {
  std::string reported;  // the problem last logged, so a head that is down is logged once
  // Since when the head, once reached, has not answered: bounded by head_lost_timeout.
  std::optional<std::chrono::steady_clock::time_point> out_of_touch;
  bool registered_once = false;
  auto note = [&](const std::string& problem) {
    {
      std::lock_guard lock(mutex_);
      last_problem_ = problem;
    }
    if (problem != reported) log(net::log_level::warning, problem);
    reported = problem;
  };
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    outcome o = head_ && head_->is_open() ? send_heartbeat() : connect_and_register();
    if (o == outcome::fatal) return;
    if (o == outcome::reconnect && registered_once) {
      const auto now = std::chrono::steady_clock::now();
      if (!out_of_touch) out_of_touch = now;
      if (now - *out_of_touch >= config_.head_lost_timeout) {
        std::string problem;
        {
          std::lock_guard lock(mutex_);
          problem = last_problem_;
        }
        fail_fatally("lost the head at " + config_.head.to_string() + " for " +
                     std::to_string(config_.head_lost_timeout.count()) + " ms (" + problem +
                     "); this node stops, and its workers with it");
        return;
      }
    }
    if (o == outcome::reconnect) {
      if (head_) head_->close("reconnecting");
      head_.reset();
      std::string problem;
      {
        std::lock_guard lock(mutex_);
        problem = last_problem_;
      }
      note(problem);
      if (!sleep_for(reconnect_delay)) return;
      continue;
    }
    registered_once = true;
    out_of_touch.reset();
    if (!reported.empty()) {
      log(net::log_level::info, "in touch with the head again");
      reported.clear();
    }
    std::chrono::milliseconds wait;
    {
      std::lock_guard lock(mutex_);
      wait = interval_;
    }
    if (!sleep_for(wait)) return;
  }
}

node_manager::outcome node_manager::connect_and_register() {
  net::options o;
  o.log = config_.log;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.auth_timeout = std::chrono::milliseconds(2000);
  auto connected = net::connect(io_->context(), config_.head, config_.token, {}, o).get();
  if (!connected) {
    if (connected.error().code == net::errc::auth_failed) {
      fail_fatally("the head at " + config_.head.to_string() +
                   " refused this node's cluster token: " + connected.error().message);
      return outcome::fatal;
    }
    std::lock_guard lock(mutex_);
    last_problem_ = "cannot reach the head: " + to_string(connected.error());
    return outcome::reconnect;
  }
  head_ = *connected;
  auto reply = head_->request(encode_message(kind::register_node, register_request{config_.self}),
                              request_timeout).get();
  if (!reply) {
    std::lock_guard lock(mutex_);
    last_problem_ = "registering with the head failed: " + to_string(reply.error());
    return outcome::reconnect;
  }
  auto answer = decode_body<register_reply>(*reply, kind::register_node);
  if (!answer) {
    fail_fatally("the head's answer to register_node is malformed: " + answer.error().message);
    return outcome::fatal;
  }
  if (!answer->accepted) {
    fail_fatally("the head refused this node: " + answer->reason, answer->declared_dead);
    return outcome::fatal;
  }
  {
    std::lock_guard lock(mutex_);
    registered_ = true;
    last_problem_.clear();
    if (answer->heartbeat_interval_ms > 0)
      interval_ = std::chrono::milliseconds(answer->heartbeat_interval_ms);
  }
  cv_.notify_all();
  log(net::log_level::info, "registered with the head at " + config_.head.to_string() + " as node " +
                                config_.self.node_id + "; heartbeat every " +
                                std::to_string(answer->heartbeat_interval_ms) + " ms");
  return outcome::keep_going;
}

node_manager::outcome node_manager::send_heartbeat() {
  heartbeat_request beat{config_.self.node_id, config_.available ? config_.available() : config_.self.total};
  auto reply = head_->request(encode_message(kind::heartbeat, beat), request_timeout).get();
  if (!reply) {
    std::lock_guard lock(mutex_);
    last_problem_ = "heartbeat failed: " + to_string(reply.error());
    return outcome::reconnect;
  }
  auto answer = decode_body<heartbeat_reply>(*reply, kind::heartbeat);
  if (!answer) {
    std::lock_guard lock(mutex_);
    last_problem_ = "the head's heartbeat answer is malformed: " + answer.error().message;
    return outcome::reconnect;
  }
  switch (answer->standing) {
    case node_standing::alive: {
      std::lock_guard lock(mutex_);
      view_ = std::move(answer->nodes);
      return outcome::keep_going;
    }
    case node_standing::unknown:
      // The head restarted and lost its table: join it again under the same id.
      log(net::log_level::warning, "the head does not know this node (it restarted?); registering again");
      head_->close("re-registering");
      head_.reset();
      return connect_and_register();
    case node_standing::dead:
      fail_fatally("the head declared this node dead (" + answer->reason + ")", true);
      return outcome::fatal;
  }
  std::lock_guard lock(mutex_);
  last_problem_ = "the head's heartbeat answer has an unknown standing";
  return outcome::reconnect;
}

}  // namespace actors::cluster
