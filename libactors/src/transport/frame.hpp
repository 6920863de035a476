#pragma once
/// Frames: the unit of the wire protocol (docs/transport.md has the layout and the reasons).
///
///     header (24 bytes, little-endian)                          body
///     magic "ACTF" | version u16 | kind u16 | flags u16 | reserved u16 | length u32 | correlation u64 | length bytes
///
/// Outgoing frames are `message`s: a header plus a list of payloads that are written with one
/// gathered write, so a large object is never copied into a frame buffer first.
///
///     message m{.kind = my_kind};
///     m.append(payload::copy("small header"));
///     m.append(payload::view(big_span, big_owner));  // zero-copy; big_owner kept until written
///     conn->send(std::move(m));
///
/// Incoming frames are `frame`s that own their body. Plain value types.

#include "transport/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace actors::net {

/// Frame kinds below this are the transport's own (authentication now, keep-alives and the
/// like later); applications use first_user_kind and above. A peer that sends a reserved kind
/// after authenticating is speaking another protocol and is disconnected.
inline constexpr std::uint16_t first_user_kind = 0x0100;

/// Set by reply(): the frame answers the request whose correlation id it carries. Bits 0-7 of
/// flags belong to the transport; bits 8-15 are the application's.
inline constexpr std::uint16_t flag_response = 0x0001;
inline constexpr std::uint16_t transport_flags_mask = 0x00ff;

/// Default largest body a receiver accepts: big enough for a 1 GiB object in one frame, small
/// enough that a corrupt length cannot ask for 4 GiB.
inline constexpr std::uint32_t default_max_frame_size = 1u << 30;

/// The fixed part in front of every body.
struct frame_header {
  static constexpr std::size_t size = 24;
  static constexpr std::array<unsigned char, 4> magic = {'A', 'C', 'T', 'F'};
  static constexpr std::uint16_t version = 1;

  std::uint16_t kind = 0;
  std::uint16_t flags = 0;
  std::uint32_t length = 0;  // body bytes
  std::uint64_t correlation_id = 0;

  using bytes = std::array<std::byte, size>;
  bytes encode() const noexcept;
  /// Checks magic, version and the reserved field; the length is checked by the caller,
  /// against the limit that applies in its state (errc::protocol_error otherwise).
  static result<frame_header> decode(const bytes& raw);
};

/// A received body: owned bytes, allocated without zeroing (a 1 GiB body would otherwise be
/// written twice), or bytes that belong to someone else (options::allocate_body: a pool, the
/// object store's arena), kept alive by `owner` until the buffer goes. Move-only.
class body_buffer {
 public:
  body_buffer() = default;
  explicit body_buffer(std::size_t n) {
    if (n == 0) return;
    std::shared_ptr<std::byte[]> heap(std::make_unique_for_overwrite<std::byte[]>(n));
    data_ = heap.get();
    size_ = n;
    owner_ = std::move(heap);
  }
  body_buffer(std::span<std::byte> bytes, std::shared_ptr<void> owner)
      : owner_(std::move(owner)), data_(bytes.data()), size_(bytes.size()) {}
  body_buffer(body_buffer&& o) noexcept
      : owner_(std::move(o.owner_)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  body_buffer& operator=(body_buffer&& o) noexcept {
    owner_ = std::move(o.owner_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  std::string_view text() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  std::shared_ptr<void> owner_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A frame as delivered to on_frame.
struct frame {
  std::uint16_t kind = 0;
  std::uint16_t flags = 0;
  std::uint64_t correlation_id = 0;
  body_buffer body;

  bool is_response() const noexcept { return flags & flag_response; }
};

/// One piece of an outgoing body: a span plus whatever keeps its bytes alive until written.
class payload {
 public:
  /// Copies the bytes: for small pieces (a header of the application's own, a short string).
  static payload copy(std::span<const std::byte> bytes);
  static payload copy(std::string_view text);
  /// Takes the container over; no copy.
  static payload take(std::vector<std::byte>&& bytes);
  static payload take(std::string&& text);
  /// Zero-copy: `owner` is held until the bytes are on the wire (or the send fails).
  static payload view(std::span<const std::byte> bytes, std::shared_ptr<const void> owner);
  /// Zero-copy and unowned: the caller keeps the bytes alive and unchanged until the send's
  /// on_written callback has run. For buffers reused across sends (benchmarks, pools).
  static payload borrow(std::span<const std::byte> bytes) { return view(bytes, nullptr); }

  std::span<const std::byte> bytes() const noexcept { return bytes_; }

 private:
  std::span<const std::byte> bytes_;
  std::shared_ptr<const void> owner_;
};

/// An outgoing frame.
struct message {
  std::uint16_t kind = first_user_kind;
  std::uint16_t flags = 0;
  std::uint64_t correlation_id = 0;  // set by request() and reply(); free otherwise
  std::vector<payload> body;

  message& append(payload p) {
    body.push_back(std::move(p));
    return *this;
  }
  /// The body's length: the sum of its pieces.
  std::uint64_t body_size() const noexcept;
};

/// A message whose body is a copy of `text`: for tests and small control frames.
message make_message(std::uint16_t kind, std::string_view text);

}  // namespace actors::net
