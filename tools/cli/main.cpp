// actors: the command line of an actors cluster (start, stop, status), in the shape of `ray`.

#include "args.hpp"
#include "commands.hpp"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* const main_help = R"(Usage: actors <command> [options]

Commands:
  start    start a head (--head) or a node that joins a cluster (--address HOST:PORT)
  stop     stop every actors head and node on this machine
  status   show the cluster's nodes and resources

Run 'actors <command> --help' for a command's options.
)";

bool asks_for_help(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace actors::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << main_help;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  struct entry {
    const char* name;
    int (*run)(const std::vector<std::string>&);
    const char* help;
  };
  const entry commands[] = {{"start", run_start, start_help}, {"stop", run_stop, stop_help},
                            {"status", run_status, status_help}};
  for (const auto& c : commands) {
    if (command != c.name) continue;
    if (asks_for_help(args)) {
      std::cout << c.help;
      return 0;
    }
    try {
      return c.run(args);
    } catch (const usage_error& e) {
      std::cerr << "actors " << command << ": " << e.what() << "\nSee 'actors " << command << " --help'.\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "actors " << command << ": " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "actors: unknown command '" << command << "'\n" << main_help;
  return 2;
}
