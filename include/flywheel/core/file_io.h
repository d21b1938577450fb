// SPDX-License-Identifier: Apache-2.0
//
// file_io.h: whole-file reads (with transparent .gz) and atomic writes.
//
// Thread safety: pure functions over the file system.
#pragma once

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

// The path's extension after stripping ".gz", lower-cased, e.g. "data/x.CSV.gz" -> "csv".
std::string DataExtension(const std::string& path);

// If the first 64 KiB of `bytes` look binary (a NUL byte, or more than 10% bytes that are neither
// printable ASCII, whitespace nor part of UTF-8), returns a kDataLoss status naming `path`.
Status CheckLooksLikeText(std::string_view bytes, const std::string& path);

}  // namespace fw
