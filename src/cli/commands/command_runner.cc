// SPDX-License-Identifier: Apache-2.0
//
// command_runner.cc: in-process re-entry into the command layer (see command_runner.h).
#include "command_runner.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <sstream>

#include "cli_context.h"

namespace fw::cli {
namespace {

// Restores std::cout's buffer however the command returns.
class CoutCapture {
 public:
  CoutCapture() : previous_(std::cout.rdbuf(captured_.rdbuf())) {}
  ~CoutCapture() { std::cout.rdbuf(previous_); }
  CoutCapture(const CoutCapture&) = delete;
  CoutCapture& operator=(const CoutCapture&) = delete;
  std::string text() const { return captured_.str(); }

 private:
  std::ostringstream captured_;
  std::streambuf* previous_;
};

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
}

}  // namespace

Result<nlohmann::json> RunCommandJson(const std::string& db, const std::vector<std::string>& args) {
  // The same global options as main.cc, so the command sees what it would see from a shell.
  CLI::App app{"flywheel", "flywheel"};
  app.require_subcommand(1);
  CliContext ctx;
  app.add_option("--db", ctx.db_flag);
  app.add_flag("--json", ctx.json);
  app.fallthrough();
  RegisterAllCommands(app, ctx);

  std::vector<std::string> argv = {"--json"};
  if (!db.empty()) {
    argv.push_back("--db");
    argv.push_back(db);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  // CLI11 parses a reversed vector (it pops arguments from the back).
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return InvalidArgument("flywheel " + JoinArgs(args) + ": " + e.what());
  }
  if (!ctx.action) return InvalidArgument("flywheel " + JoinArgs(args) + ": no command given");

  std::string text;
  Status status;
  {
    CoutCapture capture;
    try {
      status = ctx.action();
    } catch (const std::exception& e) {
      status = Internal(std::string("unexpected exception: ") + e.what());
    }
    text = capture.text();
  }
  FW_RETURN_IF_ERROR(status);
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Internal("flywheel " + JoinArgs(args) + " --json printed no valid JSON document");
  }
  return doc;
}

}  // namespace fw::cli
