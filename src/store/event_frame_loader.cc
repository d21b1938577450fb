// SPDX-License-Identifier: Apache-2.0
//
// event_frame_loader.cc: events table -> EventFrame, and the bulk dedup-key read.
//
// Sorting 10M rows by a string user_id inside DuckDB costs seconds, so the loader streams the
// table unsorted and groups in C++ instead:
//   1. read the distinct user ids, event names, channels and campaigns with DuckDB's 64-bit
//      hash() of each, then stream (hash(user_id), time, hash(event), hash(channel),
//      hash(campaign), revenue): integers only, so DuckDB copies no strings into the result and
//      the loader maps each hash to a dense code in a flat table. Should two distinct values
//      ever share a hash (or a row's hash be unknown), the loader falls back to streaming the
//      strings themselves and interning them (a one-entry cache makes runs cheap);
//   2. renumber users, event names, channels and campaigns in string order, so the frame is the
//      same whatever order the rows were ingested in ("" sorts first, so code 0 stays "none");
//   3. counting-sort rows by user (O(n)), then sort each user's few rows by
//      (time, event, channel, campaign, revenue) in parallel, and gather the columns.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iterator>
#include <numeric>
#include <tuple>

#include "duckdb_util.h"
#include "flywheel/core/hash.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/workspace.h"
#include "workspace_impl.h"

namespace fw::store {
namespace {

std::string_view View(duckdb_string_t* s) {
  return {duckdb_string_t_data(s), duckdb_string_t_length(*s)};
}

template <typename T>
T* Column(duckdb_data_chunk chunk, idx_t col) {
  return static_cast<T*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, col)));
}

// Interns strings with a one-entry cache: event logs repeat the same value in runs.
class CachedInterner {
 public:
  explicit CachedInterner(Dictionary* dict) : dict_(dict) {}
  uint32_t Code(std::string_view value) {
    if (has_last_ && value == last_) return last_code_;
    last_code_ = dict_->Intern(value);
    last_.assign(value);
    has_last_ = true;
    return last_code_;
  }

 private:
  Dictionary* dict_;
  std::string last_;
  uint32_t last_code_ = 0;
  bool has_last_ = false;
};

// Interns user ids: an open-addressing table of (hash, code) over strings kept in a deque, with
// the same one-entry cache. A node-based std::unordered_map spent more time allocating than
// hashing at a million users.
class UserInterner {
 public:
  UserInterner() : slots_(1024), mask_(1023) {}

  uint32_t Code(std::string_view value) {
    if (!values_.empty() && value == values_[last_code_]) return last_code_;
    if ((values_.size() + 1) * 2 > slots_.size()) Grow();
    const uint64_t hash = HashBytes64(value);
    size_t idx = hash & mask_;
    while (slots_[idx].code != kEmpty) {
      if (slots_[idx].hash == hash && values_[slots_[idx].code] == value) {
        return last_code_ = slots_[idx].code;
      }
      idx = (idx + 1) & mask_;
    }
    const auto code = static_cast<uint32_t>(values_.size());
    values_.emplace_back(value);
    slots_[idx] = {hash, code};
    return last_code_ = code;
  }

  std::deque<std::string>& values() { return values_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t code = kEmpty;
  };

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot());
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.code == kEmpty) continue;
      size_t idx = slot.hash & mask_;
      while (slots_[idx].code != kEmpty) idx = (idx + 1) & mask_;
      slots_[idx] = slot;
    }
  }

  std::deque<std::string> values_;
  std::vector<Slot> slots_;
  size_t mask_;
  uint32_t last_code_ = 0;
};

// Rebuilds `dict` in string order and returns old code -> new code.
std::vector<uint32_t> SortDictionary(Dictionary* dict) {
  std::vector<uint32_t> order(dict->size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return dict->Value(a) < dict->Value(b); });
  std::vector<uint32_t> remap(dict->size());
  Dictionary sorted;
  for (uint32_t rank = 0; rank < order.size(); ++rank) {
    remap[order[rank]] = rank;
    sorted.Intern(dict->Value(order[rank]));
  }
  *dict = std::move(sorted);
  return remap;
}

// Rows as scanned, before grouping.
struct ScannedRows {
  std::vector<uint32_t> user, event, channel, campaign;
  std::vector<int64_t> time_us;
  std::vector<double> revenue;
  std::vector<std::string> user_values;  // user code -> user_id
};

// DuckDB hash -> dense code, open addressing. Built once from the distinct values; Find is
// then read-only.
class HashCodes {
 public:
  // False if `hash` is already taken (two distinct values share a hash).
  bool Insert(uint64_t hash, uint32_t code) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t idx = Mix(hash) & mask_;
    while (slots_[idx].code != kEmpty) {
      if (slots_[idx].hash == hash) return false;
      idx = (idx + 1) & mask_;
    }
    slots_[idx] = {hash, code};
    ++size_;
    return true;
  }
  // kEmpty when unknown.
  uint32_t Find(uint64_t hash) const {
    if (slots_.empty()) return kEmpty;  // nothing inserted yet (e.g. a column of NULLs)
    size_t idx = Mix(hash) & mask_;
    while (slots_[idx].code != kEmpty) {
      if (slots_[idx].hash == hash) return slots_[idx].code;
      idx = (idx + 1) & mask_;
    }
    return kEmpty;
  }
  static constexpr uint32_t kEmpty = UINT32_MAX;
  // Starts loading the slot `hash` probes first: with a million users the table is far larger
  // than the caches, and a chunk's lookups are independent, so they can overlap.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Mix(hash) & mask_]);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t code = kEmpty;
  };
  // DuckDB's hashes are well mixed already; one multiply guards against clustered low bits.
  static uint64_t Mix(uint64_t h) { return (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL; }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot());
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.code == kEmpty) continue;
      size_t idx = Mix(slot.hash) & mask_;
      while (slots_[idx].code != kEmpty) idx = (idx + 1) & mask_;
      slots_[idx] = slot;
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// Reads `SELECT DISTINCT column, hash(column)` into `dict` (codes in first-seen order) and
// `codes`. False on a hash collision.
Result<bool> ReadDistinct(duckdb_connection con, const std::string& column, Dictionary* dict,
                          std::vector<std::string>* values, HashCodes* codes) {
  bool unique = true;
  FW_RETURN_IF_ERROR(StreamQuery(
      con, "SELECT " + column + ", hash(" + column + ") FROM events WHERE " + column +
               " IS NOT NULL GROUP BY " + column,
      [&](duckdb_data_chunk chunk) {
        const idx_t n = duckdb_data_chunk_get_size(chunk);
        auto* text = Column<duckdb_string_t>(chunk, 0);
        const auto* hash = Column<uint64_t>(chunk, 1);
        for (idx_t i = 0; i < n && unique; ++i) {
          uint32_t code = 0;
          if (dict) {
            code = dict->Intern(View(&text[i]));
          } else {
            code = static_cast<uint32_t>(values->size());
            values->emplace_back(View(&text[i]));
          }
          unique = codes->Insert(hash[i], code);
        }
      }));
  return unique;
}

// Step 1 on hashes. False (nothing usable in `rows`) when the fallback is needed.
Result<bool> ScanByHash(duckdb_connection con, EventFrame& frame, ScannedRows& rows) {
  // Tests set this to exercise the fallback, which real data reaches only on a hash collision.
  if (const char* force = std::getenv("FW_EVENT_FRAME_BY_STRING"); force && *force == '1') {
    return false;
  }
  HashCodes users, events, channels, campaigns;
  for (auto [column, dict, codes] :
       {std::tuple{"user_id", static_cast<Dictionary*>(nullptr), &users},
        std::tuple{"event", &frame.events, &events},
        std::tuple{"channel", &frame.channels, &channels},
        std::tuple{"campaign", &frame.campaigns, &campaigns}}) {
    FW_ASSIGN_OR_RETURN(const bool unique, ReadDistinct(con, column, dict, &rows.user_values, codes));
    if (!unique) return false;
  }
  bool complete = true;
  FW_RETURN_IF_ERROR(StreamQuery(
      con,
      "SELECT hash(user_id), epoch_us(ts), hash(event), "
      "CASE WHEN channel IS NULL THEN NULL ELSE hash(channel) END, "
      "CASE WHEN campaign IS NULL THEN NULL ELSE hash(campaign) END, revenue FROM events",
      [&](duckdb_data_chunk chunk) {
        if (!complete) return;  // the fallback will rescan; drain the stream
        const idx_t n = duckdb_data_chunk_get_size(chunk);
        const auto* user = Column<uint64_t>(chunk, 0);
        const auto* time = Column<int64_t>(chunk, 1);
        const auto* name = Column<uint64_t>(chunk, 2);
        const auto* chan = Column<uint64_t>(chunk, 3);
        const auto* camp = Column<uint64_t>(chunk, 4);
        const auto* rev = Column<double>(chunk, 5);
        // hash(NULL) is a value in DuckDB, so the query keeps absent channels and campaigns
        // NULL with a CASE, and the validity masks tell them apart.
        uint64_t* chan_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 3));
        uint64_t* camp_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 4));
        uint64_t* rev_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 5));
        uint64_t last_user = 0, last_name = 0, last_chan = 0;
        uint32_t last_user_code = HashCodes::kEmpty, last_name_code = HashCodes::kEmpty,
                 last_chan_code = HashCodes::kEmpty;
        constexpr idx_t kAhead = 16;  // rows between a user slot's prefetch and its lookup
        for (idx_t i = 0; i < std::min<idx_t>(n, kAhead); ++i) users.Prefetch(user[i]);
        for (idx_t i = 0; i < n; ++i) {
          if (i + kAhead < n) users.Prefetch(user[i + kAhead]);
          if (last_user_code == HashCodes::kEmpty || user[i] != last_user) {
            last_user = user[i];
            last_user_code = users.Find(user[i]);
          }
          if (last_name_code == HashCodes::kEmpty || name[i] != last_name) {
            last_name = name[i];
            last_name_code = events.Find(name[i]);
          }
          uint32_t chan_code = kNoValueCode;
          if (duckdb_validity_row_is_valid(chan_valid, i)) {
            if (last_chan_code == HashCodes::kEmpty || chan[i] != last_chan) {
              last_chan = chan[i];
              last_chan_code = channels.Find(chan[i]);
            }
            chan_code = last_chan_code;
          }
          uint32_t camp_code = kNoValueCode;
          if (duckdb_validity_row_is_valid(camp_valid, i)) camp_code = campaigns.Find(camp[i]);
          if (last_user_code == HashCodes::kEmpty || last_name_code == HashCodes::kEmpty ||
              chan_code == HashCodes::kEmpty || camp_code == HashCodes::kEmpty) {
            complete = false;  // a value the distinct pass did not see
            return;
          }
          rows.user.push_back(last_user_code);
          rows.time_us.push_back(time[i]);
          rows.event.push_back(last_name_code);
          rows.channel.push_back(chan_code);
          rows.campaign.push_back(camp_code);
          rows.revenue.push_back(duckdb_validity_row_is_valid(rev_valid, i) ? rev[i] : 0.0);
        }
      }));
  return complete;
}

// Step 1 on strings: the fallback.
Status ScanByString(duckdb_connection con, EventFrame& frame, ScannedRows& rows) {
  UserInterner user_codes;
  CachedInterner events(&frame.events), channels(&frame.channels), campaigns(&frame.campaigns);
  FW_RETURN_IF_ERROR(StreamQuery(
      con, "SELECT user_id, epoch_us(ts), event, channel, campaign, revenue FROM events",
      [&](duckdb_data_chunk chunk) {
        const idx_t n = duckdb_data_chunk_get_size(chunk);
        auto* user = Column<duckdb_string_t>(chunk, 0);
        auto* time = Column<int64_t>(chunk, 1);
        auto* name = Column<duckdb_string_t>(chunk, 2);
        auto* chan = Column<duckdb_string_t>(chunk, 3);
        auto* camp = Column<duckdb_string_t>(chunk, 4);
        auto* rev = Column<double>(chunk, 5);
        // NULL channel/campaign/revenue read as ""/0 through the validity masks (a COALESCE
        // in SQL would make DuckDB copy every string).
        uint64_t* chan_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 3));
        uint64_t* camp_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 4));
        uint64_t* rev_valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 5));
        for (idx_t i = 0; i < n; ++i) {
          rows.user.push_back(user_codes.Code(View(&user[i])));
          rows.time_us.push_back(time[i]);
          rows.event.push_back(events.Code(View(&name[i])));
          rows.channel.push_back(duckdb_validity_row_is_valid(chan_valid, i)
                                     ? channels.Code(View(&chan[i])) : kNoValueCode);
          rows.campaign.push_back(duckdb_validity_row_is_valid(camp_valid, i)
                                      ? campaigns.Code(View(&camp[i])) : kNoValueCode);
          rows.revenue.push_back(duckdb_validity_row_is_valid(rev_valid, i) ? rev[i] : 0.0);
        }
      }));
  rows.user_values.assign(std::make_move_iterator(user_codes.values().begin()),
                          std::make_move_iterator(user_codes.values().end()));
  return OkStatus();
}

}  // namespace

Result<EventFrame> Workspace::BuildEventFrame() {
  EventFrame frame;
  frame.channels.Intern("");
  frame.campaigns.Intern("");
  ScannedRows rows;
  FW_ASSIGN_OR_RETURN(const int64_t expected, QueryInt("SELECT count(*) FROM events"));
  auto reserve = [&] {
    for (auto* column : {&rows.user, &rows.event, &rows.channel, &rows.campaign}) {
      column->reserve(static_cast<size_t>(expected));
    }
    rows.time_us.reserve(static_cast<size_t>(expected));
    rows.revenue.reserve(static_cast<size_t>(expected));
  };
  reserve();
  FW_ASSIGN_OR_RETURN(const bool by_hash, ScanByHash(impl_->con, frame, rows));
  if (!by_hash) {
    frame = EventFrame();
    frame.channels.Intern("");
    frame.campaigns.Intern("");
    rows = ScannedRows();
    reserve();
    FW_RETURN_IF_ERROR(ScanByString(impl_->con, frame, rows));
  }

  const size_t num_rows = rows.time_us.size();
  // Users in string order: sort the codes, then invert.
  std::vector<std::string>& user_values = rows.user_values;
  std::vector<uint32_t> user_order(user_values.size());
  std::iota(user_order.begin(), user_order.end(), 0u);
  std::sort(user_order.begin(), user_order.end(),
            [&](uint32_t a, uint32_t b) { return user_values[a] < user_values[b]; });
  std::vector<uint32_t> user_rank(user_values.size());
  frame.user_ids.reserve(user_values.size());
  for (uint32_t rank = 0; rank < user_order.size(); ++rank) {
    user_rank[user_order[rank]] = rank;
    frame.user_ids.push_back(std::move(user_values[user_order[rank]]));
  }
  const std::vector<uint32_t> event_rank = SortDictionary(&frame.events);
  const std::vector<uint32_t> channel_rank = SortDictionary(&frame.channels);
  const std::vector<uint32_t> campaign_rank = SortDictionary(&frame.campaigns);

  // Counting sort by user rank. Rows arrive in any user order, so the scatter is the one
  // random access per row: each row moves as one 32-byte record (half a cache line) rather
  // than as an index whose five columns would each be fetched at random later.
  const size_t num_users = frame.user_ids.size();
  frame.user_offsets.assign(num_users + 1, 0);
  for (size_t row = 0; row < num_rows; ++row) {
    rows.user[row] = user_rank[rows.user[row]];
    ++frame.user_offsets[rows.user[row] + 1];
  }
  for (size_t u = 0; u < num_users; ++u) frame.user_offsets[u + 1] += frame.user_offsets[u];
  struct Row {
    int64_t time_us;
    double revenue;
    uint32_t event, channel, campaign;
    bool operator<(const Row& o) const {
      return std::tie(time_us, event, channel, campaign, revenue) <
             std::tie(o.time_us, o.event, o.channel, o.campaign, o.revenue);
    }
  };
  std::vector<Row> grouped(num_rows);
  {
    std::vector<uint64_t> next(frame.user_offsets.begin(), frame.user_offsets.end() - 1);
    for (size_t row = 0; row < num_rows; ++row) {
      grouped[next[rows.user[row]]++] = {rows.time_us[row], rows.revenue[row],
                                         event_rank[rows.event[row]],
                                         channel_rank[rows.channel[row]],
                                         campaign_rank[rows.campaign[row]]};
    }
  }
  rows = ScannedRows();  // the scan's columns are no longer needed

  // No huge-page advice here, unlike the snapshot reader: measured, it doubled the system time
  // of this path (the kernel compacting memory for 2 MiB pages while the scan's columns live).
  frame.time_us.resize(num_rows);
  frame.event.resize(num_rows);
  frame.channel.resize(num_rows);
  frame.campaign.resize(num_rows);
  frame.revenue.resize(num_rows);
  ThreadPool pool;
  pool.ParallelFor(num_users, [&](size_t begin, size_t end, size_t) {
    for (size_t u = begin; u < end; ++u) {
      const auto first = grouped.begin() + static_cast<std::ptrdiff_t>(frame.user_offsets[u]);
      const auto last = grouped.begin() + static_cast<std::ptrdiff_t>(frame.user_offsets[u + 1]);
      // Logs usually arrive in time order, so most users need no sort at all.
      if (!std::is_sorted(first, last)) std::sort(first, last);
    }
  });
  pool.ParallelFor(num_rows, [&](size_t begin, size_t end, size_t) {
    for (size_t out = begin; out < end; ++out) {
      const Row& r = grouped[out];
      frame.time_us[out] = r.time_us;
      frame.event[out] = r.event;
      frame.channel[out] = r.channel;
      frame.campaign[out] = r.campaign;
      frame.revenue[out] = r.revenue;
    }
  });
  if (num_rows > 0) {
    const auto [min_it, max_it] = std::minmax_element(frame.time_us.begin(), frame.time_us.end());
    frame.min_time_us = *min_it;
    frame.max_time_us = *max_it;
  }
  return frame;
}

Result<std::vector<Hash128>> Workspace::LoadDedupKeys(const std::string& table) {
  if (table != "events" && table != "spend" && table != "exposures") {
    return InvalidArgument("table '" + table + "' has no dedup keys");
  }
  std::vector<Hash128> keys;
  FW_RETURN_IF_ERROR(StreamQuery(impl_->con, "SELECT key_hi, key_lo FROM " + table,
                                 [&](duckdb_data_chunk chunk) {
                                   const idx_t n = duckdb_data_chunk_get_size(chunk);
                                   const auto* hi = Column<uint64_t>(chunk, 0);
                                   const auto* lo = Column<uint64_t>(chunk, 1);
                                   for (idx_t i = 0; i < n; ++i) keys.push_back({hi[i], lo[i]});
                                 }));
  return keys;
}

}  // namespace fw::store
