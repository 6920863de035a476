// The object services behind put/get/wait and the codec's ref hooks.
#include <actors/detail/objects_api.hpp>

#include "blocking.hpp"
#include "futex.hpp"
#include "object_exchange.hpp"
#include "runtime.hpp"

namespace actors::detail {

object_id next_object_id() { return checked_runtime().next_object_id(); }

void export_cell(const std::shared_ptr<cell>& c) {
  if (auto* rt = current_runtime()) rt->export_cell(c);
}

std::shared_ptr<cell> import_cell(const object_id& id, const std::type_info& type, std::shared_ptr<cell> (*make)()) {
  // A message from another process: its refs are lent by the sender (object_exchange.hpp).
  if (auto* source = object_exchange::current_source())
    return source->exchange->import(id, type, make, source->from);
  auto* rt = current_runtime();
  if (auto c = rt ? rt->find_exported(id) : nullptr; c && c->type() == type) return c;
  auto lost = make();
  lost->id = id;
  lost->set_exception(std::make_exception_ptr(object_lost_error(
      "actors: object " + to_string(id) +
      " is not known to this process (its owner is gone, or the ref was decoded with another value type)")));
  return lost;
}

std::shared_ptr<byte_buffer> allocate_buffer(std::size_t bytes) {
  if (auto* rt = current_runtime()) return rt->allocate(bytes);
  throw error("actors: actors::init() has not been called");
}

std::shared_ptr<byte_buffer> allocate_array_buffer(std::size_t count, std::size_t element_size) {
  if (auto* rt = current_runtime()) return rt->allocate_array(count, element_size);
  throw error("actors: actors::init() has not been called");
}

std::vector<bool> wait_cells(std::span<cell* const> cells, std::size_t num_returns,
                             std::optional<clock::time_point> deadline) {
  auto count_ready = [&] {
    std::size_t n = 0;
    for (cell* c : cells) n += c->complete();
    return n;
  };
  auto flags = [&] {
    std::vector<bool> ready(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) ready[i] = cells[i]->complete();
    return ready;
  };
  if (count_ready() >= num_returns) return flags();

  // Each completion bumps a counter that this thread sleeps on.
  struct waiter {
    std::atomic<std::uint32_t> completions{0};
  };
  auto w = std::make_shared<waiter>();
  for (cell* c : cells)
    if (!c->complete())
      c->on_complete([w] {
        w->completions.fetch_add(1, std::memory_order_acq_rel);
        futex_wake_all(w->completions);
      });
  blocking_scope blocking;
  for (;;) {
    auto seen = w->completions.load(std::memory_order_acquire);
    if (count_ready() >= num_returns) break;
    if (deadline && clock::now() >= *deadline) break;
    futex_wait(w->completions, seen, deadline);
  }
  return flags();
}

}  // namespace actors::detail
