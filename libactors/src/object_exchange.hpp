#pragma once
// object_exchange: object_refs that cross between processes (docs/cluster.md, "Refs across
// processes"). Ray's ownership, in its simplest sound form:
//
//  - A process that writes a ref into a message for a peer *pins* the ref's cell for that
//    peer's connection, once per ref written, so the value outlives the sender's own handles.
//  - The peer, decoding the ref, makes a cell of its own that fetches the value over the same
//    connection (kind fetch_object) and, when its last handle goes, sends release_object; a ref
//    it already had costs one release at once. A closed connection drops every pin it held.
//  - A borrowed cell is exported like any other, so a borrower that passes a ref on serves it
//    from its own copy, and chains of borrowers work without knowing the owner.
//
//     object_exchange::pin_scope pins;                 // refs written on this thread collect here
//     job->encode_arguments(w);
//     exchange->pin(conn, pins.take());                // once the message is on its way
//
//     object_exchange::decode_scope from(exchange, conn);  // refs read here are fetched from conn
//     job->accept_result(r);
//
// Thread-safety: every member is safe to call from any thread.

#include <actors/detail/cell.hpp>

#include "cluster/work_protocol.hpp"
#include "transport/connection.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <typeinfo>
#include <unordered_map>
#include <vector>

namespace actors::detail {

class actor_token;
class runtime;
class store_client;
class stored_block;

class object_exchange : public std::enable_shared_from_this<object_exchange> {
 public:
  using make_cell_fn = std::shared_ptr<cell> (*)();

  /// What a message lends its receiver: the cells of the refs in it and the actors of the
  /// handles in it.
  struct lent {
    std::vector<std::shared_ptr<cell>> cells;
    std::vector<std::shared_ptr<actor_token>> actors;
    // Blocks of the node's store that the message names (store_client.hpp): held until the
    // receiver says block_taken, so the value outlives the sender's own copy in between.
    std::vector<std::shared_ptr<stored_block>> blocks;
  };

  explicit object_exchange(runtime& rt) : rt_(rt) {}

  /// Collects the refs and handles written on this thread while it lives (scopes nest).
  class pin_scope {
   public:
    pin_scope();
    ~pin_scope();
    pin_scope(const pin_scope&) = delete;
    pin_scope& operator=(const pin_scope&) = delete;
    lent take() { return std::move(pins_); }

   private:
    lent pins_;
    lent* outer_;
  };

  /// While it lives, refs decoded on this thread that this process does not know are fetched
  /// from `from`'s peer (scopes nest).
  class decode_scope {
   public:
    decode_scope(std::shared_ptr<object_exchange> exchange, net::connection_ptr from);
    ~decode_scope();
    decode_scope(const decode_scope&) = delete;
    decode_scope& operator=(const decode_scope&) = delete;

    std::shared_ptr<object_exchange> exchange;
    net::connection_ptr from;

   private:
    decode_scope* outer_;
  };

  /// Keeps what `what` lends alive for `c`'s peer until it releases it or `c` closes.
  void pin(const net::connection_ptr& c, lent what);

  /// Serves fetch_object, release_object, release_handle and block_taken frames; false for
  /// other kinds.
  bool serve(const net::connection_ptr& c, net::frame& f);

  /// `c` closed: its peer's pins go.
  void forget(const net::connection* c);

  /// The cell for a ref to `id` decoded under a decode_scope (see objects_api.hpp).
  std::shared_ptr<cell> import(const object_id& id, const std::type_info& type, make_cell_fn make,
                               const net::connection_ptr& from);

  /// Called by export_cell: records `c` in this thread's pin_scope, if any.
  static void note_written(const std::shared_ptr<cell>& c);
  /// Called when a handle is written: records its actor in this thread's pin_scope, if any.
  static void note_written(const std::shared_ptr<actor_token>& actor);
  /// Called when a stored value is named in a message: records its block likewise.
  static void note_written(const std::shared_ptr<stored_block>& block);
  /// The receiver's side: a stored value `from`'s peer sent is held here now (one-way).
  static void block_taken(const net::connection_ptr& from, const object_id& block);
  /// Sends a message's value through the node's store: `block` when the value lies there
  /// already, else a copy of `w`'s bytes when they are store_threshold or more and `store` has
  /// room. Names the block in `stored`, empties `w` and lends the block to the receiver (this
  /// thread's pin_scope). Otherwise leaves `w` to travel inline.
  static void send_through_store(store_client* store, std::shared_ptr<stored_block> block, writer& w,
                                 cluster::block_ref& stored);
  /// The receiver's side of a stored value `from`'s peer sent: opens it on this node (pulled
  /// first if its home is another node), tells the peer it may let go, and runs `use` on its
  /// encoding under a decode_scope for `from`. `fail` gets object_lost_error naming `what` when
  /// it cannot be opened, or what `use` threw.
  using stored_use = std::function<void(std::span<const std::byte> encoded, const std::shared_ptr<byte_buffer>& owner)>;
  void receive_stored(const net::connection_ptr& from, const cluster::block_ref& ref, const std::string& what,
                      stored_use use, std::function<void(std::exception_ptr)> fail);
  /// A borrowed handle is gone: tells `lender`'s peer (one-way).
  static void release_handle(const net::connection_ptr& lender, const actor_id& id);
  /// This thread's decode_scope, or null.
  static decode_scope* current_source() noexcept;

 private:
  void serve_fetch(const net::connection_ptr& c, const net::frame& request);
  /// Answers a fetch of `found`, complete and present: its value, or where it lies.
  void answer_fetch(const net::connection_ptr& c, const net::frame& request, const std::shared_ptr<cell>& found);
  /// Fetches the value of `into` from `from`; `copy_unreadable`: asked again because the copy
  /// the first answer named could not be read.
  void fetch(const net::connection_ptr& from, const std::shared_ptr<cell>& into, bool copy_unreadable = false);

  template <class T>
  struct pinned {
    std::shared_ptr<T> held;
    std::uint64_t count = 0;
  };
  struct connection_pins {
    std::unordered_map<object_id, pinned<cell>> cells;
    std::unordered_map<actor_id, pinned<actor_token>> actors;
    std::unordered_map<object_id, pinned<stored_block>> blocks;
  };
  /// Drops one pin of `id` from `table`; the held pointer goes outside the caller's lock.
  template <class T, class Id>
  static std::shared_ptr<T> unpin(std::unordered_map<Id, pinned<T>>& table, const Id& id);

  runtime& rt_;
  std::mutex mu_;
  std::unordered_map<const net::connection*, connection_pins> pins_;
};

}  // namespace actors::detail
