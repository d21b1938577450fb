// SPDX-License-Identifier: Apache-2.0
//
// serve.cc: `flywheel serve [--bind 127.0.0.1] [--port 8080] [--db PATH] [--backend URL]`: the
// live server (src/server). Runs until SIGINT/SIGTERM, then drains, flushes and checkpoints.
// With a ClickHouse backend (--backend or FLYWHEEL_BACKEND, as for every command), the events
// and the analytics are in ClickHouse and --db holds the rest (docs/server.md).
#include <memory>

#include "cli_context.h"
#include "flywheel/server/server.h"

namespace fw::cli {
namespace {

struct ServeArgs {
  server::ServerOptions options;
  double commit_window_ms = 0.0;
  size_t max_body_mb = 16;
};

Status RunServe(const CliContext& ctx, ServeArgs& args) {
  args.options.db_path = ctx.DbPath();
  // The backend is chosen here, from the URL every command reads; the server connects to it
  // first and exits with the CLI's message when it does not answer.
  args.options.backend_url = ctx.UsesClickHouse() ? ctx.BackendUrl() : std::string();
  args.options.commit_window_us = static_cast<int64_t>(args.commit_window_ms * 1000.0);
  args.options.max_body_bytes = args.max_body_mb << 20;
  return server::RunUntilSignal(args.options);
}

}  // namespace

void RegisterServeCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "HTTP API (events, decide, reward, assign, analytics), /metrics, alerts and the "
               "live dashboard; stops cleanly on SIGINT/SIGTERM");
  cmd->add_option("--bind", args->options.bind, "Address to listen on (default loopback)");
  cmd->add_option("--port", args->options.port, "TCP port (0 = any free port)");
  cmd->add_option("--threads", args->options.threads,
                  "Worker threads for the routes that may block (events, analytics, results, keys, dashboard)");
  cmd->add_option("--loops", args->options.loops,
                  "Event-loop threads that read requests and answer the cheap routes (decide, "
                  "assign, healthz, metrics) inline (default 0: one per core)");
  cmd->add_option("--max-events", args->options.max_events, "Events per POST /v1/events");
  cmd->add_option("--max-body-mb", args->max_body_mb, "Request body limit in MiB");
  cmd->add_option("--commit-window-ms", args->commit_window_ms,
                  "Group commit: wait this long for more event batches before committing (default 0: "
                  "commit when the committer is free; batches arriving meanwhile join the next)");
  cmd->add_option("--frame-reload-ms", args->options.frame_reload_ms,
                  "Reload the hot EventFrame at most this often when events arrived");
  cmd->add_option("--alert-interval-ms", args->options.alert_interval_ms,
                  "Evaluate the alert rules this often");
  cmd->add_option("--decision-flush-ms", args->options.decision_flush_ms,
                  "Move logged bandit decisions and rewards into DuckDB at least this often");
  cmd->add_flag("--decision-fsync", args->options.decision_fsync,
                "msync the decision log after every decision and reward (survives power "
                "loss, not only kill -9; much slower)");
  cmd->add_flag("--quiet", args->options.quiet, "No start-up and shutdown lines on stderr");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunServe(ctx, *args); }; });
}

}  // namespace fw::cli
