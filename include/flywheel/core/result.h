// SPDX-License-Identifier: Apache-2.0
//
// result.h: Result<T> holds either a T or a non-OK Status.
//
// Built on std::variant so it can become std::expected<T, Status> under C++23. Accessing the
// value of an error Result is a bug and aborts with the status message.
//
// Thread safety: a value type.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "flywheel/core/status.h"

namespace fw {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or from an error Status, so `return value;` and `return NotFound(..)`
  // both work. Requires: `status` is not OK.
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "Result constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }

  // The error, or OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  // The held value. Requires: ok().
  T& value() & { return CheckedValue(); }
  const T& value() const& { return const_cast<Result*>(this)->CheckedValue(); }
  T&& value() && { return std::move(CheckedValue()); }

  T* operator->() { return &CheckedValue(); }
  const T* operator->() const { return &const_cast<Result*>(this)->CheckedValue(); }
  T& operator*() & { return CheckedValue(); }
  const T& operator*() const& { return const_cast<Result*>(this)->CheckedValue(); }

 private:
  T& CheckedValue() {
    if (!ok()) {
      std::fprintf(stderr, "fatal: value() of an error Result: %s\n",
                   std::get<Status>(data_).ToString().c_str());
      std::abort();
    }
    return std::get<T>(data_);
  }

  std::variant<T, Status> data_;
};

}  // namespace fw
