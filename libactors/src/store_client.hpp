#pragma once
// store_client: a cluster process's side of its node's shared store (cluster/node_store.hpp;
// docs/cluster.md, "Objects in the node's store"). It maps the store's segment once and talks
// to the node manager over a connection of its own, served by a thread of its own, so that a
// block can be asked for synchronously from any other thread (a receive handler included)
// without waiting on the thread that would deliver the answer.
//
//     auto block = store->create(stored_payload_offset + n);   // pinned for this process
//     std::memcpy(block->payload().data(), encoded, n);         // then hand out block->ref()
//     store->open(ref, [](std::shared_ptr<stored_block> b, std::string why) { ... });  // a ref received
//
// A block is pinned for this process while its stored_block lives; the last copy's destructor
// releases it, and the node removes it once no process pins it.
//
// Thread-safety: every member is safe to call from any thread.

#include <actors/detail/buffer.hpp>
#include <actors/ids.hpp>

#include "cluster/work_protocol.hpp"
#include "transport/io_pool.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace actors::detail {

/// Where a value's encoding starts in its block. Arrays are encoded as a u64 count and the
/// elements, so their elements start at 64: cache-line aligned, as get_view promises.
inline constexpr std::size_t stored_payload_offset = 56;
inline constexpr std::size_t stored_elements_offset = stored_payload_offset + sizeof(std::uint64_t);
/// Values whose encoding is at least this long travel through the store, smaller ones inline
/// in messages (issue 3: "< 100 KiB by default").
inline constexpr std::size_t store_threshold = 100 * 1024;

struct store_link;  // the mapping and the connection, shared by the client and its blocks

/// One block of the node's store, pinned for this process while this lives.
class stored_block final : public byte_buffer {
 public:
  stored_block(std::byte* data, std::size_t size, object_id id, std::shared_ptr<store_link> link) noexcept
      : byte_buffer(data, size), id_(id), link_(std::move(link)) {}
  ~stored_block() override;
  const object_id& id() const noexcept { return id_; }
  /// What a message names it by: its id, its size and its home (this node's store).
  cluster::block_ref ref() const;
  /// The encoded value: from stored_payload_offset to the end.
  std::span<std::byte> payload() const noexcept {
    return {data() + stored_payload_offset, size() - stored_payload_offset};
  }

 private:
  object_id id_;
  std::shared_ptr<store_link> link_;  // keeps the mapping: a block may outlive its client
};

class store_client {
 public:
  using opened_fn = std::function<void(std::shared_ptr<stored_block> block, std::string why_not)>;

  /// Connects to the node manager at `node_address` and maps `segment` and the `overflow` file
  /// ("" = none), whose blocks other nodes pull from `home`; throws actors::error.
  static std::unique_ptr<store_client> connect(const std::string& node_address, const std::string& token_hex,
                                               const std::string& segment, const std::string& overflow,
                                               const std::string& home);
  ~store_client();
  store_client(const store_client&) = delete;
  store_client& operator=(const store_client&) = delete;

  /// A new block of `size` bytes (at least stored_payload_offset), or null when the store has
  /// no room or the node cannot be asked: the caller keeps the value elsewhere. When no block
  /// that large can ever be had on this node, `never_fits` (if given) receives why. Not from
  /// this client's own thread (an opened_fn).
  std::shared_ptr<stored_block> create(std::uint64_t size, std::string* never_fits = nullptr);
  /// A block holding `encoded` at stored_payload_offset, or null as create().
  std::shared_ptr<stored_block> stow(std::span<const std::byte> encoded);
  /// Pins the block `ref` names on this node (pulled from its home first if it is elsewhere);
  /// `done` runs once, on this client's thread, with the block or why not.
  void open(const cluster::block_ref& ref, opened_fn done);

  /// open() for a thread that may wait: the block, or null with `why`. Never on this client's
  /// own thread (where the answer arrives): null with `why` saying so. Throws timeout_error once
  /// `deadline` has passed.
  std::shared_ptr<stored_block> open_now(const cluster::block_ref& ref, std::string& why,
                                         std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
  /// What this node's blocks name as their home: its node manager's address.
  const std::string& home() const noexcept;

  /// The block a buffer lies in, when the buffer is an array laid out in its block as a stored
  /// value (allocate_array_buffer, or an array read in place); else null.
  static std::shared_ptr<stored_block> array_block_of(const std::shared_ptr<byte_buffer>& buffer);

  /// Disconnects; blocks still held stay readable, their releases go nowhere (the node
  /// drops the pins of a closed connection). Idempotent; not from this client's thread.
  void close();

 private:
  store_client();

  std::unique_ptr<net::io_pool> io_;
  std::shared_ptr<store_link> link_;
};

}  // namespace actors::detail
