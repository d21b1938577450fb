// SPDX-License-Identifier: Apache-2.0
//
// file_io.cc: file reads through zlib (which also reads plain files) and atomic writes.
#include "flywheel/core/file_io.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>
#include <unistd.h>

namespace fw {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<std::string> ReadGzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return DataLoss("cannot open '" + path + "': " + std::strerror(errno));
  gzbuffer(file, 1 << 20);
  std::string out;
  std::vector<char> buf(1 << 20);
  while (true) {
    const int n = gzread(file, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      std::string why = gzerror(file, &err);
      gzclose(file);
      return DataLoss("cannot decompress '" + path + "': " + why);
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  gzclose(file);
  return out;
}

}  // namespace

Result<std::string> ReadFileBytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("file '" + path + "' does not exist");
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgument("'" + path + "' is a folder, expected a file");
  }
  if (EndsWith(Lower(path), ".gz")) return ReadGzip(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return DataLoss("cannot open '" + path + "': " + std::strerror(errno));
  const auto size = std::filesystem::file_size(path, ec);
  std::string out;
  if (!ec) out.resize(size);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  if (static_cast<size_t>(in.gcount()) != out.size()) {
    return DataLoss("short read from '" + path + "'");
  }
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return DataLoss("cannot write '" + tmp + "': " + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return DataLoss("cannot write '" + tmp + "': " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return DataLoss("cannot rename '" + tmp + "' to '" + path + "': " + why);
  }
  return OkStatus();
}

std::string DataExtension(const std::string& path) {
  std::string name = Lower(std::filesystem::path(path).filename().string());
  if (EndsWith(name, ".gz")) name.resize(name.size() - 3);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? "" : name.substr(dot + 1);
}

Status CheckLooksLikeText(std::string_view bytes, const std::string& path) {
  const std::string_view head = bytes.substr(0, 65536);
  size_t odd = 0;
  for (const char ch : head) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) {
      return DataLoss("'" + path + "' looks binary (it contains NUL bytes); expected text");
    }
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') ++odd;
  }
  if (!head.empty() && odd * 10 > head.size()) {
    return DataLoss("'" + path + "' looks binary (control bytes); expected text");
  }
  return OkStatus();
}

}  // namespace fw
