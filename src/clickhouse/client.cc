// SPDX-License-Identifier: Apache-2.0
//
// client.cc: ClickHouse over HTTP with cpp-httplib; URL parsing; TSV escaping.
#include "flywheel/clickhouse/client.h"

#include <httplib.h>

#include <cctype>
#include <cstdio>

#include "flywheel/core/hash.h"

namespace fw::clickhouse {
namespace {

std::string PercentEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

Result<Endpoint> ParseEndpoint(std::string_view text, std::string_view url) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgument("backend URL '" + std::string(url) + "': '" + std::string(text) +
                           "' is not HOST:PORT");
  }
  int port = 0;
  for (char ch : text.substr(colon + 1)) {
    if (ch < '0' || ch > '9' || port > 65535) {
      return InvalidArgument("backend URL '" + std::string(url) + "': port '" +
                             std::string(text.substr(colon + 1)) + "' is not a number");
    }
    port = port * 10 + (ch - '0');
  }
  if (port <= 0 || port > 65535) {
    return InvalidArgument("backend URL '" + std::string(url) + "': port " +
                           std::to_string(port) + " is outside 1..65535");
  }
  return Endpoint{std::string(text.substr(0, colon)), port};
}

bool IsIdentifier(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char ch : text) {
    if (!std::isalnum(ch) && ch != '_') return false;
  }
  return true;
}

// The first line of ClickHouse's error text, which carries "Code: N, e.displayText() = ...".
std::string FirstLine(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 600) line = line.substr(0, 600) + "...";
  return line;
}

}  // namespace

bool IsClickHouseUrl(std::string_view text) { return text.starts_with("clickhouse://"); }

Result<BackendUrl> ParseBackendUrl(std::string_view text) {
  BackendUrl url;
  url.text = std::string(text);
  if (!IsClickHouseUrl(text)) {
    return InvalidArgument("--backend '" + url.text +
                           "' is not a clickhouse://HOST:PORT/DB[?cluster=NAME] URL");
  }
  std::string_view rest = text.substr(std::string_view("clickhouse://").size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgument("backend URL '" + url.text + "' has no /DATABASE after HOST:PORT");
  }
  FW_ASSIGN_OR_RETURN(url.entry, ParseEndpoint(rest.substr(0, slash), text));
  rest = rest.substr(slash + 1);
  const size_t question = rest.find('?');
  url.database = std::string(rest.substr(0, question));
  if (!IsIdentifier(url.database)) {
    return InvalidArgument("backend URL '" + url.text + "': database '" + url.database +
                           "' must be letters, digits and _");
  }
  if (question == std::string_view::npos) return url;
  std::string_view params = rest.substr(question + 1);
  while (!params.empty()) {
    const size_t amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    if (name == "cluster") {
      if (!IsIdentifier(value)) {
        return InvalidArgument("backend URL '" + url.text + "': cluster '" + std::string(value) +
                               "' must be letters, digits and _");
      }
      url.cluster = std::string(value);
    } else if (name == "shards") {
      std::string_view list = value;
      while (!list.empty()) {
        const size_t comma = list.find(',');
        FW_ASSIGN_OR_RETURN(Endpoint shard, ParseEndpoint(list.substr(0, comma), text));
        url.shards.push_back(std::move(shard));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else {
      return InvalidArgument("backend URL '" + url.text + "': unknown parameter '" +
                             std::string(name) + "' (expected cluster or shards)");
    }
  }
  if (!url.shards.empty() && url.cluster.empty()) {
    return InvalidArgument("backend URL '" + url.text + "': shards= needs cluster=");
  }
  return url;
}

Client::Client(Endpoint endpoint, int timeout_s)
    : endpoint_(std::move(endpoint)), timeout_s_(timeout_s) {}

std::string Client::RequestPath(const std::string& query_param,
                                const std::vector<std::string>& settings) const {
  std::string path = "/?wait_end_of_query=1";
  if (!query_param.empty()) path += "&query=" + PercentEncode(query_param);
  for (const std::string& setting : settings) path += "&" + setting;
  return path;
}

Status Client::RequestError(int status, const std::string& body) const {
  const std::string message = FirstLine(body);
  if (message.find("Code: 60,") != std::string::npos ||
      message.find("Code: 81,") != std::string::npos) {
    return NotFound("ClickHouse at " + endpoint_.ToString() + ": " + message);
  }
  if (message.find("Code: 279,") != std::string::npos ||
      message.find("Code: 210,") != std::string::npos) {
    return Unavailable("ClickHouse at " + endpoint_.ToString() +
                       " could not reach every shard, so there is no result: " + message);
  }
  // A shard that dies mid-query: the initiator's read from it fails (e.g. Code 32, "Attempt to
  // read after eof: while receiving packet from HOST:PORT").
  if (message.find("while receiving packet from") != std::string::npos ||
      message.find("Code: 209,") != std::string::npos) {
    return Unavailable("ClickHouse at " + endpoint_.ToString() +
                       " lost a shard during the query, so there is no result: " + message);
  }
  return FailedPrecondition("ClickHouse at " + endpoint_.ToString() + " (HTTP " +
                            std::to_string(status) + "): " + message);
}

namespace {

Status Unreachable(const Endpoint& endpoint, httplib::Error error) {
  return Unavailable("cannot reach ClickHouse at http://" + endpoint.ToString() + " (" +
                     httplib::to_string(error) +
                     "); is the server running and is --backend right?");
}

}  // namespace

Result<std::string> Client::Post(const std::string& query_param, const std::string& body,
                                 const std::vector<std::string>& settings) const {
  httplib::Client http(endpoint_.host, endpoint_.port);
  http.set_connection_timeout(5, 0);  // a dead host should fail fast
  http.set_read_timeout(timeout_s_, 0);
  http.set_write_timeout(timeout_s_, 0);
  auto response = http.Post(RequestPath(query_param, settings), body, "text/plain");
  if (!response) return Unreachable(endpoint_, response.error());
  if (response->status != 200) return RequestError(response->status, response->body);
  return std::move(response->body);
}

Status Client::QueryStream(const std::string& sql, const std::vector<std::string>& settings,
                           const std::function<Status(std::string_view)>& consume,
                           const ExternalTable* table) const {
  httplib::Client http(endpoint_.host, endpoint_.port);
  http.set_connection_timeout(5, 0);
  http.set_read_timeout(timeout_s_, 0);
  http.set_write_timeout(timeout_s_, 0);
  httplib::Request request;
  request.method = "POST";
  if (table == nullptr) {
    request.path = RequestPath("", settings);
    request.body = sql;
    request.set_header("Content-Type", "text/plain");
  } else {
    // The query travels as a form field, since the body is the form; the table's structure
    // rides in the URL as NAME_structure.
    std::vector<std::string> all = settings;
    all.push_back(table->name + "_structure=" + PercentEncode(table->structure));
    request.path = RequestPath("", all);
    // A boundary derived from the content, so the content cannot contain it by accident.
    char boundary_buf[48];
    std::snprintf(boundary_buf, sizeof boundary_buf, "flywheel-%016llx-%016llx",
                  static_cast<unsigned long long>(HashBytes64(table->tsv)),
                  static_cast<unsigned long long>(HashBytes64(sql)));
    const std::string boundary = boundary_buf;
    request.body = "--" + boundary +
                   "\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n" + sql +
                   "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" +
                   table->name + "\"; filename=\"" + table->name +
                   ".tsv\"\r\nContent-Type: text/tab-separated-values\r\n\r\n" +
                   table->tsv + "\r\n--" + boundary + "--\r\n";
    request.set_header("Content-Type", "multipart/form-data; boundary=" + boundary);
  }
  int status = 0;
  std::string error_body;  // an error answer is short text, kept whole for the message
  Status consumed = OkStatus();
  request.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (status != 200) {
      error_body.append(data, size);
      return true;
    }
    consumed = consume(std::string_view(data, size));
    return consumed.ok();
  };
  const httplib::Result response = http.send(request);
  if (!consumed.ok()) return consumed;
  if (!response) return Unreachable(endpoint_, response.error());
  if (status != 200) return RequestError(status, error_body);
  return OkStatus();
}

Result<std::string> Client::Query(const std::string& sql,
                                  const std::vector<std::string>& settings) const {
  return Post("", sql, settings);
}

Status Client::Insert(const std::string& sql, const std::string& data,
                      const std::vector<std::string>& settings) const {
  FW_ASSIGN_OR_RETURN(auto ignored, Post(sql, data, settings));
  (void)ignored;
  return OkStatus();
}

Status Client::Execute(const std::string& sql) const {
  FW_ASSIGN_OR_RETURN(auto ignored, Post("", sql, {}));
  (void)ignored;
  return OkStatus();
}

Status Client::Ping() const {
  httplib::Client http(endpoint_.host, endpoint_.port);
  http.set_connection_timeout(5, 0);
  auto response = http.Get("/ping");
  if (!response || response->status != 200) {
    return Unavailable("cannot reach ClickHouse at http://" + endpoint_.ToString() + " (" +
                       (response ? "HTTP " + std::to_string(response->status)
                                 : httplib::to_string(response.error())) +
                       "); is the server running and is --backend right?");
  }
  return OkStatus();
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\\' || ch == '\'') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('\'');
  return out;
}

void AppendTsvField(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      case '\0': out += "\\0"; break;
      default: out.push_back(ch);
    }
  }
}

std::vector<std::vector<std::string>> ParseTsv(std::string_view body) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  for (size_t i = 0; i < body.size(); ++i) {
    const char ch = body[i];
    if (ch == '\\' && i + 1 < body.size()) {
      const char next = body[++i];
      switch (next) {
        case 't': field.push_back('\t'); break;
        case 'n': field.push_back('\n'); break;
        case 'r': field.push_back('\r'); break;
        case '0': field.push_back('\0'); break;
        default: field.push_back(next);
      }
    } else if (ch == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (ch == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(ch);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace fw::clickhouse
