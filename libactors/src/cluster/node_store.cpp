#include "cluster/node_store.hpp"

#include "cluster/reach.hpp"
#include "cluster/work_protocol.hpp"
#include "transfer/object_puller.hpp"
#include "transfer/object_server.hpp"
#include "transport/address.hpp"

#include <actors/object_store/arena.hpp>
#include <actors/object_store/segments.hpp>

#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <random>

namespace actors::cluster {
namespace {

// How often an open tries again when a copy it needs is on its way out (~2 ms apart).
constexpr int open_retries = 500;

store_reply refused(std::string why) { return store_reply{.ok = false, .reason = std::move(why)}; }

void answer(const net::connection_ptr& c, const net::frame& request, work_kind k, const store_reply& r) {
  c->reply(request, encode_work(k, r));
}

}  // namespace

net::result<std::unique_ptr<node_store>> node_store::open(node_store_config config, boost::asio::io_context& io) {
  auto fail = [](std::string why) { return actors::unexpected<net::error>(net::error{net::errc::io_error, std::move(why)}); };
  if (auto stale = object_store::remove_stale_segments({}))
    for (const auto& name : *stale)
      net::log(config.log, net::log_level::info, "store: removed the segment " + name + " of a session that is gone");
  auto name = object_store::segment_name(config.session);
  if (!name) return fail("store: no segment name for session '" + config.session + "': " +
                         std::string(object_store::to_string(name.error())));
  auto memory = object_store::arena::open(
      {.capacity = config.capacity, .prefault_ahead = std::min(config.prefault_ahead, config.capacity), .shm_name = *name});
  if (!memory) return fail("store: cannot open " + std::to_string(config.capacity) + " bytes of shared memory as " +
                           *name + ": " + std::string(object_store::to_string(memory.error())));
  // The overflow file: a node whose memory is all in use still takes values, on disk. Without
  // it (no room on the disk, say) the node works on, and a full store refuses.
  std::shared_ptr<object_store::arena> overflow;
  if (!config.overflow_path.empty() && config.overflow_capacity > 0) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(config.overflow_path).parent_path(), ec);
    auto file = object_store::arena::open({.capacity = config.overflow_capacity, .file_path = config.overflow_path});
    if (file)
      overflow = *file;
    else
      net::log(config.log, net::log_level::warning,
               "store: no overflow file at " + config.overflow_path + " (" +
                   std::string(object_store::to_string(file.error())) + "): a full store refuses new values");
  }
  auto s = std::make_unique<object_store::store>(*memory, nullptr, overflow);
  std::unique_ptr<node_store> self(new node_store(std::move(config), *name, std::move(s), io));
  self->server_ = transfer::object_server::make(*self->store_, {.log = self->config_.log});
  auto puller = transfer::object_puller::make(io, *self->store_, self->config_.token, {.log = self->config_.log});
  if (!puller) return fail("store: no object puller: " + transfer::to_string(puller.error()));
  self->puller_ = std::move(*puller);
  return self;
}

node_store::node_store(node_store_config config, std::string segment, std::unique_ptr<object_store::store> s,
                       boost::asio::io_context& io)
    : config_(std::move(config)), segment_(std::move(segment)), store_(std::move(s)), io_(io),
      session_bits_(std::random_device{}() * 0x9e3779b97f4a7c15ull ^ std::random_device{}()) {}

node_store::~node_store() { close(); }

void node_store::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  if (puller_) puller_->close();
  if (server_) server_->close();
}

std::uint64_t node_store::capacity() const noexcept { return store_->memory()->capacity(); }

const std::string& node_store::overflow_path() const noexcept {
  static const std::string none;
  return store_->overflow() ? store_->overflow()->file_path() : none;
}

std::uint64_t node_store::bytes_used() const { return store_->statistics().bytes_used; }

bool node_store::serve(const net::connection_ptr& c, net::frame& f) {
  if (server_->serve(c, f)) return true;
  switch (static_cast<work_kind>(f.kind)) {
    case work_kind::store_create: create(c, f); return true;
    case work_kind::store_open: open_block(c, f); return true;
    case work_kind::store_release: release(c, f); return true;
    default: return false;
  }
}

void node_store::create(const net::connection_ptr& c, const net::frame& f) {
  auto want = decode_work<store_request>(f);
  object_id id;
  {
    std::lock_guard lock(mu_);
    if (closed_) return answer(c, f, work_kind::store_create, refused("the node is stopping"));
    id = object_id{.hi = session_bits_, .lo = next_block_++};
  }
  auto room = store_->create(id, want.size);
  if (!room && room.error() == object_store::errc::too_large) {
    const auto& overflow = store_->overflow();
    auto answer_no = refused("the node's object store can never hold " + std::to_string(want.size) + " bytes: it has " +
                             std::to_string(capacity()) + " bytes of memory and " +
                             std::to_string(overflow ? overflow->capacity() : 0) +
                             " of spilling space (raise --object-store-memory or --object-spilling-limit)");
    answer_no.too_large = true;
    return answer(c, f, work_kind::store_create, answer_no);
  }
  if (!room)
    return answer(c, f, work_kind::store_create,
                  refused("the node's store has no room for " + std::to_string(want.size) + " bytes (" +
                          std::string(object_store::to_string(room.error())) + ")"));
  // Sealed at once: nobody else knows the id until its creator hands out the filled block.
  store_->seal(id);
  pin_and_answer(c, f, id, want.size, nullptr);
}

void node_store::open_block(const net::connection_ptr& c, const net::frame& f) {
  pull_and_pin(c, reply_stub(f), decode_work<store_request>(f).block, open_retries);
}

std::function<void()> node_store::open_again(const net::connection_ptr& c, std::shared_ptr<const net::frame> request,
                                             block_ref want, int retries) {
  // A copy here whose last pin goes between the pull and the pin is pulled again.
  return [this, c, request, want, retries] {
    if (retries > 0) return pull_and_pin(c, request, want, retries - 1);
    answer(c, *request, work_kind::store_open, refused("the value left this node's store while it was opened"));
  };
}

void node_store::pull_and_pin(const net::connection_ptr& c, std::shared_ptr<const net::frame> request, block_ref want,
                              int retries) {
  // A copy still being pulled here (for another client) is not sealed yet: join that pull.
  if (store_->contains(want.id()))
    return pin_and_answer(c, *request, want.id(), want.size, open_again(c, request, want, retries),
                          [this, c, request, want, retries] { pull_then_pin(c, request, want, retries); });
  pull_then_pin(c, request, want, retries);
}

void node_store::pull_then_pin(const net::connection_ptr& c, std::shared_ptr<const net::frame> request,
                               block_ref want, int retries) {
  auto again = open_again(c, request, want, retries);
  auto from = net::parse_address(nearest_way(want.home));
  if (!from) return answer(c, *request, work_kind::store_open, refused("the block's home '" + want.home + "' is not an address"));
  std::weak_ptr<net::connection> weak = c;
  puller_->pull(want.id(), *from, [this, weak, request, want, again, retries](transfer::result<transfer::pulled> r) {
    auto conn = weak.lock();
    if (!conn) return;
    // A copy removed here but still pinned by a transfer to another node goes once that is
    // on the wire; until then the store refuses a new one under the same id. Wait for it.
    if (!r && r.error().store_code == object_store::errc::already_exists && retries > 0) {
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(2));
      return timer->async_wait([this, conn, request, want, retries, timer](const boost::system::error_code&) {
        pull_and_pin(conn, request, want, retries - 1);
      });
    }
    if (!r)
      return answer(conn, *request, work_kind::store_open,
                    refused("the value could not be pulled from " + want.home + ": " + transfer::to_string(r.error())));
    pin_and_answer(conn, *request, want.id(), want.size, again);
  });
}

void node_store::pin_and_answer(const net::connection_ptr& c, const net::frame& request, object_id id,
                                std::uint64_t size, const std::function<void()>& if_gone,
                                const std::function<void()>& if_unsealed) {
  const auto kind = static_cast<work_kind>(request.kind);
  std::unique_lock lock(mu_);
  auto bytes = store_->get(id);
  if (!bytes) {
    lock.unlock();
    if (if_gone && bytes.error() == object_store::errc::not_found) return if_gone();
    if (if_unsealed && bytes.error() == object_store::errc::not_sealed) return if_unsealed();
    return answer(c, request, kind,
                  refused("the node's store cannot hand out the value: " + std::string(object_store::to_string(bytes.error()))));
  }
  if (bytes->size() != size) {
    store_->release(id);
    lock.unlock();
    return answer(c, request, kind,
                  refused("the stored value has " + std::to_string(bytes->size()) + " bytes, not " + std::to_string(size)));
  }
  if (closed_ || !c->is_open()) {
    store_->release(id);
    if (!pins_.contains(id)) store_->remove(id);
    return;
  }
  ++pins_[id];
  ++held_[c.get()][id];
  lock.unlock();
  const bool overflow = store_->in_overflow(*bytes);
  const auto& where = overflow ? *store_->overflow() : *store_->memory();
  answer(c, request, kind,
         store_reply{.ok = true, .hi = id.hi, .lo = id.lo, .offset = where.offset_of(bytes->data()), .size = size,
                     .overflow = overflow});
}

void node_store::release(const net::connection_ptr& c, const net::frame& f) {
  auto id = decode_work<object_key>(f).id();
  std::lock_guard lock(mu_);
  auto client = held_.find(c.get());
  if (client == held_.end()) return;
  auto it = client->second.find(id);
  if (it == client->second.end()) return;  // not pinned by this client: ignore, never unpin another's
  if (--it->second == 0) client->second.erase(it);
  unpin_locked(id);
}

void node_store::unpin_locked(const object_id& id) {
  store_->release(id);
  auto it = pins_.find(id);
  if (it != pins_.end() && --it->second > 0) return;
  if (it != pins_.end()) pins_.erase(it);
  store_->remove(id);  // the last holder on this node is gone; a transfer still reading keeps it until done
}

void node_store::forget(const net::connection_ptr& c) {
  server_->forget(c);
  std::lock_guard lock(mu_);
  auto client = held_.find(c.get());
  if (client == held_.end()) return;
  for (auto& [id, count] : client->second)
    for (std::uint64_t i = 0; i < count; ++i) unpin_locked(id);
  held_.erase(client);
}

}  // namespace actors::cluster
