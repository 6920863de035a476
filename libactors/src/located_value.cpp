#include "located_value.hpp"

#include "log.hpp"
#include "runtime.hpp"
#include "store_client.hpp"
#include "transport/errc.hpp"

#include <actors/error.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <future>

namespace actors::detail {
namespace {

namespace wire = actors::cluster;

// A home that does not confirm it has a block within this long is taken for gone.
constexpr auto probe_timeout = std::chrono::seconds(2);
constexpr std::uint64_t default_lineage_budget = std::uint64_t{1} << 30;

std::atomic<std::uint64_t> lineage_kept{0};

std::uint64_t read_budget() {
  const char* env = std::getenv("ACTORS_MAX_LINEAGE_BYTES");
  if (!env || !*env) return default_lineage_budget;
  char* end = nullptr;
  auto v = std::strtoull(env, &end, 10);
  if (*end != '\0') {
    log_warning(std::string("actors: ACTORS_MAX_LINEAGE_BYTES='") + env + "' is not a number of bytes; using " +
                std::to_string(default_lineage_budget));
    return default_lineage_budget;
  }
  return v;
}

/// Takes `bytes` of the budget if they fit.
bool take_budget(std::uint64_t bytes) {
  const std::uint64_t budget = lineage_budget();
  auto kept = lineage_kept.load(std::memory_order_relaxed);
  do {
    if (kept + bytes > budget) return false;
  } while (!lineage_kept.compare_exchange_weak(kept, kept + bytes, std::memory_order_relaxed));
  return true;
}

/// The budget a kept lineage holds, given back when the lineage goes (rebuilt or released).
class budget_share {
 public:
  explicit budget_share(std::uint64_t bytes) noexcept : bytes_(bytes) {}
  budget_share(const budget_share&) = delete;  // one share, given back once
  budget_share& operator=(const budget_share&) = delete;
  ~budget_share() { lineage_kept.fetch_sub(bytes_, std::memory_order_relaxed); }

 private:
  std::uint64_t bytes_;
};

}  // namespace

std::uint64_t lineage_budget() noexcept {
  static const std::uint64_t budget = read_budget();
  return budget;
}

std::uint64_t lineage_bytes_kept() noexcept { return lineage_kept.load(std::memory_order_relaxed); }

located_value::located_value(cluster::block_ref ref, const net::connection_ptr& keeper, std::unique_ptr<lineage> how,
                             resubmit_fn resubmit)
    : ref_(std::move(ref)), keeper_(keeper), resubmit_(std::move(resubmit)) {
  if (!how || !how->task) {
    no_lineage_ = "it was made by an actor's method, whose calls are not run again";
    return;
  }
  // The arguments a kept lineage holds stay alive with it: each counts once, by its size.
  std::vector<std::pair<located_value*, std::uint64_t>> counted;
  for (cell* dep : how->task->dependencies())
    if (auto* arg = dynamic_cast<located_value*>(dep->location()))
      if (auto bytes = arg->count_as_argument()) counted.emplace_back(arg, bytes);
  how->counted_arguments = std::move(counted);
  if (!take_budget(how->bytes)) {
    no_lineage_ = "its lineage was not kept: this process keeps at most " + std::to_string(lineage_budget()) +
                  " bytes of lineage (ACTORS_MAX_LINEAGE_BYTES), " + std::to_string(lineage_bytes_kept()) +
                  " are in use, and it needed " + std::to_string(how->bytes);
    return;  // `how` goes, and with it its arguments' shares
  }
  budget_ = std::make_shared<budget_share>(how->bytes);  // given back when the lineage goes
  lineage_ = std::move(how);
}

located_value::lineage::~lineage() {
  // Before `task` goes: it holds the arguments, so they are still there.
  for (const auto& [arg, bytes] : counted_arguments) arg->uncount_as_argument(bytes);
}

std::uint64_t located_value::count_as_argument() {
  std::uint64_t size;
  {
    std::lock_guard lock(mu_);
    size = ref_.size;
  }
  std::uint64_t none = 0;
  if (size == 0 || !argument_share_.compare_exchange_strong(none, size)) return 0;
  if (take_budget(size)) return size;
  argument_share_.store(0);
  return 0;
}

void located_value::uncount_as_argument(std::uint64_t bytes) {
  argument_share_.store(0);
  lineage_kept.fetch_sub(bytes, std::memory_order_relaxed);
}

namespace {
// A chain of values, each holding the one it was made from through its lineage, would otherwise
// be destroyed recursively, a frame per link: lineages are let go one after another instead.
thread_local bool dropping_lineage = false;
thread_local std::vector<std::unique_ptr<located_value::lineage>> lineages_to_drop;
}  // namespace

located_value::~located_value() {
  auto keeper = keeper_.lock();
  if (keeper && keeper->is_open() && !ref_.empty())
    keeper->send(wire::encode_work(wire::work_kind::store_release, wire::object_key::of(ref_.id())));
  if (!lineage_) return;
  lineages_to_drop.push_back(std::move(lineage_));
  if (std::exchange(dropping_lineage, true)) return;  // an outer destructor drops it
  while (!lineages_to_drop.empty()) {
    auto next = std::move(lineages_to_drop.back());
    lineages_to_drop.pop_back();
    next.reset();
  }
  dropping_lineage = false;
}

std::optional<cluster::block_ref> located_value::block() const {
  std::lock_guard lock(mu_);
  if (here_) return std::nullopt;
  return ref_;
}

bool located_value::lost() const {
  std::lock_guard lock(mu_);
  if (here_) return false;
  auto keeper = keeper_.lock();
  return !keeper || !keeper->is_open();
}

void located_value::probe(std::function<void(bool present)> done) const {
  net::connection_ptr keeper;
  cluster::block_ref ref;
  {
    std::lock_guard lock(mu_);
    if (here_) return done(true);
    keeper = keeper_.lock();
    ref = ref_;
  }
  if (!keeper || !keeper->is_open()) return done(false);
  std::weak_ptr<net::connection> weak = keeper;
  keeper->request(wire::encode_work(wire::work_kind::store_open, wire::store_request{.block = ref}), probe_timeout,
                  [weak, ref, done = std::move(done)](net::result<net::frame> reply) {
                    bool present = false;
                    if (reply) {
                      try {
                        present = wire::decode_work<wire::store_reply>(*reply).ok;
                      } catch (const error&) {
                      }
                    }
                    // The probe's own pin goes at once: the keeper's first pin holds the block.
                    if (auto c = weak.lock(); present && c)
                      c->send(wire::encode_work(wire::work_kind::store_release, wire::object_key::of(ref.id())));
                    done(present);
                  });
}

std::string located_value::why_not_rebuilt_locked() const {
  return "actors: a value was lost with the node that held it (" + ref_.home + ") and cannot be made again: " +
         no_lineage_;
}

void located_value::rebuild(std::function<void(std::exception_ptr)> done, const std::string& why) {
  std::unique_lock lock(mu_);
  if (rebuilding_) return waiting_.push_back(std::move(done));
  if (!lineage_) {
    auto why = why_not_rebuilt_locked();
    lock.unlock();
    return done(std::make_exception_ptr(object_lost_error(why)));
  }
  rebuilding_ = true;
  waiting_.push_back(std::move(done));
  auto how = std::move(lineage_);
  budget_.reset();  // the rerun's result keeps its lineage anew
  no_lineage_ = "it is being made again";
  log_warning("actors: a value of " + how->task->name() + " was lost with the node that held it (" + ref_.home +
              ": " + why + "); running the task again");
  lock.unlock();
  auto fresh = how->task->new_result_cell();
  how->task->swap_result(fresh);
  std::weak_ptr<located_value> weak = weak_from_this();
  fresh->on_complete([weak, fresh] {
    if (auto self = weak.lock()) self->adopt(fresh);
  });
  resubmit_(std::move(how->task), how->options);
}

void located_value::adopt(const std::shared_ptr<cell>& fresh) {
  std::exception_ptr failure;
  if (fresh->failed()) {
    failure = std::make_exception_ptr(object_lost_error(
        "actors: a value lost with its node could not be made again: " + net::what_of(fresh->exception())));
  } else if (auto* there = dynamic_cast<located_value*>(fresh->location())) {
    there->surrender_to(*this);
  } else {
    // The rerun's result came back into this process (it ran on this node, or was small).
    try {
      writer w;
      fresh->encode_value(w);
      auto buffer = allocate_buffer(stored_payload_offset + w.bytes().size());
      std::memcpy(buffer->data() + stored_payload_offset, w.bytes().data(), w.bytes().size());
      std::lock_guard lock(mu_);
      here_ = std::move(buffer);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  std::vector<std::function<void(std::exception_ptr)>> waiting;
  {
    std::lock_guard lock(mu_);
    rebuilding_ = false;
    if (failure) no_lineage_ = "making it again failed: " + net::what_of(failure);
    waiting = std::exchange(waiting_, {});
  }
  for (auto& w : waiting) w(failure);
}

void located_value::surrender_to(located_value& into) {
  cluster::block_ref ref;
  std::weak_ptr<net::connection> keeper;
  std::unique_ptr<lineage> how;
  std::shared_ptr<void> budget;
  std::string no_lineage;
  {
    std::lock_guard lock(mu_);
    ref = std::exchange(ref_, {});  // released by `into` now, not by this one
    keeper = std::move(keeper_);
    how = std::move(lineage_);
    budget = std::move(budget_);
    no_lineage = no_lineage_;
  }
  cluster::block_ref old_ref;
  std::weak_ptr<net::connection> old_keeper;
  {
    std::lock_guard lock(into.mu_);
    old_ref = std::exchange(into.ref_, std::move(ref));
    old_keeper = std::exchange(into.keeper_, std::move(keeper));
    into.lineage_ = std::move(how);
    into.budget_ = std::move(budget);
    into.no_lineage_ = std::move(no_lineage);
  }
  // The old home may live on (the probe could not reach it): its block goes.
  if (auto c = old_keeper.lock(); c && c->is_open() && !old_ref.empty())
    c->send(wire::encode_work(wire::work_kind::store_release, wire::object_key::of(old_ref.id())));
}

namespace {
/// Runs `ask` with a callback and returns what it is called with, waiting until `deadline` at
/// most (timeout_error). The promise is shared: an answer after the deadline goes nowhere.
template <class T, class Ask>
T answer_within(Ask ask, std::optional<clock::time_point> deadline, const object_id& id) {
  auto answer = std::make_shared<std::promise<T>>();
  auto future = answer->get_future();
  ask([answer](T v) { answer->set_value(std::move(v)); });
  if (deadline && future.wait_until(*deadline) != std::future_status::ready)
    throw timeout_error("actors::get timed out bringing object " + to_string(id) + " to this process");
  return future.get();
}
}  // namespace

void located_value::bring(cell& into, std::optional<clock::time_point> deadline) {
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<byte_buffer> here;
    cluster::block_ref ref;
    {
      std::lock_guard lock(mu_);
      here = here_;
      ref = ref_;
    }
    if (here)
      return into.fill_stored({here->data() + stored_payload_offset, here->size() - stored_payload_offset}, here);
    auto* rt = current_runtime();
    auto* store = rt ? rt->node_store() : nullptr;
    if (!store) throw object_lost_error("actors: object " + to_string(into.id) + " lies in a node's store, and this process has none");
    std::string why;
    if (auto block = store->open_now(ref, why, deadline)) return into.fill_stored(block->payload(), block);
    if (attempt > 0)
      throw object_lost_error("actors: object " + to_string(into.id) + " was made again but could not be read: " + why);
    // Lost with its home? Then make it again. Otherwise the trouble is here (no room, say).
    if (!lost() && answer_within<bool>([this](auto done) { probe(std::move(done)); }, deadline, into.id))
      throw object_lost_error("actors: object " + to_string(into.id) + " could not be brought to this node: " + why);
    auto failure = answer_within<std::exception_ptr>(
        [this, &why](auto done) { rebuild(std::move(done), "reading it failed: " + why); }, deadline, into.id);
    if (failure) std::rethrow_exception(failure);
  }
}

void when_arguments_present(const std::vector<cell*>& deps, bool probe, std::function<void(std::exception_ptr)> then) {
  std::vector<std::shared_ptr<located_value>> check;
  for (cell* c : deps)
    if (auto* where = dynamic_cast<located_value*>(c->location()); where && (probe || where->lost()))
      check.push_back(where->shared_from_this());
  if (check.empty()) return then(nullptr);
  struct pending {
    std::atomic<std::size_t> remaining;
    std::mutex mu;
    std::exception_ptr first;
    std::function<void(std::exception_ptr)> then;
  };
  auto p = std::make_shared<pending>();
  p->remaining = check.size();
  p->then = std::move(then);
  auto one_done = [p](std::exception_ptr e) {
    if (e) {
      std::lock_guard lock(p->mu);
      if (!p->first) p->first = std::move(e);
    }
    if (p->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::exception_ptr first;
    {
      std::lock_guard lock(p->mu);
      first = p->first;
    }
    p->then(first);
  };
  for (auto& where : check) {
    if (where->lost()) {
      where->rebuild(one_done, "the connection to it closed");
      continue;
    }
    where->probe([where, one_done](bool present) {
      if (present) return one_done(nullptr);
      where->rebuild(one_done, "it did not confirm that it holds the value");
    });
  }
}

}  // namespace actors::detail
