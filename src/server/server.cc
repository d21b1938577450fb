// SPDX-License-Identifier: Apache-2.0
//
// server.cc: start-up, background work (frame reload, alert checks) and graceful shutdown.
#include "flywheel/server/server.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "clickhouse_analytics.h"
#include "clickhouse_event_sink.h"
#include "experiment_service.h"
#include "frame_analytics.h"
#include "flywheel/core/time.h"
#include "flywheel/experiment/srm.h"
#include "flywheel/store/event_frame_merge.h"
#include "server_impl.h"

namespace fw::server {
namespace {

constexpr int64_t kHourUs = 3'600'000'000LL;
constexpr double kDropThreshold = 0.30;  // conversion_drop fires at a 30% drop...
constexpr double kMinBaselinePerHour = 5;  // ...against a baseline of at least 5 events/hour
constexpr int64_t kMinSrmUsers = 100;      // too few users make the chi-square meaningless

// Hourly count of `event` in the last hour of data vs the mean of the 24 hours before it
// (windows of one hour ending at the newest event; nullopt when it cannot be judged).
std::optional<AlertSignal> ConversionDrop(const WindowSumsFn& sums_of, const std::string& event) {
  auto series = sums_of("conversion:" + event, "", kHourUs, 25);
  if (!series.ok() || series->empty()) return std::nullopt;
  const std::vector<double>& sums = series->begin()->second;
  const double last = sums.back();
  double baseline = 0;
  for (size_t j = 0; j + 1 < sums.size(); ++j) baseline += sums[j];
  const double mean = baseline / 24.0;
  if (mean < kMinBaselinePerHour) return std::nullopt;
  const double drop = 1.0 - last / mean;
  AlertSignal s{"conversion_drop:" + event, "conversion_drop", drop >= kDropThreshold, "", drop};
  char buf[200];
  std::snprintf(buf, sizeof buf, "%lld %s events in the last hour of data vs %.1f per hour over the "
                "24 hours before (%+.0f%%)", static_cast<long long>(last), event.c_str(), mean,
                -100.0 * drop);
  s.message = buf;
  return s;
}

}  // namespace

Status ServerOptions::Validate() const {
  if (port < 0 || port > 65535) return InvalidArgument("--port " + std::to_string(port) + ": expected 0..65535");
  if (bind.empty()) return InvalidArgument("--bind: empty address");
  if (max_events == 0) return InvalidArgument("max_events: expected at least 1");
  if (max_body_bytes < 1024) return InvalidArgument("max_body_bytes: expected at least 1024");
  if (commit_window_us < 0 || commit_window_us > 1'000'000) {
    return InvalidArgument("commit_window_us " + std::to_string(commit_window_us) +
                           ": expected 0..1000000");
  }
  if (frame_delta_max_events < 1) {
    return InvalidArgument("frame_delta_max_events " + std::to_string(frame_delta_max_events) +
                           ": expected at least 1");
  }
  if (threads < 1 || threads > 256) return InvalidArgument("threads: expected 1..256");
  if (loops < 0 || loops > 64) return InvalidArgument("loops: expected 0..64 (0 = one per core)");
  if (decision_flush_ms < 1 || decision_flush_ms > 60'000) {
    return InvalidArgument("decision_flush_ms " + std::to_string(decision_flush_ms) +
                           ": expected 1..60000");
  }
  return OkStatus();
}

Status Server::Impl::ReloadFrame(bool at_start) {
  // The reader's snapshot is taken by BEGIN or, at the latest, by its first query. Doing both
  // and emptying the delta under workspace_mu, which the committer holds from commit to adding
  // its rows to the delta, puts every committed row in exactly one of the scan or the delta,
  // whichever of the two moments DuckDB uses.
  // Until this reload succeeds, merging is unsafe (the delta may be emptied below).
  frame_needs_reload = true;
  {
    std::lock_guard<std::mutex> lock(workspace_mu);
    FW_RETURN_IF_ERROR(reader->Begin());
    auto pinned = reader->QueryInt("SELECT count(*) FROM events");
    if (!pinned.ok()) {
      reader->Rollback().IgnoreError();
      return pinned.status();
    }
    frame_delta->Take();
  }
  // At start the snapshot may save seconds; later reloads follow new events, so it would miss.
  Result<store::EventFrame> loaded = Internal("frame reload did not run");
  try {
    loaded = reader->LoadEventFrame(at_start ? store::Workspace::FrameCache::kUse
                                             : store::Workspace::FrameCache::kBypass);
  } catch (const std::exception& e) {  // out of memory: end the transaction all the same
    loaded = Internal(std::string("frame reload failed: ") + e.what());
  }
  const Status ended = loaded.ok() ? reader->Commit() : reader->Rollback();
  FW_RETURN_IF_ERROR(loaded.status());
  FW_RETURN_IF_ERROR(ended);
  if (loaded->user_offsets.empty()) loaded->user_offsets = {0};
  frame.Set(std::move(*loaded), NowMicros());
  frame_needs_reload = false;
  ++frame_reloads;
  return OkStatus();
}

Status Server::Impl::UpdateFrame() {
  FrameDelta::Taken taken = frame_delta->Take();
  if (taken.overflowed || frame_needs_reload) return ReloadFrame(/*at_start=*/false);
  if (taken.rows.empty()) return OkStatus();
  try {
    // Only this thread replaces the frame, so `base` is the latest one.
    const std::shared_ptr<const store::EventFrame> base = frame.Get();
    frame.Set(store::MergeEvents(*base, taken.rows), NowMicros());
  } catch (const std::exception& e) {  // out of memory: the taken rows are lost, so reload
    frame_needs_reload = true;
    return Internal(std::string("frame merge failed: ") + e.what());
  }
  ++frame_merges;
  return OkStatus();
}

void Server::Impl::EvaluateAlerts() {
  std::vector<AlertSignal> signals;
  std::unique_lock<std::mutex> lock(workspace_mu);
  // SRM on every experiment with enough first exposures.
  auto defs = workspace->Query("SELECT name FROM experiments ORDER BY name");
  if (defs.ok()) {
    for (const auto& row : defs->rows) {
      const std::string name = row[0].value_or("");
      auto def = LoadExperiment(*workspace, name);
      if (!def.ok()) continue;
      auto counts = workspace->Query(
          "SELECT variant, count(*) FROM (SELECT user_id, arg_min(variant, ts) AS variant "
          "FROM exposures WHERE experiment = ? GROUP BY user_id) GROUP BY variant",
          {name});
      if (!counts.ok()) continue;
      std::vector<int64_t> n(def->variants.size(), 0);
      std::vector<double> weights;
      std::vector<std::string> names;
      int64_t total = 0;
      for (const auto& v : def->variants) {
        weights.push_back(v.weight);
        names.push_back(v.name);
      }
      for (const auto& c : counts->rows) {
        for (size_t i = 0; i < names.size(); ++i) {
          if (c[0].value_or("") == names[i]) n[i] = std::stoll(c[1].value_or("0"));
        }
      }
      for (int64_t x : n) total += x;
      if (total < kMinSrmUsers) continue;
      auto srm = experiment::CheckSampleRatio(n, weights, names);
      if (!srm.ok()) continue;
      signals.push_back({"srm:" + name, "srm", srm->warning,
                         srm->warning ? srm->message
                                      : "sample ratio consistent with the design (p = " +
                                            std::to_string(srm->p_value) + ")",
                         srm->p_value});
    }
  }
  // Budgets.
  {
    for (const auto& b : bandits->List()) {
      if (b["budget"].is_null() || b["remaining_budget"].is_null()) continue;
      const double remaining = b["remaining_budget"].get<double>();
      const double budget = b["budget"].get<double>();
      signals.push_back({"budget:" + b["name"].get<std::string>(), "budget", remaining <= 1e-9,
                         "spent " + std::to_string(budget - remaining) + " of " +
                             std::to_string(budget),
                         remaining});
    }
  }
  // User rules (flywheel alert add, POST /v1/alerts/rules), re-read each round so rules added
  // through the API take effect without a restart.
  auto rules = ListAlertRules(*workspace);
  // The event metrics come from the analytics source (the frame, or queries to ClickHouse),
  // so the workspace is not held meanwhile.
  lock.unlock();
  const WindowSumsFn sums_of = [this](const std::string& metric, const std::string& by,
                                      int64_t window_us, int windows) {
    return analytics_source->WindowSums(metric, by, window_us, windows);
  };
  if (auto drop = ConversionDrop(sums_of, "purchase")) signals.push_back(*drop);
  std::set<std::string> rule_names;
  if (rules.ok()) {
    for (const AlertRule& rule : *rules) {
      rule_names.insert(rule.name);
      auto rule_signals = RuleSignals(rule, sums_of);
      if (!rule_signals.ok()) {
        // The rule keeps its last state; the failure is counted and logged, never a resolve.
        ++alert_eval_failures;
        if (!options.quiet && alert_rules_failing.insert(rule.name).second) {  // once per outage
          std::fprintf(stderr, "flywheel serve: alert rule '%s' not evaluated: %s\n",
                       rule.name.c_str(), rule_signals.status().message().c_str());
        }
        continue;
      }
      if (alert_rules_failing.erase(rule.name) && !options.quiet) {
        std::fprintf(stderr, "flywheel serve: alert rule '%s' evaluated again\n", rule.name.c_str());
      }
      for (AlertSignal& s : *rule_signals) signals.push_back(std::move(s));
    }
  }
  lock.lock();
  std::vector<AlertTransition> changes;
  {
    std::lock_guard<std::mutex> alerts_lock(alerts_mu);
    if (rules.ok()) alerts.ForgetRemovedRules(rule_names);
    changes = alerts.Update(signals, NowMicros());
  }
  for (const auto& c : changes) {
    workspace->Execute("INSERT INTO alerts_log VALUES (?, ?, ?, ?, ?, make_timestamp(?))",
                       {c.name, c.kind, c.state, c.message, c.value, c.at_us})
        .IgnoreError();
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop().IgnoreError(); }

int Server::port() const { return impl_->port; }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>();
  Impl* s = impl.get();
  s->options = options;
  s->started_us = NowMicros();
  std::unique_ptr<clickhouse::Backend> backend;
  if (!options.backend_url.empty()) {
    // First, so that an unreachable ClickHouse fails the start before anything is created.
    FW_ASSIGN_OR_RETURN(const auto url, clickhouse::ParseBackendUrl(options.backend_url));
    FW_ASSIGN_OR_RETURN(backend, clickhouse::Backend::Connect(url));
    FW_RETURN_IF_ERROR(backend->EnsureSchema());
    s->analytics_source = std::make_unique<ClickHouseAnalytics>(url, options.frame_reload_ms);
  } else {
    s->analytics_source = std::make_unique<FrameAnalytics>(s->frame);
  }
  FW_ASSIGN_OR_RETURN(s->workspace, store::Workspace::Open(options.db_path));
  FW_ASSIGN_OR_RETURN(s->reader, s->workspace->OpenReader());
  // alerts_log is the server's own table: fire/resolve history of the alert rules.
  FW_RETURN_IF_ERROR(s->workspace->Execute(
      "CREATE TABLE IF NOT EXISTS alerts_log (name VARCHAR, kind VARCHAR, state VARCHAR, "
      "message VARCHAR, value DOUBLE, changed_at TIMESTAMP)"));
  // API keys: a workspace without any gets one admin key, printed once, so a first
  // `flywheel serve` is usable and still never open.
  FW_ASSIGN_OR_RETURN(auto keys, ListApiKeys(*s->workspace));
  if (keys.empty()) {
    FW_ASSIGN_OR_RETURN(auto created,
                        CreateApiKey(*s->workspace, Role::kAdmin, "created by serve",
                                     kDefaultRatePerSecond));
    std::fprintf(stderr, "flywheel serve: the workspace had no API key; created admin key\n  %s\n"
                 "(shown once; stored hashed. Create more with `flywheel keys create --role "
                 "read|write|admin`)\n", created.key.c_str());
    keys.push_back(created.record);
  }
  s->auth.SetKeys(std::move(keys));
  BanditService::Options bandit_options;
  bandit_options.fsync = options.decision_fsync ? DecisionLog::Fsync::kEveryRecord
                                                : DecisionLog::Fsync::kNever;
  bandit_options.flush_interval_ms = options.decision_flush_ms;
  FW_ASSIGN_OR_RETURN(s->bandits,
                      BanditService::Start(*s->workspace, s->workspace_mu, bandit_options));
  s->frame_delta =
      std::make_unique<FrameDelta>(static_cast<size_t>(options.frame_delta_max_events));
  FW_ASSIGN_OR_RETURN(s->collector,
                      EventCollector::Start(*s->workspace, s->workspace_mu, options.commit_window_us,
                                            backend ? nullptr : s->frame_delta.get()));
  if (backend) {
    FW_ASSIGN_OR_RETURN(s->backend_events,
                        ClickHouseEventSink::Start(std::move(backend), *s->workspace,
                                                   s->workspace_mu));
    s->events = s->backend_events.get();
  } else {
    s->events = s->collector.get();
  }
  if (s->analytics_source->UsesHotFrame()) FW_RETURN_IF_ERROR(s->ReloadFrame(/*at_start=*/true));

  s->RegisterAuth();
  s->RegisterRoutes();
  HttpServerOptions http;
  http.bind = options.bind;
  http.port = options.port;
  http.loops = options.loops;
  http.workers = options.threads;
  http.read_timeout_s = options.read_timeout_s;
  http.keep_alive_timeout_s = 5;
  http.limits.max_body_bytes = options.max_body_bytes;
  http.limits.max_header_lines = 64;  // more header lines than this is a flood: 431
  s->http_server = std::make_unique<HttpServer>(s->http, http);
  if (Status listen = s->http_server->Listen(); !listen.ok()) {
    if (s->backend_events) s->backend_events->Stop();
    s->collector->Stop();
    s->bandits->Stop().IgnoreError();
    return Unavailable("cannot listen on " + options.bind + ":" + std::to_string(options.port) +
                       " (address in use or not available); pick another --port or --bind");
  }
  s->port = s->http_server->port();
  s->http_server->Start();
  s->background = std::thread([s] {
    // A worker-thread entry point: no exception may escape (STYLE B2.4).
    auto last_alerts = std::chrono::steady_clock::now() - std::chrono::hours(1);
    while (true) {
      {
        std::unique_lock<std::mutex> lock(s->stop_mu);
        if (s->stop_cv.wait_for(lock, std::chrono::milliseconds(s->options.frame_reload_ms),
                                [s] { return s->stop_requested; })) {
          return;
        }
      }
      try {
        s->events->TakeNewEvents();  // the delta counts for the frame; keep the counter drained
        if (s->analytics_source->UsesHotFrame() &&
            (s->frame_needs_reload ||
             static_cast<int64_t>(s->frame_delta->size()) >= s->options.frame_reload_events)) {
          if (Status updated = s->UpdateFrame(); !updated.ok()) {
            ++s->frame_reload_failures;
            if (!s->options.quiet) {
              std::fprintf(stderr, "flywheel serve: frame update failed: %s\n",
                           updated.message().c_str());
            }
          }
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_alerts >= std::chrono::milliseconds(s->options.alert_interval_ms)) {
          s->EvaluateAlerts();
          last_alerts = now;
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "flywheel serve: background task failed: %s\n", e.what());
      }
    }
  });
  if (!options.quiet && options.backend_url.empty()) {
    std::fprintf(stderr, "flywheel serve: listening on http://%s:%d (workspace %s, %zu events)\n",
                 options.bind.c_str(), s->port, options.db_path.c_str(),
                 s->frame.Get()->num_events());
  } else if (!options.quiet) {
    std::fprintf(stderr, "flywheel serve: listening on http://%s:%d (events in %s; workspace %s)\n",
                 options.bind.c_str(), s->port, options.backend_url.c_str(),
                 options.db_path.c_str());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Wait() {
  std::unique_lock<std::mutex> lock(impl_->stop_mu);
  impl_->stop_cv.wait(lock, [this] { return impl_->stopped; });
}

Status Server::Stop() {
  Impl* s = impl_.get();
  {
    std::lock_guard<std::mutex> lock(s->stop_mu);
    if (s->stopped || s->stop_requested) return OkStatus();
    s->stop_requested = true;
  }
  s->stop_cv.notify_all();
  // 1. Stop accepting, finish and answer the requests already started (drain).
  if (s->http_server) s->http_server->Stop();
  if (s->background.joinable()) s->background.join();
  // 2. Flush the events and exposures still pending, and the decision log into its tables.
  if (s->backend_events) s->backend_events->Stop();
  s->collector->Stop();
  Status st = s->bandits->Stop();
  // 3. Fold the WAL into the database file.
  {
    std::lock_guard<std::mutex> lock(s->workspace_mu);
    Status checkpoint = s->workspace->Checkpoint();
    if (st.ok()) st = checkpoint;
  }
  {
    std::lock_guard<std::mutex> lock(s->stop_mu);
    s->stopped = true;
  }
  s->stop_cv.notify_all();
  return st;
}

Status RunUntilSignal(const ServerOptions& options) {
  // Block the signals in every thread (the server's threads inherit this mask) and take them
  // synchronously here, so shutdown runs in ordinary code, not in a signal handler.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  FW_ASSIGN_OR_RETURN(auto server, Server::Start(options));
  int sig = 0;
  sigwait(&set, &sig);
  if (!options.quiet) {
    std::fprintf(stderr, "flywheel serve: %s received, draining and checkpointing\n",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
  }
  Status st = server->Stop();
  if (!options.quiet && st.ok()) std::fprintf(stderr, "flywheel serve: stopped cleanly\n");
  return st;
}

}  // namespace fw::server
