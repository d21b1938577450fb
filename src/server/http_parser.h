// SPDX-License-Identifier: Apache-2.0
//
// http_parser.h: an incremental HTTP/1.1 request parser (RFC 9112) with the server's limits.
//
// The connection keeps the bytes it read in one buffer and calls Parse with everything from
// the first byte of the current request on, again after each read, until the request is
// complete; the parser remembers how far it got, so each byte is scanned about once. The bytes
// after consumed() belong to the next request (pipelining). Bodies come with Content-Length or
// `Transfer-Encoding: chunked` (decoded, trailers skipped); any other transfer coding is 501.
//
// Limits, and the status each one answers (the connection then closes):
//   request line longer than max_request_line_bytes           414
//   head (request line + headers) over max_head_bytes, a header line over
//   max_header_line_bytes, more than max_header_lines lines   431
//   Content-Length or decoded chunked body over max_body_bytes 413
//   malformed request line, header, Content-Length or chunk   400
//   HTTP version other than 1.0/1.1                           505
//   Expect other than 100-continue                            417
//   Content-Length together with Transfer-Encoding            400 (a request-smuggling shape)
// Error messages are fixed texts: nothing of the request is echoed.
//
// Thread safety: one parser per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_message.h"

namespace fw::server {

struct HttpLimits {
  size_t max_request_line_bytes = 8192;  // as cpp-httplib's CPPHTTPLIB_REQUEST_URI_MAX_LENGTH
  size_t max_header_line_bytes = 8192;   // as CPPHTTPLIB_HEADER_MAX_LENGTH
  size_t max_head_bytes = 64 * 1024;
  size_t max_header_lines = 64;
  size_t max_body_bytes = 16u << 20;
  size_t max_form_bytes = 64 * 1024;     // urlencoded bodies up to this are parsed into params
};

class HttpRequestParser {
 public:
  enum class Step {
    kNeedMore,      // read more bytes and call again
    kHeadComplete,  // the head is parsed, the body is not all here (answer 100-continue now)
    kComplete,      // request() is ready; consumed() bytes of the input were this request
    kError,         // error_status() / error_message(); the connection should close
  };

  explicit HttpRequestParser(const HttpLimits& limits) : limits_(limits) {
    req_.headers.reserve(16);  // one allocation instead of the vector's growth steps
  }

  // `input` starts at this request's first byte and must extend the input of the previous call.
  Step Parse(std::string_view input);
  // Forgets the current request, for the next one.
  void Reset();

  HttpRequest& request() { return req_; }
  size_t consumed() const { return consumed_; }
  // True once any byte of the current request arrived (the read timeout then runs).
  bool started() const { return started_; }
  // True once the head of the current request is parsed (a body may still be arriving).
  bool head_done() const { return head_done_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  Step Fail(int status, std::string message);
  void Finish();
  Step ParseHead(std::string_view head);
  Step ParseChunked(std::string_view input);

  HttpLimits limits_;
  HttpRequest req_;
  bool started_ = false;
  bool head_done_ = false;
  bool head_reported_ = false;
  size_t skip_ = 0;         // empty lines before the request line (RFC 9112 2.2 allows them)
  size_t scan_from_ = 0;    // where the search for the end of the head resumes
  size_t body_start_ = 0;   // offset of the body in the input
  size_t content_length_ = 0;
  bool chunked_ = false;
  // Chunked decoding: position in the input, and bytes left of the current chunk's data.
  size_t chunk_pos_ = 0;
  enum class ChunkState { kSize, kData, kDataEnd, kTrailer } chunk_state_ = ChunkState::kSize;
  uint64_t chunk_left_ = 0;
  size_t trailer_bytes_ = 0;
  size_t consumed_ = 0;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace fw::server
