#pragma once
/// actor_directory: the head's table of named actors (ARCHITECTURE.md: the control service owns
/// named actors). A name is unique in its namespace; it belongs to the connection that
/// registered it (its creator) and goes when that connection closes (its driver or worker is
/// gone), when its creator unregisters it (kill, a factory that threw), or never otherwise.
/// A detached actor's host adopts its name: the name then lasts while either its creator or
/// its host is connected, so it outlives the driver that made it and goes with its process.
///
///     actor_directory names;
///     names.add(conn, entry);                   // "" or why not
///     names.placed(id_hi, id_lo, "unix:/...");  // lookups can now reach it
///     names.adopt(host_conn, id_hi, id_lo);     // a detached actor's process holds it too
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
  /// The actor's host holds its name too (a detached actor); false if no name is the actor's.
  bool adopt(const void* host, std::uint64_t id_hi, std::uint64_t id_lo);
  /// Removes the name if it still names that actor.
  void remove(const named_actor& entry);
  /// `connection` closed: removes the names it registered or adopted that no one else holds.
  void drop_owner(const void* connection);
  std::optional<named_actor> find(const std::string& ns, const std::string& name) const;

 private:
  struct entry {
    named_actor actor;
    const void* owner = nullptr;  // its creator's connection, while open
    const void* host = nullptr;   // a detached actor's host's connection, while open
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, entry> names_;
};

}  // namespace actors::cluster
