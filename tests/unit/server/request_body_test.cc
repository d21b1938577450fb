// SPDX-License-Identifier: Apache-2.0
//
// request_body_test.cc: body parsers reject malformed, deep, oversize and non-UTF-8 input.
#include "request_body.h"

#include <gtest/gtest.h>

namespace fw::server {
namespace {

TEST(RequestBodyTest, SmallObject) {
  EXPECT_TRUE(ParseSmallJsonObject(R"({"bandit":"b","user_id":"u"})").ok());
  EXPECT_EQ(ParseSmallJsonObject("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSmallJsonObject("{").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSmallJsonObject("[1]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSmallJsonObject("{\"a\":\"\xff\"}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSmallJsonObject(std::string(1000, '[') + std::string(1000, ']')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSmallJsonObject(std::string(kMaxSmallBodyBytes + 1, ' ')).status().code(),
            StatusCode::kResourceExhausted);
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(ParseSmallJsonObject("{\"a\":\"" + std::string(100, '[') + "\"}").ok());
}

TEST(RequestBodyTest, EventsArrayBecomesOneLinePerElement) {
  size_t n = 0;
  auto lines = EventsBodyToJsonLines("[{\"a\": 1},\n 5, {\"b\": [1, 2]}]", 10, &n);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(*lines, "{\"a\":1}\n5\n{\"b\":[1,2]}\n");
}

TEST(RequestBodyTest, NdjsonPassesThroughAndLimitsCount) {
  size_t n = 0;
  auto lines = EventsBodyToJsonLines("{\"a\":1}\n\n{\"a\":2}\n", 10, &n);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(EventsBodyToJsonLines("{}\n{}\n{}", 2, &n).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(EventsBodyToJsonLines("[{},{},{}]", 2, &n).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(EventsBodyToJsonLines(" \n", 2, &n).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EventsBodyToJsonLines("[{]", 2, &n).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EventsBodyToJsonLines(std::string(5000, '[') + std::string(5000, ']'), 2, &n)
                .status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fw::server
