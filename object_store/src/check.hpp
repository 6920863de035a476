#pragma once
// A broken invariant is a bug, not an error (STYLE.md): say where, then abort. The object store
// cannot use libactors' ACTORS_ASSERT, so it has this one.

#include <cstdio>
#include <cstdlib>
#include <source_location>

namespace actors::object_store::detail {

[[noreturn]] inline void bug(const char* what, std::source_location where) noexcept {
  std::fprintf(stderr, "actors: object store bug at %s:%u: %s\n", where.file_name(),
               static_cast<unsigned>(where.line()), what);
  std::abort();
}

inline void check(bool ok, const char* what, std::source_location where = std::source_location::current()) noexcept {
  if (!ok) [[unlikely]]
    bug(what, where);
}

}  // namespace actors::object_store::detail
