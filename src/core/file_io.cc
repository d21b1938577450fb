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
#include <fcntl.h>
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

namespace {

// Writes all of every piece to `fd`, in order.
bool WriteAll(int fd, std::span<const std::string_view> pieces) {
  for (std::string_view contents : pieces) {
    while (!contents.empty()) {
      const ssize_t n = ::write(fd, contents.data(), contents.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      contents.remove_prefix(static_cast<size_t>(n));
    }
  }
  return true;
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  return WriteFileAtomic(path, std::span<const std::string_view>(&contents, 1));
}

Status WriteFileAtomic(const std::string& path, std::span<const std::string_view> pieces,
                       Durability durability) {
  const bool sync = durability == Durability::kFsync;
  // An O_TMPFILE file has no name until it is linked, so a process killed mid-write leaves
  // nothing behind. It is linked under a temporary name and renamed over the target, because
  // linkat cannot replace an existing file.
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd >= 0) {
    const bool written = WriteAll(fd, pieces) && (!sync || ::fsync(fd) == 0);
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    const bool linked =
        written && ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) == 0;
    const std::string why = std::strerror(errno);
    ::close(fd);
    if (!written) return DataLoss("cannot write '" + path + "': " + why);
    if (linked) {
      if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string rename_why = std::strerror(errno);
        std::remove(tmp.c_str());
        return DataLoss("cannot rename '" + tmp + "' to '" + path + "': " + rename_why);
      }
      return OkStatus();
    }
    // linkat through /proc can fail without /proc; fall back to a named temporary file.
  }
  const int named = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (named < 0) return DataLoss("cannot write '" + tmp + "': " + std::strerror(errno));
  const bool ok = WriteAll(named, pieces) && (!sync || ::fsync(named) == 0);
  const std::string why = std::strerror(errno);
  ::close(named);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return DataLoss("cannot write '" + path + "': " + (ok ? std::strerror(errno) : why));
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
