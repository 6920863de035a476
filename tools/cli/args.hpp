#pragma once
// Command-line flags in the spelling `ray start` users know: `--name value`, `--name=value`,
// and switches without a value. Each subcommand lists the flags it accepts; anything else is
// an error that names the flag, so a typo never silently falls back to a default.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace actors::cli {

/// A mistake on the command line: main prints it with a pointer to --help and exits with 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct flag_spec {
  std::string name;  // without the dashes
  bool takes_value = true;
};

class parsed_flags {
 public:
  /// Throws usage_error for an unknown flag, a missing value, a value given to a switch, a
  /// flag given twice or a stray positional argument.
  parsed_flags(const std::vector<std::string>& args, const std::vector<flag_spec>& specs);

  bool has(const std::string& name) const { return values_.count(name) || switches_.count(name); }
  std::optional<std::string> text(const std::string& name) const;
  /// The value as a number, or usage_error naming the flag and what was wrong with it.
  std::optional<double> number(const std::string& name) const;
  std::optional<std::uint64_t> count(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

}  // namespace actors::cli
