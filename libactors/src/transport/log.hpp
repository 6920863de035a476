#pragma once
/// Where the transport reports what it refused or dropped: a refused peer, a malformed frame,
/// an authentication timeout. Each listener and connect call carries a log_fn in its options;
/// the default writes one line to standard error with the prefix "[actors transport]".
///
///     options o;
///     o.log = [](log_level l, std::string_view line) { my_logger(l, line); };
///
/// A log_fn may be called from any io thread at once, so it must be thread-safe.

#include <functional>
#include <string_view>

namespace actors::net {

enum class log_level : unsigned char { debug = 0, info = 1, warning = 2, error = 3 };

std::string_view to_string(log_level l) noexcept;

using log_fn = std::function<void(log_level, std::string_view)>;

/// Writes "[actors transport] warning: <line>" to standard error in one write(2), so lines
/// from several threads do not interleave. Debug lines are dropped unless $ACTORS_LOG_LEVEL is
/// "debug" (the same variable libactors' own log reads).
void log_to_stderr(log_level level, std::string_view line) noexcept;

/// Calls `fn`, or log_to_stderr when `fn` is empty; a throwing fn is ignored (logging must not
/// take a connection down).
void log(const log_fn& fn, log_level level, std::string_view line) noexcept;

}  // namespace actors::net
