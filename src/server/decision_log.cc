// SPDX-License-Identifier: Apache-2.0
//
// decision_log.cc: segment files of the decision log (see decision_log.h).
#include "decision_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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
  FW_RETURN_IF_ERROR(log->OpenSegment(first_seq, 0));
  return log;
}

DecisionLog::~DecisionLog() { Close(); }

std::string DecisionLog::PathOf(int64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%012lld.log", static_cast<long long>(seq));
  return (fs::path(dir_) / name).string();
}

Status DecisionLog::OpenSegment(int64_t seq, size_t min_bytes, Retired* retire_into) {
  const std::string path = PathOf(seq);
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open " + path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    Status err = Errno("cannot stat " + path);
    close(fd);
    return err;
  }
  // Segment numbers only grow (BanditService::Start starts above every file left), so a
  // segment with records in it is never reopened: appending after a torn last line would
  // turn it into a damaged middle line.
  if (st.st_size > 0) {
    close(fd);
    return FailedPrecondition("decision-log segment " + path + " already has records");
  }
  const size_t used = 0;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t capacity = std::max(kSegmentBytes, used + min_bytes);
  capacity = (capacity + page - 1) / page * page;
  // The blocks are reserved up front: a store into a mapped page the file system cannot back
  // would be a SIGBUS; a full disk is an error here instead, before anything is acknowledged.
  // On failure the file (empty: it had no records) is removed, so a retry (the next Append or
  // Seal) can open the same number again.
  auto give_up = [&](Status err) {
    close(fd);
    std::remove(path.c_str());
    return err;
  };
  if (const int err = posix_fallocate(fd, 0, static_cast<off_t>(capacity)); err != 0) {
    errno = err;
    return give_up(Errno("cannot reserve " + std::to_string(capacity) + " bytes for " + path));
  }
  void* map = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return give_up(Errno("cannot map " + path));
  if (fsync_ == Fsync::kEveryRecord && fdatasync(fd) != 0) {  // the reserved size is durable
    Status err = Errno("cannot fdatasync " + path);
    munmap(map, capacity);
    return give_up(err);
  }
  if (retire_into && fd_ >= 0) {
    Finish(*retire_into);  // an older handle not finished yet: finish it now
    *retire_into = Retired{fd_, map_, capacity_, used_};
    fd_ = -1;
  } else {
    FinishSegment();
  }
  fd_ = fd;
  seq_ = seq;
  map_ = static_cast<char*>(map);
  capacity_ = capacity;
  used_ = used;
  return OkStatus();
}

void DecisionLog::FinishSegment() {
  if (fd_ < 0) return;
  Retired current{fd_, map_, capacity_, used_};
  Finish(current);
  fd_ = -1;
  map_ = nullptr;
  capacity_ = used_ = 0;
}

void DecisionLog::Finish(Retired& r) {
  if (r.fd < 0) return;
  munmap(r.map, r.capacity);
  // Cut the reserved tail: a finished segment holds exactly its records.
  if (ftruncate(r.fd, static_cast<off_t>(r.used)) != 0) {
    // Left with a zero tail, which replay ignores.
  }
  close(r.fd);
  r = Retired();
}

Status DecisionLog::Append(std::string_view record) {
  if (fd_ < 0) return Unavailable("the decision log is closed (the server is stopping)");
  if (record.empty()) return OkStatus();
  if (used_ + record.size() > capacity_) {
    // Full (the flusher has not sealed for a while): continue in the next segment.
    FW_RETURN_IF_ERROR(OpenSegment(seq_ + 1, record.size()));
  }
  char* dst = map_ + used_;
  // The record's last byte (its '\n') is stored after the rest: a kill in the middle of the
  // copy leaves a last line without a newline, which replay knows to skip as torn.
  std::memcpy(dst, record.data(), record.size() - 1);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  dst[record.size() - 1] = record.back();
  used_ += record.size();
  if (fsync_ == Fsync::kEveryRecord) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t from = (dst - map_) / page * page;
    if (msync(map_ + from, used_ - from, MS_SYNC) != 0) {
      return Errno("cannot msync the decision log " + PathOf(seq_));
    }
  }
  return OkStatus();
}

void DecisionLog::Close() {
  if (fd_ < 0) return;
  const bool empty = used_ == 0;
  const std::string path = PathOf(seq_);
  FinishSegment();
  if (empty) std::remove(path.c_str());
}

Result<int64_t> DecisionLog::Seal(Retired* retired) {
  if (fd_ < 0) return FailedPrecondition("the decision log is closed");
  const int64_t sealed = seq_;
  FW_RETURN_IF_ERROR(OpenSegment(sealed + 1, 0, retired));
  return sealed;
}

void DecisionLog::RemoveUpTo(int64_t seq) {
  auto segments = List(dir_);
  if (!segments.ok()) return;  // left for the next round or the next start's replay
  for (const Segment& s : *segments) {
    if (s.seq <= seq) std::remove(s.path.c_str());  // never the current one: it is newer
  }
}

}  // namespace fw::server
