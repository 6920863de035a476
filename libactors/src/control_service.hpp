#pragma once
// The control service: the directory of named actors, per namespace. In ARCHITECTURE.md's
// design it lives in the head; in the embedded runtime it is a CAF actor inside the driver, so
// that the same message protocol serves both. CAF stays out of this header: it is expensive
// to compile and only control_service.cpp needs it.
//
// Thread-safety: every member is safe to call from any thread (calls are messages to the
// service's actor). Calls block for one request/response round trip.

#include <actors/ids.hpp>

#include <memory>
#include <optional>
#include <string>

namespace actors::detail {

class control_service {
 public:
  control_service();
  ~control_service();
  control_service(const control_service&) = delete;
  control_service& operator=(const control_service&) = delete;

  /// Claims `name` in namespace `ns` for `id`; false when a live actor already holds it.
  bool register_name(const std::string& ns, const std::string& name, const actor_id& id);
  std::optional<actor_id> lookup(const std::string& ns, const std::string& name);
  /// Frees the name if `id` still holds it.
  void unregister_name(const std::string& ns, const std::string& name, const actor_id& id);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace actors::detail
