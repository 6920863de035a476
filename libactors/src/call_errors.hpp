#pragma once
// How an actors::error crosses between processes: a worker (or a process serving an object)
// describes the exception a call ended with as a call_result_header, and the receiving side
// turns that back into the same error class with the same fields, so get() throws what it
// would throw in embedded mode.
#include "cluster/work_protocol.hpp"

#include <cstdint>
#include <exception>
#include <string>

namespace actors::detail {

/// The outcome and fields of `e`, for call `call_id`.
cluster::call_result_header describe_failure(std::uint64_t call_id, const std::exception_ptr& e);

/// The exception a failed call_result_header stands for.
std::exception_ptr exception_from(const cluster::call_result_header& header);

/// The error of a message that no frame can carry: `what` ("the arguments of f") is `bytes`
/// long, beyond the transport's largest frame, and did not go through the node's store.
std::exception_ptr too_large_to_send(const std::string& what, std::uint64_t bytes, const std::string& advice);

}  // namespace actors::detail
