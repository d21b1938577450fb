// SPDX-License-Identifier: Apache-2.0
//
// server.h: `flywheel serve`: the HTTP/1.1 API, dashboard and alerts over one workspace.
//
// The server owns the workspace (DuckDB lets one process write a file): writes go through one
// Workspace guarded by one mutex, and the frame reload reads through a second connection.
// Events posted to /v1/events are validated on a worker-pool thread and group-committed (see
// EventCollector); a 2xx answer means the commit that holds them returned, i.e. they are in
// DuckDB's WAL. Bandit decisions and rewards are kept in memory and acknowledged once written
// to the decision log, then flushed into DuckDB in batches (see BanditService). A hot
// EventFrame is reloaded in the background when new events arrived, and alert rules are
// evaluated on their own interval.
// Endpoints, shapes and limits: docs/api.yaml and docs/server.md.
//
// Thread safety: Start/Stop/Wait from one thread; handlers run on the event loops or the
// worker pool (src/server/http_server.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "flywheel/core/result.h"

namespace fw::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";  // loopback by default: expose on purpose, not by accident
  int port = 8080;                 // 0 = pick a free port (tests)
  std::string db_path = "flywheel.db";
  // Where the events live. Empty: the workspace (hot EventFrame). A clickhouse://HOST:PORT/DB
  // [?cluster=NAME&shards=...] URL: POST /v1/events inserts into ClickHouse and the analytics,
  // experiment results, summary and alert metrics are queries there; keys, bandits,
  // experiment definitions, exposures, spend, rejects and alerts stay in the workspace
  // (docs/server.md, "Serving on ClickHouse").
  std::string backend_url;
  size_t max_body_bytes = 16u << 20;   // 16 MiB: 10k events of ~1.5 KB each
  size_t max_events = 10000;           // events per POST /v1/events
  // Group commit: after the first pending batch, wait this long for more. 0 (the default)
  // commits as soon as the committer is free; batches that arrive during a commit form the
  // next group, which under load measured faster than any fixed wait (docs/server.md).
  int64_t commit_window_us = 0;
  int64_t frame_reload_ms = 2000;      // update the hot EventFrame at most this often...
  int64_t frame_reload_events = 1;     // ...once at least this many new events arrived
  // New events held for the next frame merge; past this many, a full reload instead.
  int64_t frame_delta_max_events = 1'000'000;
  int64_t alert_interval_ms = 5000;    // evaluate alert rules this often
  // Bandit decisions and rewards: acknowledged once in the decision log (<db>.decisions/),
  // moved into DuckDB at least this often; fsync each record (survives power loss, slower).
  int64_t decision_flush_ms = 200;
  bool decision_fsync = false;
  // Worker-pool threads for the routes that may block (POST /v1/events waits for its group
  // commit; analytics, results, summary, keys, alert rules and the dashboard run DuckDB
  // queries or scans). Each runs one such request at a time.
  int threads = 8;
  // Event-loop threads: they read and parse every request and answer the cheap routes
  // inline. 0 = one per core.
  int loops = 0;
  int read_timeout_s = 5;              // against slow clients
  bool quiet = false;                  // no start-up line on stderr

  Status Validate() const;
};

class Server {
 public:
  // Opens the workspace, loads the frame (or, with backend_url, connects to ClickHouse and
  // creates its tables if missing) and binds the port. Errors: kUnavailable when the workspace
  // is held by another process, the port is taken or ClickHouse does not answer;
  // kInvalidArgument for options or a bad backend URL.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  // The bound port (useful with port 0).
  int port() const;

  // Blocks until Stop() (from another thread or a signal handler thread).
  void Wait();

  // Graceful shutdown: stop accepting, let in-flight requests finish, flush pending events and
  // exposures, checkpoint the workspace. Idempotent.
  Status Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs a server until SIGINT or SIGTERM, then stops it gracefully (used by `flywheel serve`).
Status RunUntilSignal(const ServerOptions& options);

}  // namespace fw::server
