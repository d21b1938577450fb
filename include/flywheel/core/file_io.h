// SPDX-License-Identifier: Apache-2.0
//
// file_io.h: whole-file reads (with transparent .gz) and atomic writes.
//
// Thread safety: pure functions over the file system.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "flywheel/core/result.h"

namespace fw {

// Reads a whole file into memory. A name ending in ".gz" is gunzipped. Returns kNotFound if the
// file does not exist and kDataLoss if it cannot be read or decompressed.
Result<std::string> ReadFileBytes(const std::string& path);

// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
// crash leaves either the old file or the new one, never a partial file.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

// How WriteFileAtomic treats power loss.
enum class Durability {
  kFsync,     // fsync before linking: the file survives a power cut (about 100 MB/s here)
  kAtomicOnly // no fsync: still never partial after a crash of the process, but a power cut
              // may lose it; for outputs that can be regenerated, such as generated data
};

// The same, writing `pieces` one after another (no need to concatenate large outputs first).
Status WriteFileAtomic(const std::string& path, std::span<const std::string_view> pieces,
                       Durability durability = Durability::kFsync);

// The path's extension after stripping ".gz", lower-cased, e.g. "data/x.CSV.gz" -> "csv".
std::string DataExtension(const std::string& path);

// If the first 64 KiB of `bytes` look binary (a NUL byte, or more than 10% bytes that are neither
// printable ASCII, whitespace nor part of UTF-8), returns a kDataLoss status naming `path`.
Status CheckLooksLikeText(std::string_view bytes, const std::string& path);

}  // namespace fw
