#include <actors/detail/job.hpp>
#include <actors/error.hpp>
#include <actors/ids.hpp>

#include "demangle.hpp"
#include "runtime.hpp"

#include <cstdio>
#include <typeinfo>

namespace actors {

task_error::task_error(std::string exception_type, std::string message, std::string function,
                       std::string location)
    : error(function + " threw " + exception_type + ": " + message + " (at " + location + ")"),
      exception_type_(std::move(exception_type)),
      message_(std::move(message)),
      function_(std::move(function)),
      location_(std::move(location)) {}

std::string to_string(const actor_id& id) { return object_store::to_string(object_id{id.hi, id.lo}); }

namespace detail {

std::exception_ptr wrap_user_exception(std::exception_ptr e, const std::string& function) {
  try {
    std::rethrow_exception(e);
  } catch (const actors::error&) {
    // Already a runtime error (a nested task's failure, a dead actor): pass it on unchanged so
    // the caller sees the original cause.
    return e;
  } catch (const std::exception& ex) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return std::make_exception_ptr(
        task_error(type ? demangle(type->name()) : "std::exception", ex.what(), function, where_am_i()));
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return std::make_exception_ptr(task_error(type ? demangle(type->name()) : "unknown exception",
                                              "(not derived from std::exception)", function, where_am_i()));
  }
}

std::exception_ptr first_failure(std::span<cell* const> deps) noexcept {
  for (auto* c : deps)
    if (c->failed()) return c->exception();
  return nullptr;
}

}  // namespace detail
}  // namespace actors
