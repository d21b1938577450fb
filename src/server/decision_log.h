// SPDX-License-Identifier: Apache-2.0
//
// decision_log.h: the append-only files that make a bandit decision or reward durable before
// its answer, without a DuckDB transaction per request.
//
// The log is a directory of numbered segments (`<db>.decisions/000000000042.log`), each a
// sequence of '\n'-terminated records (format: bandit_state.h). Append() issues one write() per
// record on an O_APPEND descriptor, so once it returns the record is in the kernel's page
// cache: a killed process (kill -9, a crash) loses nothing it acknowledged. A machine crash or
// power loss can lose the records written since the kernel last flushed the page cache, unless
// the log was opened with Fsync::kEveryRecord (one fdatasync per record; far slower).
// Seal() closes the current segment and starts the next one; once the flusher has committed a
// sealed segment's records to DuckDB it calls RemoveUpTo().
//
// Thread safety: not thread-safe; the owner serialises Append/Seal (BanditService::mu_).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::server {

class DecisionLog {
 public:
  enum class Fsync { kNever, kEveryRecord };

  // The log directory of a workspace file ("" for ":memory:": no log).
  static std::string DirFor(const std::string& db_path);

  // Segments present in `dir`, ascending (a missing dir has none).
  struct Segment {
    int64_t seq = 0;
    std::string path;
  };
  static Result<std::vector<Segment>> List(const std::string& dir);

  // Opens `dir` (created if missing) and starts segment `first_seq`.
  static Result<std::unique_ptr<DecisionLog>> Open(const std::string& dir, int64_t first_seq,
                                                   Fsync fsync);
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Writes `record` (one or more whole lines) to the current segment.
  Status Append(std::string_view record);

  // Closes the current segment and opens the next; returns the closed segment's number.
  Result<int64_t> Seal();

  // Deletes sealed segments numbered <= seq.
  void RemoveUpTo(int64_t seq);

  // Closes the log; the current segment is deleted when nothing was written to it (a clean
  // stop leaves an empty directory). Append and Seal fail afterwards.
  void Close();

  int64_t current_seq() const { return seq_; }

 private:
  DecisionLog(std::string dir, Fsync fsync) : dir_(std::move(dir)), fsync_(fsync) {}
  Status OpenSegment(int64_t seq);
  std::string PathOf(int64_t seq) const;

  std::string dir_;
  Fsync fsync_;
  int fd_ = -1;
  int64_t seq_ = 0;
};

}  // namespace fw::server
