// SPDX-License-Identifier: Apache-2.0
//
// http_message.h: one HTTP/1.1 request and its answer, as the route handlers see them.
//
// The member names follow the small part of cpp-httplib's Request/Response the handlers used
// before the server had its own HTTP layer (path, params, matches, body, get_param_value,
// set_content, ...), so moving a handler between the two was a rename of the type only.
//
// Thread safety: plain values; one request is handled by one thread at a time.
#pragma once

#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::server {

struct HttpRequest {
  std::string method;       // "GET", "POST", ... (case-sensitive, as sent)
  std::string target;       // the request-target as sent: path and query, still encoded
  std::string path;         // percent-decoded path, without the query
  int minor_version = 1;    // HTTP/1.<minor_version>
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::multimap<std::string, std::string> params;            // query (and form body) fields
  std::string body;         // decoded (Content-Length or chunked)
  std::string remote_addr;  // peer IP address
  std::smatch matches;      // the route pattern's groups over `path`
  bool keep_alive = true;   // false after "Connection: close" or for HTTP/1.0 without keep-alive
  bool expect_continue = false;  // "Expect: 100-continue"

  bool has_header(std::string_view name) const;
  // The first value of header `name` (case-insensitive), or `fallback`.
  std::string get_header_value(std::string_view name, const char* fallback = "") const;
  bool has_param(const std::string& name) const { return params.count(name) > 0; }
  // The first (or the id-th) value of query parameter `name`, or "".
  std::string get_param_value(const std::string& name, size_t id = 0) const;
  size_t get_param_value_count(const std::string& name) const { return params.count(name); }
};

struct HttpResponse {
  int status = -1;  // -1 until a handler sets it; the router then answers 200 or 404
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/-Length

  void set_content(std::string content, std::string content_type);
  void set_content(const char* data, size_t size, std::string content_type) {
    set_content(std::string(data, size), std::move(content_type));
  }
  // Adds a header. A name or value holding CR, LF or NUL is dropped: no handler can split an
  // answer by copying request text into a header.
  void set_header(std::string name, std::string value);
  bool has_header(std::string_view name) const;
};

// The reason phrase for `status` ("OK", "Not Found", ...; "Unknown" for others).
const char* HttpReason(int status);

// Case-insensitive ASCII comparison (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Percent-decodes `text`; with `plus_is_space` (query strings and forms) '+' becomes ' '.
// A '%' not followed by two hex digits is kept as is.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=x%20y" into decoded fields, appended to `out`.
void ParseQueryString(std::string_view query, std::multimap<std::string, std::string>* out);

// Appends the status line, headers and body of `res` to `out`: one buffer, so the answer goes
// out in one write. `keep_alive` false adds "Connection: close" (true adds "Connection:
// keep-alive" for an HTTP/1.0 client, which would close otherwise); `head_only` (HEAD) keeps
// Content-Length but leaves out the body.
void SerializeResponse(const HttpResponse& res, bool keep_alive, int minor_version,
                       bool head_only, std::string* out);

}  // namespace fw::server
