// SPDX-License-Identifier: Apache-2.0
//
// status_test.cc: Status, Result and the propagation macros.
#include "flywheel/core/result.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("value " + std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  FW_ASSIGN_OR_RETURN(const int half, Half(x));
  return Half(half);
}

Status Check(int x) {
  FW_RETURN_IF_ERROR(Quarter(x).status());
  return OkStatus();
}

TEST(StatusTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(6).status().message(), "value 3 is odd");
  EXPECT_TRUE(Check(4).ok());
  EXPECT_FALSE(Check(5).ok());
  EXPECT_EQ(NotFound("x").WithContext("loading").ToString(), "NotFound: loading: x");
}

TEST(StatusTest, ResultFromOkStatusIsInternalError) {
  Result<int> r(OkStatus());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace fw
