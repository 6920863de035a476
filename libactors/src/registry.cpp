#include <actors/error.hpp>
#include <actors/registry.hpp>

#include "demangle.hpp"

#include <dlfcn.h>

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace actors::detail {
namespace {

struct key_hash {
  std::size_t operator()(const function_key& k) const noexcept {
    return std::hash<std::uint64_t>{}(k.bits[0] * 0x9e3779b97f4a7c15ull ^ k.bits[1]);
  }
};

// Filled during static initialisation (possibly from several translation units in any order),
// read by every task submission afterwards: a function-local static avoids the initialisation
// order problem, and a shared_mutex keeps concurrent readers cheap.
// Entries live in a node-based map and never move, so pointers to them (and to their names)
// stay valid for the life of the program.
struct registry {
  std::shared_mutex mutex;
  std::unordered_map<function_key, remote_entry, key_hash> by_key;
  std::unordered_multimap<std::string, const remote_entry*> by_name;
};

registry& the_registry() {
  static registry r;
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// "ACTORS_FUNC(f, int, double)" -> "f(int, double)"; anything else is kept as written.
std::string display_name(std::string_view entry) {
  entry = trim(entry);
  constexpr std::string_view prefix = "ACTORS_FUNC(";
  if (entry.substr(0, prefix.size()) != prefix || entry.back() != ')') return std::string(entry);
  auto inner = entry.substr(prefix.size(), entry.size() - prefix.size() - 1);
  auto comma = inner.find(',');
  if (comma == std::string_view::npos) return std::string(trim(inner)) + "()";
  return std::string(trim(inner.substr(0, comma))) + "(" + std::string(trim(inner.substr(comma + 1))) + ")";
}

}  // namespace

void register_function(remote_entry entry) {
  auto& r = the_registry();
  std::unique_lock lock(r.mutex);
  auto key = entry.key;
  auto [it, inserted] = r.by_key.emplace(key, std::move(entry));
  if (inserted) r.by_name.emplace(it->second.name, &it->second);
}

const remote_entry& find_remote(const std::string& name, const std::string& signature) {
  auto& r = the_registry();
  std::shared_lock lock(r.mutex);
  auto [first, last] = r.by_name.equal_range(name);
  if (first == last)
    throw error("actors: no function is registered as '" + name +
                "' in this program (is the worker running another executable, or is ACTORS_REMOTE missing?)");
  const remote_entry* match = nullptr;
  std::string others;
  for (auto it = first; it != last; ++it) {
    const remote_entry* e = it->second;
    if (signature == e->signature()) {
      if (match)
        throw error("actors: two different functions are registered as '" + name + "' with the signature " +
                    demangle(signature.c_str()) + "; register one of them under another name");
      match = e;
    } else {
      others += (others.empty() ? "" : ", ") + demangle(e->signature());
    }
  }
  if (!match)
    throw error("actors: '" + name + "' was called as " + demangle(signature.c_str()) +
                " but this program registers it as " + others);
  return *match;
}

const std::string* find_function(const function_key& key) noexcept {
  // Programs call the same few functions over and over: a one-entry cache per thread skips the
  // shared lock. Names never move or go away once registered, so the cached pointer stays valid.
  thread_local function_key last_key;
  thread_local const std::string* last_name = nullptr;
  if (last_name && last_key == key) return last_name;
  auto& r = the_registry();
  std::shared_lock lock(r.mutex);
  auto it = r.by_key.find(key);
  if (it == r.by_key.end()) return nullptr;
  last_key = key;
  last_name = &it->second.name;
  return last_name;
}

void throw_unregistered(const function_key& key) {
  // Executables linked with actors::actors export their symbols, so dladdr can name a free
  // function; member function pointers are described by their type.
  std::string what;
  Dl_info info{};
  void* address = nullptr;
  std::memcpy(&address, key.bits.data(), sizeof address);
  if (key.type->name()[0] == 'P' && dladdr(address, &info) && info.dli_sname)
    what = demangle(info.dli_sname);
  else
    what = "a function of type " + demangle(key.type->name());
  throw error("actors: " + what +
              " is not registered; add it to ACTORS_REMOTE(...) (use ACTORS_FUNC(f, args...) for overloads)");
}

std::vector<std::string> split_registration_list(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '(' || c == '<' || c == '[') ++depth;
    if (c == ')' || c == '>' || c == ']') --depth;
    if (c == ',' && depth <= 0) {
      auto entry = text.substr(start, i - start);
      if (!trim(entry).empty()) out.push_back(display_name(entry));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace actors::detail
