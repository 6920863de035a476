#pragma once
// The subcommands of `actors`. Each takes the arguments after its name and returns the exit
// code; usage mistakes are thrown as usage_error (args.hpp) and reported by main.

#include <string>
#include <vector>

namespace actors::cli {

int run_start(const std::vector<std::string>& args);
int run_stop(const std::vector<std::string>& args);
int run_status(const std::vector<std::string>& args);

extern const char* const start_help;
extern const char* const stop_help;
extern const char* const status_help;

}  // namespace actors::cli
