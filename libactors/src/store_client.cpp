#include "store_client.hpp"

#include "cluster/reach.hpp"
#include "located_value.hpp"
#include "log.hpp"
#include "object_exchange.hpp"
#include "runtime.hpp"
#include "transport/connect.hpp"
#include "transport/token.hpp"

#include <actors/error.hpp>
#include <actors/object_store/attached_arena.hpp>

#include <actors/detail/arguments.hpp>
#include <actors/detail/cell.hpp>

#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/post.hpp>

namespace actors::detail {

namespace wire = actors::cluster;

namespace {
// Creating or pinning a local block is a map lookup at the node; a pull from another node is
// bounded by the puller's own timeouts (connect, and 10 s between two chunks).
constexpr auto create_timeout = std::chrono::seconds(30);
constexpr auto open_timeout = std::chrono::minutes(30);
}  // namespace

struct store_link {
  object_store::attached_arena arena;
  std::optional<object_store::attached_arena> overflow;  // the node's overflow file, if it has one
  std::string home;
  std::mutex mu;
  net::connection_ptr conn;  // guarded by mu; null once the client closed
  std::thread::id io_thread;  // set before the client is handed out: where answers arrive

  store_link(object_store::attached_arena a, std::string h) : arena(std::move(a)), home(std::move(h)) {}

  net::connection_ptr connection() {
    std::lock_guard lock(mu);
    return conn;
  }
  /// The block the node answered, mapped here; null with `why` when it answered no.
  std::shared_ptr<stored_block> block_of(const std::shared_ptr<store_link>& self, const net::result<net::frame>& reply,
                                         std::string& why, bool* never_fits = nullptr) {
    if (!reply) {
      why = "the node manager did not answer: " + to_string(reply.error());
      return nullptr;
    }
    wire::store_reply answer;
    try {
      answer = wire::decode_work<wire::store_reply>(*reply);
    } catch (const std::exception& e) {
      why = std::string("the node manager's answer does not decode: ") + e.what();
      return nullptr;
    }
    if (!answer.ok) {
      why = answer.reason;
      if (never_fits) *never_fits = answer.too_large;
      return nullptr;
    }
    object_id id{.hi = answer.hi, .lo = answer.lo};
    if (answer.overflow && !overflow) {
      why = "the node placed the value in an overflow file this process has not mapped";
      release(id);
      return nullptr;
    }
    auto bytes = (answer.overflow ? *overflow : arena).write(answer.offset, answer.size);
    if (!bytes) {
      why = "the node's answer points outside its store";
      release(id);
      return nullptr;
    }
    return std::make_shared<stored_block>(bytes->data(), bytes->size(), id, self);
  }
  void release(const object_id& id) {
    if (auto c = connection(); c && c->is_open())
      c->send(wire::encode_work(wire::work_kind::store_release, wire::object_key::of(id)));
  }
};

stored_block::~stored_block() { link_->release(id_); }

cluster::block_ref stored_block::ref() const {
  return {.hi = id_.hi, .lo = id_.lo, .size = size(), .home = link_->home};
}

store_client::store_client() = default;

store_client::~store_client() { close(); }

std::unique_ptr<store_client> store_client::connect(const std::string& node_address, const std::string& token_hex,
                                                    const std::string& segment, const std::string& overflow,
                                                    const std::string& home) {
  auto mapped = object_store::attached_arena::attach(segment, object_store::access_mode::read_write);
  if (!mapped)
    throw error("actors: cannot map the node's store " + segment + ": " + std::string(object_store::to_string(mapped.error())));
  std::optional<object_store::attached_arena> overflow_mapped;
  if (!overflow.empty()) {
    auto file = object_store::attached_arena::attach_file(overflow, object_store::access_mode::read_write);
    if (!file)
      throw error("actors: cannot map the node's overflow file " + overflow + ": " +
                  std::string(object_store::to_string(file.error())));
    overflow_mapped = std::move(*file);
  }
  auto token = net::cluster_token::from_hex(token_hex);
  auto where = net::parse_address(wire::nearest_way(node_address));
  if (!token || !where) throw error("actors: cannot reach the node's store at " + node_address);
  std::unique_ptr<store_client> client(new store_client());
  client->io_ = std::make_unique<net::io_pool>(1);
  client->link_ = std::make_shared<store_link>(std::move(*mapped), home);
  client->link_->overflow = std::move(overflow_mapped);
  std::promise<std::thread::id> io_thread;
  boost::asio::post(client->io_->context(), [&io_thread] { io_thread.set_value(std::this_thread::get_id()); });
  client->link_->io_thread = io_thread.get_future().get();
  auto c = net::connect(client->io_->context(), *where, *token).get();
  if (!c) throw error("actors: cannot reach the node's store at " + node_address + ": " + to_string(c.error()));
  client->link_->conn = *c;
  return client;
}

void store_client::close() {
  if (!io_) return;
  io_->stop();
  std::lock_guard lock(link_->mu);
  link_->conn = nullptr;
}

std::shared_ptr<stored_block> store_client::create(std::uint64_t size, std::string* never_fits) {
  auto c = link_->connection();
  // On this client's own thread the answer could never arrive: the value stays out instead.
  if (!c || size < stored_payload_offset || std::this_thread::get_id() == link_->io_thread) return nullptr;
  auto reply = c->request(wire::encode_work(wire::work_kind::store_create, wire::store_request{.size = size}),
                          std::chrono::duration_cast<std::chrono::milliseconds>(create_timeout))
                   .get();
  std::string why;
  bool too_large = false;
  auto block = link_->block_of(link_, reply, why, &too_large);
  if (too_large && never_fits)
    *never_fits = std::move(why);
  else if (!block)
    log_warning("actors: a value stays out of the node's shared store: " + why);
  return block;
}

std::shared_ptr<stored_block> store_client::stow(std::span<const std::byte> encoded) {
  auto block = create(stored_payload_offset + encoded.size());
  if (block) std::memcpy(block->payload().data(), encoded.data(), encoded.size());
  return block;
}

void store_client::open(const cluster::block_ref& ref, opened_fn done) {
  auto c = link_->connection();
  if (!c) return done(nullptr, "this process has left the cluster");
  c->request(wire::encode_work(wire::work_kind::store_open, wire::store_request{.block = ref}),
             std::chrono::duration_cast<std::chrono::milliseconds>(open_timeout),
             [link = link_, done = std::move(done)](net::result<net::frame> reply) {
               std::string why;
               auto block = link->block_of(link, reply, why);
               done(std::move(block), std::move(why));
             });
}

std::shared_ptr<stored_block> store_client::open_now(const cluster::block_ref& ref, std::string& why,
                                                     std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (std::this_thread::get_id() == link_->io_thread) {
    why = "a stored value cannot be opened on the thread that serves its node's answers";
    return nullptr;
  }
  // Shared: an answer after the deadline still has somewhere to go.
  auto opened = std::make_shared<std::promise<std::pair<std::shared_ptr<stored_block>, std::string>>>();
  auto answer = opened->get_future();
  open(ref, [opened](std::shared_ptr<stored_block> b, std::string why) { opened->set_value({std::move(b), std::move(why)}); });
  if (deadline && answer.wait_until(*deadline) != std::future_status::ready)
    throw timeout_error("actors: timed out reading object " + to_string(ref.id()) + " from the node's store");
  auto [block, reason] = answer.get();
  why = std::move(reason);
  return block;
}

const std::string& store_client::home() const noexcept { return link_->home; }

namespace {
/// Part of another buffer, which it keeps alive.
class slice_buffer final : public byte_buffer {
 public:
  slice_buffer(std::shared_ptr<byte_buffer> owner, std::byte* data, std::size_t size)
      : byte_buffer(data, size), owner_(std::move(owner)) {}
  const std::shared_ptr<byte_buffer>& owner() const noexcept { return owner_; }

 private:
  std::shared_ptr<byte_buffer> owner_;
};
}  // namespace

std::shared_ptr<byte_buffer> slice_of(std::shared_ptr<byte_buffer> owner, const std::byte* data, std::size_t size) {
  auto* at = owner->data() + (data - owner->data());  // the owner's own (writable) pointer
  return std::make_shared<slice_buffer>(std::move(owner), at, size);
}

std::shared_ptr<stored_block> store_client::array_block_of(const std::shared_ptr<byte_buffer>& buffer) {
  auto* slice = dynamic_cast<const slice_buffer*>(buffer.get());
  if (!slice) return nullptr;
  auto block = std::dynamic_pointer_cast<stored_block>(slice->owner());
  if (!block || slice->data() != block->data() + stored_elements_offset ||
      stored_elements_offset + slice->size() != block->size())
    return nullptr;
  return block;
}

bool write_stored_argument(writer& w, const cell& c) {
  std::shared_ptr<stored_block> block;
  cluster::block_ref ref;
  if (auto* where = dynamic_cast<const located_value*>(c.location())) {
    // Named where it lies (the call's own ref keeps it there): read in place on that node.
    auto at = where->block();
    if (!at) return false;  // made again into this process: it goes inline
    ref = *at;
  } else {
    block = store_client::array_block_of(c.array_buffer());
    if (!block) return false;
    ref = block->ref();
  }
  w.write_pod(argument_tag::in_store);
  w.write_pod(ref.hi);
  w.write_pod(ref.lo);
  w.write_pod(ref.size);
  encode(w, ref.home);
  if (block) object_exchange::note_written(block);  // held for the receiver until it says block_taken
  return true;
}

fetched_object fetch_stored_argument(reader& r) {
  cluster::block_ref ref;
  ref.hi = r.read_pod<std::uint64_t>();
  ref.lo = r.read_pod<std::uint64_t>();
  ref.size = r.read_pod<std::uint64_t>();
  ref.home = decode<std::string>(r);
  auto* rt = current_runtime();
  auto* store = rt ? rt->node_store() : nullptr;
  if (!store) throw object_lost_error("actors: an argument is in a node's store, and this node has none");
  if (ref.size < stored_payload_offset) throw error("actors: a stored argument is shorter than its header");
  std::string why;
  auto block = store->open_now(ref, why);
  if (!block) throw object_lost_error("actors: an argument could not be read from the node's store: " + why);
  if (auto* source = object_exchange::current_source()) object_exchange::block_taken(source->from, ref.id());
  auto payload = block->payload();
  return fetched_object{.bytes = payload, .owner = std::move(block)};
}

}  // namespace actors::detail
