// SPDX-License-Identifier: Apache-2.0
//
// request_body.cc: body parsers for the API (see request_body.h).
#include "request_body.h"

#include <simdjson.h>

namespace fw::server {
namespace {

// The deepest nesting of [ and { outside strings; scanning first keeps a hostile body from
// reaching the recursive parser with 100k levels.
size_t JsonDepth(std::string_view text) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Result<nlohmann::json> ParseSmallJsonObject(std::string_view body) {
  if (body.size() > kMaxSmallBodyBytes) {
    return ResourceExhausted("body is " + std::to_string(body.size()) + " bytes; the limit is " +
                             std::to_string(kMaxSmallBodyBytes));
  }
  if (IsBlank(body)) return InvalidArgument("body is empty; expected a JSON object");
  if (const size_t depth = JsonDepth(body); depth > kMaxJsonDepth) {
    return InvalidArgument("body nests " + std::to_string(depth) + " levels deep; the limit is " +
                           std::to_string(kMaxJsonDepth));
  }
  if (!simdjson::validate_utf8(body.data(), body.size())) {
    return InvalidArgument("body is not valid UTF-8");
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("body is not valid JSON");
  if (!doc.is_object()) return InvalidArgument("body is JSON but not an object");
  return doc;
}

Result<std::string> EventsBodyToJsonLines(std::string_view body, size_t max_events,
                                          size_t* num_events) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return InvalidArgument("body is empty; expected a JSON array of events or NDJSON");
  }
  if (body[first] != '[') {
    size_t lines = 0;
    size_t pos = 0;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) end = body.size();
      if (!IsBlank(body.substr(pos, end - pos))) ++lines;
      pos = end + 1;
    }
    *num_events = lines;
    if (lines > max_events) {
      return ResourceExhausted(std::to_string(lines) + " events in one request; the limit is " +
                               std::to_string(max_events));
    }
    return std::string(body);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(body.data(), body.size()).get(doc); error) {
    return InvalidArgument(std::string("body is not valid JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::array array;
  if (doc.get_array().get(array)) return InvalidArgument("body starts with '[' but is not an array");
  *num_events = array.size();
  if (array.size() > max_events) {
    return ResourceExhausted(std::to_string(array.size()) + " events in one request; the limit is " +
                             std::to_string(max_events));
  }
  if (array.size() == 0) return InvalidArgument("the events array is empty");
  std::string lines;
  lines.reserve(body.size() + array.size());
  for (simdjson::dom::element element : array) {
    lines += simdjson::minify(element);
    lines += '\n';
  }
  return lines;
}

}  // namespace fw::server
