#include "head_link.hpp"

#include "cluster/reach.hpp"

#include <actors/error.hpp>

#include "cluster/status_client.hpp"
#include "cluster/worker_process.hpp"
#include "cluster_client.hpp"
#include "log.hpp"
#include "runtime.hpp"
#include "transport/connect.hpp"
#include "transport/token.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>

namespace actors::detail {
namespace {

constexpr auto head_timeout = std::chrono::seconds(5);

std::string tcp_address(const std::string& address) {
  return address.starts_with("tcp://") ? address : "tcp://" + address;
}

net::cluster_token resolve_token(const config& cfg) {
  auto from_hex = [](const std::string& hex, const std::string& where) {
    auto t = net::cluster_token::from_hex(hex);
    if (!t) throw error("actors::init: the cluster token in " + where + " is not valid: " + t.error().message);
    return *t;
  };
  if (!cfg.token.empty()) return from_hex(cfg.token, "config.token");
  if (const char* env = std::getenv("ACTORS_TOKEN"); env && *env) return from_hex(env, "$ACTORS_TOKEN");
  std::string file;
  if (const char* env = std::getenv("ACTORS_TOKEN_FILE"); env && *env) {
    file = env;
  } else {
    const char* temp = std::getenv("ACTORS_TEMP_DIR");
    file = std::string(temp && *temp ? temp : "/tmp/actors") + "/session_latest/token";
  }
  auto t = net::read_token_file(file);
  if (!t)
    throw error("actors::init: no cluster token: set config.token or $ACTORS_TOKEN, or run on a machine where "
                "`actors start` runs (" + file + ": " + t.error().message + ")");
  return *t;
}

std::string host_name() {
  std::array<char, 256> name{};
  ::gethostname(name.data(), name.size() - 1);
  return name.data();
}

}  // namespace

head_link::head_link(std::string address, const std::string& token_hex)
    : address_(std::move(address)), io_(std::make_unique<net::io_pool>(1)) {
  auto head = net::parse_address(address_);
  auto token = net::cluster_token::from_hex(token_hex);
  if (!head || !token) throw error("actors: bad head address '" + address_ + "' or token");
  net::options o;
  o.connect_timeout = head_timeout;
  o.auth_timeout = head_timeout;
  auto c = net::connect(io_->context(), *head, *token, {}, o).get();
  if (!c) throw error("actors: cannot reach the head at " + address_ + ": " + to_string(c.error()));
  conn_ = *c;
}

head_link::~head_link() {
  conn_->close("this process leaves the cluster");
  io_->stop(std::chrono::milliseconds(500));
}

net::frame head_link::ask(net::message m, cluster::kind expected) const {
  auto reply = conn_->request(std::move(m), head_timeout).get();
  if (!reply) throw error("actors: the head at " + address_ + " did not answer: " + to_string(reply.error()));
  if (auto wrong = cluster::check_kind(*reply, expected); !wrong.empty())
    throw error("actors: the head at " + address_ + " answered wrongly: " + wrong);
  return std::move(*reply);
}

cluster_view head_link::view() const {
  net::message m;
  m.kind = static_cast<std::uint16_t>(cluster::kind::get_cluster_status);
  auto status = cluster::decode_body<cluster::cluster_status>(ask(std::move(m), cluster::kind::get_cluster_status),
                                                              cluster::kind::get_cluster_status);
  if (!status) throw error("actors: the head's node table does not decode: " + to_string(status.error()));
  cluster_view v;
  for (const auto& entry : status->nodes) {
    v.nodes.push_back(node_info{entry.node.node_id, entry.node.address, entry.alive, entry.node.total});
    if (!entry.alive) continue;
    for (const auto& [name, amount] : entry.node.total) {
      v.total[name] += amount;
      v.available[name] += 0;
    }
    for (const auto& [name, amount] : entry.available) v.available[name] += amount;
  }
  return v;
}

std::string head_link::register_name(const cluster::named_actor& a) const {
  auto k = cluster::kind::register_actor_name;
  auto reply = cluster::decode_body<cluster::name_reply>(ask(cluster::encode_message(k, a), k), k);
  if (!reply) throw error("actors: the head's answer does not decode: " + to_string(reply.error()));
  return reply->ok ? std::string() : reply->reason;
}

std::optional<cluster::named_actor> head_link::lookup_name(const std::string& ns, const std::string& name) const {
  auto k = cluster::kind::lookup_actor_name;
  auto reply = cluster::decode_body<cluster::name_reply>(
      ask(cluster::encode_message(k, cluster::named_actor{.ns = ns, .name = name}), k), k);
  if (!reply) throw error("actors: the head's answer does not decode: " + to_string(reply.error()));
  if (!reply->ok) return std::nullopt;
  return reply->actor;
}

void head_link::actor_placed(const cluster::named_actor& a) const {
  conn_->send(cluster::encode_message(cluster::kind::actor_placed, a));
}

void head_link::adopt_name(const cluster::named_actor& a) const {
  auto k = cluster::kind::adopt_actor_name;
  if (!cluster::decode_body<cluster::name_reply>(ask(cluster::encode_message(k, a), k), k))
    throw error("actors: the head's answer to adopt_actor_name does not decode");
}

void head_link::unregister_name(const cluster::named_actor& a) const {
  conn_->send(cluster::encode_message(cluster::kind::unregister_actor_name, a));
}

void join_cluster(runtime& rt, const config& cfg, const std::string& address) {
  auto head_text = tcp_address(address);
  auto head = net::parse_address(head_text);
  if (!head) throw error("actors::init: '" + address + "' is not HOST:PORT (" + head.error().message + ")");
  auto token = resolve_token(cfg);
  if (cfg.num_cpus || cfg.num_gpus || !cfg.resources.empty() || cfg.object_store_memory)
    log_warning("actors::init: num_cpus, num_gpus, resources and object_store_memory describe the embedded node; "
                "in cluster mode the nodes' own flags decide, so they are ignored");
  auto status = cluster::fetch_status(*head, token, head_timeout);
  if (!status) throw error("actors::init: cannot reach the head at " + address + ": " + to_string(status.error()));
  // Drivers submit through the node manager of their own host (Ray's raylet): the node whose
  // worker pool is reached here through its Unix socket (cluster/reach.hpp).
  std::string manager;
  auto self = host_name();
  for (const auto& entry : status->nodes) {
    if (!entry.alive) continue;
    auto way = cluster::nearest_way(entry.node.manager_address);
    if (way.starts_with("unix:") && std::filesystem::exists(way.substr(5))) {
      manager = way;
      break;
    }
  }
  if (manager.empty())
    throw error("actors::init: no node of the cluster at " + address + " runs on this machine (" + self +
                "); start one here with `actors start --address " + address + "`");
  rt.attach_head(std::make_unique<head_link>(head_text, token.to_hex()));
  rt.attach_cluster(std::make_unique<cluster_client>(cluster_client_options{
      .node_address = manager, .token_hex = token.to_hex(), .client_id = cluster::random_id(),
      .exchange = rt.exchange(), .head = rt.head(), .ns = rt.ns()}));
}

}  // namespace actors::detail
