// SPDX-License-Identifier: Apache-2.0
//
// alert_rules_test.cc: parsing and storing user drop rules, and their signals over a frame.
#include "flywheel/server/alert_rules.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "alerts.h"
#include "flywheel/server/api_keys.h"
#include "flywheel/server/server.h"

namespace fw::server {
namespace {

constexpr int64_t kHourUs = 3'600'000'000LL;

TEST(AlertRulesTest, MakeAlertRuleParsesAndValidates) {
  auto rule = MakeAlertRule("low", "conversion:purchase", "channel", "30%", "1h");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_DOUBLE_EQ(rule->drop_share, 0.3);
  EXPECT_EQ(rule->window_us, kHourUs);
  EXPECT_TRUE(MakeAlertRule("r", "revenue", "", "0.5", "30m").ok());
  EXPECT_TRUE(MakeAlertRule("r", "revenue", "", "100%", "30m").ok());
  for (const char* drop : {"0", "0%", "101%", "1.5", "-1%", "x", "", "nan%"}) {
    EXPECT_EQ(MakeAlertRule("r", "revenue", "", drop, "1h").status().code(),
              StatusCode::kInvalidArgument) << drop;
  }
  EXPECT_FALSE(MakeAlertRule("r", "clicks", "", "30%", "1h").ok());
  EXPECT_FALSE(MakeAlertRule("r", "conversion:", "", "30%", "1h").ok());
  EXPECT_FALSE(MakeAlertRule("r", "revenue", "country", "30%", "1h").ok());
  EXPECT_FALSE(MakeAlertRule("r", "revenue", "", "30%", "0h").ok());
  EXPECT_FALSE(MakeAlertRule("a b", "revenue", "", "30%", "1h").ok());
}

TEST(AlertRulesTest, SaveListRemove) {
  const auto dir = std::filesystem::temp_directory_path() / ("fw_alert_rules_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto ws = store::Workspace::Open((dir / "flywheel.db").string());
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  auto rule = MakeAlertRule("low", "conversion:purchase", "channel", "30%", "1h");
  ASSERT_TRUE(rule.ok());
  auto saved = SaveAlertRule(**ws, *rule);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_FALSE(saved->created_at.empty());
  EXPECT_EQ(SaveAlertRule(**ws, *rule).status().code(), StatusCode::kAlreadyExists);
  auto rules = ListAlertRules(**ws);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].by, "channel");
  EXPECT_EQ((*rules)[0].window_us, kHourUs);
  EXPECT_FALSE((*rules)[0].created_at.empty());
  EXPECT_TRUE(RemoveAlertRule(**ws, "low").ok());
  EXPECT_EQ(RemoveAlertRule(**ws, "low").code(), StatusCode::kNotFound);
  ws->reset();
  std::filesystem::remove_all(dir);
}

// 24 hours of 10 purchases per hour on two channels, then a last hour where email has 2.
store::EventFrame FrameWithEmailDrop() {
  store::EventFrame f;
  const uint32_t purchase = f.events.Intern("purchase");
  f.channels.Intern("");
  const uint32_t email = f.channels.Intern("email");
  const uint32_t social = f.channels.Intern("social");
  f.campaigns.Intern("");
  auto add = [&](int64_t t, uint32_t channel) {
    f.time_us.push_back(t);
    f.event.push_back(purchase);
    f.channel.push_back(channel);
    f.campaign.push_back(0);
    f.revenue.push_back(10);
  };
  const int64_t end = 100 * kHourUs;
  for (int h = 1; h <= 24; ++h) {
    for (int i = 0; i < 10; ++i) {
      add(end - h * kHourUs - i * 1000, email);
      add(end - h * kHourUs - i * 1000, social);
    }
  }
  for (int i = 0; i < 10; ++i) add(end - i * 1000, social);
  for (int i = 0; i < 2; ++i) add(end - i * 1000 - 1, email);
  f.min_time_us = end - 25 * kHourUs;
  f.max_time_us = end;
  f.user_ids = {"u"};
  f.user_offsets = {0, f.time_us.size()};
  return f;
}

TEST(AlertRulesTest, ForgetRemovedRulesKeepsBuiltInsAndLiveRules) {
  AlertEngine engine;
  engine.Update({{"low[channel=email]", "drop", true, "", 0.8},
                 {"low[channel=social]", "drop", false, "", 0},
                 {"rev", "drop", true, "", 0.5},
                 {"conversion_drop:purchase", "conversion_drop", true, "", 0.4}}, 1);
  EXPECT_EQ(engine.ForgetRemovedRules({"rev"}), 2u);
  const auto states = engine.States();
  EXPECT_EQ(states.size(), 2u);
  EXPECT_TRUE(states.count("rev"));
  EXPECT_TRUE(states.count("conversion_drop:purchase"));
}

TEST(AlertRulesTest, FrameWindowSumsAreLabelledOldestFirst) {
  // The series every data source must return (ClickHouse's Backend::WindowSums mirrors it).
  const store::EventFrame frame = FrameWithEmailDrop();
  const WindowSeries by_channel = FrameWindowSums(frame, "conversion:purchase", "channel",
                                                  kHourUs, 25);
  ASSERT_EQ(by_channel.size(), 2u);
  ASSERT_TRUE(by_channel.count("email") && by_channel.count("social"));
  EXPECT_EQ(by_channel.at("email").size(), 25u);
  EXPECT_DOUBLE_EQ(by_channel.at("email").front(), 10);  // 24 hours ago, the oldest window
  EXPECT_DOUBLE_EQ(by_channel.at("email").back(), 2);    // the newest window
  const WindowSeries revenue = FrameWindowSums(frame, "revenue", "", kHourUs, 2);
  ASSERT_EQ(revenue.size(), 1u);
  EXPECT_DOUBLE_EQ(revenue.at("").back(), 120);  // 12 purchases of 10 in the last hour
  EXPECT_DOUBLE_EQ(revenue.at("")[0], 200);
  // Events without a campaign are labelled "none".
  const WindowSeries by_campaign = FrameWindowSums(frame, "conversion:purchase", "campaign",
                                                   kHourUs, 1);
  ASSERT_EQ(by_campaign.size(), 1u);
  EXPECT_DOUBLE_EQ(by_campaign.at("none")[0], 12);
  EXPECT_TRUE(FrameWindowSums(frame, "conversion:refund", "", kHourUs, 25).empty());
}

TEST(AlertRulesTest, RuleSignalsReturnTheSourcesError) {
  // A source that cannot answer (ClickHouse down) gives an error, never "no signal".
  auto rule = MakeAlertRule("low", "conversion:purchase", "", "30%", "1h");
  ASSERT_TRUE(rule.ok());
  const auto down = RuleSignals(*rule, [](const std::string&, const std::string&, int64_t,
                                          int) -> Result<WindowSeries> {
    return Unavailable("cannot reach ClickHouse");
  });
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
}

TEST(AlertRulesTest, DropRuleFiresPerChannel) {
  const store::EventFrame frame = FrameWithEmailDrop();
  auto by_channel = MakeAlertRule("low", "conversion:purchase", "channel", "30%", "1h");
  ASSERT_TRUE(by_channel.ok());
  const auto signals = RuleSignals(*by_channel, frame);
  ASSERT_EQ(signals.size(), 2u);
  for (const AlertSignal& s : signals) {
    EXPECT_EQ(s.kind, "drop");
    if (s.name == "low[channel=email]") {
      EXPECT_TRUE(s.firing);
      EXPECT_NEAR(s.value, 0.8, 1e-9);  // 2 vs 10 per hour
    } else {
      EXPECT_EQ(s.name, "low[channel=social]");
      EXPECT_FALSE(s.firing);
    }
  }
  // Over all channels: 12 vs 20 per hour is a 40% drop; revenue drops the same share.
  auto all = MakeAlertRule("all", "conversion:purchase", "", "50%", "1h");
  ASSERT_TRUE(all.ok());
  const auto total = RuleSignals(*all, frame);
  ASSERT_EQ(total.size(), 1u);
  EXPECT_NEAR(total[0].value, 0.4, 1e-9);
  EXPECT_FALSE(total[0].firing);
  auto revenue = MakeAlertRule("rev", "revenue", "", "40%", "1h");
  ASSERT_TRUE(revenue.ok());
  EXPECT_TRUE(RuleSignals(*revenue, frame).at(0).firing);
  // Unknown event: nothing to judge.
  auto missing = MakeAlertRule("m", "conversion:refund", "", "30%", "1h");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(RuleSignals(*missing, frame).empty());
}

// The API writes the same rows as the CLI, and a running server evaluates them: posted events
// with a per-channel drop in the last hour make the rule fire on GET /v1/alerts.
TEST(AlertRulesTest, ServerRoutesStoreRulesAndTheServerFiresThem) {
  using nlohmann::json;
  const auto dir = std::filesystem::temp_directory_path() / ("fw_alert_rules_server_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "flywheel.db").string();
  std::string admin, reader;
  {
    auto ws = store::Workspace::Open(db);
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    auto a = CreateApiKey(**ws, Role::kAdmin, "admin", kDefaultRatePerSecond);
    auto r = CreateApiKey(**ws, Role::kRead, "read", kDefaultRatePerSecond);
    ASSERT_TRUE(a.ok() && r.ok());
    admin = a->key;
    reader = r->key;
  }
  ServerOptions options;
  options.port = 0;
  options.db_path = db;
  options.quiet = true;
  options.frame_reload_ms = 50;
  options.alert_interval_ms = 50;
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_bearer_token_auth(admin);
  httplib::Client read_client("127.0.0.1", (*server)->port());
  read_client.set_bearer_token_auth(reader);

  const std::string rule =
      R"({"name":"low","metric":"conversion:purchase","by":"channel","drop":"30%","window":"1h"})";
  EXPECT_EQ(read_client.Post("/v1/alerts/rules", rule, "application/json")->status, 403);
  auto r = client.Post("/v1/alerts/rules", rule, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(client.Post("/v1/alerts/rules", rule, "application/json")->status, 409);
  r = client.Post("/v1/alerts/rules",
                  R"({"name":"x","metric":"clicks","drop":0.3,"window":"1h"})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("unknown metric"), std::string::npos) << r->body;
  r = read_client.Get("/v1/alerts/rules");
  ASSERT_EQ(r->status, 200);
  json rules = json::parse(r->body)["rules"];
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]["by"], "channel");
  EXPECT_DOUBLE_EQ(rules[0]["drop"].get<double>(), 0.3);
  EXPECT_TRUE(rules[0]["created_at"].is_string());

  // 24 hours of 10 purchases an hour on email and social, then a last hour with 2 on email.
  const int64_t end_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count() - 60;
  json events = json::array();
  auto add = [&](int64_t t, const char* channel) {
    // Appending, not "p" + to_string(...): GCC 12 warns falsely (-Wrestrict) on the latter.
    std::string event_id = "p", user_id = "u";
    event_id += std::to_string(events.size());
    user_id += std::to_string(events.size() % 50);
    events.push_back({{"event_id", event_id}, {"user_id", user_id},
                      {"event", "purchase"}, {"timestamp", t}, {"channel", channel}});
  };
  for (int h = 1; h <= 24; ++h) {
    for (int i = 0; i < 10; ++i) {
      add(end_s - h * 3600 - i, "email");
      add(end_s - h * 3600 - i, "social");
    }
  }
  for (int i = 0; i < 10; ++i) add(end_s - i, "social");
  for (int i = 0; i < 2; ++i) add(end_s - i, "email");
  r = client.Post("/v1/events", events.dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(json::parse(r->body)["accepted"], events.size());

  json email;
  for (int attempt = 0; attempt < 100 && email.is_null(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const json doc = json::parse(read_client.Get("/v1/alerts")->body);
    for (const auto& a : doc["alerts"]) {
      if (a["name"] == "low[channel=email]") email = a;
    }
  }
  ASSERT_FALSE(email.is_null()) << "the rule never produced a signal";
  EXPECT_EQ(email["state"], "firing") << email.dump();
  EXPECT_EQ(email["kind"], "drop");
  EXPECT_NEAR(email["value"].get<double>(), 0.8, 1e-9);

  EXPECT_EQ(client.Delete("/v1/alerts/rules/low")->status, 200);
  EXPECT_EQ(client.Delete("/v1/alerts/rules/low")->status, 404);
  // The removed rule's states leave /v1/alerts at the next round; the built-in ones stay.
  bool gone = false;
  for (int attempt = 0; attempt < 100 && !gone; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const json doc = json::parse(read_client.Get("/v1/alerts")->body);
    gone = true;
    for (const auto& a : doc["alerts"]) gone = gone && a["kind"] != "drop";
  }
  EXPECT_TRUE(gone) << "a removed rule still shows in /v1/alerts";
  EXPECT_TRUE((*server)->Stop().ok());
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::server
