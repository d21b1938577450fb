// SPDX-License-Identifier: Apache-2.0
//
// frame_cache.h: a binary snapshot of the EventFrame beside the workspace file.
//
// Building the frame from the events table costs seconds at 10M events (DuckDB scan, grouping
// by user, per-user sort); reading the same columns back from a flat file costs a tenth of
// that. So LoadEventFrame keeps the last frame it built in "<workspace>.frame", keyed by a
// fingerprint of the events table, and reuses it while the fingerprint matches.
//
// The fingerprint is the row count and the XOR of each half of the 128-bit dedup keys
// (key_hi, key_lo), read in the same transaction as the scan that built the frame. Flywheel
// only ever adds rows whose key is new (ingest and serve deduplicate), and each added row
// changes the count and, but for a 2^-128 chance, the XOR. An UPDATE or DELETE through
// `flywheel sql --write` might not, which is why that command drops the cache
// (Workspace::DropFrameCache).
//
// File layout (native byte order; the header names the format version, so a file written by
// another version or machine layout is simply a miss):
//   "FWFRAME\0", u32 format version, u32 fingerprint length, fingerprint bytes,
//   u64 num_users, u64 num_events, i64 min_time_us, i64 max_time_us,
//   user_offsets[num_users + 1] (u64), time_us[] (i64), event[], channel[], campaign[] (u32),
//   revenue[] (f64), then four string lists (user_ids, events, channels, campaigns), each
//   u64 count, u32 lengths[count], then the bytes.
// Written to a temporary file and renamed, so a reader sees the old file or the new one.
// Reading checks every size and code against the header, so a damaged file is a miss too.
#pragma once

#include <optional>
#include <string>

#include "flywheel/core/result.h"
#include "flywheel/store/event_frame.h"

namespace fw::store {

// "<db_path>.frame".
std::string FrameCachePath(const std::string& db_path);

// Writes `frame` with its fingerprint. Errors are the caller's to ignore: it is only a cache.
Status WriteFrameCache(const std::string& path, const std::string& fingerprint,
                       const EventFrame& frame);

// The cached frame if `path` holds a valid snapshot for `fingerprint`, else nullopt.
std::optional<EventFrame> ReadFrameCache(const std::string& path, const std::string& fingerprint);

}  // namespace fw::store
