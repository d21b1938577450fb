// SPDX-License-Identifier: Apache-2.0
//
// cli_runner.h: runs the `flywheel` binary in integration tests and captures its output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace fw::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout (stderr goes to the test log)
};

// Runs `FW_BINARY args` through the shell. `args` must be shell-quoted by the caller.
inline CliRun RunFlywheel(const std::string& args) {
  CliRun run;
  const std::string command = std::string(FW_BINARY) + " " + args;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace fw::testing
