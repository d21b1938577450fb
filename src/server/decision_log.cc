// SPDX-License-Identifier: Apache-2.0
//
// decision_log.cc: segment files of the decision log (see decision_log.h).
#include "decision_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace fw::server {
namespace {

namespace fs = std::filesystem;

Status Errno(const std::string& what) {
  return Unavailable(what + ": " + std::strerror(errno));
}

}  // namespace

std::string DecisionLog::DirFor(const std::string& db_path) {
  if (db_path.empty() || db_path == ":memory:") return "";
  return db_path + ".decisions";
}

Result<std::vector<DecisionLog::Segment>> DecisionLog::List(const std::string& dir) {
  std::vector<Segment> out;
  std::error_code ec;
  if (dir.empty() || !fs::exists(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    // NNNNNNNNNNNN.log; anything else in the directory is not ours to read.
    if (name.size() != 16 || name.compare(12, 4, ".log") != 0 ||
        !std::all_of(name.begin(), name.begin() + 12, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back({std::stoll(name.substr(0, 12)), entry.path().string()});
  }
  if (ec) return Unavailable("cannot list the decision log " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) { return a.seq < b.seq; });
  return out;
}

Result<std::unique_ptr<DecisionLog>> DecisionLog::Open(const std::string& dir, int64_t first_seq,
                                                       Fsync fsync) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create the decision log " + dir + ": " + ec.message());
  std::unique_ptr<DecisionLog> log(new DecisionLog(dir, fsync));
  FW_RETURN_IF_ERROR(log->OpenSegment(first_seq));
  return log;
}

DecisionLog::~DecisionLog() {
  if (fd_ >= 0) close(fd_);
}

std::string DecisionLog::PathOf(int64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%012lld.log", static_cast<long long>(seq));
  return (fs::path(dir_) / name).string();
}

Status DecisionLog::OpenSegment(int64_t seq) {
  const std::string path = PathOf(seq);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open " + path);
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  seq_ = seq;
  return OkStatus();
}

Status DecisionLog::Append(std::string_view record) {
  if (fd_ < 0) return Unavailable("the decision log is closed (the server is stopping)");
  const char* p = record.data();
  size_t left = record.size();
  while (left > 0) {
    const ssize_t n = write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Errno("cannot write the decision log " + PathOf(seq_));
      // Part of the record may be in the file. Later records go to a fresh segment, so a torn
      // record can only be the last line of a segment, which replay knows to skip.
      if (p != record.data()) OpenSegment(seq_ + 1).IgnoreError();
      return st;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fsync_ == Fsync::kEveryRecord && fdatasync(fd_) != 0) {
    return Errno("cannot fdatasync the decision log " + PathOf(seq_));
  }
  return OkStatus();
}

void DecisionLog::Close() {
  if (fd_ < 0) return;
  struct stat st {};
  const bool empty = fstat(fd_, &st) == 0 && st.st_size == 0;
  close(fd_);
  fd_ = -1;
  if (empty) std::remove(PathOf(seq_).c_str());
}

Result<int64_t> DecisionLog::Seal() {
  if (fd_ < 0) return FailedPrecondition("the decision log is closed");
  const int64_t sealed = seq_;
  FW_RETURN_IF_ERROR(OpenSegment(sealed + 1));
  return sealed;
}

void DecisionLog::RemoveUpTo(int64_t seq) {
  auto segments = List(dir_);
  if (!segments.ok()) return;  // left for the next round or the next start's replay
  for (const Segment& s : *segments) {
    if (s.seq <= seq && s.seq != seq_) std::remove(s.path.c_str());
  }
}

}  // namespace fw::server
