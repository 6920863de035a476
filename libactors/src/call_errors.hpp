#pragma once
// How an actors::error crosses between processes: a worker (or a process serving an object)
// describes the exception a call ended with as a call_result_header, and the receiving side
// turns that back into the same error class with the same fields, so get() throws what it
// would throw in embedded mode.
#include "cluster/work_protocol.hpp"

#include <exception>

namespace actors::detail {

/// The outcome and fields of `e`, for call `call_id`.
cluster::call_result_header describe_failure(std::uint64_t call_id, const std::exception_ptr& e);

/// The exception a failed call_result_header stands for.
std::exception_ptr exception_from(const cluster::call_result_header& header);

}  // namespace actors::detail
