// SPDX-License-Identifier: Apache-2.0
//
// server_test.cc: an in-process server on a free loopback port over a temp workspace, driven
// through httplib's client: every endpoint, the error statuses, dedup of retried events,
// durability across a stop/start, and graceful stop.
#include "flywheel/server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

#include "flywheel/bandit/policy.h"
#include "flywheel/bandit/serialize.h"
#include "flywheel/experiment/assignment.h"
#include "flywheel/server/api_keys.h"
#include "flywheel/store/workspace.h"

namespace fw::server {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fw_server_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "flywheel.db").string();
    auto ws = store::Workspace::Open(db_);
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    // A bandit as `flywheel bandit create promo --arms email,social --policy budgeted-ts
    // --costs email:1,social:2 --budget 3` stores it.
    bandit::PolicyConfig c;
    c.kind = "budgeted-ts";
    c.num_arms = 2;
    c.known_costs = {1.0, 2.0};
    c.budget = 3.0;
    auto policy = bandit::MakePolicy(c);
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    json def = {{"arms", {"email", "social"}}, {"seed", 7}, {"decisions", 0},
                {"config", json::parse(bandit::PolicyConfigToJson(c))}};
    ASSERT_TRUE((*ws)->Execute("INSERT INTO bandits VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
                               {std::string("promo"), def.dump(),
                                bandit::PolicyStateToJson((*policy)->Snapshot())}).ok());
    experiment::ExperimentDefinition e;
    e.name = "checkout";
    e.salt = "checkout";
    e.variants = {{"control", 0.5}, {"treatment", 0.5}};
    e.metrics = {"conversion:purchase"};
    ASSERT_TRUE((*ws)->Execute("INSERT INTO experiments VALUES (?, ?, current_timestamp::TIMESTAMP)",
                               {e.name, experiment::DefinitionToJson(e)}).ok());
    def_ = e;
    // One key per role; the shared client acts as admin, which may call every route.
    for (Role role : {Role::kAdmin, Role::kRead, Role::kWrite}) {
      auto key = CreateApiKey(**ws, role, std::string(RoleName(role)), kDefaultRatePerSecond);
      ASSERT_TRUE(key.ok()) << key.status().ToString();
      keys_[role] = key->key;
    }
    auto slow = CreateApiKey(**ws, Role::kWrite, "slow", 2.0);  // 2 requests per second
    ASSERT_TRUE(slow.ok());
    slow_key_ = slow->key;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartServer(int64_t frame_delta_max_events = 1'000'000) {
    ServerOptions o;
    o.frame_delta_max_events = frame_delta_max_events;
    o.port = 0;
    o.db_path = db_;
    o.quiet = true;
    o.frame_reload_ms = 50;
    o.alert_interval_ms = 50;
    o.max_events = 100;
    auto s = Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_bearer_token_auth(keys_[Role::kAdmin]);
  }
  // A client without credentials, or with `key`.
  std::unique_ptr<httplib::Client> ClientWith(const std::string& key) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    if (!key.empty()) c->set_bearer_token_auth(key);
    return c;
  }
  json Body(const httplib::Result& r) { return json::parse(r->body, nullptr, false); }

  std::filesystem::path dir_;
  std::string db_;
  experiment::ExperimentDefinition def_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  std::map<Role, std::string> keys_;
  std::string slow_key_;
};

std::string Events(int from, int to, const std::string& event = "view") {
  json arr = json::array();
  for (int i = from; i < to; ++i) {
    arr.push_back({{"event_id", "e" + std::to_string(i)}, {"user_id", "u" + std::to_string(i % 7)},
                   {"timestamp", 1748772000 + i * 60}, {"event", event}, {"channel", "email"}});
  }
  return arr.dump();
}

TEST_F(ServerTest, EventsAreDurableDedupedAndValidated) {
  StartServer();
  auto r = client_->Post("/v1/events", Events(0, 20), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["accepted"], 20);
  r = client_->Post("/v1/events", Events(10, 30), "application/json");  // a retry plus new ones
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(Body(r)["accepted"], 10);
  EXPECT_EQ(Body(r)["duplicates"], 10);
  const std::string ndjson =
      R"({"event_id":"bad1","user_id":"u1","timestamp":"yesterday","event":"view"})" "\n"
      R"({"event_id":"ok1","user_id":"u1","timestamp":"2025-06-01T00:00:00Z","event":"purchase","revenue":5})" "\n"
      R"({"user_id":"u1","event":"view"})";
  r = client_->Post("/v1/events", ndjson, "application/x-ndjson");
  ASSERT_EQ(r->status, 200);
  const json doc = Body(r);
  EXPECT_EQ(doc["accepted"], 1);
  ASSERT_EQ(doc["rejected"].size(), 2u);
  EXPECT_EQ(doc["rejected"][0]["index"], 0);
  EXPECT_EQ(doc["rejected"][0]["reason"], "bad_timestamp");
  EXPECT_EQ(doc["rejected"][1]["index"], 2);
  EXPECT_EQ(doc["rejected"][1]["reason"], "missing_field");
  EXPECT_EQ(client_->Post("/v1/events", "[{]", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/v1/events", "", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/v1/events", Events(0, 101), "application/json")->status, 413);
  ASSERT_TRUE(server_->Stop().ok());
  server_.reset();
  auto ws = store::Workspace::Open(db_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  EXPECT_EQ(*(*ws)->QueryInt("SELECT count(*) FROM events"), 31);
  EXPECT_EQ(*(*ws)->QueryInt("SELECT count(*) FROM rejects"), 2);
}

// The frame follows POST /v1/events by merging the committed rows (no rescan), and what the
// analytics see then equals what a full load of the same workspace gives after a restart.
TEST_F(ServerTest, FrameMergesNewEventsAndMatchesAFullReload) {
  auto metric = [&](const std::string& name) -> long long {
    const std::string body = client_->Get("/metrics")->body;
    const size_t at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
  };
  auto wait_for_events = [&](int n) {
    json summary;
    for (int attempt = 0; attempt < 200 && summary["events"] != n; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      summary = Body(client_->Get("/v1/summary"));
    }
    return summary["events"] == n;
  };
  auto analytics = [&] {
    json out;
    for (const char* path : {"/v1/analytics/retention?period=day&periods=3",
                             "/v1/analytics/funnel?steps=view,purchase,signup&window=30d",
                             "/v1/analytics/lifecycle?period=day", "/v1/analytics/acquisition"}) {
      auto r = client_->Get(path);
      EXPECT_EQ(r->status, 200) << path << ": " << r->body;
      out[path] = Body(r);
    }
    json summary = Body(client_->Get("/v1/summary"));
    for (const char* key : {"events", "users", "conversions", "revenue", "data_start", "data_end",
                            "events_last_hour_of_data"}) {
      out["summary"][key] = summary[key];
    }
    return out;
  };
  StartServer();
  ASSERT_EQ(client_->Post("/v1/events", Events(0, 40), "application/json")->status, 200);
  ASSERT_TRUE(wait_for_events(40));
  // New users sorting before ("a...") and between ("u3x") existing ones, same-instant ties, a
  // new event name sorting first ("add") and a new channel, and retries that must not count.
  json more = json::array();
  for (int i = 0; i < 30; ++i) {
    json e = {{"event_id", "m" + std::to_string(i)},
              {"user_id", i % 3 == 0 ? "a" + std::to_string(i % 4) : "u3x"},
              {"timestamp", 1748772000 + (i % 5) * 60},
              {"event", i % 2 ? "purchase" : (i % 3 ? "add" : "signup")}};
    if (i % 4) e["channel"] = i % 4 == 1 ? "ads" : "email";
    if (i % 5 == 0) e["revenue"] = 2.5 * i;
    more.push_back(e);
  }
  ASSERT_EQ(client_->Post("/v1/events", more.dump(), "application/json")->status, 200);
  ASSERT_EQ(client_->Post("/v1/events", Events(30, 45, "purchase"), "application/json")->status,
            200);  // 10 retries (same event_id) plus 5 new
  ASSERT_TRUE(wait_for_events(75));
  EXPECT_EQ(metric("flywheel_frame_reloads_total"), 1);  // only the one at start
  EXPECT_GE(metric("flywheel_frame_merges_total"), 2);
  EXPECT_EQ(metric("flywheel_frame_update_failures_total"), 0);
  const json merged = analytics();

  ASSERT_TRUE(server_->Stop().ok());
  server_.reset();
  StartServer();  // a full load of the same workspace
  EXPECT_EQ(metric("flywheel_frame_merges_total"), 0);
  EXPECT_EQ(analytics(), merged);
}

// Past its bound the delta is dropped and the frame is reloaded in full instead; the frame
// still ends up with every committed event exactly once.
TEST_F(ServerTest, FrameReloadsInFullWhenTheDeltaOverflows) {
  StartServer(/*frame_delta_max_events=*/10);
  auto metric = [&](const std::string& name) -> long long {
    const std::string body = client_->Get("/metrics")->body;
    const size_t at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
  };
  ASSERT_EQ(client_->Post("/v1/events", Events(0, 5), "application/json")->status, 200);
  json summary;
  for (int attempt = 0; attempt < 200 && summary["events"] != 5; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    summary = Body(client_->Get("/v1/summary"));
  }
  ASSERT_EQ(summary["events"], 5);
  EXPECT_EQ(metric("flywheel_frame_reloads_total"), 1);
  EXPECT_EQ(metric("flywheel_frame_merges_total"), 1);
  ASSERT_EQ(client_->Post("/v1/events", Events(5, 45), "application/json")->status, 200);  // 40 > 10
  for (int attempt = 0; attempt < 200 && summary["events"] != 45; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    summary = Body(client_->Get("/v1/summary"));
  }
  ASSERT_EQ(summary["events"], 45);
  EXPECT_EQ(metric("flywheel_frame_reloads_total"), 2);
  EXPECT_EQ(summary["users"], 7);
  // Merging resumes after the reload.
  ASSERT_EQ(client_->Post("/v1/events", Events(45, 48), "application/json")->status, 200);
  for (int attempt = 0; attempt < 200 && summary["events"] != 48; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    summary = Body(client_->Get("/v1/summary"));
  }
  ASSERT_EQ(summary["events"], 48);
  EXPECT_EQ(metric("flywheel_frame_merges_total"), 2);
  EXPECT_EQ(metric("flywheel_frame_reloads_total"), 2);
}

TEST_F(ServerTest, DecideRewardShowAndErrors) {
  StartServer();
  auto r = client_->Post("/v1/decide", R"({"bandit":"promo","user_id":"u1"})", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const json d = Body(r);
  EXPECT_EQ(d["decision_id"], "promo-1");
  EXPECT_TRUE(d["arm"] == "email" || d["arm"] == "social");
  EXPECT_GT(d["propensity"].get<double>(), 0.0);
  r = client_->Post("/v1/reward", json{{"decision_id", "promo-1"}, {"reward", 1}}.dump(),
                    "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["cost"], d["arm"] == "email" ? 1.0 : 2.0);
  EXPECT_EQ(client_->Post("/v1/reward", R"({"decision_id":"promo-1","reward":1})",
                          "application/json")->status, 409);
  EXPECT_EQ(client_->Post("/v1/reward", R"({"decision_id":"nope","reward":1})",
                          "application/json")->status, 404);
  EXPECT_EQ(client_->Post("/v1/reward", R"({"decision_id":"promo-1","reward":"x"})",
                          "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/v1/decide", R"({"bandit":"nope","user_id":"u1"})",
                          "application/json")->status, 404);
  EXPECT_EQ(client_->Post("/v1/decide", "{\"bandit\":", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/v1/decide", std::string(100, '[') + std::string(100, ']'),
                          "application/json")->status, 400);
  r = client_->Get("/v1/bandits/promo");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(Body(r)["pulls"], 1);
  EXPECT_EQ(Body(r)["arms"].size(), 2u);
  EXPECT_EQ(client_->Get("/v1/bandits/nope")->status, 404);
  EXPECT_EQ(client_->Get("/no/such/route")->status, 404);
  // Decisions survive a restart: the next id continues the sequence.
  ASSERT_TRUE(server_->Stop().ok());
  server_.reset();
  StartServer();
  r = client_->Post("/v1/decide", R"({"bandit":"promo","user_id":"u2"})", "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(Body(r)["decision_id"], "promo-2");
}

TEST_F(ServerTest, AssignMatchesTheLibraryAndLogsExposures) {
  StartServer();
  for (int i = 0; i < 5; ++i) {
    const std::string user = "user" + std::to_string(i);
    auto r = client_->Get("/v1/assign?experiment=checkout&user_id=" + user);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto a = experiment::Assign(def_, user);
    EXPECT_EQ(Body(r)["variant"], def_.variants[*a.variant_idx].name);
  }
  EXPECT_EQ(client_->Get("/v1/assign?experiment=nope&user_id=u")->status, 404);
  // The second miss is answered from the remembered name, with the same message.
  auto first = client_->Get("/v1/assign?experiment=nope2&user_id=u");
  auto again = client_->Get("/v1/assign?experiment=nope2&user_id=u");
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(again->body, first->body);
  EXPECT_NE(again->body.find("flywheel experiment create nope2"), std::string::npos);
  EXPECT_EQ(client_->Get("/v1/assign?experiment=checkout")->status, 400);
  ASSERT_TRUE(server_->Stop().ok());
  server_.reset();
  auto ws = store::Workspace::Open(db_);
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(*(*ws)->QueryInt("SELECT count(*) FROM exposures WHERE experiment = 'checkout'"), 5);
}

TEST_F(ServerTest, AnalyticsExperimentsAlertsMetricsDashboard) {
  StartServer();
  ASSERT_EQ(client_->Post("/v1/events", Events(0, 50), "application/json")->status, 200);
  ASSERT_EQ(client_->Post("/v1/events", Events(50, 60, "purchase"), "application/json")->status, 200);
  for (int i = 0; i < 7; ++i) {
    client_->Get("/v1/assign?experiment=checkout&user_id=u" + std::to_string(i));
  }
  // The frame reloads within frame_reload_ms; wait (bounded) until it holds the events.
  json summary;
  for (int attempt = 0; attempt < 100; ++attempt) {
    summary = Body(client_->Get("/v1/summary"));
    if (summary["events"] == 60) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(summary["events"], 60);
  EXPECT_EQ(summary["conversions"], 10);
  auto r = client_->Get("/v1/analytics/retention?period=day&periods=3");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["mode"], "recurring");
  r = client_->Get("/v1/analytics/funnel?steps=view,purchase&window=30d");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["steps"][0]["users"], 7);
  EXPECT_EQ(client_->Get("/v1/analytics/funnel?steps=view")->status, 400);
  r = client_->Get("/v1/analytics/acquisition");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["channels"][0]["channel"], "email");
  r = client_->Get("/v1/analytics/lifecycle?period=day");
  ASSERT_EQ(r->status, 200) << r->body;
  // Exposures are flushed with the next commit tick (<= 200 ms); wait, bounded.
  for (int attempt = 0; attempt < 50; ++attempt) {
    r = client_->Get("/v1/experiments/checkout/results");
    if (r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(Body(r).contains("srm"));
  EXPECT_EQ(client_->Get("/v1/experiments/nope/results")->status, 404);
  r = client_->Get("/v1/alerts");
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(Body(r)["alerts"].is_array());
  r = client_->Get("/metrics");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("flywheel_events_total{outcome=\"accepted\"} 60"), std::string::npos);
  EXPECT_NE(r->body.find("flywheel_http_request_seconds_bucket{route=\"/v1/events\""),
            std::string::npos);
  r = client_->Get("/");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<title>Flywheel live</title>"), std::string::npos);
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
}

TEST_F(ServerTest, BudgetAlertFires) {
  StartServer();
  // Budget 3: spend it with rewards at the arms' known costs.
  for (int i = 1; i <= 3; ++i) {
    auto d = client_->Post("/v1/decide", json{{"bandit", "promo"}, {"user_id", "u"}}.dump(),
                           "application/json");
    if (d->status != 200) break;  // the policy refuses once the budget is spent
    client_->Post("/v1/reward", json{{"decision_id", Body(d)["decision_id"]}, {"reward", 0}}.dump(),
                  "application/json");
  }
  json alerts;
  for (int attempt = 0; attempt < 100; ++attempt) {
    alerts = Body(client_->Get("/v1/alerts"));
    if (alerts["firing"].get<int>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto show = Body(client_->Get("/v1/bandits/promo"));
  if (show["remaining_budget"].is_number() && show["remaining_budget"].get<double>() <= 1e-9) {
    ASSERT_EQ(alerts["firing"], 1) << alerts.dump();
    EXPECT_EQ(alerts["alerts"][0]["name"], "budget:promo");
  }
}

TEST_F(ServerTest, KeysRolesSessionsAndRateLimits) {
  StartServer();
  // No key or a wrong key: 401 with a JSON error that does not echo the key.
  auto anon = ClientWith("");
  auto r = anon->Post("/v1/events", Events(0, 1), "application/json");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"flywheel\"");
  // The real key with its last hex digit changed (to a digit it cannot already be).
  std::string forged = keys_[Role::kAdmin];
  forged.back() = forged.back() == '0' ? '1' : '0';
  r = ClientWith(forged)->Get("/v1/alerts");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body.find(forged), std::string::npos);
  EXPECT_EQ(ClientWith("fwk_nope")->Get("/metrics")->status, 401);
  EXPECT_EQ(anon->Get("/metrics")->status, 401);
  EXPECT_EQ(anon->Get("/healthz")->status, 200);  // open
  // Roles: read sees analytics but may not write; write may post but not read analytics.
  auto reader = ClientWith(keys_[Role::kRead]);
  EXPECT_EQ(reader->Get("/v1/alerts")->status, 200);
  EXPECT_EQ(reader->Get("/metrics")->status, 200);
  EXPECT_EQ(reader->Post("/v1/events", Events(0, 1), "application/json")->status, 403);
  EXPECT_EQ(reader->Post("/v1/keys", R"({"role":"read"})", "application/json")->status, 403);
  auto writer = ClientWith(keys_[Role::kWrite]);
  EXPECT_EQ(writer->Post("/v1/events", Events(0, 1), "application/json")->status, 200);
  EXPECT_EQ(writer->Get("/v1/assign?experiment=checkout&user_id=u1")->status, 200);
  EXPECT_EQ(writer->Get("/v1/alerts")->status, 403);
  // Admin creates a key over the API; the new key works at once.
  r = client_->Post("/v1/keys", R"({"role":"read","name":"ops"})", "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(ClientWith(Body(r)["key"].get<std::string>())->Get("/v1/alerts")->status, 200);
  // The dashboard without a session shows the login form; a read key logs in and gets an
  // HttpOnly, SameSite=Strict cookie that then opens the dashboard and the API.
  r = anon->Get("/");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("action=\"/login\""), std::string::npos);
  httplib::Params bad{{"key", "fwk_000000000000_00"}};
  EXPECT_EQ(anon->Post("/login", bad)->status, 401);
  httplib::Params good{{"key", keys_[Role::kRead]}};
  r = anon->Post("/login", good);
  ASSERT_EQ(r->status, 303);
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  httplib::Headers with_cookie{{"Cookie", session}};
  r = anon->Get("/", with_cookie);
  EXPECT_NE(r->body.find("<title>Flywheel live</title>"), std::string::npos);
  EXPECT_EQ(anon->Get("/v1/alerts", with_cookie)->status, 200);
  httplib::Params write_key{{"key", keys_[Role::kWrite]}};
  EXPECT_EQ(anon->Post("/login", write_key)->status, 401);  // the dashboard needs read
  // Rate limit: a key allowed 2 requests per second gets 429 with Retry-After soon.
  auto slow = ClientWith(slow_key_);
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    r = slow->Get("/v1/assign?experiment=checkout&user_id=u1");
    if (r->status == 429) {
      ++limited;
      EXPECT_FALSE(r->get_header_value("Retry-After").empty());
    }
  }
  EXPECT_GE(limited, 5);
  // A header flood is refused, not parsed.
  httplib::Headers flood;
  for (int i = 0; i < 100; ++i) flood.emplace("X-Flood-" + std::to_string(i), "1");
  EXPECT_EQ(client_->Get("/v1/alerts", flood)->status, 431);
}

}  // namespace
}  // namespace fw::server
