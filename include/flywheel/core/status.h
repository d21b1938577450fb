// SPDX-License-Identifier: Apache-2.0
//
// status.h: the error value every fallible Flywheel call returns.
//
// A Status is a code from a small closed set plus a message that names the offending value
// (file, line, field, what was expected). Build errors with the factories below, never from a
// raw code at the call site. The CLI maps codes to exit codes (cli/exit_codes.cc) and the
// server maps them to HTTP statuses.
//
// Thread safety: a Status is a value; copies are independent.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace fw {

// The closed set of error codes. Keep it small: callers branch on these.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // bad input data or option value
  kNotFound,            // a named thing (file, experiment, bandit) does not exist
  kAlreadyExists,       // creating something that exists
  kFailedPrecondition,  // the input is valid but the computation cannot run (n < 2, k > n)
  kOutOfRange,          // a value outside its documented range
  kResourceExhausted,   // a size or rate limit was hit
  kDataLoss,            // unreadable or corrupt file
  kUnavailable,         // the workspace is locked or a server is unreachable
  kUnimplemented,       // a feature that is not built
  kInternal,            // a bug or an unexpected library failure
};

// Returns the code's name without the k prefix, e.g. "InvalidArgument".
std::string_view StatusCodeName(StatusCode code);

// An OK marker or an error code with a message. Messages start in lower case.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is prefixed with `context`, e.g. "ingesting events.csv: ...".
  Status WithContext(std::string_view context) const;

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgument(std::string msg) {
  return Status(StatusCode::kInvalidArgument, std::move(msg));
}
inline Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
inline Status AlreadyExists(std::string msg) {
  return Status(StatusCode::kAlreadyExists, std::move(msg));
}
inline Status FailedPrecondition(std::string msg) {
  return Status(StatusCode::kFailedPrecondition, std::move(msg));
}
inline Status OutOfRange(std::string msg) { return Status(StatusCode::kOutOfRange, std::move(msg)); }
inline Status ResourceExhausted(std::string msg) {
  return Status(StatusCode::kResourceExhausted, std::move(msg));
}
inline Status DataLoss(std::string msg) { return Status(StatusCode::kDataLoss, std::move(msg)); }
inline Status Unavailable(std::string msg) {
  return Status(StatusCode::kUnavailable, std::move(msg));
}
inline Status Unimplemented(std::string msg) {
  return Status(StatusCode::kUnimplemented, std::move(msg));
}
inline Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

}  // namespace fw

#define FW_STATUS_CONCAT_INNER(a, b) a##b
#define FW_STATUS_CONCAT(a, b) FW_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define FW_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::fw::Status fw_status_tmp_ = (expr);           \
    if (!fw_status_tmp_.ok()) return fw_status_tmp_; \
  } while (false)

// Evaluates a Result<T> expression; on error returns its Status, else binds the value to `lhs`.
//   FW_ASSIGN_OR_RETURN(auto table, ReadTable(path));
#define FW_ASSIGN_OR_RETURN(lhs, expr) \
  FW_ASSIGN_OR_RETURN_IMPL(FW_STATUS_CONCAT(fw_result_tmp_, __LINE__), lhs, expr)
#define FW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
