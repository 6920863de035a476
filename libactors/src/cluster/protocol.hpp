#pragma once
/// The cluster protocol: the messages node managers, the head and the CLI exchange, carried as
/// transport frames of kinds 256 and up (docs/cluster.md, "Protocol"). Bodies are encoded with
/// the project's codec (<actors/codec.hpp>), so a field added at the end of a struct is one
/// line here and nowhere else.
///
///     auto m = cluster::encode_message(cluster::kind::heartbeat, heartbeat_request{id, avail});
///     auto reply = conn->request(std::move(m), 2s).get();
///     auto ack = cluster::decode_body<heartbeat_reply>(*reply);   // result<heartbeat_reply>
///
/// Plain value types and free functions; safe from any thread.
#include "transport/errc.hpp"
#include "transport/frame.hpp"

#include <actors/codec.hpp>
#include <actors/error.hpp>
#include <actors/serializable.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace actors::cluster {

/// Frame kinds of the cluster protocol. Pinned: daemons of one cluster may come from different
/// builds, so a number keeps its meaning forever; new kinds go at the end.
enum class kind : std::uint16_t {
  register_node = 256,       // node → head: "here I am, with these resources"
  heartbeat = 257,           // node → head, every heartbeat interval: "still here, this is free"
  unregister_node = 258,     // node → head when it stops on purpose
  get_cluster_status = 259,  // CLI or driver → head: the node table
  error_reply = 260,         // head → anyone: the request could not be served, and why
  // The named-actor directory (actor_directory.hpp); names live as long as the connection
  // that registered them, so a driver that goes takes its names along, unless a detached
  // actor's host adopted the name.
  register_actor_name = 261,    // creator → head: named_actor → name_reply
  lookup_actor_name = 262,      // anyone → head: named_actor with ns and name → name_reply
  actor_placed = 263,           // creator → head, one-way: named_actor with id and host address
  unregister_actor_name = 264,  // creator → head, one-way: named_actor with ns, name and id
  adopt_actor_name = 265,       // a detached actor's host → head: named_actor with id → name_reply
};

/// Named resource amounts ("CPU" → 2, "custom" → 1, "memory" → bytes).
using resource_map = std::map<std::string, double>;

/// What a node manager tells the head about itself.
struct node_info {
  std::string node_id;   // 32 hex digits, chosen by the node, unique per node process
  std::string address;   // where the node is reached: its IP, or the head's tcp:// address
  std::string hostname;
  std::int64_t pid = 0;
  bool is_head = false;
  resource_map total;
  // The node manager's worker pool, both ways (reach.hpp: unix:...|tcp://...): drivers on its
  // host ask it for workers; clients elsewhere come to it when a lease spills over to this node.
  std::string manager_address;
};
ACTORS_SERIALIZABLE(node_info, node_id, address, hostname, pid, is_head, total, manager_address)

struct register_request {
  node_info node;
};
ACTORS_SERIALIZABLE(register_request, node)

/// The head's answer to register_node. A node the head has declared dead is refused: its
/// tasks and objects have been given up on, so it must come back as a new node (as in Ray).
struct register_reply {
  bool accepted = false;
  std::string reason;                     // why not, when refused
  std::string head_node_id;
  std::uint32_t heartbeat_interval_ms = 0;  // the head decides, so every node uses one value
  bool declared_dead = false;             // refused because this id was declared dead: join under a new one
};
ACTORS_SERIALIZABLE(register_reply, accepted, reason, head_node_id, heartbeat_interval_ms, declared_dead)

struct heartbeat_request {
  std::string node_id;
  resource_map available;
};
ACTORS_SERIALIZABLE(heartbeat_request, node_id, available)

/// What the head knows of the node that sent a heartbeat.
enum class node_standing : std::uint8_t {
  alive = 0,     // recorded
  unknown = 1,   // never registered here (the head restarted): register again
  dead = 2,      // declared dead: this node id is finished
};

/// One row of the head's node table.
struct node_entry {
  node_info node;
  bool alive = true;
  resource_map available;
  std::uint64_t ms_since_heartbeat = 0;
  std::string death_reason;  // empty while alive
};
ACTORS_SERIALIZABLE(node_entry, node, alive, available, ms_since_heartbeat, death_reason)

struct heartbeat_reply {
  node_standing standing = node_standing::alive;
  std::string reason;  // for dead: why the head declared it
  // alive: the head's node table, so that the node's worker pool can spill leases over to
  // other nodes (placement.hpp) with a view at most one heartbeat old.
  std::vector<node_entry> nodes;
};
ACTORS_SERIALIZABLE(heartbeat_reply, standing, reason, nodes)

struct unregister_request {
  std::string node_id;
  std::string reason;
};
ACTORS_SERIALIZABLE(unregister_request, node_id, reason)

struct unregister_reply {
  bool known = false;  // false: the head had no such node
};
ACTORS_SERIALIZABLE(unregister_reply, known)

struct cluster_status {
  std::string head_node_id;
  std::string head_address;
  std::uint32_t heartbeat_timeout_ms = 0;
  std::vector<node_entry> nodes;  // in registration order
};
ACTORS_SERIALIZABLE(cluster_status, head_node_id, head_address, heartbeat_timeout_ms, nodes)

/// A named actor as the directory keeps it.
struct named_actor {
  std::string ns, name;
  std::uint64_t id_hi = 0, id_lo = 0;
  std::string type;     // the actor class's mangled name: lookups check it
  std::string address;  // the host process's listen address, once placed ("" before)
};
ACTORS_SERIALIZABLE(named_actor, ns, name, id_hi, id_lo, type, address)

struct name_reply {
  bool ok = false;       // register: taken; lookup: found
  std::string reason;    // register refused: why
  named_actor actor;     // lookup: what was found
};
ACTORS_SERIALIZABLE(name_reply, ok, reason, actor)

struct error_body {
  std::string message;
};
ACTORS_SERIALIZABLE(error_body, message)

/// A message of kind `k` whose body is `value` encoded.
template <class T>
net::message encode_message(kind k, const T& value) {
  writer w;
  encode(w, value);
  net::message m;
  m.kind = static_cast<std::uint16_t>(k);
  m.append(net::payload::take(std::move(w.bytes())));
  return m;
}

/// The frame's kind as a readable word ("heartbeat", "kind 999") for error messages.
std::string kind_name(std::uint16_t k);

/// Why `f` is not a well-formed `expected` frame, or "" if it is one: an error_reply carries
/// the peer's own message; another kind or a body with bytes left over is a protocol error.
std::string check_kind(const net::frame& f, kind expected);

/// Decodes `f`'s body as a T. errc::protocol_error (with the peer's message for an
/// error_reply) when `f` is not of kind `expected` or its body does not decode exactly.
template <class T>
net::result<T> decode_body(const net::frame& f, kind expected) {
  if (auto wrong = check_kind(f, expected); !wrong.empty())
    return net::fail(net::errc::protocol_error, std::move(wrong));
  try {
    reader r(f.body.bytes());
    T value = decode<T>(r);
    if (r.remaining() != 0)
      return net::fail(net::errc::protocol_error,
                       kind_name(f.kind) + " body has " + std::to_string(r.remaining()) + " bytes too many");
    return value;
  } catch (const actors::error& e) {
    return net::fail(net::errc::protocol_error, kind_name(f.kind) + " body does not decode: " + e.what());
  }
}

}  // namespace actors::cluster
