#include "args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace actors::cli {

parsed_flags::parsed_flags(const std::vector<std::string>& args, const std::vector<flag_spec>& specs) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
      throw usage_error("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const flag_spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) throw usage_error("unknown flag --" + name);
    if (has(name)) throw usage_error("--" + name + " is given twice");
    if (!spec->takes_value) {
      if (inline_value) throw usage_error("--" + name + " takes no value");
      switches_.insert(name);
      continue;
    }
    if (inline_value) {
      values_[name] = *inline_value;
    } else {
      if (i + 1 >= args.size()) throw usage_error("--" + name + " needs a value");
      values_[name] = args[++i];
    }
  }
}

std::optional<std::string> parsed_flags::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> parsed_flags::number(const std::string& name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(t->c_str(), &end);
  if (t->empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
    throw usage_error("--" + name + " needs a number, not '" + *t + "'");
  if (v < 0) throw usage_error("--" + name + " must not be negative");
  return v;
}

std::optional<std::uint64_t> parsed_flags::count(const std::string& name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(t->c_str(), &end, 10);
  if (t->empty() || (*t)[0] == '-' || *end != '\0' || errno != 0)
    throw usage_error("--" + name + " needs a whole number, not '" + *t + "'");
  return v;
}

}  // namespace actors::cli
