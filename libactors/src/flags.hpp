#pragma once
// The --actors-* command-line flags, which mirror the fields of actors::config.

#include <actors/config.hpp>

namespace actors::detail {

/// Applies every --actors-NAME=VALUE (or --actors-NAME VALUE) flag to `cfg` and removes it from
/// argv; other arguments keep their order. Throws actors::error for an unknown --actors-* flag
/// or a malformed value.
void apply_flags(config& cfg, int& argc, char** argv);

}  // namespace actors::detail
