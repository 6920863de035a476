#include "cluster/protocol.hpp"

namespace actors::cluster {

std::string kind_name(std::uint16_t k) {
  switch (static_cast<kind>(k)) {
    case kind::register_node: return "register_node";
    case kind::heartbeat: return "heartbeat";
    case kind::unregister_node: return "unregister_node";
    case kind::get_cluster_status: return "get_cluster_status";
    case kind::error_reply: return "error_reply";
    case kind::register_actor_name: return "register_actor_name";
    case kind::lookup_actor_name: return "lookup_actor_name";
    case kind::actor_placed: return "actor_placed";
    case kind::unregister_actor_name: return "unregister_actor_name";
    case kind::adopt_actor_name: return "adopt_actor_name";
  }
  return "kind " + std::to_string(k);
}

std::string check_kind(const net::frame& f, kind expected) {
  if (f.kind == static_cast<std::uint16_t>(expected)) return {};
  if (f.kind == static_cast<std::uint16_t>(kind::error_reply)) {
    try {
      reader r(f.body.bytes());
      auto body = decode<error_body>(r);
      return "the peer answered with an error: " + body.message;
    } catch (const actors::error&) {
      return "the peer answered with an error that does not decode";
    }
  }
  return "expected " + kind_name(static_cast<std::uint16_t>(expected)) + " but got " + kind_name(f.kind);
}

}  // namespace actors::cluster
