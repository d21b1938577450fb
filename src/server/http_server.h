// SPDX-License-Identifier: Apache-2.0
//
// http_server.h: the HTTP/1.1 front end of `flywheel serve`: epoll event loops over
// non-blocking sockets, plus a worker pool for the routes that may block.
//
// One listening socket is watched by loop 0, which accepts and hands the connections to the
// loops in turn (round robin: an even spread, unlike SO_REUSEPORT's hash or EPOLLEXCLUSIVE's
// wake-up order). A loop serves all its connections from one epoll_wait: per ready connection
// one recv, then every complete request in the buffer (pipelining) is answered in order, and
// the answers go out in one send. Routes marked RunOnLoop (HttpRouter) are answered right
// there; the others are queued to the worker pool while the connection waits (no further
// request of it is read), and the worker hands the answer back through an eventfd.
//
// Timeouts (checked every 250 ms): the head of a request must arrive within read_timeout_s
// of its first byte (so a slowloris client trickling headers is closed; answered 408); a body
// must make progress every read_timeout_s; an idle keep-alive connection is closed after
// keep_alive_timeout_s; an answer the client does not read for read_timeout_s is dropped.
// After a parse error the answer carries "Connection: close", and the socket is shut down
// for writing and drained for up to 2 s before closing, so the client reads the answer
// instead of a reset.
//
// Stop() is graceful: the listener closes, idle connections close, requests already started
// are finished and answered with "Connection: close" (for up to drain_timeout_s), then the
// loops end and the pool runs its last tasks.
//
// Thread safety: Listen, Start and Stop from one thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "flywheel/core/status.h"
#include "http_parser.h"
#include "http_router.h"
#include "worker_pool.h"

namespace fw::server {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  int port = 0;                  // 0: any free port
  int loops = 0;                 // event-loop threads; 0 = one per core
  int workers = 8;               // worker-pool threads for the routes that may block
  int read_timeout_s = 5;
  int keep_alive_timeout_s = 5;
  int drain_timeout_s = 10;      // Stop() waits at most this long for started requests
  HttpLimits limits;
};

class HttpServer {
 public:
  // `router` must outlive the server and not change after Start.
  HttpServer(const HttpRouter& router, const HttpServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. kUnavailable when the address cannot be bound.
  Status Listen();
  int port() const { return port_; }
  // Starts the loops and the pool. Requires: Listen() succeeded.
  void Start();
  // Graceful stop (see above). Idempotent.
  void Stop();

 private:
  class Loop;
  friend class Loop;

  const HttpRouter& router_;
  HttpServerOptions options_;
  int listen_fd_ = -1;  // owned by loop 0 once started
  int port_ = 0;
  std::atomic<bool> draining_{false};
  bool started_ = false, stopped_ = false;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
  std::unique_ptr<WorkerPool> pool_;
  size_t next_loop_ = 0;  // round robin; used by loop 0 only
};

}  // namespace fw::server
