#pragma once
/// actor_directory: the head's table of named actors (ARCHITECTURE.md: the control service owns
/// named actors). A name is unique in its namespace; it belongs to the connection that
/// registered it and goes when that connection closes (its driver or worker is gone), when
/// its creator unregisters it (kill, a factory that threw), or never otherwise.
///
///     actor_directory names;
///     names.add(conn, entry);                   // "" or why not
///     names.placed(id_hi, id_lo, "unix:/...");  // lookups can now reach it
///     auto found = names.find("default", "counter");
///
/// Thread-safety: every member is safe to call from any thread.
#include "cluster/protocol.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace actors::cluster {

class actor_directory {
 public:
  /// Registers `entry` for `owner`; returns "" or why the name is refused.
  std::string add(const void* owner, const named_actor& entry);
  void placed(std::uint64_t id_hi, std::uint64_t id_lo, const std::string& address);
  /// Removes the name if it still names that actor.
  void remove(const named_actor& entry);
  /// Removes every name `owner` registered.
  void drop_owner(const void* owner);
  std::optional<named_actor> find(const std::string& ns, const std::string& name) const;

 private:
  struct entry {
    named_actor actor;
    const void* owner = nullptr;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, entry> names_;
};

}  // namespace actors::cluster
