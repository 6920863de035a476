#pragma once
// Why cells never share an exception object between threads.
//
// libstdc++ counts an exception_ptr's references with atomics inside the (uninstrumented)
// library, so ThreadSanitizer cannot see them: when one thread reads a shared exception (its
// what(), its vptr) and another drops the last reference later, TSan reports a race that is not
// there, and only sometimes, depending on which thread lets go last. std::runtime_error's
// message is a reference-counted string counted the same way, so a copy must rebuild it. Giving
// each cell its own
// copy, and each get() its own copy again, keeps every exception object private to one
// owner, so TSan stays quiet without a suppression for code of ours.

#include <exception>

namespace actors::detail {

/// A new exception object equal to `e`, sharing no string with it, for the runtime's error types (actors::error and its
/// subclasses, which are what cells hold: user exceptions arrive wrapped in task_error); any
/// other exception is returned as it is.
std::exception_ptr private_copy(const std::exception_ptr& e) noexcept;

}  // namespace actors::detail
