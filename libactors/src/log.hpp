#pragma once
// The runtime's own diagnostics. CAF's logger is compiled out in Debian's build, and the user's
// standard output is theirs: everything goes to standard error, one line per message.

#include <string_view>

namespace actors::detail {

enum class log_level : unsigned char { debug = 0, info = 1, warning = 2, error = 3 };

/// Thread-safe; lines below $ACTORS_LOG_LEVEL (debug|info|warning|error, default warning) are
/// dropped.
void log(log_level level, std::string_view message) noexcept;

inline void log_warning(std::string_view m) noexcept { log(log_level::warning, m); }
inline void log_info(std::string_view m) noexcept { log(log_level::info, m); }

}  // namespace actors::detail
