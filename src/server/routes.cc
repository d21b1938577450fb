// SPDX-License-Identifier: Apache-2.0
//
// routes.cc: the HTTP handlers. Each one validates its input, takes the workspace mutex only
// around workspace calls, and answers JSON; errors go through status_http.
#include <chrono>
#include <type_traits>
#include <cmath>

#include "analytics_api.h"
#include "experiment_service.h"
#include "flywheel/server/alert_rules.h"
#include "flywheel/core/time.h"
#include "flywheel/server/status_http.h"
#include "request_body.h"
#include "server_impl.h"

namespace fw::server {
namespace {

using nlohmann::json;
using Handler = std::function<Result<json>(const HttpRequest&, int* http_status)>;
using TextHandler =
    std::function<Result<std::string>(const HttpRequest&, int* http_status)>;

std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

QueryParams ParamsOf(const HttpRequest& req) {
  QueryParams out;
  for (const auto& [k, v] : req.params) out[k] = v;
  return out;
}

Result<std::string> RequiredParam(const HttpRequest& req, const std::string& name) {
  if (!req.has_param(name.c_str()) || req.get_param_value(name.c_str()).empty()) {
    return InvalidArgument("query parameter '" + name + "' is required");
  }
  return req.get_param_value(name.c_str());
}

Result<std::string> StringField(const json& body, const std::string& name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument(name + ": missing");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument(name + ": expected a string");
  return it->get<std::string>();
}

Result<double> NumberField(const json& body, const std::string& name, double fallback,
                           bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument(name + ": missing");
    return fallback;
  }
  if (!it->is_number()) return InvalidArgument(name + ": expected a number");
  const double v = it->get<double>();
  if (!std::isfinite(v)) return InvalidArgument(name + ": expected a finite number");
  return v;
}


}  // namespace

void Server::Impl::RegisterRoutes() {
  // `fn` answers a JSON document (Handler) or JSON text it wrote itself (TextHandler, for the
  // hot decide path); either way errors become the JSON error shape, and the route's metrics
  // are resolved once here rather than looked up by name per request.
  auto wrap_any = [this](std::string route, auto fn) {
    Metrics::Route* stats = metrics.RouteStats(route);
    return [this, stats, fn = std::move(fn)](const HttpRequest& req,
                                             HttpResponse& res) {
      const auto start = std::chrono::steady_clock::now();
      int code = 200;
      // The HTTP dispatcher is one of the three places exceptions are caught (STYLE B2.4).
      try {
        auto r = fn(req, &code);
        if (r.ok()) {
          if constexpr (std::is_same_v<std::decay_t<decltype(*r)>, std::string>) {
            res.set_content(std::move(*r), "application/json");
          } else {
            res.set_content(Dump(*r), "application/json");
          }
        } else {
          if (code == 200) code = HttpStatusFor(r.status());
          res.set_content(ErrorJson(r.status(), code), "application/json");
        }
      } catch (const std::exception& e) {
        code = 500;
        res.set_content(ErrorJson(Internal(std::string("unexpected error: ") + e.what()), code),
                        "application/json");
      }
      res.status = code;
      metrics.ObserveRequest(
          *stats, code,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    };
  };
  auto wrap = [&wrap_any](std::string route, Handler fn) {
    return wrap_any(std::move(route), std::move(fn));
  };
  auto wrap_text = [&wrap_any](std::string route, TextHandler fn) {
    return wrap_any(std::move(route), std::move(fn));
  };

  http.Get("/healthz", wrap("/healthz", [](const HttpRequest&, int*) -> Result<json> {
             return json{{"status", "ok"}};
           }));

  http.Post("/v1/events", wrap("/v1/events", [this](const HttpRequest& req,
                                                    int* code) -> Result<json> {
    if (req.body.size() > options.max_body_bytes) {
      *code = 413;
      return ResourceExhausted("body is " + std::to_string(req.body.size()) +
                               " bytes; the limit is " + std::to_string(options.max_body_bytes));
    }
    size_t num_events = 0;
    auto lines = EventsBodyToJsonLines(req.body, options.max_events, &num_events);
    if (!lines.ok()) {
      if (lines.status().code() == StatusCode::kResourceExhausted) *code = 413;
      return lines.status();
    }
    FW_ASSIGN_OR_RETURN(auto result,
                        events->Submit(std::move(*lines), "POST /v1/events " + req.remote_addr));
    metrics.AddEvents(result.inserted, result.duplicates,
                      static_cast<int64_t>(result.rejects.size()));
    json rejected = json::array();
    for (const auto& r : result.rejects) {
      rejected.push_back({{"index", r.line - 1}, {"reason", r.reason}, {"column", r.column},
                          {"message", r.message}});
    }
    return json{{"accepted", result.inserted},
                {"duplicates", result.duplicates},
                {"rejected", rejected}};
  }));

  http.Post("/v1/decide", wrap_text("/v1/decide", [this](const HttpRequest& req,
                                                         int*) -> Result<std::string> {
    FW_ASSIGN_OR_RETURN(json body, ParseSmallJsonObject(req.body));
    FW_ASSIGN_OR_RETURN(std::string bandit, StringField(body, "bandit", true));
    FW_ASSIGN_OR_RETURN(std::string user, StringField(body, "user_id", true));
    static const json kNoContext;
    auto context = body.find("context");
    std::string arm;
    FW_ASSIGN_OR_RETURN(std::string out,
                        bandits->DecideJsonText(bandit, user,
                                                context == body.end() ? kNoContext : *context,
                                                &arm));
    metrics.AddDecision(bandit, arm);
    return out;
  }));

  http.Post("/v1/reward", wrap("/v1/reward", [this](const HttpRequest& req,
                                                    int*) -> Result<json> {
    FW_ASSIGN_OR_RETURN(json body, ParseSmallJsonObject(req.body));
    FW_ASSIGN_OR_RETURN(std::string decision, StringField(body, "decision_id", true));
    FW_ASSIGN_OR_RETURN(double reward, NumberField(body, "reward", 0, true));
    FW_ASSIGN_OR_RETURN(double cost, NumberField(body, "cost", -1, false));
    if (body.contains("cost") && !body["cost"].is_null() && cost < 0) {
      return InvalidArgument("cost: " + std::to_string(cost) + " is negative");
    }
    std::string bandit, arm;
    FW_ASSIGN_OR_RETURN(json out, bandits->Reward(decision, reward, cost, &bandit, &arm));
    metrics.AddSpend(bandit, arm, out["cost"].get<double>());
    return out;
  }));

  http.Get("/v1/assign", wrap("/v1/assign", [this](const HttpRequest& req,
                                                   int*) -> Result<json> {
    FW_ASSIGN_OR_RETURN(std::string name, RequiredParam(req, "experiment"));
    FW_ASSIGN_OR_RETURN(std::string user, RequiredParam(req, "user_id"));
    // A shared, immutable definition: no copy of its variants and strings per request.
    std::shared_ptr<const experiment::ExperimentDefinition> def;
    {
      std::lock_guard<std::mutex> lock(experiments_mu);
      if (auto it = experiments.find(name); it != experiments.end()) def = it->second;
      if (auto it = unknown_experiments.find(name); !def && it != unknown_experiments.end()) {
        return NotFound(it->second);
      }
    }
    if (!def) {
      experiment::ExperimentDefinition loaded;
      {
        std::lock_guard<std::mutex> lock(workspace_mu);
        auto found = LoadExperiment(*workspace, name);
        if (!found.ok()) {
          if (found.status().code() == StatusCode::kNotFound) {
            std::lock_guard<std::mutex> names_lock(experiments_mu);
            if (unknown_experiments.size() < kMaxUnknownExperiments) {
              unknown_experiments.emplace(name, std::string(found.status().message()));
            }
          }
          return found.status();
        }
        loaded = std::move(*found);
      }
      def = std::make_shared<const experiment::ExperimentDefinition>(std::move(loaded));
      std::lock_guard<std::mutex> lock(experiments_mu);
      experiments.emplace(name, def);
    }
    json out = AssignmentJson(*def, user);
    if (!out["variant"].is_null()) {
      bool first = false;
      {
        std::lock_guard<std::mutex> lock(exposed_mu);
        first = exposed.insert({name, user}).second;
      }
      // The first assignment of a user in this run is logged as an exposure; analysis uses the
      // first exposure per user, so a repeat after a restart changes nothing.
      if (first) {
        collector->LogExposure(Dump({{"user_id", user}, {"experiment", name},
                                     {"variant", out["variant"]},
                                     {"timestamp", FormatTimestamp(NowMicros())}}));
      }
    }
    return out;
  }));

  http.Get("/v1/bandits", wrap("/v1/bandits", [this](const HttpRequest&,
                                                     int*) -> Result<json> {
    return json{{"bandits", bandits->List()}};
  }));

  http.Get(R"(/v1/bandits/([^/]+))",
           wrap("/v1/bandits/NAME", [this](const HttpRequest& req, int*) -> Result<json> {
             return bandits->Show(req.matches[1].str());
           }));

  http.Get("/v1/experiments", wrap("/v1/experiments", [this](const HttpRequest&,
                                                             int*) -> Result<json> {
    std::lock_guard<std::mutex> lock(workspace_mu);
    FW_ASSIGN_OR_RETURN(auto rows, workspace->Query("SELECT name FROM experiments ORDER BY name"));
    json names = json::array();
    for (const auto& row : rows.rows) names.push_back(row[0].value_or(""));
    return json{{"experiments", names}};
  }));

  http.Get(R"(/v1/experiments/([^/]+)/results)",
           wrap("/v1/experiments/NAME/results", [this](const HttpRequest& req,
                                                       int*) -> Result<json> {
             const std::string name = req.matches[1].str();
             std::optional<experiment::ExperimentDefinition> def;
             store::QueryResult exposures;
             {
               std::lock_guard<std::mutex> lock(workspace_mu);
               auto loaded = LoadExperiment(*workspace, name);
               if (loaded.ok()) {
                 def = std::move(*loaded);
               } else if (loaded.status().code() != StatusCode::kNotFound) {
                 return loaded.status();
               }
               FW_ASSIGN_OR_RETURN(exposures, ExposureRows(*workspace, name));
               if (!def && exposures.rows.empty()) return loaded.status();
             }
             ResultsQuery query;
             for (const auto& [k, v] : req.params) {
               if (k == "metric") query.metrics.push_back(v);
             }
             if (req.has_param("window_days")) {
               double days = 0;
               try {
                 days = std::stod(req.get_param_value("window_days"));
               } catch (...) {  // std::stod throws on bad input; answered as a Status below
                 days = -1;
               }
               if (!(days > 0) || !std::isfinite(days)) {
                 return InvalidArgument("window_days '" + req.get_param_value("window_days") +
                                        "': expected a positive number of days");
               }
               query.window_us = static_cast<int64_t>(days * 86'400'000'000.0);
             }
             return analytics_source->ExperimentResults(def, name, exposures, query);
           }));

  http.Get(R"(/v1/analytics/(retention|funnel|acquisition|lifecycle))",
           wrap("/v1/analytics", [this](const HttpRequest& req, int*) -> Result<json> {
             const std::string kind = req.matches[1].str();
             const QueryParams params = ParamsOf(req);
             if (kind == "retention") return analytics_source->Retention(params);
             if (kind == "funnel") return analytics_source->Funnel(params);
             if (kind == "lifecycle") return analytics_source->Lifecycle(params);
             std::vector<analytics::SpendRow> spend;
             {
               std::lock_guard<std::mutex> lock(workspace_mu);
               FW_ASSIGN_OR_RETURN(auto rows, workspace->Query(
                   "SELECT CAST(date - DATE '1970-01-01' AS BIGINT), channel, sum(spend) "
                   "FROM spend GROUP BY 1, 2 ORDER BY 1, 2"));
               for (const auto& row : rows.rows) {
                 spend.push_back({std::stoll(row[0].value_or("0")), row[1].value_or(""),
                                  std::stod(row[2].value_or("0"))});
               }
             }
             return analytics_source->Acquisition(spend, params);
           }));

  http.Get("/v1/alerts", wrap("/v1/alerts", [this](const HttpRequest&, int*) -> Result<json> {
    std::lock_guard<std::mutex> lock(alerts_mu);
    return json{{"alerts", alerts.ToJson()}, {"firing", alerts.num_firing()}};
  }));

  http.Get("/v1/alerts/rules", wrap("/v1/alerts/rules", [this](const HttpRequest&,
                                                               int*) -> Result<json> {
    std::vector<AlertRule> rules;
    {
      std::lock_guard<std::mutex> lock(workspace_mu);
      FW_ASSIGN_OR_RETURN(rules, ListAlertRules(*workspace));
    }
    json out = json::array();
    for (const AlertRule& r : rules) out.push_back(AlertRuleToJson(r));
    return json{{"rules", out}};
  }));

  http.Post("/v1/alerts/rules", wrap("/v1/alerts/rules", [this](const HttpRequest& req,
                                                                int* code) -> Result<json> {
    FW_ASSIGN_OR_RETURN(json body, ParseSmallJsonObject(req.body));
    FW_ASSIGN_OR_RETURN(std::string name, StringField(body, "name", true));
    FW_ASSIGN_OR_RETURN(std::string metric, StringField(body, "metric", true));
    FW_ASSIGN_OR_RETURN(std::string by, StringField(body, "by", false));
    FW_ASSIGN_OR_RETURN(std::string window, StringField(body, "window", true));
    // Numbers may come as JSON numbers or as text ("30%", "0.2"), as on the command line.
    auto text_field = [&](const std::string& field) -> Result<std::string> {
      if (auto it = body.find(field); it != body.end() && it->is_number()) return it->dump();
      return StringField(body, field, false);
    };
    FW_ASSIGN_OR_RETURN(std::string anomaly, StringField(body, "anomaly", false));
    FW_ASSIGN_OR_RETURN(std::string drop, text_field("drop"));
    AlertRule rule;
    if (!anomaly.empty()) {
      if (!drop.empty()) return InvalidArgument("drop and anomaly: give one, not both");
      AnomalyParamsText params;
      FW_ASSIGN_OR_RETURN(params.lambda, text_field("lambda"));
      FW_ASSIGN_OR_RETURN(params.sigma, text_field("sigma"));
      FW_ASSIGN_OR_RETURN(params.k, text_field("k"));
      FW_ASSIGN_OR_RETURN(params.h, text_field("h"));
      FW_ASSIGN_OR_RETURN(rule, MakeAnomalyRule(name, metric, by, anomaly, window, params));
    } else {
      if (drop.empty()) return InvalidArgument("drop: missing (or give anomaly: ewma|cusum)");
      FW_ASSIGN_OR_RETURN(rule, MakeAlertRule(name, metric, by, drop, window));
    }
    {
      std::lock_guard<std::mutex> lock(workspace_mu);
      FW_ASSIGN_OR_RETURN(rule, SaveAlertRule(*workspace, rule));
    }
    *code = 201;
    return AlertRuleToJson(rule);
  }));

  http.Delete(R"(/v1/alerts/rules/([^/]+))",
              wrap("/v1/alerts/rules/NAME", [this](const HttpRequest& req,
                                                   int*) -> Result<json> {
                const std::string name = req.matches[1].str();
                std::lock_guard<std::mutex> lock(workspace_mu);
                FW_RETURN_IF_ERROR(RemoveAlertRule(*workspace, name));
                return json{{"removed", name}};
              }));

  http.Get("/v1/summary", wrap("/v1/summary", [this](const HttpRequest&,
                                                     int*) -> Result<json> {
    FW_ASSIGN_OR_RETURN(const DataSummary d, analytics_source->Summary());
    const json bandit_list = bandits->List();
    return json{{"events", d.events},
                {"users", d.users},
                {"events_last_hour_of_data", d.events_last_hour},
                {"conversions", d.conversions},
                {"revenue", d.revenue},
                {"data_start", d.events ? json(FormatTimestamp(d.min_time_us)) : json()},
                {"data_end", d.events ? json(FormatTimestamp(d.max_time_us)) : json()},
                {"events_accepted_since_start", metrics.events_accepted()},
                {"frame_loaded_at", FormatTimestamp(d.as_of_us)},
                {"uptime_seconds", static_cast<double>(NowMicros() - started_us) / 1e6},
                {"bandits", bandit_list}};
  }));

  http.Get("/metrics", [this](const HttpRequest&, HttpResponse& res) {
    if (analytics_source->UsesHotFrame()) {  // on ClickHouse there is no frame to measure
      auto snapshot = frame.Get();
      metrics.SetGauge("flywheel_frame_events", static_cast<double>(snapshot->num_events()));
      metrics.SetGauge("flywheel_frame_users", static_cast<double>(snapshot->num_users()));
    }
    {
      std::lock_guard<std::mutex> lock(alerts_mu);
      for (const auto& [name, firing] : alerts.States()) {
        metrics.SetGauge("flywheel_alert_firing{alert=\"" + PromLabel(name) + "\"}", firing);
      }
    }
    std::string text = metrics.Render();
    if (analytics_source->UsesHotFrame()) {  // how the frame was kept up to date
      for (const auto& [name, value] :
           {std::pair{"flywheel_frame_merges_total", frame_merges.load()},
            std::pair{"flywheel_frame_reloads_total", frame_reloads.load()},
            std::pair{"flywheel_frame_update_failures_total", frame_reload_failures.load()}}) {
        text += std::string("# TYPE ") + name + " counter\n" + name + " " +
                std::to_string(value) + "\n";
      }
    }
    res.set_content(text, "text/plain; version=0.0.4");
    metrics.ObserveRequest("/metrics", 200, 0);
  });

  http.Get("/", [this](const HttpRequest& req, HttpResponse& res) {
    // The page itself holds no data, but without a valid session show the login form instead.
    const AuthDecision d = auth.Check(
        req.get_header_value("Authorization"),
        CookieValue(req.get_header_value("Cookie"), "fw_session"), Role::kRead, NowMicros());
    if (d.http_status != 200) {
      res.set_content(LoginHtml(false), "text/html; charset=utf-8");
      metrics.ObserveRequest("/", 200, 0);
      return;
    }
    res.set_content(DashboardHtml(), "text/html; charset=utf-8");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "img-src 'self' data:");  // data: for the empty favicon (no /favicon.ico 404)
    metrics.ObserveRequest("/", 200, 0);
  });

  // Routes that never wait on DuckDB, a commit or a scan answer on the event loop; every
  // other one runs on the worker pool (docs/server.md, "HTTP layer"). POST /v1/reward stays
  // off the loop: a reward for a decision already flushed looks it up in DuckDB.
  http.RunOnLoop({"/healthz", "/v1/decide", "/v1/assign", "/metrics"});

  // Unknown routes: a JSON 404 rather than an empty body.
  http.set_error_handler([](const HttpRequest&, HttpResponse& res) {
    if (!res.body.empty()) return;
    const Status st = res.status == 404 ? NotFound("no such route")
                      : res.status == 413 ? ResourceExhausted("request body too large")
                                          : InvalidArgument("bad request");
    res.set_content(ErrorJson(st, res.status), "application/json");
  });
}

}  // namespace fw::server
