// SPDX-License-Identifier: Apache-2.0
//
// http_parser.cc: request line, header fields, Content-Length and chunked bodies.
#include "http_parser.h"

#include <algorithm>

namespace fw::server {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr size_t kMaxChunkLine = 1024;  // chunk size plus extensions
constexpr size_t kMaxEmptyLines = 8;    // CRLFs tolerated before a request line

// RFC 9110 token characters (methods, header names).
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Control characters other than tab are not allowed in a field value (obs-text is).
bool ValidFieldValue(std::string_view v) {
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsFormContentType(std::string_view type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  type = Trim(type.substr(0, type.find(';')));
  return EqualsIgnoreCase(type, kForm);
}

}  // namespace

void HttpRequestParser::Reset() {
  const HttpLimits limits = limits_;
  *this = HttpRequestParser(limits);
}

HttpRequestParser::Step HttpRequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return Step::kError;
}

HttpRequestParser::Step HttpRequestParser::Parse(std::string_view input) {
  if (error_status_ != 0) return Step::kError;
  if (!head_done_) {
    while (skip_ + 1 < input.size() && input[skip_] == '\r' && input[skip_ + 1] == '\n') {
      skip_ += 2;
      if (skip_ > 2 * kMaxEmptyLines) return Fail(400, "too many empty lines before the request");
    }
    if (input.size() > skip_) started_ = true;
    const std::string_view rest = input.substr(std::min(skip_, input.size()));
    const size_t from = scan_from_ >= 3 ? scan_from_ - 3 : 0;
    const size_t end = rest.find("\r\n\r\n", from);
    if (end == std::string_view::npos) {
      scan_from_ = rest.size();
      // Bounded: a client trickling its head byte by byte costs O(limit) per read, not more.
      const std::string_view first = rest.substr(0, limits_.max_request_line_bytes + 2);
      // max + 2 bytes without a CRLF: the line is longer than max (with max + 1 the last byte
      // may be the CR of a line of exactly max bytes).
      if (first.size() == limits_.max_request_line_bytes + 2 &&
          first.find(kCrlf) == std::string_view::npos) {
        return Fail(414, "request line longer than " +
                             std::to_string(limits_.max_request_line_bytes) + " bytes");
      }
      if (rest.size() > limits_.max_head_bytes) {
        return Fail(431, "request head longer than " + std::to_string(limits_.max_head_bytes) +
                             " bytes");
      }
      return Step::kNeedMore;
    }
    // The same order of checks as while the head is incomplete (414, then 431), so the
    // answer does not depend on how the bytes were split into reads.
    if (rest.find(kCrlf) > limits_.max_request_line_bytes) {
      return Fail(414, "request line longer than " +
                           std::to_string(limits_.max_request_line_bytes) + " bytes");
    }
    if (end + 4 > limits_.max_head_bytes) {
      return Fail(431, "request head longer than " + std::to_string(limits_.max_head_bytes) +
                           " bytes");
    }
    if (Step s = ParseHead(rest.substr(0, end + 2)); s == Step::kError) return s;
    head_done_ = true;
    body_start_ = skip_ + end + 4;
    chunk_pos_ = body_start_;
  }
  if (chunked_) return ParseChunked(input);
  if (input.size() - body_start_ >= content_length_) {
    req_.body.assign(input.substr(body_start_, content_length_));
    consumed_ = body_start_ + content_length_;
    Finish();
    return Step::kComplete;
  }
  if (!head_reported_) {
    head_reported_ = true;
    return Step::kHeadComplete;
  }
  return Step::kNeedMore;
}

HttpRequestParser::Step HttpRequestParser::ParseHead(std::string_view head) {
  // The request line: METHOD SP request-target SP HTTP-version.
  size_t eol = head.find(kCrlf);
  const std::string_view line = head.substr(0, eol);
  if (line.size() > limits_.max_request_line_bytes) {
    return Fail(414, "request line longer than " + std::to_string(limits_.max_request_line_bytes) +
                         " bytes");
  }
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "malformed request method");
  if (target.empty()) return Fail(400, "malformed request target");
  for (char ch : target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return Fail(400, "malformed request target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  req_.minor_version = version[7] - '0';
  // absolute-form (as sent to proxies): keep the path part.
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    const size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target[0] != '/' && target != "*") return Fail(400, "malformed request target");
  req_.method.assign(method);
  req_.target.assign(target);

  // Header fields.
  bool have_length = false, have_te = false, close = false, keep_alive = false;
  size_t num_lines = 0;
  for (size_t pos = eol + 2; pos < head.size(); pos = eol + 2) {
    eol = head.find(kCrlf, pos);
    const std::string_view field = head.substr(pos, eol - pos);
    if (++num_lines > limits_.max_header_lines) {
      return Fail(431, "more than " + std::to_string(limits_.max_header_lines) +
                           " header lines; the limit is " +
                           std::to_string(limits_.max_header_lines));
    }
    if (field.size() > limits_.max_header_line_bytes) {
      return Fail(431, "a header line is longer than " +
                           std::to_string(limits_.max_header_line_bytes) + " bytes");
    }
    if (field.empty() || field[0] == ' ' || field[0] == '\t') {
      return Fail(400, "malformed header line (folded or empty)");
    }
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) {
      return Fail(400, "malformed header line");
    }
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = Trim(field.substr(colon + 1));
    if (!ValidFieldValue(value)) return Fail(400, "control character in a header value");
    req_.headers.emplace_back(std::string(name), std::string(value));
    if (EqualsIgnoreCase(name, "Content-Length")) {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail(400, "malformed Content-Length");
      }
      const size_t n = std::stoull(std::string(value));
      if (have_length && n != content_length_) return Fail(400, "conflicting Content-Length headers");
      have_length = true;
      content_length_ = n;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      if (have_te) return Fail(400, "more than one Transfer-Encoding header");
      have_te = true;
      if (!EqualsIgnoreCase(value, "chunked")) {
        return Fail(501, "unsupported Transfer-Encoding; send Content-Length or chunked");
      }
      chunked_ = true;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view token = Trim(rest.substr(0, comma));
        if (EqualsIgnoreCase(token, "close")) close = true;
        if (EqualsIgnoreCase(token, "keep-alive")) keep_alive = true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    } else if (EqualsIgnoreCase(name, "Expect")) {
      if (!EqualsIgnoreCase(value, "100-continue")) return Fail(417, "unsupported Expect value");
      req_.expect_continue = true;
    }
  }
  if (have_length && have_te) return Fail(400, "both Content-Length and Transfer-Encoding");
  if (content_length_ > limits_.max_body_bytes) {
    return Fail(413, "body is " + std::to_string(content_length_) + " bytes; the limit is " +
                         std::to_string(limits_.max_body_bytes));
  }
  req_.keep_alive = req_.minor_version == 1 ? !close : keep_alive && !close;
  const size_t q = req_.target.find('?');
  req_.path = PercentDecode(std::string_view(req_.target).substr(0, q), false);
  if (q != std::string::npos) ParseQueryString(std::string_view(req_.target).substr(q + 1), &req_.params);
  return Step::kNeedMore;
}

HttpRequestParser::Step HttpRequestParser::ParseChunked(std::string_view input) {
  while (true) {
    switch (chunk_state_) {
      case ChunkState::kSize: {
        const std::string_view window = input.substr(chunk_pos_, kMaxChunkLine + 2);
        const size_t eol = window.find(kCrlf);
        if (eol == std::string_view::npos) {
          if (window.size() > kMaxChunkLine) return Fail(400, "malformed chunk size line");
          break;
        }
        const std::string_view line = window.substr(0, eol);
        const std::string_view size_text = Trim(line.substr(0, line.find(';')));
        if (size_text.empty() || size_text.size() > 15) return Fail(400, "malformed chunk size");
        uint64_t size = 0;
        for (char c : size_text) {
          const int d = HexDigit(c);
          if (d < 0) return Fail(400, "malformed chunk size");
          size = size * 16 + static_cast<uint64_t>(d);
        }
        if (size > limits_.max_body_bytes - std::min(req_.body.size(), limits_.max_body_bytes)) {
          return Fail(413, "chunked body over the limit of " +
                               std::to_string(limits_.max_body_bytes) + " bytes");
        }
        chunk_pos_ += eol + 2;
        chunk_left_ = size;
        chunk_state_ = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
        continue;
      }
      case ChunkState::kData: {
        const size_t take = static_cast<size_t>(
            std::min<uint64_t>(chunk_left_, input.size() - chunk_pos_));
        req_.body.append(input.substr(chunk_pos_, take));
        chunk_pos_ += take;
        chunk_left_ -= take;
        if (chunk_left_ > 0) break;
        chunk_state_ = ChunkState::kDataEnd;
        continue;
      }
      case ChunkState::kDataEnd:
        if (input.size() - chunk_pos_ < 2) break;
        if (input.substr(chunk_pos_, 2) != kCrlf) return Fail(400, "chunk data not followed by CRLF");
        chunk_pos_ += 2;
        chunk_state_ = ChunkState::kSize;
        continue;
      case ChunkState::kTrailer: {
        const size_t eol = input.find(kCrlf, chunk_pos_);
        if (eol == std::string_view::npos) {
          if (trailer_bytes_ + (input.size() - chunk_pos_) > limits_.max_head_bytes) {
            return Fail(431, "chunked trailer longer than the head limit");
          }
          break;
        }
        if (eol == chunk_pos_) {  // the empty line that ends the message
          consumed_ = eol + 2;
          Finish();
          return Step::kComplete;
        }
        trailer_bytes_ += eol - chunk_pos_ + 2;  // trailer fields are read and ignored
        if (trailer_bytes_ > limits_.max_head_bytes) {
          return Fail(431, "chunked trailer longer than the head limit");
        }
        chunk_pos_ = eol + 2;
        continue;
      }
    }
    break;  // need more input
  }
  if (!head_reported_) {
    head_reported_ = true;
    return Step::kHeadComplete;
  }
  return Step::kNeedMore;
}

void HttpRequestParser::Finish() {
  // An HTML form posts its fields as the body; they join the query's (the login form).
  if (req_.body.size() <= limits_.max_form_bytes &&
      IsFormContentType(req_.get_header_value("Content-Type"))) {
    ParseQueryString(req_.body, &req_.params);
  }
}

}  // namespace fw::server
