// SPDX-License-Identifier: Apache-2.0
//
// server_cli_test.cc: `flywheel serve` as a real process on 127.0.0.1 with a non-default port
// and a temp workspace. Every endpoint is exercised over HTTP, the server is stopped by its PID
// with SIGTERM (never pkill), and the CLI then sees what the server stored and agrees with it
// (same assignment hash). A crash loop kills -9 the server while a client posts batches and
// checks, after each restart, that every acknowledged event is stored exactly once.
// Waiting for the port is a bounded retry; nothing sleeps a fixed time and hopes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::string Cli(const std::string& args, int* exit_code = nullptr) {
  const std::string cmd = std::string(FW_BINARY) + " " + args + " 2>/dev/null";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, got);
  const int status = pclose(pipe);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// A port that was free a moment ago (bind to 0, read it back, close).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ServerProcess {
 public:
  ServerProcess(const std::string& db, int port) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string port_text = std::to_string(port);
      execl(FW_BINARY, FW_BINARY, "--db", db.c_str(), "serve", "--port", port_text.c_str(),
            "--quiet", "--frame-reload-ms", "100", "--alert-interval-ms", "100",
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) Kill(SIGKILL);
  }
  // Polls /healthz for up to 15 s.
  bool WaitReady() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(0, 200000);
    for (int attempt = 0; attempt < 150; ++attempt) {
      if (auto r = client.Get("/healthz"); r && r->status == 200) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // Sends `sig` to this server's PID and reaps it; returns the exit code (or -signal).
  int Kill(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

std::string TempDb(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("fw_server_cli_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "flywheel.db").string();
}

// Creates an admin key in `db` with `flywheel keys create`, as a user would; "" on failure.
std::string AdminKey(const std::string& db) {
  int code = -1;
  const json doc = json::parse(Cli("--db " + db + " --json keys create --role admin --name test", &code),
                               nullptr, false);
  if (code != 0 || !doc.is_object() || !doc.contains("key")) return "";
  return doc["key"].get<std::string>();
}

json Parse(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

std::string Batch(int from, int to) {
  json arr = json::array();
  for (int i = from; i < to; ++i) {
    arr.push_back({{"event_id", "ev" + std::to_string(i)}, {"user_id", "user" + std::to_string(i % 13)},
                   {"timestamp", 1748772000 + i}, {"event", i % 5 == 0 ? "purchase" : "view"},
                   {"channel", i % 2 ? "email" : "social"}, {"revenue", i % 5 == 0 ? 10.0 : 0.0}});
  }
  return arr.dump();
}

TEST(ServerCliTest, EveryEndpointThenGracefulStop) {
  const std::string db = TempDb("endpoints");
  int code = -1;
  Cli("--db " + db + " bandit create promo --arms email,social,search --costs "
      "email:1,social:2,search:3 --budget 100", &code);
  ASSERT_EQ(code, 0);
  Cli("--db " + db + " experiment create checkout --variants control:0.5,treatment:0.5 "
      "--metric conversion:purchase", &code);
  ASSERT_EQ(code, 0);
  const std::string key = AdminKey(db);
  ASSERT_FALSE(key.empty()) << "flywheel keys create failed";
  const int port = FreePort();
  ServerProcess server(db, port);
  ASSERT_TRUE(server.WaitReady()) << "server did not answer /healthz on port " << port;
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(key);

  auto r = c.Post("/v1/events", Batch(0, 200), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Parse(r)["accepted"], 200);
  r = c.Post("/v1/events", Batch(100, 300), "application/json");
  EXPECT_EQ(Parse(r)["accepted"], 100);
  EXPECT_EQ(Parse(r)["duplicates"], 100);
  EXPECT_EQ(c.Post("/v1/events", "{\"user_id\": ", "application/x-ndjson")->status, 200);
  EXPECT_EQ(c.Post("/v1/events", "[1,", "application/json")->status, 400);

  r = c.Post("/v1/decide", R"({"bandit":"promo","user_id":"user1"})", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string decision = Parse(r)["decision_id"];
  r = c.Post("/v1/reward", json{{"decision_id", decision}, {"reward", 1.0}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(c.Post("/v1/reward", json{{"decision_id", "zzz"}, {"reward", 1.0}}.dump(),
                   "application/json")->status, 404);
  r = c.Get("/v1/bandits/promo");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(Parse(r)["pulls"], 1);

  std::map<std::string, std::string> served;
  for (int u = 0; u < 13; ++u) {
    const std::string user = "user" + std::to_string(u);
    r = c.Get(("/v1/assign?experiment=checkout&user_id=" + user).c_str());
    ASSERT_EQ(r->status, 200) << r->body;
    served[user] = Parse(r)["variant"];
  }
  for (const char* kind : {"retention", "acquisition", "lifecycle"}) {
    r = c.Get((std::string("/v1/analytics/") + kind + "?period=day").c_str());
    ASSERT_TRUE(r);
    // The frame reloads within 100 ms of the first post; retry briefly until it has data.
    for (int attempt = 0; attempt < 50 && r->status == 409; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      r = c.Get((std::string("/v1/analytics/") + kind + "?period=day").c_str());
    }
    EXPECT_EQ(r->status, 200) << kind << ": " << r->body;
  }
  r = c.Get("/v1/analytics/funnel?steps=view,purchase");
  EXPECT_EQ(r->status, 200) << r->body;
  for (int attempt = 0; attempt < 50; ++attempt) {
    r = c.Get("/v1/experiments/checkout/results");
    if (r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(c.Get("/v1/alerts")->status, 200);
  r = c.Get("/metrics");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("flywheel_bandit_decisions_total{bandit=\"promo\""), std::string::npos);
  r = c.Get("/");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("Flywheel"), std::string::npos);

  // While the server holds the workspace, the CLI says so instead of a raw lock error.
  Cli("--db " + db + " info", &code);
  EXPECT_NE(code, 0);

  EXPECT_EQ(server.Kill(SIGTERM), 0);
  const json info = json::parse(Cli("--json --db " + db + " sql \"SELECT count(*) AS n FROM events\""),
                                nullptr, false);
  ASSERT_TRUE(info.is_array()) << info.dump();
  EXPECT_EQ(info[0]["n"], 300) << info.dump();
  // The CLI's assignment agrees with what the server served.
  for (const auto& [user, variant] : served) {
    const json a = json::parse(
        Cli("--json --db " + db + " experiment assign --experiment checkout --user " + user),
        nullptr, false);
    EXPECT_EQ(a["assignments"][0]["variant"], variant) << user;
  }
  const json exposures = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n FROM exposures\""), nullptr, false);
  ASSERT_TRUE(exposures.is_array()) << exposures.dump();
  EXPECT_EQ(exposures[0]["n"], 13) << exposures.dump();
}

TEST(ServerCliTest, AcknowledgedEventsSurviveKill9ExactlyOnce) {
  const std::string db = TempDb("crash");
  int code = -1;
  Cli("--db " + db + " bandit create promo --arms email,social,search --costs "
      "email:1,social:2,search:3", &code);
  ASSERT_EQ(code, 0);
  const std::string key = AdminKey(db);
  ASSERT_FALSE(key.empty()) << "flywheel keys create failed";
  int acknowledged_upto = 0;  // events [0, acknowledged_upto) got a 2xx
  std::vector<std::string> acked_decisions;  // decide answered 2xx
  std::vector<std::string> acked_rewards;    // reward answered 2xx
  constexpr int kBatch = 50;
  for (int round = 0; round < 20; ++round) {
    const int port = FreePort();
    ServerProcess server(db, port);
    ASSERT_TRUE(server.WaitReady()) << "round " << round;
    // Post from a thread, kill -9 at a point that varies by round, while requests are in flight.
    // Each loop posts a batch, asks for a decision and rewards it, so the kill lands in any of
    // the three writes.
    std::atomic<bool> stop{false};
    std::atomic<int> acked{acknowledged_upto};
    std::vector<std::string> decisions, rewards;  // owned by the client thread until join
    std::thread client([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_bearer_token_auth(key);
      int next = acked.load();
      while (!stop) {
        auto r = c.Post("/v1/events", Batch(next, next + kBatch), "application/json");
        if (!r || r->status != 200) break;
        next += kBatch;
        acked = next;
        r = c.Post("/v1/decide", R"({"bandit":"promo","user_id":"u)" + std::to_string(next) +
                   R"("})", "application/json");
        if (!r || r->status != 200) break;
        const std::string id = Parse(r)["decision_id"];
        decisions.push_back(id);
        r = c.Post("/v1/reward", json{{"decision_id", id}, {"reward", 1.0}}.dump(),
                   "application/json");
        if (!r || r->status != 200) break;
        rewards.push_back(id);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 13 * round));
    server.Kill(SIGKILL);
    stop = true;
    client.join();
    acknowledged_upto = acked.load();
    acked_decisions.insert(acked_decisions.end(), decisions.begin(), decisions.end());
    acked_rewards.insert(acked_rewards.end(), rewards.begin(), rewards.end());
  }
  // Decisions and rewards acknowledged just before the last kill may be only in the decision
  // log; one more start replays it (what any restart does) and a SIGTERM flushes and stops.
  {
    const int port = FreePort();
    ServerProcess server(db, port);
    ASSERT_TRUE(server.WaitReady()) << "final restart";
    ASSERT_EQ(server.Kill(SIGTERM), 0);
  }
  EXPECT_TRUE(std::filesystem::is_empty(db + ".decisions"))
      << "a graceful stop leaves no decision-log segment behind";
  const json rows = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n, count(DISTINCT event_id) AS d, "
          "max(CAST(substr(event_id, 3) AS INTEGER)) AS m FROM events\"", &code),
      nullptr, false);
  ASSERT_EQ(code, 0) << rows.dump();
  ASSERT_TRUE(rows.is_array()) << rows.dump();
  ASSERT_GT(acknowledged_upto, 0);
  const long long n = rows[0]["n"].get<long long>();
  const long long d = rows[0]["d"].get<long long>();
  // Every acknowledged event is present, once; an unacknowledged one may be present too (its
  // commit landed but the answer was lost to the kill), but never twice.
  EXPECT_EQ(n, d) << "an event is stored twice: " << rows.dump();
  EXPECT_GE(n, acknowledged_upto) << rows.dump();
  const json missing = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n FROM range(" +
          std::to_string(acknowledged_upto) +
          ") t(i) WHERE NOT EXISTS (SELECT 1 FROM events WHERE event_id = 'ev' || i)\""),
      nullptr, false);
  ASSERT_TRUE(missing.is_array()) << missing.dump();
  EXPECT_EQ(missing[0]["n"], 0) << "acknowledged events lost after kill -9";

  // Bandit state and decisions survive: every acknowledged decision and reward is stored once,
  // decision ids were never reused across restarts, and the stored policy counts exactly the
  // stored rewards (state and reward row are written in one transaction).
  ASSERT_FALSE(acked_decisions.empty());
  const json dec = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n, count(DISTINCT decision_id) AS d "
          "FROM decisions\""), nullptr, false);
  ASSERT_TRUE(dec.is_array()) << dec.dump();
  EXPECT_EQ(dec[0]["n"], dec[0]["d"]) << "a decision id was reused after a restart";
  EXPECT_GE(dec[0]["n"].get<long long>(), static_cast<long long>(acked_decisions.size()));
  std::string ids;
  for (const auto& id : acked_decisions) ids += (ids.empty() ? "'" : ",'") + id + "'";
  const json found = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n FROM decisions WHERE decision_id IN (" +
          ids + ")\""), nullptr, false);
  ASSERT_TRUE(found.is_array()) << found.dump();
  EXPECT_EQ(found[0]["n"].get<size_t>(), acked_decisions.size()) << "acknowledged decision lost";
  const json rew = json::parse(
      Cli("--json --db " + db + " sql \"SELECT count(*) AS n, count(DISTINCT decision_id) AS d "
          "FROM rewards\""), nullptr, false);
  ASSERT_TRUE(rew.is_array()) << rew.dump();
  EXPECT_EQ(rew[0]["n"], rew[0]["d"]);
  EXPECT_GE(rew[0]["n"].get<size_t>(), acked_rewards.size());
  const json show = json::parse(Cli("--json --db " + db + " bandit show promo"), nullptr, false);
  ASSERT_TRUE(show.is_object()) << show.dump();
  EXPECT_EQ(show["pulls"], rew[0]["n"]) << "bandit state and rewards table disagree";
  EXPECT_EQ(show["decisions"], dec[0]["n"]) << "decision counter and decisions table disagree";
}

}  // namespace
