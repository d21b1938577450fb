// SPDX-License-Identifier: Apache-2.0
//
// status_http_test.cc: the Status -> HTTP table and the error body.
#include "flywheel/server/status_http.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fw::server {
namespace {

TEST(StatusHttpTest, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(OkStatus()), 200);
  EXPECT_EQ(HttpStatusFor(InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(OutOfRange("x")), 400);
  EXPECT_EQ(HttpStatusFor(NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(FailedPrecondition("x")), 409);
  EXPECT_EQ(HttpStatusFor(ResourceExhausted("x")), 429);
  EXPECT_EQ(HttpStatusFor(Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(Unimplemented("x")), 501);
  EXPECT_EQ(HttpStatusFor(Internal("x")), 500);
  EXPECT_EQ(HttpStatusFor(DataLoss("x")), 500);
}

TEST(StatusHttpTest, ErrorBodyIsJsonEvenForInvalidUtf8) {
  const auto doc = nlohmann::json::parse(ErrorJson(NotFound("bandit 'a\xff' does not exist"), 404));
  EXPECT_EQ(doc["error"]["code"], "NotFound");
  EXPECT_EQ(doc["error"]["http_status"], 404);
  EXPECT_NE(doc["error"]["message"].get<std::string>().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace fw::server
