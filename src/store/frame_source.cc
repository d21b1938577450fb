// SPDX-License-Identifier: Apache-2.0
//
// frame_source.cc: Workspace::LoadEventFrame, which reads the frame snapshot when it matches
// the events table and builds (and saves) the frame otherwise. See frame_cache.h.
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "flywheel/store/workspace.h"
#include "frame_cache.h"
#include "workspace_impl.h"

namespace fw::store {
namespace {

enum class CachePolicy { kOff, kBySize, kAlways };

CachePolicy PolicyFromEnvironment() {
  const char* value = std::getenv("FW_FRAME_CACHE");
  if (value == nullptr) return CachePolicy::kBySize;
  if (std::strcmp(value, "off") == 0 || std::strcmp(value, "0") == 0) return CachePolicy::kOff;
  if (std::strcmp(value, "always") == 0) return CachePolicy::kAlways;
  return CachePolicy::kBySize;
}

// Row count and the XOR of each half of the dedup keys, as one string (frame_cache.h says why
// that identifies the table's contents).
constexpr const char* kFingerprintSql =
    "SELECT count(*)::VARCHAR || ':' || coalesce(bit_xor(key_hi), 0)::VARCHAR || ':' || "
    "coalesce(bit_xor(key_lo), 0)::VARCHAR FROM events";

}  // namespace

Result<EventFrame> Workspace::LoadEventFrame(FrameCache cache) {
  last_frame_from_cache_ = false;
  const CachePolicy policy = PolicyFromEnvironment();
  if (cache == FrameCache::kBypass || policy == CachePolicy::kOff || path_ == ":memory:") {
    return BuildEventFrame();
  }

  // The fingerprint and the scan must see the same table: one transaction, unless the caller
  // already holds one.
  const bool own_transaction = !impl_->in_transaction;
  if (own_transaction) FW_RETURN_IF_ERROR(Begin());
  auto built = [&]() -> Result<std::pair<std::string, std::optional<EventFrame>>> {
    FW_ASSIGN_OR_RETURN(const QueryResult fingerprint_rows, Query(kFingerprintSql));
    std::string fingerprint = fingerprint_rows.rows.at(0).at(0).value_or("");
    const int64_t rows = std::strtoll(fingerprint.c_str(), nullptr, 10);
    if (policy == CachePolicy::kBySize && rows < kMinCachedEvents) {
      FW_ASSIGN_OR_RETURN(EventFrame frame, BuildEventFrame());
      return std::pair{std::string(), std::optional<EventFrame>(std::move(frame))};
    }
    if (auto cached = ReadFrameCache(FrameCachePath(path_), fingerprint)) {
      last_frame_from_cache_ = true;
      return std::pair{std::string(), std::move(cached)};
    }
    FW_ASSIGN_OR_RETURN(EventFrame frame, BuildEventFrame());
    return std::pair{std::move(fingerprint), std::optional<EventFrame>(std::move(frame))};
  }();
  if (own_transaction) {
    const Status ended = built.ok() ? Commit() : Rollback();
    if (built.ok() && !ended.ok()) return ended;
  }
  FW_RETURN_IF_ERROR(built.status());
  auto [fingerprint_to_save, frame] = std::move(built).value();
  if (!fingerprint_to_save.empty()) {
    // Only a cache: a read-only folder or a full disk costs speed on the next run, nothing else.
    WriteFrameCache(FrameCachePath(path_), fingerprint_to_save, *frame).IgnoreError();
  }
  return std::move(*frame);
}

void Workspace::DropFrameCache() {
  std::error_code ignored;
  std::filesystem::remove(FrameCachePath(path_), ignored);
}

}  // namespace fw::store
