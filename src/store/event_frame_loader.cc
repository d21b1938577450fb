// SPDX-License-Identifier: Apache-2.0
//
// event_frame_loader.cc: events table -> EventFrame.
//
// DuckDB sorts (user_id, ts, event, key) in parallel; we then stream the result chunk by chunk.
// Because rows arrive sorted by user_id, a new user is simply a change of user_id, so no hash
// map over users is needed; the few distinct event/channel/campaign names go through small
// dictionaries with a last-value cache.
#include <algorithm>
#include <cstring>

#include "duckdb_util.h"
#include "flywheel/store/workspace.h"
#include "workspace_impl.h"

namespace fw::store {
namespace {

std::string_view View(duckdb_string_t* s) {
  return {duckdb_string_t_data(s), duckdb_string_t_length(*s)};
}

// Interns strings with a one-entry cache: event logs repeat the same few names in runs.
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

}  // namespace

Result<EventFrame> Workspace::LoadEventFrame() {
  ResultHolder holder;
  const char* sql =
      "SELECT user_id, epoch_us(ts), event, COALESCE(channel, ''), COALESCE(campaign, ''), "
      "COALESCE(revenue, 0.0) FROM events ORDER BY user_id, ts, event, key_hi, key_lo";
  if (duckdb_query(impl_->con, sql, holder.get()) == DuckDBError) {
    return StatusFromDuckDbError("loading events", duckdb_result_error(holder.get()));
  }
  EventFrame frame;
  frame.channels.Intern("");
  frame.campaigns.Intern("");
  const idx_t total = duckdb_row_count(holder.get());
  frame.time_us.reserve(total);
  frame.event.reserve(total);
  frame.channel.reserve(total);
  frame.campaign.reserve(total);
  frame.revenue.reserve(total);
  CachedInterner events(&frame.events), channels(&frame.channels), campaigns(&frame.campaigns);
  std::string last_user;
  bool have_user = false;
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*holder.get());
    if (chunk == nullptr) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    auto* users = static_cast<duckdb_string_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
    auto* times =
        static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1)));
    auto* names = static_cast<duckdb_string_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 2)));
    auto* chans = static_cast<duckdb_string_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 3)));
    auto* camps = static_cast<duckdb_string_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 4)));
    auto* revenue =
        static_cast<double*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 5)));
    for (idx_t i = 0; i < n; ++i) {
      const std::string_view user = View(&users[i]);
      if (!have_user || user != last_user) {
        frame.user_offsets.push_back(frame.time_us.size());
        frame.user_ids.emplace_back(user);
        last_user.assign(user);
        have_user = true;
      }
      frame.time_us.push_back(times[i]);
      frame.event.push_back(events.Code(View(&names[i])));
      frame.channel.push_back(channels.Code(View(&chans[i])));
      frame.campaign.push_back(campaigns.Code(View(&camps[i])));
      frame.revenue.push_back(revenue[i]);
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  frame.user_offsets.push_back(frame.time_us.size());
  if (!frame.time_us.empty()) {
    frame.min_time_us = frame.time_us[0];
    frame.max_time_us = frame.time_us[0];
    for (const int64_t t : frame.time_us) {
      frame.min_time_us = std::min(frame.min_time_us, t);
      frame.max_time_us = std::max(frame.max_time_us, t);
    }
  }
  return frame;
}

Result<std::vector<Hash128>> Workspace::LoadDedupKeys(const std::string& table) {
  if (table != "events" && table != "spend" && table != "exposures") {
    return InvalidArgument("table '" + table + "' has no dedup keys");
  }
  ResultHolder holder;
  const std::string sql = "SELECT key_hi, key_lo FROM " + table;
  if (duckdb_query(impl_->con, sql.c_str(), holder.get()) == DuckDBError) {
    return StatusFromDuckDbError("loading keys of " + table, duckdb_result_error(holder.get()));
  }
  std::vector<Hash128> keys;
  keys.reserve(duckdb_row_count(holder.get()));
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*holder.get());
    if (chunk == nullptr) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    const auto* hi =
        static_cast<uint64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
    const auto* lo =
        static_cast<uint64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1)));
    for (idx_t i = 0; i < n; ++i) keys.push_back({hi[i], lo[i]});
    duckdb_destroy_data_chunk(&chunk);
  }
  return keys;
}

}  // namespace fw::store
