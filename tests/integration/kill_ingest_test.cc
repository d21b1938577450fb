// SPDX-License-Identifier: Apache-2.0
//
// kill_ingest_test.cc: SIGKILL during an ingest leaves the workspace as it was before the file
// (all or nothing) and leaves no partial file behind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "flywheel/core/file_io.h"
#include "testing/cli_runner.h"

namespace fw {
namespace {

TEST(KillIngestTest, KilledIngestLeavesNoPartialState) {
  const auto dir = std::filesystem::temp_directory_path() / ("fw_kill_ingest_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string data = (dir / "data").string();
  ASSERT_EQ(testing::RunFlywheel("generate --users 30000 --seed 3 --out " + data).exit_code, 0);
  const std::string db = (dir / "w.db").string();
  const std::string events = data + "/events.csv";
  const std::string rejects = (dir / "rejects.csv").string();
  const auto truth = nlohmann::json::parse(*ReadFileBytes(data + "/truth.json"));
  const int64_t total = truth["counts"]["events"];

  int killed_runs = 0;
  // Kill at several points; each time the table must hold all rows or none.
  for (const int delay_ms : {150, 400, 900}) {
    std::filesystem::remove(db);
    std::filesystem::remove(db + ".wal");
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(FW_BINARY, FW_BINARY, "--db", db.c_str(), "ingest", "events", events.c_str(),
              "--rejects", rejects.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const bool was_running = ::kill(pid, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (was_running && WIFSIGNALED(status)) ++killed_runs;

    auto info = testing::RunFlywheel("--db " + db + " --json info");
    ASSERT_EQ(info.exit_code, 0) << info.out;
    const auto doc = nlohmann::json::parse(info.out);
    const int64_t n = doc["tables"]["events"];
    const int64_t logged = doc["tables"]["ingest_log"];
    EXPECT_TRUE((n == 0 && logged == 0) || (n == total && logged == 1)) << n;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      EXPECT_EQ(name.find(".tmp."), std::string::npos) << "partial file left: " << name;
    }
  }
  EXPECT_GE(killed_runs, 1) << "the ingest finished before every kill; the test proved nothing";
}

}  // namespace
}  // namespace fw
