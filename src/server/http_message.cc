// SPDX-License-Identifier: Apache-2.0
//
// http_message.cc: request accessors, percent-decoding and answer serialisation.
#include "http_message.h"

#include <charconv>

namespace fw::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unsafe(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

std::string HttpRequest::get_header_value(std::string_view name, const char* fallback) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return fallback;
}

std::string HttpRequest::get_param_value(const std::string& name, size_t id) const {
  auto [it, end] = params.equal_range(name);
  for (; it != end && id > 0; ++it) --id;
  return it == end ? std::string() : it->second;
}

void HttpResponse::set_content(std::string content, std::string content_type) {
  body = std::move(content);
  for (auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, "Content-Type")) {
      v = std::move(content_type);
      return;
    }
  }
  set_header("Content-Type", std::move(content_type));
}

void HttpResponse::set_header(std::string name, std::string value) {
  if (name.empty() || Unsafe(name) || Unsafe(value)) return;
  headers.emplace_back(std::move(name), std::move(value));
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

const char* HttpReason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void ParseQueryString(std::string_view query, std::multimap<std::string, std::string>* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view field = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (field.empty()) continue;
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      out->emplace(PercentDecode(field, true), std::string());
    } else {
      out->emplace(PercentDecode(field.substr(0, eq), true),
                   PercentDecode(field.substr(eq + 1), true));
    }
  }
}

void SerializeResponse(const HttpResponse& res, bool keep_alive, int minor_version,
                       bool head_only, std::string* out) {
  char num[24];
  out->append("HTTP/1.1 ");
  auto r = std::to_chars(num, num + sizeof num, res.status);
  out->append(num, r.ptr);
  out->push_back(' ');
  out->append(HttpReason(res.status));
  out->append("\r\n");
  for (const auto& [k, v] : res.headers) {
    out->append(k);
    out->append(": ");
    out->append(v);
    out->append("\r\n");
  }
  out->append("Content-Length: ");
  r = std::to_chars(num, num + sizeof num, res.body.size());
  out->append(num, r.ptr);
  out->append("\r\n");
  if (!keep_alive) {
    out->append("Connection: close\r\n");
  } else if (minor_version == 0) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
  if (!head_only) out->append(res.body);
}

}  // namespace fw::server
