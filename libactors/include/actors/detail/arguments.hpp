#pragma once
/// How one argument of a call crosses between processes. The arguments of a call are a u32
/// count, then per parameter:
///
///     u8 tag = inline_value   u64 length   the value encoded as the parameter's decayed type
///     u8 tag = by_reference   object_id    (the worker fetches the object's encoded bytes)
///     u8 tag = in_store       u64 id hi, lo, u64 size, string home   (a block of the sender's
///                             node's store holding the encoded value: read in place, or pulled)
///
/// The length lets a worker tell an argument that does not match its parameter (bytes left
/// over, or too few) from a merely short frame, and report which argument it was. Large objects
/// go by reference so that they stay in the node's store and are read in place.
///
///     writer w;  write_argument(w, std::string("x"));
///     reader r(w.bytes());  auto s = read_argument<std::string>(r, 0, "f");

#include <actors/codec.hpp>
#include <actors/error.hpp>
#include <actors/ids.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

namespace actors::detail {

enum class argument_tag : std::uint8_t { inline_value = 0, by_reference = 1, in_store = 2 };

class cell;

/// The encoded bytes of an object passed by reference; `owner` keeps them readable (a pin in
/// the store, a buffer) until the call has decoded them.
struct fetched_object {
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;
};

using argument_fetcher = std::function<fetched_object(const object_id&)>;

/// Installs how this thread fetches by-reference arguments (the worker runtime does, for the
/// calls it runs); returns the previous fetcher.
argument_fetcher set_argument_fetcher(argument_fetcher fetcher);

/// The bytes of object `id` through this thread's fetcher; throws actors::error without one.
fetched_object fetch_argument(const object_id& id);

/// Appends the value of `c` as an in_store argument when it lies in the node's store as a
/// stored value (a large arithmetic array); false, writing nothing, otherwise.
bool write_stored_argument(writer& w, const cell& c);

/// Reads an in_store argument's block reference (after its tag) and opens the block here.
fetched_object fetch_stored_argument(reader& r);

/// Appends `v` as an inline argument.
template <class V>
void write_argument(writer& w, const V& v) {
  w.write_pod(argument_tag::inline_value);
  const std::size_t length_at = w.bytes().size();
  w.write_size(0);  // patched below, once the value's size is known
  encode(w, v);
  const std::uint64_t length = w.bytes().size() - length_at - sizeof(std::uint64_t);
  std::memcpy(w.bytes().data() + length_at, &length, sizeof length);
}

/// Appends a by-reference argument: the worker fetches the object itself.
inline void write_argument_reference(writer& w, const object_id& id) {
  w.write_pod(argument_tag::by_reference);
  w.note_ref(id);
  w.write_pod(id);
}

[[noreturn]] void throw_bad_argument(std::size_t index, const std::string& function, const std::string& why);

/// Reads argument number `index` of `function` as a V; throws actors::error saying which
/// argument is malformed or does not match.
template <class V>
V read_argument(reader& r, std::size_t index, const std::string& function) {
  fetched_object fetched;  // keeps by-reference bytes alive while they are decoded
  std::span<const std::byte> bytes;
  try {
    switch (r.read_pod<argument_tag>()) {
      case argument_tag::inline_value:
        bytes = r.read_span(r.read_size(0));
        break;
      case argument_tag::by_reference: {
        auto id = r.read_pod<object_id>();
        r.note_ref(id);
        fetched = fetch_argument(id);
        bytes = fetched.bytes;
        break;
      }
      case argument_tag::in_store:
        fetched = fetch_stored_argument(r);
        bytes = fetched.bytes;
        break;
      default:
        throw_bad_argument(index, function, "unknown argument tag");
    }
    reader inner(bytes);
    V value = decode<V>(inner);
    if (inner.remaining() != 0)
      throw_bad_argument(index, function,
                         std::to_string(inner.remaining()) + " bytes left over: the caller's type differs");
    for (const auto& id : inner.refs()) r.note_ref(id);
    for (const auto& id : inner.handles()) r.note_handle(id);
    return value;
  } catch (const error& e) {
    // Say which argument of which function a codec error is about; errors of other kinds (a
    // dead actor's handle, say) and our own pass unchanged.
    if (typeid(e) != typeid(error) || std::string_view(e.what()).starts_with("actors: argument ")) throw;
    throw_bad_argument(index, function, e.what());
  }
}

}  // namespace actors::detail
