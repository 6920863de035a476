// The out-of-line parts of calls that cross processes (detail/arguments.hpp, detail/remote.hpp).
#include <actors/detail/arguments.hpp>
#include <actors/detail/job.hpp>
#include <actors/detail/remote.hpp>

namespace actors::detail {
namespace {
thread_local argument_fetcher tls_fetcher;
}  // namespace

argument_fetcher set_argument_fetcher(argument_fetcher fetcher) {
  std::swap(tls_fetcher, fetcher);
  return fetcher;
}

fetched_object fetch_argument(const object_id& id) {
  if (!tls_fetcher)
    throw error("actors: an argument passed by reference (object " + to_string(id) +
                ") cannot be fetched: this thread runs no remote calls");
  return tls_fetcher(id);
}

void throw_bad_argument(std::size_t index, const std::string& function, const std::string& why) {
  throw error("actors: argument " + std::to_string(index + 1) + " of " + function + " does not decode: " + why);
}

void check_argument_count(reader& args, std::size_t arity, const std::string& function) {
  auto count = args.read_pod<std::uint32_t>();
  if (count != arity)
    throw error("actors: " + function + " takes " + std::to_string(arity) + " arguments but the call carries " +
                std::to_string(count));
}

void job::encode_arguments(writer&) const {
  throw error("actors: " + name() + " cannot be sent to another process");
}

void job::accept_result(reader&) {
  throw error("actors: " + name() + " has no result to receive from another process");
}

}  // namespace actors::detail
