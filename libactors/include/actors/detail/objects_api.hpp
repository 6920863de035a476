#pragma once
/// The runtime's object services that the header-only parts of the API call into.
/// All functions are safe to call from any thread; those needing a runtime throw
/// actors::error when `actors::init()` has not been called.

#include <actors/detail/cell.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace actors::detail {

/// A fresh id for an object created by this process.
object_id next_object_id();

/// Makes the cell findable by id, for refs that are decoded from bytes in this process.
void export_cell(const std::shared_ptr<cell>& c);

/// The exported cell with this id and value type, or null when this process has none.
std::shared_ptr<cell> find_exported_cell(const object_id& id, const std::type_info& type);

/// An object_lost_error saying why a decoded ref cannot be resolved.
std::exception_ptr unknown_object_error(const object_id& id);

/// Waits until `num_returns` cells are complete or the deadline passes; returns which are.
std::vector<bool> wait_cells(std::span<cell* const> cells, std::size_t num_returns,
                             std::optional<clock::time_point> deadline);

template <class T>
std::shared_ptr<value_cell<T>> new_cell() {
  auto c = std::make_shared<value_cell<T>>();
  c->id = next_object_id();
  return c;
}

/// The cell a decoded ref names: the exported one, or a failed cell when it is unknown here.
template <class T>
std::shared_ptr<value_cell<T>> import_cell(const object_id& id) {
  if (auto c = find_exported_cell(id, typeid(T))) return std::static_pointer_cast<value_cell<T>>(c);
  auto lost = std::make_shared<value_cell<T>>();
  lost->id = id;
  lost->set_exception(unknown_object_error(id));
  return lost;
}

}  // namespace actors::detail
