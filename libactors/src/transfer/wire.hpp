#pragma once
/// The object transfer protocol's frames (docs/object_transfer.md, "Protocol"): kinds 300-309
/// of the transport, bodies of fixed little-endian fields. Hand-encoded rather than through the
/// codec: five tiny fixed layouts, read on the path of every chunk, checked to the byte.
///
///     puller                                       server
///     open(id, chunk_size, inline_max)   request -> pins the object (restores it if spilled)
///                                        <- reply  open_reply: leased(size, lease) | inline(size, bytes)
///                                                  | not_found(text) | failed(store code, text)
///     chunk_request(lease, index), tag   ------->  (several in flight: the window)
///                                        <-------  chunk_data, same tag: the chunk's bytes, nothing else
///                                                  | chunk_error, same tag: text
///     close(lease)                       ------->  unpins once the chunks queued for it are written
///
/// A tag is the correlation id of a chunk_request and of its answer: chosen by the puller, it
/// finds the chunk's place in the arena from the frame header alone, before the body is read.
/// Plain value types and free functions; safe from any thread.

#include "transport/frame.hpp"

#include <actors/object_store/errc.hpp>
#include <actors/object_store/object_id.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace actors::transfer {

/// Frame kinds, pinned (daemons of one cluster may come from different builds). 300-309 belong
/// to this protocol; 306-309 are kept free for it.
enum class kind : std::uint16_t {
  open = 300,           // request: open_request
  open_reply = 301,     // reply to open: open_reply, then inline bytes or a message
  chunk_request = 302,  // chunk_request; correlation id = the puller's tag
  chunk_data = 303,     // the chunk's bytes; correlation id = the tag
  chunk_error = 304,    // why that chunk cannot be had (text); correlation id = the tag
  close = 305,          // close_request: the puller is done with the lease
};
inline constexpr std::uint16_t first_kind = 300;
inline constexpr std::uint16_t last_kind = 309;

constexpr bool is_transfer_kind(std::uint16_t k) noexcept { return k >= first_kind && k <= last_kind; }
constexpr std::uint16_t number(kind k) noexcept { return static_cast<std::uint16_t>(k); }

struct open_request {
  object_store::object_id id;
  std::uint64_t chunk_size = 0;  // the puller's; the server serves slices of this size
  std::uint64_t inline_max = 0;  // objects up to this size come in the reply itself
  static constexpr std::size_t size = 32;
};

enum class open_status : std::uint8_t {
  leased = 0,       // pinned on the server under `lease`; ask for its chunks
  inline_data = 1,  // the object's bytes follow the fixed part; no lease
  not_found = 2,    // not here (or not sealed yet); a message follows
  failed = 3,       // the server's store failed (store_code); a message follows
};

struct open_reply {
  open_status status = open_status::not_found;
  object_store::errc store_code = object_store::errc::ok;
  std::uint64_t size = 0;   // the object's, for leased and inline_data
  std::uint64_t lease = 0;  // for leased
  std::span<const std::byte> tail;  // inline bytes, or the message as text
  /// status u8 | store code u8 | six zero bytes | size u64 | lease u64, then the tail.
  static constexpr std::size_t fixed_size = 24;
};

struct chunk_request {
  std::uint64_t lease = 0;
  std::uint64_t index = 0;
  static constexpr std::size_t size = 16;
};

net::message encode(const open_request& r);
std::optional<open_request> decode_open_request(std::span<const std::byte> body);

/// The fixed part of an open_reply; the caller appends the tail (a view of the object, or text).
net::message open_reply_head(open_status status, object_store::errc store_code, std::uint64_t size,
                             std::uint64_t lease);
/// Checks the fixed part and, for inline_data, that exactly `size` bytes follow.
std::optional<open_reply> decode_open_reply(std::span<const std::byte> body);

net::message encode(const chunk_request& r, std::uint64_t tag);
std::optional<chunk_request> decode_chunk_request(std::span<const std::byte> body);

net::message chunk_error(std::uint64_t tag, std::string_view why);

net::message close_lease(std::uint64_t lease);
std::optional<std::uint64_t> decode_close(std::span<const std::byte> body);

/// "open", "chunk_data", ... or "kind 999", for messages.
std::string_view kind_name(std::uint16_t k) noexcept;

}  // namespace actors::transfer
