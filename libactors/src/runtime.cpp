#include "runtime.hpp"
#include "store_client.hpp"

#include <actors/object_store/arena.hpp>

#include "actor_core.hpp"
#include "cluster_client.hpp"
#include "head_link.hpp"
#include "control_service.hpp"
#include "log.hpp"
#include "spin_policy.hpp"
#include "object_exchange.hpp"
#include "resources.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

namespace actors::detail {
namespace {

// Values of this size and more go to the arena; smaller ones stay on the heap, where
// allocation is cheaper than the arena's lock.
constexpr std::size_t arena_threshold = 100 * 1024;
// How long shutdown lets running user code finish before leaving it behind.
constexpr auto shutdown_grace = std::chrono::milliseconds(1000);

std::uint64_t random_session() {
  std::random_device rd;
  std::uint64_t s = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return s ? s : 1;
}

std::map<std::string, double> node_totals(const config& cfg, std::uint64_t store_bytes) {
  std::map<std::string, double> totals = cfg.resources;
  totals["CPU"] = cfg.num_cpus.value_or(std::max(1u, std::thread::hardware_concurrency()));
  totals["GPU"] = cfg.num_gpus.value_or(detect_gpus());
  auto ram = physical_memory_bytes();
  // Like Ray: the memory tasks may reserve is what the object store does not take, at 70%.
  totals["memory"] = ram > store_bytes ? static_cast<double>((ram - store_bytes) / 10 * 7) : 0.0;
  for (auto it = totals.begin(); it != totals.end();) {
    if (it->second < 0) throw error("actors: resource '" + it->first + "' has a negative total");
    it = it->second == 0 ? totals.erase(it) : std::next(it);
  }
  return totals;
}

class heap_buffer final : public byte_buffer {
 public:
  explicit heap_buffer(std::size_t bytes) : byte_buffer(allocate(bytes), bytes) {}
  ~heap_buffer() override { std::free(data()); }

 private:
  static std::byte* allocate(std::size_t bytes) {
    void* p = std::aligned_alloc(64, (std::max<std::size_t>(bytes, 1) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return static_cast<std::byte*>(p);
  }
};

class arena_buffer final : public byte_buffer {
 public:
  arena_buffer(std::shared_ptr<object_store::arena> arena, object_store::allocation a)
      : byte_buffer(a.data, a.size), arena_(std::move(arena)), allocation_(a) {}
  ~arena_buffer() override { arena_->deallocate(allocation_); }

 private:
  std::shared_ptr<object_store::arena> arena_;
  object_store::allocation allocation_;
};

}  // namespace

runtime::runtime(const config& cfg, bool embedded_store)
    : session_(random_session()), ns_(cfg.ns.empty() ? "default" : cfg.ns) {
  set_spin_policy(spin_policy::embedded);  // until attach_cluster says results come from elsewhere
  node_id_ = object_store::to_string(object_id{session_, 0}).substr(0, 16);
  auto ram = physical_memory_bytes();
  std::uint64_t store_bytes = cfg.object_store_memory ? cfg.object_store_memory : ram / 10 * 3;
  scheduler_ = std::make_shared<scheduler>(node_totals(cfg, store_bytes));
  control_ = std::make_unique<control_service>();
  exchange_ = std::make_shared<object_exchange>(*this);
  if (!embedded_store) return;
  object_store::arena_options options;
  options.capacity = store_bytes;
  // Faulting in costs ~3 s of one core per GiB here and stays resident: keep a modest margin
  // ahead of the largest use; freed blocks are reused already faulted.
  options.prefault_ahead = std::min<std::uint64_t>(store_bytes, 256ull << 20);
  if (auto a = object_store::arena::open(options)) {
    arena_ = std::move(*a);
  } else {
    log_warning(std::string("object store arena unavailable (") + std::string(object_store::to_string(a.error())) +
                "); large objects use the heap");
  }
}

runtime::~runtime() = default;

void runtime::stop() {
  // Cluster calls first: their workers are told to stop by the node manager once this client
  // disconnects; nothing of them runs in this process.
  if (cluster_) cluster_->stop(std::make_exception_ptr(error("actors: the runtime was shut down before this task finished")));
  if (store_) store_->close();
  std::unordered_map<actor_id, std::shared_ptr<actor_token>> named;  // released outside the lock
  {
    std::lock_guard lock(remote_mu_);
    named.swap(named_keepalive_);
  }
  named.clear();
  std::vector<std::shared_ptr<actor_core>> actors;
  {
    std::lock_guard lock(actors_mu_);
    for (auto& [id, a] : actors_) actors.push_back(a);
  }
  for (auto& a : actors) a->kill("the runtime shut down", std::chrono::milliseconds(0));
  scheduler_->stop(shutdown_grace,
                   std::make_exception_ptr(error("actors: the runtime was shut down before this task finished")));
  std::lock_guard lock(actors_mu_);
  actors_.clear();
  // The control service stays until the runtime is destroyed: an actor whose last call ends
  // after this point still frees its name through it.
}

void runtime::submit(std::unique_ptr<job> j, std::uint32_t shape, std::span<cell* const> deps) {
  j->shape = shape;
  std::vector<cell*> waiting;
  for (cell* c : deps)
    if (!c->complete()) waiting.push_back(c);
  if (waiting.empty()) {
    scheduler_->enqueue(j.release());
    return;
  }
  // The job waits for its arguments; the last one to complete hands it to the scheduler.
  struct pending {
    std::atomic<std::size_t> remaining;
    job* j;
    std::shared_ptr<scheduler> sched;
  };
  auto p = std::make_shared<pending>();
  p->remaining.store(waiting.size());
  p->j = j.release();
  p->sched = scheduler_;
  for (cell* c : waiting)
    c->on_complete([p] {
      if (p->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) p->sched->enqueue(p->j);
    });
}

void runtime::add_actor(const std::shared_ptr<actor_core>& a) {
  std::lock_guard lock(actors_mu_);
  actors_.emplace(a->id(), a);
}

void runtime::remove_actor(const actor_id& id) {
  std::lock_guard lock(actors_mu_);
  actors_.erase(id);
}

std::shared_ptr<actor_core> runtime::find_actor(const actor_id& id) {
  std::lock_guard lock(actors_mu_);
  auto it = actors_.find(id);
  return it == actors_.end() ? nullptr : it->second;
}

void runtime::export_cell(const std::shared_ptr<cell>& c) {
  object_exchange::note_written(c);  // a ref written into a message for another process is lent
  remember_cell(c);
}

void runtime::remember_cell(const std::shared_ptr<cell>& c) {
  std::lock_guard lock(exported_mu_);
  // Drop entries whose objects are gone, now and then, so the table stays the size of what lives.
  if (exported_.size() >= 1024 && (exported_.size() & (exported_.size() - 1)) == 0)
    std::erase_if(exported_, [](const auto& e) { return e.second.expired(); });
  exported_[c->id] = c;
}

std::shared_ptr<cell> runtime::find_exported(const object_id& id) {
  std::lock_guard lock(exported_mu_);
  auto it = exported_.find(id);
  return it == exported_.end() ? nullptr : it->second.lock();
}

std::shared_ptr<byte_buffer> runtime::allocate(std::size_t bytes) {
  if (bytes >= arena_threshold && arena_) {
    if (auto a = arena_->allocate(bytes)) return std::make_shared<arena_buffer>(arena_, *a);
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      log_warning("object store arena is full; large objects go to the heap (raise object_store_memory)");
  }
  return std::make_shared<heap_buffer>(bytes);
}

std::shared_ptr<byte_buffer> runtime::allocate_array(std::size_t count, std::size_t element_size) {
  const std::size_t bytes = count * element_size;
  if (store_ && bytes >= store_threshold) {
    std::string never_fits;
    auto block = store_->create(stored_elements_offset + bytes, &never_fits);
    if (!never_fits.empty()) throw error("actors: a value of " + std::to_string(bytes) + " bytes cannot be stored: " + never_fits);
    if (block) {
      const std::uint64_t encoded_count = count;  // the codec's count, so the block is the value's encoding
      std::memcpy(block->payload().data(), &encoded_count, sizeof encoded_count);
      auto* elements = block->data() + stored_elements_offset;
      return slice_of(std::move(block), elements, bytes);
    }
  }
  return allocate(bytes);
}

void runtime::attach_cluster(std::unique_ptr<cluster_client> client) {
  set_spin_policy(spin_policy::cluster);  // results now come from other processes
  if (auto where = client->node_store(); !where.segment.empty())
    store_ = store_client::connect(client->node_address(), client->token_hex(), where.segment, where.overflow,
                                   where.address);
  cluster_ = std::move(client);
}

void runtime::attach_head(std::unique_ptr<head_link> head) { head_ = std::move(head); }

void runtime::add_remote_actor(const actor_id& id, const std::shared_ptr<actor_token>& token, const std::type_info& type,
                               const std::string& name) {
  std::lock_guard lock(remote_mu_);
  remote_actors_[id] = remote_actor_entry{token, &type, name};
}

std::optional<remote_actor_entry> runtime::find_remote_actor(const actor_id& id) {
  std::lock_guard lock(remote_mu_);
  auto it = remote_actors_.find(id);
  if (it == remote_actors_.end()) return std::nullopt;
  return it->second;
}

void runtime::keep_named_actor(const actor_id& id, std::shared_ptr<actor_token> token) {
  std::lock_guard lock(remote_mu_);
  named_keepalive_[id] = std::move(token);
}

void runtime::drop_named_actor(const actor_id& id) {
  std::shared_ptr<actor_token> dropped;  // released outside the lock: its destructor takes it
  std::lock_guard lock(remote_mu_);
  if (auto it = named_keepalive_.find(id); it != named_keepalive_.end()) {
    dropped = std::move(it->second);
    named_keepalive_.erase(it);
  }
}

void runtime::forget_remote_actor(const actor_id& id) {
  std::string name;
  {
    std::lock_guard lock(remote_mu_);
    auto it = remote_actors_.find(id);
    if (it == remote_actors_.end()) return;
    name = std::move(it->second.name);
    remote_actors_.erase(it);
  }
  if (!name.empty()) control_->unregister_name(ns_, name, id);
}

std::string where_am_i() {
  std::string where = "embedded node";
  if (auto* rt = current_runtime()) {
    if (rt->cluster())
      where = "worker process on node " + rt->cluster()->node_id().substr(0, 8);
    else
      where += " " + rt->node_id();
  }
  where += ", pid " + std::to_string(::getpid()) + ", thread " + std::to_string(::syscall(SYS_gettid));
  return where;
}

}  // namespace actors::detail
