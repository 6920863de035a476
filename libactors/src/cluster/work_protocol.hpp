#pragma once
/// The work protocol: how drivers get workers from a node manager, and how they hand those
/// workers calls (docs/cluster.md, "Workers and leases"). Frames of the transport with kinds
/// from 280, bodies encoded with the project's codec, like the membership protocol
/// (cluster/protocol.hpp).
///
///     driver ──register_client, request_lease, place_actor, return_lease──▶ node manager
///     worker ──register_client──────────────────────────────────────────▶ node manager
///     driver ──push_task, create_actor, actor_call, kill_actor──────────▶ worker (direct)
///     worker ──call_result──────────────────────────────────────────────▶ driver
///     either ──fetch_object, release_object, locate_actor──────────────────▶ the other
///
/// Calls carry their encoded arguments as the tail of the frame, after the encoded header
/// struct, so that a large argument is not copied into a second buffer on either side.
#include "cluster/protocol.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace actors::cluster {

enum class work_kind : std::uint16_t {
  register_client = 280,  // driver or worker → node manager: who I am → client_registered
  request_lease = 281,    // client → node manager: a worker for this resource shape → lease_reply
  return_lease = 282,     // client → node manager (one-way): done with that worker for now
  place_actor = 283,      // client → node manager: a process to host an actor → lease_reply
  push_task = 284,        // client → worker (one-way): run a task; call_result follows
  create_actor = 285,     // client → worker (one-way): construct an actor; call_result follows
  actor_call = 286,       // client → worker (one-way): call a method; call_result follows
  kill_actor = 287,       // client → worker (one-way): end an actor now
  call_result = 288,      // worker → client (one-way): how a call ended
  release_actor = 289,    // client → worker (one-way): no handle is left; end after queued calls
  fetch_object = 290,     // either way, on a client-worker connection: the value of a lent ref → call_result
  release_object = 291,   // either way (one-way): one lent ref of that object is dropped
  locate_actor = 292,     // either way: where the actor of a lent handle is hosted → actor_location
  release_handle = 293,   // either way (one-way): one lent handle of that actor is dropped
  worker_blocked = 294,   // worker → node manager (one-way): its task waits in get(); lend its CPU
  worker_unblocked = 295, // worker → node manager (one-way): it runs again; take the CPU back
  fetch_executable = 296, // node manager → client: its program's hash, or its bytes (executables.hpp)
  // The node's shared store (node_store.hpp); 300-309 are the object transfer's (transfer/wire.hpp).
  store_create = 297,     // client → node manager: a new block of this size, pinned for the client → store_reply
  store_open = 298,       // client → node manager: pin this block here, pulling it first if it is elsewhere → store_reply
  store_release = 299,    // client → node manager (one-way): one pin of that block is dropped
  block_taken = 310,      // either way, on a client-worker connection (one-way): the receiver holds a stored
                          // value it was sent (its own pin, or its node's copy); the sender's hold may go
  node_died = 311,        // node manager → its clients (one-way): the head declared a node dead → node_death
};

enum class client_role : std::uint8_t { driver = 0, worker = 1 };

/// node_died: which node, where its manager listened (what leases and spillbacks name it by),
/// and why the head declared it dead.
struct node_death {
  std::string node_id;
  std::string manager_address;
  std::string reason;
};
ACTORS_SERIALIZABLE(node_death, node_id, manager_address, reason)

struct client_hello {
  client_role role = client_role::driver;
  std::string client_id;    // 32 hex digits; for a worker, the id its node manager gave it
  std::int64_t pid = 0;
  std::string executable;   // drivers: the program workers are started from
  std::string listen_address;  // workers: where clients reach them (both ways, reach.hpp)
  std::string ns;              // the namespace of named actors; its workers inherit it
  // The driver whose job this client works for, when it registers with a node other than its
  // own after a spillback (a worker of that job submitting nested tasks, or the driver itself);
  // empty: the node manager knows (a driver is its own job; its workers belong to its job).
  std::string job_id;
  // The program's size and modification time: a node runs `executable` only if its file there
  // matches; else it pulls the program by content hash (executables.hpp).
  std::int64_t executable_size = -1;
  std::int64_t executable_mtime_ns = -1;
};
ACTORS_SERIALIZABLE(client_hello, role, client_id, pid, executable, listen_address, ns, job_id, executable_size,
                    executable_mtime_ns)

struct client_registered {
  bool accepted = false;
  std::string reason;
  std::string node_id;
  std::string job_id;  // the job the client works for: what it names on other nodes
  // The node's shared store: its segment, which the client maps (attached_arena), and the
  // address other nodes pull its blocks from. Empty segment: the node has no store.
  std::string store_segment;
  std::string store_address;
  std::string store_overflow;  // the path of its overflow file, which clients map too; "" = none
};
ACTORS_SERIALIZABLE(client_registered, accepted, reason, node_id, job_id, store_segment, store_address, store_overflow)

struct lease_request {
  resource_map resources;       // what the worker holds while the lease lasts
  bool dedicated = false;       // place_actor: a process of its own
  bool hold_for_life = false;   // place_actor: keep `resources` until the actor ends
  bool spilled = false;         // sent here by another node: grant or wait here, never spill again
  bool detached = false;        // place_actor: an actor that outlives its job (a process of its own)
};
ACTORS_SERIALIZABLE(lease_request, resources, dedicated, hold_for_life, spilled, detached)

enum class lease_status : std::uint8_t {
  granted = 0,
  infeasible = 1,  // no node of the cluster has that much (it may join later)
  failed = 2,
  spillback = 3,   // ask the node at spill_to instead (placement.hpp)
};

struct lease_reply {
  lease_status status = lease_status::failed;
  std::string reason;           // infeasible / failed: why
  std::uint64_t lease_id = 0;
  std::string worker_id;
  std::string worker_address;   // both ways (reach.hpp) — the client connects there directly
  std::string spill_to;         // spillback: that node manager's address, both ways
  std::string spill_node;       // spillback: its node id
};
ACTORS_SERIALIZABLE(lease_reply, status, reason, lease_id, worker_id, worker_address, spill_to, spill_node)

struct lease_return {
  std::uint64_t lease_id = 0;
};
ACTORS_SERIALIZABLE(lease_return, lease_id)

/// The fixed part of push_task / create_actor / actor_call; the encoded arguments follow.
struct call_header {
  std::uint64_t call_id = 0;  // chosen by the client, echoed in call_result
  std::string function;       // the registered name
  std::string signature;      // the callable's mangled type
  std::uint64_t actor_hi = 0, actor_lo = 0;  // the actor_id of create_actor / actor_call / kill_actor
  std::int32_t max_concurrency = 1;          // create_actor
  std::int32_t restarts = 0;                 // create_actor: how often the actor was re-created
};
ACTORS_SERIALIZABLE(call_header, call_id, function, signature, actor_hi, actor_lo, max_concurrency, restarts)

/// Names an object in fetch_object / release_object (object_exchange.hpp).
struct object_key {
  std::uint64_t hi = 0, lo = 0;
  object_id id() const noexcept { return object_id{.hi = hi, .lo = lo}; }
  static object_key of(const object_id& id) noexcept { return {id.hi, id.lo}; }
};
ACTORS_SERIALIZABLE(object_key, hi, lo)

/// fetch_object: the object, and whether the asker could not read the copy it was last told
/// of (the owner then checks that copy's node, and makes the value again if it is gone).
struct fetch_request {
  std::uint64_t hi = 0, lo = 0;
  bool copy_unreadable = false;
  object_id id() const noexcept { return object_id{.hi = hi, .lo = lo}; }
};
ACTORS_SERIALIZABLE(fetch_request, hi, lo, copy_unreadable)

/// A value in a node's shared store (node_store.hpp): block `hi:lo` of `size` bytes, on the
/// node whose store is reached at `home`. The encoded value starts at stored_payload_offset.
struct block_ref {
  std::uint64_t hi = 0, lo = 0;
  std::uint64_t size = 0;
  std::string home;
  object_id id() const noexcept { return object_id{.hi = hi, .lo = lo}; }
  bool empty() const noexcept { return size == 0; }
};
ACTORS_SERIALIZABLE(block_ref, hi, lo, size, home)

/// store_create: `size` bytes; store_open: `block`.
struct store_request {
  std::uint64_t size = 0;
  block_ref block;
};
ACTORS_SERIALIZABLE(store_request, size, block)

/// A block pinned for the asking client, at `offset` in the node's segment; or why not.
struct store_reply {
  bool ok = false;
  std::string reason;
  std::uint64_t hi = 0, lo = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  bool overflow = false;  // the offset is in the store's overflow file, not in its segment
  bool too_large = false;  // refused because no block that large can ever be had here
};
ACTORS_SERIALIZABLE(store_reply, ok, reason, hi, lo, offset, size, overflow, too_large)

/// The answer to locate_actor: the listen address of the process hosting the actor.
struct actor_location {
  bool found = false;
  std::string address;
  std::string reason;  // not found: why
};
ACTORS_SERIALIZABLE(actor_location, found, address, reason)

/// How a call ended on the worker: ok (the encoded result follows the struct), or the class of
/// the actors::error it ended with, so that the caller's get() throws the same type.
enum class call_outcome : std::uint8_t {
  ok = 0,
  task_error = 1,         // user code threw: the four task_error fields are set
  actor_died_error = 2,
  worker_died_error = 3,
  object_lost_error = 4,
  timeout_error = 5,
  error = 6,              // actors::error itself: an unknown function, arguments that do not decode
};

struct call_result_header {
  std::uint64_t call_id = 0;
  call_outcome outcome = call_outcome::ok;
  std::string message;         // what() for every outcome but ok
  std::string exception_type;  // task_error
  std::string user_message;    // task_error
  std::string function;        // task_error
  std::string location;        // task_error
  std::uint64_t run_us = 0;    // how long the call ran: the client sizes its pipelining by it
  block_ref stored;            // ok: the encoded result is in this block instead of the frame's tail
  bool lends_refs = false;     // ok: the result holds refs or handles, lent over this connection
};
ACTORS_SERIALIZABLE(call_result_header, call_id, outcome, message, exception_type, user_message, function,
                    location, run_us, stored, lends_refs)

/// What a later reply needs of a request (its kind, flags and correlation id), without its body:
/// for answers given after the handler returned (an object that is not made yet).
inline std::shared_ptr<const net::frame> reply_stub(const net::frame& request) {
  auto stub = std::make_shared<net::frame>();
  stub->kind = request.kind;
  stub->flags = request.flags;
  stub->correlation_id = request.correlation_id;
  return stub;
}

/// A message of kind `k`: `head` encoded, then `tail` as it is (moved, not copied).
template <class T>
net::message encode_work(work_kind k, const T& head, std::vector<std::byte>&& tail = {}) {
  writer w;
  encode(w, head);
  net::message m;
  m.kind = static_cast<std::uint16_t>(k);
  m.append(net::payload::take(std::move(w.bytes())));
  if (!tail.empty()) m.append(net::payload::take(std::move(tail)));
  return m;
}

/// Decodes the head of a work frame; `tail` gets the bytes after it. Throws actors::error for a
/// body that does not decode.
template <class T>
T decode_work(const net::frame& f, std::span<const std::byte>* tail = nullptr) {
  reader r(f.body.bytes());
  T value = decode<T>(r);
  if (tail)
    *tail = r.read_span(r.remaining());
  else if (r.remaining() != 0)
    throw error("actors: a work frame has " + std::to_string(r.remaining()) + " bytes too many");
  return value;
}

}  // namespace actors::cluster
