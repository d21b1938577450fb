// SPDX-License-Identifier: Apache-2.0
//
// decision_log.h: the append-only files that make a bandit decision or reward durable before
// its answer, without a DuckDB transaction per request.
//
// The log is a directory of numbered segments (`<db>.decisions/000000000042.log`), each a
// sequence of '\n'-terminated records (format: bandit_state.h). A segment is reserved
// (posix_fallocate, kSegmentBytes) and mapped MAP_SHARED; Append() copies the record into the
// mapping, newline last, with no system call. The mapped pages are the kernel's page cache, so
// once Append returns the record is there exactly as after a write(): a killed process (kill
// -9, a crash) loses nothing it acknowledged. A machine crash or power loss can lose the
// records stored since the kernel last wrote the dirty pages back, unless the log was opened
// with Fsync::kEveryRecord (one msync per record; far slower).
// The reserved, not yet written tail of a segment reads as zero bytes: Seal() and Close() cut
// it off, and after a kill replay ignores it. A record cut short by a kill has no newline
// (that byte is stored last) and is the last line before the zeros, which replay skips.
// Seal() closes the current segment and starts the next one (Append does the same when a
// segment is full); once the flusher has committed a sealed segment's records to DuckDB it
// calls RemoveUpTo().
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
  // Reserved per segment: about 25k decisions, well above what one flush interval collects
  // at the measured decide rates (the flusher also seals at 20k pending records).
  static constexpr size_t kSegmentBytes = 4u << 20;

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

  // A sealed segment that is still mapped. Seal(&retired) hands the old segment over instead
  // of finishing it, so the owner can unmap it and cut its file (an ftruncate that took
  // milliseconds, under the lock every decide waits for) after releasing its lock.
  struct Retired {
    int fd = -1;
    char* map = nullptr;
    size_t capacity = 0;
    size_t used = 0;
  };

  // Opens the next segment and closes the current one (or, with `retired`, hands it over:
  // call Finish on it); returns the closed segment's number.
  Result<int64_t> Seal(Retired* retired = nullptr);
  // Unmaps a retired segment and cuts its file to its records. Thread-safe (touches only
  // `retired`); a no-op on an empty handle.
  static void Finish(Retired& retired);

  // Deletes sealed segments numbered <= seq. Reads only the directory, so it may run
  // concurrently with Append. Requires: seq < current_seq() (a sealed segment).
  void RemoveUpTo(int64_t seq);

  // Closes the log; the current segment is deleted when nothing was written to it (a clean
  // stop leaves an empty directory). Append and Seal fail afterwards.
  void Close();

  int64_t current_seq() const { return seq_; }

 private:
  DecisionLog(std::string dir, Fsync fsync) : dir_(std::move(dir)), fsync_(fsync) {}
  // Makes segment `seq` (with room for at least `min_bytes` more) the current one, then
  // finishes the previous one.
  Status OpenSegment(int64_t seq, size_t min_bytes, Retired* retire_into = nullptr);
  // Unmaps the current segment and cuts its file to the records written.
  void FinishSegment();
  std::string PathOf(int64_t seq) const;

  std::string dir_;
  Fsync fsync_;
  int fd_ = -1;
  int64_t seq_ = 0;
  char* map_ = nullptr;  // the current segment, capacity_ bytes
  size_t capacity_ = 0;
  size_t used_ = 0;      // bytes of whole records written
};

}  // namespace fw::server
