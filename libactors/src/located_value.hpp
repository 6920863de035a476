#pragma once
// located_value: a task result that stays in the store of the node that made it (docs/cluster.md,
// "Values stay where they are made"). The owner completes the result's cell with one of these
// instead of pulling the bytes to its own node: it pins the block at its home over its own
// connection to that node's manager (the keeper), names the block wherever the value goes
// (arguments, borrowers), and brings it here only when the value is read here.
//
// It also keeps the value's lineage, the task that made it (which holds the task's arguments),
// so that a value whose home died is made again by running that task again, and the arguments
// that were lost with it first (docs/fault_tolerance.md, "Lineage"). Lineage is kept within a
// budget of bytes per process ($ACTORS_MAX_LINEAGE_BYTES, default 1 GiB): the tasks' encoded
// arguments, plus once each the values they hold as arguments (kept alive by it). A value beyond
// it is kept without, and fails with object_lost_error when its home dies.
//
//     auto where = std::make_shared<located_value>(ref, keeper, std::move(lineage), resubmit);
//     result_cell->set_located(where);        // complete; the bytes stay at ref.home
//     when_arguments_present(deps, false, [](std::exception_ptr e) { ... });  // before a dispatch
//
// Thread-safety: every member is safe to call from any thread.

#include <actors/detail/cell.hpp>
#include <actors/detail/job.hpp>

#include "cluster/work_protocol.hpp"
#include "transport/connection.hpp"

#include <exception>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace actors::detail {

class located_value final : public value_location, public std::enable_shared_from_this<located_value> {
 public:
  /// How to make the value again: its task, whose result cell was detached (job::swap_result).
  struct lineage {
    std::unique_ptr<job> task;
    task_options options;
    std::uint64_t bytes = 0;  // what keeping it costs: its arguments' encoding, as last sent
    /// The argument values counted in the budget for it (each by one lineage only), whose
    /// share goes when it goes.
    std::vector<std::pair<located_value*, std::uint64_t>> counted_arguments;
    lineage() = default;
    lineage(const lineage&) = delete;
    lineage& operator=(const lineage&) = delete;
    ~lineage();
  };
  /// Submits a lineage's task again (the owner's cluster client).
  using resubmit_fn = std::function<void(std::unique_ptr<job>, const task_options&)>;

  /// The value lies in block `ref` at its home, pinned there over `keeper`; `how` (may be null)
  /// is its lineage, kept if the budget allows.
  located_value(cluster::block_ref ref, const net::connection_ptr& keeper, std::unique_ptr<lineage> how,
                resubmit_fn resubmit);
  /// Lets the block at its home go.
  ~located_value() override;

  /// The block the value lies in now, or null once it was made again in this process only.
  std::optional<cluster::block_ref> block() const;
  /// Whether its home is known to be gone: the keeper's connection closed.
  bool lost() const;
  /// Asks its home whether it still has the block (bounded); `done(false)` when not or no answer.
  void probe(std::function<void(bool present)> done) const;
  /// Makes the value again from its lineage; `done` runs with null once the value lies somewhere
  /// again, or with why it cannot be (object_lost_error). Joins a rebuild under way. `why`: what
  /// showed it lost, for the log.
  void rebuild(std::function<void(std::exception_ptr)> done, const std::string& why);

 private:
  void bring(cell& into, std::optional<clock::time_point> deadline) override;
  /// The rebuild's fresh cell completed: take its place, or fail the waiters.
  void adopt(const std::shared_ptr<cell>& fresh);
  /// Hands this value's place and lineage to `into` (a rebuild's), leaving nothing to release here.
  void surrender_to(located_value& into);
  std::string why_not_rebuilt_locked() const;

  /// Counts this value, once, in the budget of the lineages that hold it as an argument: its size,
  /// or 0 when it is counted already (or does not fit, and is not counted).
  std::uint64_t count_as_argument();
  void uncount_as_argument(std::uint64_t bytes);

  mutable std::mutex mu_;
  std::atomic<std::uint64_t> argument_share_{0};  // its size while some kept lineage holds it
  cluster::block_ref ref_;
  std::weak_ptr<net::connection> keeper_;
  std::shared_ptr<byte_buffer> here_;  // made again into this process: the encoding at stored_payload_offset
  std::unique_ptr<lineage> lineage_;
  std::shared_ptr<void> budget_;  // lineage_'s share of the budget, given back when it goes
  std::string no_lineage_;  // why there is none
  resubmit_fn resubmit_;
  bool rebuilding_ = false;
  std::vector<std::function<void(std::exception_ptr)>> waiting_;
};

/// Runs `then(nullptr)` once every located value among `deps` lies somewhere: those whose home
/// died (or, with `probe`, whose home does not confirm it has them) are made again first. `then`
/// gets the error of one that cannot be. At once, on this thread, when nothing needs making.
void when_arguments_present(const std::vector<cell*>& deps, bool probe, std::function<void(std::exception_ptr)> then);

/// Bytes of lineage this process keeps now, and its budget.
std::uint64_t lineage_bytes_kept() noexcept;
std::uint64_t lineage_budget() noexcept;

}  // namespace actors::detail
