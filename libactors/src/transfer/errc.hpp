#pragma once
/// errc and error: why pulling an object from another node failed, as values (STYLE.md
/// "Errors"). The numbers are pinned: they travel in logs and, later, between processes. Add
/// new codes at the end, never renumber.
///
///     auto r = puller.pull(id, from).get();
///     if (!r) std::cerr << to_string(r.error());  // "not_found: object 00..2a is not on tcp://..."
///
/// Plain value types.

#include <actors/expected.hpp>
#include <actors/object_store/errc.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace actors::transfer {

enum class errc : std::uint8_t {
  ok = 0,
  not_found = 1,         // the peer has no sealed copy of the object
  local_store = 2,       // this node's store refused the object (full, too large...): see store_code
  remote_store = 3,      // the peer's store could not hand it out (a spill file unreadable...)
  connect_failed = 4,    // the peer could not be reached
  auth_failed = 5,       // the peer refused our token, or did not prove its own
  disconnected = 6,      // the connection closed before the object was complete
  protocol_error = 7,    // a malformed or unexpected frame, a chunk of the wrong size
  timed_out = 8,         // no answer, or no chunk, within puller_options::timeout
  shut_down = 9,         // the puller was closed first
  invalid_argument = 10, // a nil object id, an unusable option
};

/// The enumerator's name ("not_found"); "unknown" for a number no enumerator has.
std::string_view to_string(errc e) noexcept;

/// A code for programs, a sentence for people (naming the object and the peer), and for
/// local_store and remote_store the store's own code.
struct error {
  errc code = errc::ok;
  std::string message;
  object_store::errc store_code = object_store::errc::ok;
};

/// "local_store: pulling object ... from tcp://...: the local store refused 64 MiB: out_of_memory".
std::string to_string(const error& e);

template <class T>
using result = actors::expected<T, error>;

inline actors::unexpected<error> fail(errc code, std::string message,
                                      object_store::errc store_code = object_store::errc::ok) {
  return actors::unexpected<error>(error{code, std::move(message), store_code});
}

}  // namespace actors::transfer
