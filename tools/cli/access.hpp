#pragma once
// How a command on this machine reaches a cluster: which head, and with which token. A head
// that runs on this machine is found through its session folder; for a head elsewhere the
// token comes from --token-file or $ACTORS_TOKEN (64 hex digits).

#include "args.hpp"
#include "session.hpp"

#include "transport/address.hpp"
#include "transport/token.hpp"

#include <optional>
#include <string>

namespace actors::cli {

/// This machine's address as other hosts see it: the source address of the default route; on a
/// machine without one, the first IPv4 address of an interface that is up (not loopback, not
/// link-local); 127.0.0.1 when there is none.
std::string detect_node_ip();

/// "tcp://10.0.0.5:6379" → "10.0.0.5:6379", the spelling users type.
std::string host_port(const std::string& address);

/// A running head under `temp_dir` that listens at `head` (same port, and a host that names
/// this machine or the head's advertised one).
std::optional<node_record> find_local_head(const fs::path& temp_dir, const net::address& head);

/// The head `actors status` talks to without --address: the one of session_latest if it runs,
/// else the only running one. Throws usage_error saying what is missing or ambiguous.
node_record pick_local_head(const fs::path& temp_dir);

struct token_and_source {
  net::cluster_token token;
  std::string source;  // "--token-file F", "$ACTORS_TOKEN", "<session>/token"
};

/// --token-file, else $ACTORS_TOKEN, else the session folder of `local_head`. Throws
/// usage_error with what to do when none gives a token.
token_and_source resolve_token(const parsed_flags& flags, const std::optional<node_record>& local_head,
                               const std::string& head_text);

/// The session folder a record lives in.
inline fs::path session_of(const node_record& r) { return r.file.parent_path().parent_path(); }

}  // namespace actors::cli
