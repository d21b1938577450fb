// SPDX-License-Identifier: Apache-2.0
//
// request_body_fuzz.cc: libFuzzer target for the request body parsers of `flywheel serve`
// (src/server/request_body.h): every input goes through ParseSmallJsonObject (decide, reward,
// alert rules) and EventsBodyToJsonLines (POST /v1/events). Besides crashes and sanitizer
// reports it checks the contracts: an accepted small body is a JSON object; an accepted
// events array becomes exactly num_events valid JSON lines; the event limit is enforced.
//
// Built two ways: with -DFW_FUZZ=ON under clang as a libFuzzer binary (request_body_fuzz), and
// always as fw_request_body_fuzz_replay (replay_main.cc), which runs this entry point over
// tests/fuzz/corpus/request_body/ as the CTest test request_body_fuzz_replay. See
// docs/server.md, "Fuzzing".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

#include "request_body.h"

namespace {

constexpr size_t kMaxEvents = 64;  // small, so the limit path is reached often

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "request_body_fuzz: contract violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto object = fw::server::ParseSmallJsonObject(body);
  if (object.ok()) Check(object->is_object(), "ParseSmallJsonObject accepted a non-object");

  size_t num_events = 0;
  auto lines = fw::server::EventsBodyToJsonLines(body, kMaxEvents, &num_events);
  if (!lines.ok()) return 0;
  Check(num_events <= kMaxEvents, "more events than the limit were accepted");
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') {
    // The array path re-serialises each element: one minified, valid JSON value per line.
    size_t count = 0;
    simdjson::dom::parser parser;
    size_t pos = 0;
    while (pos < lines->size()) {
      const size_t end = lines->find('\n', pos);
      Check(end != std::string::npos, "array output does not end with a newline");
      simdjson::dom::element element;
      Check(!parser.parse(lines->data() + pos, end - pos).get(element),
            "an array element was re-serialised as invalid JSON");
      ++count;
      pos = end + 1;
    }
    Check(count == num_events, "line count differs from num_events");
  } else {
    Check(*lines == body, "NDJSON body was not passed through unchanged");
  }
  return 0;
}
