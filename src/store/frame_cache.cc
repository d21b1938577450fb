// SPDX-License-Identifier: Apache-2.0
//
// frame_cache.cc: write and read the EventFrame snapshot (layout in frame_cache.h).
#include "frame_cache.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "flywheel/core/file_io.h"
#include "flywheel/core/huge_pages.h"

namespace fw::store {
namespace {

constexpr char kMagic[8] = {'F', 'W', 'F', 'R', 'A', 'M', 'E', '\0'};
// Bump whenever EventFrame's layout or the loader's ordering rules change.
constexpr uint32_t kFormatVersion = 1;

template <typename T>
std::string_view Bytes(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

template <typename T>
std::string_view Bytes(const T& value) {
  return {reinterpret_cast<const char*>(&value), sizeof(T)};
}

// One string list: count, lengths, bytes. The lengths and bytes are built into `storage`.
void AppendStrings(const std::vector<std::string>& values, std::vector<std::string>* storage,
                   std::vector<std::string_view>* pieces) {
  std::string& head = storage->emplace_back();
  const uint64_t count = values.size();
  head.append(Bytes(count));
  std::string& body = storage->emplace_back();
  for (const std::string& v : values) {
    const auto length = static_cast<uint32_t>(v.size());
    head.append(Bytes(length));
    body.append(v);
  }
  pieces->push_back(head);
  pieces->push_back(body);
}

// Sequential reads that fail once and stay failed; `remaining` guards every allocation, so a
// damaged count cannot ask for more memory than the file holds.
class Reader {
 public:
  Reader(std::FILE* file, uint64_t size) : file_(file), remaining_(size) {}
  bool ok() const { return ok_; }

  bool Raw(void* out, uint64_t bytes) {
    if (!ok_ || bytes > remaining_ || (bytes > 0 && std::fread(out, 1, bytes, file_) != bytes)) {
      ok_ = false;
      return false;
    }
    remaining_ -= bytes;
    return true;
  }
  template <typename T>
  bool Value(T* out) { return Raw(out, sizeof(T)); }
  template <typename T>
  bool Array(std::vector<T>* out, uint64_t count) {
    if (!ok_ || count > remaining_ / sizeof(T)) return ok_ = false;
    ResizeOnHugePages(*out, count);  // a 300 MB frame otherwise spends its time in page faults
    return Raw(out->data(), count * sizeof(T));
  }
  bool Strings(std::vector<std::string>* out) {
    uint64_t count = 0;
    std::vector<uint32_t> lengths;
    if (!Value(&count) || !Array(&lengths, count)) return false;
    uint64_t total = 0;
    for (const uint32_t n : lengths) total += n;
    std::string bytes;
    if (total > remaining_) return ok_ = false;
    bytes.resize(total);
    if (!Raw(bytes.data(), total)) return false;
    out->clear();
    out->reserve(count);
    size_t at = 0;
    for (const uint32_t n : lengths) {
      out->emplace_back(bytes, at, n);
      at += n;
    }
    return true;
  }
  bool AtEnd() const { return ok_ && remaining_ == 0; }

 private:
  std::FILE* file_;
  uint64_t remaining_;
  bool ok_ = true;
};

// A dictionary from its values in code order; false if a value repeats.
bool RebuildDictionary(const std::vector<std::string>& values, Dictionary* dict) {
  for (const std::string& v : values) {
    if (dict->Intern(v) != dict->size() - 1) return false;
  }
  return true;
}

bool CodesBelow(const std::vector<uint32_t>& codes, size_t limit) {
  return std::all_of(codes.begin(), codes.end(), [&](uint32_t c) { return c < limit; });
}

}  // namespace

std::string FrameCachePath(const std::string& db_path) { return db_path + ".frame"; }

Status WriteFrameCache(const std::string& path, const std::string& fingerprint,
                       const EventFrame& frame) {
  std::vector<std::string> storage;
  storage.reserve(16);  // the pieces below point into these strings: no reallocation
  std::string& header = storage.emplace_back(kMagic, sizeof(kMagic));
  header.append(Bytes(kFormatVersion));
  header.append(Bytes(static_cast<uint32_t>(fingerprint.size())));
  header.append(fingerprint);
  header.append(Bytes(static_cast<uint64_t>(frame.num_users())));
  header.append(Bytes(static_cast<uint64_t>(frame.num_events())));
  header.append(Bytes(frame.min_time_us));
  header.append(Bytes(frame.max_time_us));
  std::vector<std::string_view> pieces = {header,
                                          Bytes(frame.user_offsets),
                                          Bytes(frame.time_us),
                                          Bytes(frame.event),
                                          Bytes(frame.channel),
                                          Bytes(frame.campaign),
                                          Bytes(frame.revenue)};
  AppendStrings(frame.user_ids, &storage, &pieces);
  AppendStrings(frame.events.values(), &storage, &pieces);
  AppendStrings(frame.channels.values(), &storage, &pieces);
  AppendStrings(frame.campaigns.values(), &storage, &pieces);
  // A power cut may lose the cache, never corrupt what a reader sees; it is rebuilt on a miss.
  return WriteFileAtomic(path, pieces, Durability::kAtomicOnly);
}

std::optional<EventFrame> ReadFrameCache(const std::string& path, const std::string& fingerprint) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return std::nullopt;
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0) return std::nullopt;
  Reader in(file.get(), static_cast<uint64_t>(st.st_size));

  char magic[sizeof(kMagic)] = {};
  uint32_t version = 0;
  uint32_t fingerprint_size = 0;
  if (!in.Raw(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0 ||
      !in.Value(&version) || version != kFormatVersion || !in.Value(&fingerprint_size) ||
      fingerprint_size != fingerprint.size()) {
    return std::nullopt;
  }
  std::string stored(fingerprint_size, '\0');
  if (!in.Raw(stored.data(), fingerprint_size) || stored != fingerprint) return std::nullopt;

  EventFrame frame;
  uint64_t num_users = 0;
  uint64_t num_events = 0;
  in.Value(&num_users);
  in.Value(&num_events);
  in.Value(&frame.min_time_us);
  in.Value(&frame.max_time_us);
  if (!in.ok() || num_users == UINT64_MAX) return std::nullopt;
  in.Array(&frame.user_offsets, num_users + 1);
  in.Array(&frame.time_us, num_events);
  in.Array(&frame.event, num_events);
  in.Array(&frame.channel, num_events);
  in.Array(&frame.campaign, num_events);
  in.Array(&frame.revenue, num_events);
  std::vector<std::string> events, channels, campaigns;
  in.Strings(&frame.user_ids);
  in.Strings(&events);
  in.Strings(&channels);
  in.Strings(&campaigns);
  if (!in.AtEnd() || frame.user_ids.size() != num_users) return std::nullopt;

  // The kernels index by these values without checks, so a damaged file must not get through.
  const auto& offsets = frame.user_offsets;
  if (offsets.front() != 0 || offsets.back() != num_events ||
      !std::is_sorted(offsets.begin(), offsets.end())) {
    return std::nullopt;
  }
  if (!RebuildDictionary(events, &frame.events) || !RebuildDictionary(channels, &frame.channels) ||
      !RebuildDictionary(campaigns, &frame.campaigns) || frame.channels.size() == 0 ||
      frame.channels.Value(0) != "" || frame.campaigns.size() == 0 ||
      frame.campaigns.Value(0) != "" || !CodesBelow(frame.event, frame.events.size()) ||
      !CodesBelow(frame.channel, frame.channels.size()) ||
      !CodesBelow(frame.campaign, frame.campaigns.size())) {
    return std::nullopt;
  }
  return frame;
}

}  // namespace fw::store
