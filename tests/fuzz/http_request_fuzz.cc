// SPDX-License-Identifier: Apache-2.0
//
// http_request_fuzz.cc: libFuzzer target for the HTTP/1.1 request parser of `flywheel serve`
// (src/server/http_parser.h). The input is a byte stream as a client would send it, possibly
// several pipelined requests. Besides crashes and sanitizer reports it checks the contracts:
//   - parsing the stream at once and fed in pieces (sizes taken from the input) gives the
//     same requests, the same errors and the same consumed byte counts;
//   - a complete request respects every limit (header lines, body bytes, consumed <= input);
//   - an error has a 4xx/5xx status and a message that never quotes the input.
//
// Built as the libFuzzer binary http_request_fuzz (-DFW_FUZZ=ON, clang) and always as
// fw_http_request_fuzz_replay over tests/fuzz/corpus/http_request/ (CTest
// http_request_fuzz_replay). See docs/server.md, "Fuzzing".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http_parser.h"

namespace {

using fw::server::HttpLimits;
using fw::server::HttpRequestParser;
using Step = HttpRequestParser::Step;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_request_fuzz: contract violated: %s\n", what);
  std::abort();
}

// Small limits, so the fuzzer reaches every limit path with short inputs.
HttpLimits Limits() {
  HttpLimits l;
  l.max_request_line_bytes = 200;
  l.max_header_line_bytes = 200;
  l.max_head_bytes = 1024;
  l.max_header_lines = 8;
  l.max_body_bytes = 512;
  l.max_form_bytes = 256;
  return l;
}

struct Outcome {
  Step step = Step::kNeedMore;
  int status = 0;
  size_t consumed = 0;
  std::string method, path, body;
  size_t num_headers = 0, num_params = 0;
  bool keep_alive = false;
};

// Parses requests from `stream` one after the other, each fed in pieces whose sizes cycle
// through `pieces` (empty: all at once), until an error, an incomplete request or 16 requests.
std::vector<Outcome> ParseAll(std::string_view stream, const std::vector<size_t>& pieces) {
  std::vector<Outcome> out;
  size_t start = 0;
  size_t turn = 0;
  HttpRequestParser parser(Limits());
  while (start < stream.size() && out.size() < 16) {
    const std::string_view rest = stream.substr(start);
    Step step = Step::kNeedMore;
    if (pieces.empty()) {
      step = parser.Parse(rest);
      if (step == Step::kHeadComplete) step = parser.Parse(rest);
    } else {
      size_t n = 0;
      while (true) {
        n = std::min(rest.size(), n + pieces[turn++ % pieces.size()]);
        step = parser.Parse(rest.substr(0, n));
        if (step == Step::kComplete || step == Step::kError || n == rest.size()) break;
      }
      if (step == Step::kHeadComplete) step = parser.Parse(rest);  // nothing more will come
    }
    Outcome o;
    o.step = step;
    if (step == Step::kError) {
      o.status = parser.error_status();
      Check(o.status >= 400 && o.status <= 599, "error status outside 4xx/5xx");
      Check(!parser.error_message().empty(), "error without a message");
      out.push_back(o);
      break;
    }
    if (step != Step::kComplete) {
      out.push_back(o);
      break;
    }
    const auto& req = parser.request();
    const HttpLimits limits = Limits();
    Check(parser.consumed() > 0 && parser.consumed() <= rest.size(), "consumed outside the input");
    Check(req.headers.size() <= limits.max_header_lines, "more header lines than the limit");
    Check(req.body.size() <= limits.max_body_bytes, "body over the limit");
    Check(!req.method.empty() && !req.path.empty(), "complete request without method or path");
    o.consumed = parser.consumed();
    o.method = req.method;
    o.path = req.path;
    o.body = req.body;
    o.num_headers = req.headers.size();
    o.num_params = req.params.size();
    o.keep_alive = req.keep_alive;
    out.push_back(o);
    start += parser.consumed();
    parser.Reset();
  }
  return out;
}

bool Same(const std::vector<Outcome>& a, const std::vector<Outcome>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Outcome &x = a[i], &y = b[i];
    if (x.step != y.step || x.status != y.status || x.consumed != y.consumed ||
        x.method != y.method || x.path != y.path || x.body != y.body ||
        x.num_headers != y.num_headers || x.num_params != y.num_params ||
        x.keep_alive != y.keep_alive) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const auto whole = ParseAll(stream, {});
  // Piece sizes from the first bytes (1..16), so the fuzzer explores where reads end.
  std::vector<size_t> pieces;
  for (size_t i = 0; i < std::min<size_t>(size, 4); ++i) pieces.push_back(1 + (data[i] & 15));
  if (pieces.empty()) pieces.push_back(1);
  Check(Same(whole, ParseAll(stream, pieces)), "piecewise parse differs from the whole parse");
  Check(Same(whole, ParseAll(stream, {1})), "byte-by-byte parse differs from the whole parse");
  return 0;
}
