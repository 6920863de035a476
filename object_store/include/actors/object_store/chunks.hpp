#pragma once
/// Chunked transfer of an object between nodes, without the network: the transport (elsewhere)
/// moves the chunks. A chunk_plan cuts an object into numbered chunks of one size (the last may
/// be shorter), so that a puller can ask for several at once, from one node or several; a
/// chunk_assembler on the receiving node creates the object in its store, takes the chunks in
/// any order and from any thread, each written straight into the arena, and seals the object
/// when every byte has arrived.
///
///     auto plan = chunk_plan::make(size);                        // 8 MiB chunks
///     auto in = chunk_assembler::start(store, id, *plan);         // creates the object
///     // for each chunk, on any thread, as it arrives:
///     if (auto dest = (*in)->claim(i)) { recv_into(*dest); (*in)->finish(i); }
///     // or, from a buffer: (*in)->write(i, bytes);   -> true when the object is sealed
///
/// chunk_plan: a plain value type. chunk_assembler: safe to call from any thread.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace actors::object_store {

class store;

/// One chunk: its number, and where its bytes lie in the object.
struct chunk {
  std::uint64_t index = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

class chunk_plan {
 public:
  /// Large enough that per-chunk costs (a request, a reply header, a lock) vanish beside the
  /// bytes, small enough that several chunks of one object are in flight at once. Ray pulls in
  /// 5 MiB chunks; 8 MiB here.
  static constexpr std::uint64_t default_chunk_size = 8ull << 20;

  /// Errors: invalid_argument (a zero chunk size).
  static expected<chunk_plan, errc> make(std::uint64_t object_size, std::uint64_t chunk_size = default_chunk_size);

  std::uint64_t object_size() const noexcept { return object_size_; }
  std::uint64_t chunk_size() const noexcept { return chunk_size_; }
  /// ceil(object_size / chunk_size), but 1 for an empty object: one empty chunk, so that every
  /// transfer has a chunk that says it is done.
  std::uint64_t count() const noexcept { return count_; }
  /// Chunk `index`. Errors: chunk_out_of_range (index >= count()).
  expected<chunk, errc> at(std::uint64_t index) const;
  /// The bytes of chunk `index` of `object` (object_size() bytes long): what a sender sends.
  /// Errors: chunk_out_of_range, chunk_size_mismatch (`object` is not object_size() long).
  expected<std::span<const std::byte>, errc> slice(std::span<const std::byte> object, std::uint64_t index) const;

  friend bool operator==(const chunk_plan&, const chunk_plan&) = default;

 private:
  chunk_plan(std::uint64_t object_size, std::uint64_t chunk_size) noexcept;
  std::uint64_t object_size_;
  std::uint64_t chunk_size_;
  std::uint64_t count_;
};

/// Receives one object's chunks into a store. Each chunk is claimed (its room in the arena is
/// handed out), filled and finished; the thread that finishes the last one seals the object.
/// cancel(), or destruction before completion, removes the unsealed object once no chunk is
/// being written any more, so that nothing half-written is ever read.
class chunk_assembler {
 public:
  /// Creates the object, plan.object_size() bytes, in `s`, which must outlive the assembler.
  /// Errors: those of store::create (already_exists, out_of_memory, too_large, ...).
  static expected<std::unique_ptr<chunk_assembler>, errc> start(store& s, object_id id, const chunk_plan& plan);
  /// Cancels an unfinished transfer. Destroying it while a chunk is being written is a bug and
  /// aborts: that writer would write into freed memory.
  ~chunk_assembler();
  chunk_assembler(const chunk_assembler&) = delete;
  chunk_assembler& operator=(const chunk_assembler&) = delete;

  /// The room for chunk `index` in the arena, to be filled and then finish()ed or abandon()ed.
  /// Errors: chunk_out_of_range, chunk_duplicate (arrived, or claimed and not yet finished),
  /// cancelled.
  expected<std::span<std::byte>, errc> claim(std::uint64_t index);
  /// Marks a claimed chunk as arrived. True when it was the last one: the object is sealed.
  /// Errors: cancelled (the bytes count for nothing), or seal()'s. Finishing a chunk that is not
  /// claimed is a bug and aborts.
  expected<bool, errc> finish(std::uint64_t index);
  /// Gives a claimed chunk back, unfilled or half filled (its sender failed), to be claimed
  /// again. Abandoning a chunk that is not claimed is a bug and aborts.
  void abandon(std::uint64_t index);
  /// claim + copy + finish, for bytes that arrived in a buffer. Errors: those of claim(),
  /// chunk_size_mismatch (bytes is not the chunk's size; the chunk stays missing), finish()'s.
  expected<bool, errc> write(std::uint64_t index, std::span<const std::byte> bytes);
  /// Stops the transfer: later calls fail with cancelled, and the object is removed as soon as
  /// no chunk is being written (at once when none is). A completed object stays.
  void cancel();

  bool complete() const;
  bool cancelled() const;
  /// Chunks arrived so far.
  std::uint64_t arrived() const;
  const chunk_plan& plan() const noexcept { return plan_; }
  object_id id() const noexcept { return id_; }

 private:
  enum class chunk_state : std::uint8_t { missing, claimed, arrived };
  chunk_assembler(store& s, object_id id, const chunk_plan& plan, std::byte* data);
  void remove_if_idle();  // with mu_: removes a cancelled object once nothing is in flight

  store& store_;
  const object_id id_;
  const chunk_plan plan_;
  std::byte* const data_;  // the object's bytes in the arena, unsealed while this lives

  mutable std::mutex mu_;
  std::vector<chunk_state> chunks_;  // guarded by mu_, as are the fields below
  std::uint64_t arrived_ = 0;
  std::uint64_t in_flight_ = 0;  // claimed, not yet finished or abandoned
  bool sealed_ = false;
  bool cancelled_ = false;
  bool removed_ = false;
};

}  // namespace actors::object_store
