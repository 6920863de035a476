#include "call_errors.hpp"

#include "transport/frame.hpp"

#include <actors/error.hpp>

namespace actors::detail {

namespace wire = actors::cluster;

wire::call_result_header describe_failure(std::uint64_t call_id, const std::exception_ptr& e) {
  wire::call_result_header r{.call_id = call_id, .outcome = wire::call_outcome::error};
  try {
    std::rethrow_exception(e);
  } catch (const task_error& x) {
    r.outcome = wire::call_outcome::task_error;
    r.exception_type = x.exception_type();
    r.user_message = x.message();
    r.function = x.function();
    r.location = x.location();
    r.message = x.what();
  } catch (const actor_died_error& x) {
    r.outcome = wire::call_outcome::actor_died_error;
    r.message = x.what();
  } catch (const worker_died_error& x) {
    r.outcome = wire::call_outcome::worker_died_error;
    r.message = x.what();
  } catch (const object_lost_error& x) {
    r.outcome = wire::call_outcome::object_lost_error;
    r.message = x.what();
  } catch (const timeout_error& x) {
    r.outcome = wire::call_outcome::timeout_error;
    r.message = x.what();
  } catch (const std::exception& x) {
    r.message = x.what();
  } catch (...) {
    r.message = "actors: an unknown exception";
  }
  return r;
}

std::exception_ptr exception_from(const wire::call_result_header& h) {
  switch (h.outcome) {
    case wire::call_outcome::task_error:
      return std::make_exception_ptr(task_error(h.exception_type, h.user_message, h.function, h.location));
    case wire::call_outcome::actor_died_error: return std::make_exception_ptr(actor_died_error(h.message));
    case wire::call_outcome::worker_died_error: return std::make_exception_ptr(worker_died_error(h.message, 1));
    case wire::call_outcome::object_lost_error: return std::make_exception_ptr(object_lost_error(h.message));
    case wire::call_outcome::timeout_error: return std::make_exception_ptr(timeout_error(h.message));
    default: return std::make_exception_ptr(error(h.message));
  }
}

std::exception_ptr too_large_to_send(const std::string& what, std::uint64_t bytes, const std::string& advice) {
  return std::make_exception_ptr(error("actors: " + what + " take " + std::to_string(bytes) +
                                       " bytes, more than one message between processes carries (" +
                                       std::to_string(net::default_max_frame_size) + "); " + advice));
}

}  // namespace actors::detail
