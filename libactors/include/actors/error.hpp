#pragma once
/// Exception types thrown at the user boundary (`get`, `task`, `actor`, ...).
///
///     try { actors::get(ref); }
///     catch (const actors::task_error& e) { std::cerr << e.exception_type() << ": " << e.message(); }
///
/// Inside the runtime errors travel as values; they become these exceptions only where user
/// code is called or calls in.

#include <stdexcept>
#include <string>

namespace actors {

/// Base of every error the runtime reports.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// User code threw: carries the original exception's type and message, the function and the
/// place where it ran.
class task_error : public error {
 public:
  task_error(std::string exception_type, std::string message, std::string function,
             std::string location);
  const std::string& exception_type() const noexcept { return exception_type_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& function() const noexcept { return function_; }
  const std::string& location() const noexcept { return location_; }

 private:
  std::string exception_type_, message_, function_, location_;
};

/// The actor is dead: killed, failed to construct, crashed, or restarts exhausted.
class actor_died_error : public error {
 public:
  using error::error;
};

/// The process running a task died more often than `max_retries` allows.
class worker_died_error : public error {
 public:
  worker_died_error(const std::string& what, int attempts) : error(what), attempts_(attempts) {}
  int attempts() const noexcept { return attempts_; }

 private:
  int attempts_;
};

/// The object cannot be recovered; `what()` says why.
class object_lost_error : public error {
 public:
  using error::error;
};

/// A `get` with a timeout ran out.
class timeout_error : public error {
 public:
  using error::error;
};

}  // namespace actors
