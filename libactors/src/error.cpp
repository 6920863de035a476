#include <actors/detail/job.hpp>
#include <actors/error.hpp>
#include <actors/ids.hpp>

#include "demangle.hpp"
#include "exception_copy.hpp"
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

namespace {
// A new string, not a copy: std::runtime_error keeps its message in a reference-counted string
// that a copy would share, with the same invisible counting as exception_ptr.
std::string fresh(const std::exception& x) { return std::string(x.what()); }
}  // namespace

std::exception_ptr private_copy(const std::exception_ptr& e) noexcept {
  if (!e) return e;
  try {
    try {
      std::rethrow_exception(e);
    } catch (const task_error& x) {
      return std::make_exception_ptr(task_error(x.exception_type(), x.message(), x.function(), x.location()));
    } catch (const actor_died_error& x) {
      return std::make_exception_ptr(actor_died_error(fresh(x)));
    } catch (const worker_died_error& x) {
      return std::make_exception_ptr(worker_died_error(fresh(x), x.attempts()));
    } catch (const object_lost_error& x) {
      return std::make_exception_ptr(object_lost_error(fresh(x)));
    } catch (const timeout_error& x) {
      return std::make_exception_ptr(timeout_error(fresh(x)));
    } catch (const error& x) {
      return std::make_exception_ptr(error(fresh(x)));
    } catch (...) {
      return e;
    }
  } catch (...) {
    return e;  // the copy itself failed (out of memory): sharing is still correct
  }
}

std::exception_ptr first_failure(std::span<cell* const> deps) noexcept {
  for (auto* c : deps)
    if (c->failed()) return c->exception();
  return nullptr;
}

}  // namespace detail
}  // namespace actors
