// SPDX-License-Identifier: Apache-2.0
//
// client.h: a small client for ClickHouse's HTTP interface, and the parsed backend URL.
//
// Flywheel talks to ClickHouse over HTTP (cpp-httplib), never through the native protocol, so
// that one library covers every server version from 18.16 on. A backend URL is
//   clickhouse://HOST:PORT/DB[?cluster=NAME[&shards=H1:P1,H2:P2]]
// where PORT is the HTTP port of the node Flywheel sends queries to. With `cluster`, the tables
// are a local table per shard behind Distributed tables; `shards` lists every shard's HTTP
// endpoint, needed only to create the per-shard tables (18.16 has no ON CLUSTER DDL without
// ZooKeeper).
//
// Errors: a connection failure is kUnavailable naming the URL; a ClickHouse error (HTTP 4xx/5xx)
// is kFailedPrecondition, kNotFound (unknown table or database) or kInternal with ClickHouse's own
// message, so a stopped shard in the middle of a query is an error, never a partial result.
//
// Thread safety: a Client may be used from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::clickhouse {

// One HTTP endpoint.
struct Endpoint {
  std::string host;
  int port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};

// A parsed `clickhouse://` URL.
struct BackendUrl {
  Endpoint entry;               // the node queries go to
  std::string database;         // [A-Za-z0-9_]+
  std::string cluster;          // empty: one server, plain tables
  std::vector<Endpoint> shards; // HTTP endpoints of every shard (for DDL); may be empty
  std::string text;             // as given, for messages
};

// True when `text` starts with "clickhouse://".
bool IsClickHouseUrl(std::string_view text);

// Parses a backend URL. kInvalidArgument quotes the URL and says what is wrong.
Result<BackendUrl> ParseBackendUrl(std::string_view text);

// A table sent along with one query (ClickHouse "external data"): the query reads it by
// `name`, and on a Distributed table every shard receives a copy.
struct ExternalTable {
  std::string name;       // an identifier
  std::string structure;  // "user_id String, t0 Int64, ..."
  std::string tsv;        // the rows, TabSeparated (AppendTsvField for strings)
};

// The HTTP client. Every call is one HTTP POST; query settings ride in the URL parameters.
class Client {
 public:
  // `timeout_s`: connect/read/write timeout; generous because analytics queries scan everything.
  explicit Client(Endpoint endpoint, int timeout_s = 600);

  const Endpoint& endpoint() const { return endpoint_; }

  // Runs `sql` and returns the response body (the format named in the SQL, e.g. TSV).
  // `settings` are extra "name=value" URL parameters. wait_end_of_query=1 is always set, so an
  // error found after the first block (e.g. a shard lost mid-query) still fails the request.
  Result<std::string> Query(const std::string& sql,
                            const std::vector<std::string>& settings = {}) const;

  // Query, handing the body to `consume` piece by piece as it arrives, so a large answer (a
  // RowBinary feature matrix) never sits in memory whole. `consume` returns an error to stop.
  // With wait_end_of_query=1 the server buffers the answer (spilling to its disk) and sends
  // HTTP 200 only when the query finished, so a failure is never mistaken for a short answer.
  // With `table`, the request is multipart/form-data carrying the query and the table.
  Status QueryStream(const std::string& sql, const std::vector<std::string>& settings,
                     const std::function<Status(std::string_view)>& consume,
                     const ExternalTable* table = nullptr) const;

  // Sends `sql` (e.g. "INSERT INTO t FORMAT TSV") with `data` appended after a newline.
  Status Insert(const std::string& sql, const std::string& data,
                const std::vector<std::string>& settings = {}) const;

  // Runs one statement whose output is ignored (DDL).
  Status Execute(const std::string& sql) const;

  // Answers whether the server is up (GET /ping).
  Status Ping() const;

 private:
  Result<std::string> Post(const std::string& query_param, const std::string& body,
                           const std::vector<std::string>& settings) const;
  // The error of a failed request (no answer, or an HTTP error whose body is `body`).
  Status RequestError(int status, const std::string& body) const;
  std::string RequestPath(const std::string& query_param,
                          const std::vector<std::string>& settings) const;

  Endpoint endpoint_;
  int timeout_s_;
};

// Quotes `text` as a ClickHouse string literal ('...' with \ and ' escaped).
std::string QuoteString(std::string_view text);

// Escapes `text` for one TSV field (\t, \n, \\ and friends), ClickHouse's TabSeparated rules.
void AppendTsvField(std::string& out, std::string_view text);

// Splits a TSV body into rows of unescaped fields.
std::vector<std::vector<std::string>> ParseTsv(std::string_view body);

}  // namespace fw::clickhouse
