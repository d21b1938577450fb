// SPDX-License-Identifier: Apache-2.0
//
// server_impl.h: the state one running server holds, shared by server.cc (lifecycle, frame
// reload, alert checks) and routes.cc (HTTP handlers).
//
// Lock order: workspace_mu before alerts_mu and before BanditService's own mutex;
// experiments_mu and exposed_mu are leaves; the event sinks take workspace_mu holding none of
// the others (ClickHouseEventSink only for the rejects, after its INSERT);
// HotFrame and Metrics lock internally and are never held while taking another lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "alerts.h"
#include "analytics_source.h"
#include "auth.h"
#include "bandit_service.h"
#include "event_collector.h"
#include "event_sink.h"
#include "flywheel/experiment/assignment.h"
#include "flywheel/server/server.h"
#include "flywheel/store/workspace.h"
#include "frame_delta.h"
#include "hot_frame.h"
#include "http_router.h"
#include "http_server.h"
#include "metrics.h"

namespace fw::server {

struct Server::Impl {
  ServerOptions options;
  std::mutex workspace_mu;                       // guards workspace
  std::unique_ptr<store::Workspace> workspace;   // the only connection to the file
  // A second connection for the frame reload, so a long scan does not hold workspace_mu (and
  // with it every commit). Used by one thread at a time (Start, then the background thread);
  // declared after `workspace` so it is destroyed first.
  std::unique_ptr<store::Workspace> reader;
  std::unique_ptr<BanditService> bandits;        // locks itself (workspace_mu before its own)
  // Rows committed by `collector` but not yet in `frame` (embedded backend only); bounded by
  // options.frame_delta_max_events. Declared before `collector`, which adds to it, so it
  // outlives it.
  std::unique_ptr<FrameDelta> frame_delta;
  // Exposures always, and events on the embedded backend (the workspace's group commit).
  std::unique_ptr<EventCollector> collector;
  // Events on a ClickHouse backend (ClickHouseEventSink); null on the embedded one.
  std::unique_ptr<EventSink> backend_events;
  EventSink* events = nullptr;  // where POST /v1/events goes: backend_events or collector
  HotFrame frame;               // stays empty on a ClickHouse backend
  // The read side: FrameAnalytics over `frame`, or ClickHouseAnalytics. Thread-safe.
  std::unique_ptr<AnalyticsSource> analytics_source;
  Metrics metrics;
  Authenticator auth;
  std::mutex alerts_mu;
  AlertEngine alerts;  // under alerts_mu
  std::mutex experiments_mu;
  // Definitions read by /v1/assign, cached: no route changes an experiment, and the CLI cannot
  // open the workspace while the server holds it, so a definition is fixed for the run.
  std::map<std::string, std::shared_ptr<const experiment::ExperimentDefinition>>
      experiments;  // under experiments_mu
  // Names /v1/assign found no experiment for (fixed for the run, like the definitions), so a
  // client asking for a wrong name does not read the workspace, on an event loop, every time.
  // Bounded: past kMaxUnknownExperiments names, misses are no longer remembered.
  static constexpr size_t kMaxUnknownExperiments = 1024;
  std::map<std::string, std::string> unknown_experiments;  // name -> message; experiments_mu
  std::mutex exposed_mu;
  std::set<std::pair<std::string, std::string>> exposed;  // (experiment, user) logged this run
  HttpRouter http;                         // the routes; read-only once serving
  std::unique_ptr<HttpServer> http_server;  // event loops and worker pool over `http`
  int port = 0;
  std::thread background;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop_requested = false;  // guarded by stop_mu
  bool stopped = false;         // guarded by stop_mu
  std::atomic<int64_t> frame_reload_failures{0};  // failed reloads and merges
  std::atomic<int64_t> frame_reloads{0};          // full reloads done, the one at start included
  std::atomic<int64_t> frame_merges{0};           // deltas merged into the frame
  bool frame_needs_reload = false;  // background thread only: a delta was lost, merge is unsafe
  std::atomic<int64_t> alert_eval_failures{0};  // user rules whose metrics could not be read
  std::set<std::string> alert_rules_failing;     // background thread only: logged as failing
  int64_t started_us = 0;

  // Loads the frame now through `reader` and empties `frame_delta`. The scan runs without
  // workspace_mu (commits go on meanwhile); only pinning its snapshot takes the mutex.
  Status ReloadFrame(bool at_start);
  // Brings the frame up to date: merges `frame_delta` into it, or reloads in full when the
  // delta overflowed or an earlier update failed. Background thread (or Start) only.
  Status UpdateFrame();
  // Runs the alert checks and logs transitions (takes workspace_mu, then alerts_mu).
  void EvaluateAlerts();
  // Registers every route on `http`.
  void RegisterRoutes();
  // Registers the authentication gate (pre-routing), /login, /logout and POST /v1/keys.
  void RegisterAuth();
};

// The dashboard page (self-contained HTML, CSS and JS; no network access needed).
const char* DashboardHtml();
// The login form; `failed` adds a fixed "wrong key" line (nothing from the request is echoed).
std::string LoginHtml(bool failed);

}  // namespace fw::server
