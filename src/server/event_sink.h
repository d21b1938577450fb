// SPDX-License-Identifier: Apache-2.0
//
// event_sink.h: where POST /v1/events puts the events it validated.
//
// Two implementations: EventCollector (the embedded workspace, group-committed into DuckDB) and
// ClickHouseEventSink (group-committed INSERTs into a ClickHouse server or cluster). Both take
// the request's JSON Lines through ingest's StreamIngester::Prepare, so validation and reject
// reasons are the same whatever the backend, and both keep one contract: Submit returns OK only
// once the accepted events are durable in their store.
//
// Thread safety: Submit from any thread; Stop once, from one thread.
#pragma once

#include <cstdint>
#include <string>

#include "flywheel/core/result.h"
#include "flywheel/ingest/stream_ingest.h"

namespace fw::server {

class EventSink {
 public:
  virtual ~EventSink() = default;

  // Validates, dedups and durably stores the JSON Lines `ndjson`; blocks until stored.
  // kUnavailable when the store did not take the group (the client retries; event_id dedups).
  virtual Result<ingest::StreamBatchResult> Submit(std::string ndjson, std::string source) = 0;

  // Events stored since the last call (the hot frame's reload trigger).
  virtual int64_t TakeNewEvents() = 0;

  // Flushes what is pending and stops. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace fw::server
