#pragma once
/// node_store: the node's shared-memory object store as its clients and other nodes see it
/// (docs/cluster.md, "Objects in the node's store"). The worker pool owns one and hands it the
/// frames of its protocol on the pool's own connections (and, once its memory is full, places
/// blocks in an overflow file on disk, which clients map as well):
///
///     client ──store_create {size}──────────────▶ a new block, pinned for the client
///     client ──store_open {block_ref}───────────▶ that block pinned here; pulled first from its
///                                                  home node's store when this node lacks it
///     client ──store_release {id}───────────────▶ one of the client's pins goes (one-way)
///     other node ──open / chunk_request (300-309)▶ the object server: chunks of a block
///
/// Replies carry the block's offset in the store's segment, which every client maps once
/// (attached_arena) and reads or fills in place. A block lives while some client pins it: the
/// last release removes it, from a node's own blocks and its copies of other nodes' alike, so
/// once no process holds a value its bytes are gone from every store. A closed connection
/// drops its client's pins.
///
/// Thread-safe: every member may be called from any thread.

#include "cluster/work_protocol.hpp"
#include "transport/connection.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include <actors/object_store/store.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace actors::transfer {
class object_puller;
class object_server;
}  // namespace actors::transfer

namespace actors::cluster {

struct node_store_config {
  std::string session;       // names the segment (segments.hpp): [A-Za-z0-9_], 1-64 characters
  std::uint64_t capacity = 0;
  std::uint64_t prefault_ahead = 256ull << 20;
  // Where blocks go once the memory is full (all of it in use): a file of this many bytes at
  // most, on disk (docs/cluster.md, "Spilling"). "" or 0: none, and a full store refuses.
  std::string overflow_path;
  std::uint64_t overflow_capacity = 0;
  std::string address;       // where other nodes pull this store's blocks: the pool's, both ways
  net::cluster_token token;  // for pulls from other nodes
  net::log_fn log;
};

class node_store {
 public:
  /// Opens the segment (removing segments that dead sessions left) and its server and puller.
  static net::result<std::unique_ptr<node_store>> open(node_store_config config, boost::asio::io_context& io);
  ~node_store();
  node_store(const node_store&) = delete;
  node_store& operator=(const node_store&) = delete;

  /// Serves a store or transfer frame; false for frames of other kinds.
  bool serve(const net::connection_ptr& c, net::frame& f);
  /// `c` closed: its pins and its transfers go.
  void forget(const net::connection_ptr& c);
  /// Ends transfers; later requests are refused. Before the io_pool stops.
  void close();

  const std::string& segment() const noexcept { return segment_; }
  /// The overflow file's path, "" without one.
  const std::string& overflow_path() const noexcept;
  const std::string& address() const noexcept { return config_.address; }
  std::uint64_t capacity() const noexcept;
  std::uint64_t bytes_used() const;

 private:
  node_store(node_store_config config, std::string segment, std::unique_ptr<object_store::store> s,
             boost::asio::io_context& io);

  void create(const net::connection_ptr& c, const net::frame& f);
  void open_block(const net::connection_ptr& c, const net::frame& f);
  void release(const net::connection_ptr& c, const net::frame& f);
  /// Pins `want` for `c` and answers `request`, pulling it first from its home when this node
  /// lacks it; `retries`: how often to pull again a copy that went before it was pinned.
  void pull_and_pin(const net::connection_ptr& c, std::shared_ptr<const net::frame> request, block_ref want,
                    int retries);
  /// What an open does when the copy it found went before it was pinned: pull it again.
  std::function<void()> open_again(const net::connection_ptr& c, std::shared_ptr<const net::frame> request,
                                   block_ref want, int retries);
  /// Pulls `want` from its home (joining a pull of it already under way), then pins it.
  void pull_then_pin(const net::connection_ptr& c, std::shared_ptr<const net::frame> request, block_ref want,
                     int retries);
  /// Pins `id` for `c` and answers `request`; runs `if_gone` instead when the store lacks it,
  /// `if_unsealed` when it is there but not whole yet (a pull of it is under way).
  void pin_and_answer(const net::connection_ptr& c, const net::frame& request, object_id id, std::uint64_t size,
                      const std::function<void()>& if_gone, const std::function<void()>& if_unsealed = nullptr);
  /// Drops one pin; the last one removes the block.
  void unpin_locked(const object_id& id);

  node_store_config config_;
  std::string segment_;
  std::unique_ptr<object_store::store> store_;
  boost::asio::io_context& io_;
  std::shared_ptr<transfer::object_server> server_;
  std::unique_ptr<transfer::object_puller> puller_;
  std::uint64_t session_bits_;

  mutable std::mutex mu_;
  std::uint64_t next_block_ = 1;
  std::unordered_map<object_id, std::uint64_t> pins_;  // every client's pins, per block
  std::unordered_map<const net::connection*, std::unordered_map<object_id, std::uint64_t>> held_;  // per client
  bool closed_ = false;
};

}  // namespace actors::cluster
