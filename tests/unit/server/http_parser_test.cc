// SPDX-License-Identifier: Apache-2.0
//
// http_parser_test.cc: the incremental request parser: heads, bodies (Content-Length and
// chunked), pipelining, byte-by-byte input, and every limit with its status.
#include "http_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace fw::server {
namespace {

using Step = HttpRequestParser::Step;

// Parses `input` fed in pieces of `piece` bytes (0: all at once); returns the last step.
Step ParseIn(HttpRequestParser& p, const std::string& input, size_t piece = 0) {
  if (piece == 0) return p.Parse(input);
  Step s = Step::kNeedMore;
  for (size_t n = piece; ; n += piece) {
    s = p.Parse(std::string_view(input).substr(0, std::min(n, input.size())));
    if (s == Step::kComplete || s == Step::kError || n >= input.size()) return s;
  }
}

int ErrorOf(const std::string& input, HttpLimits limits = {}) {
  HttpRequestParser p(limits);
  const Step s = ParseIn(p, input);
  return s == Step::kError ? p.error_status() : 0;
}

TEST(HttpParserTest, GetWithQueryAndHeaders) {
  HttpRequestParser p(HttpLimits{});
  const std::string in =
      "GET /v1/assign?experiment=check%20out&user_id=u+1&flag HTTP/1.1\r\nHost: x\r\n"
      "authorization:   Bearer abc  \r\n\r\n";
  ASSERT_EQ(p.Parse(in), Step::kComplete);
  const HttpRequest& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/v1/assign");
  EXPECT_EQ(r.get_param_value("experiment"), "check out");
  EXPECT_EQ(r.get_param_value("user_id"), "u 1");
  EXPECT_TRUE(r.has_param("flag"));
  EXPECT_EQ(r.get_param_value_count("user_id"), 1u);
  EXPECT_EQ(r.get_param_value("user_id", 1), "");
  EXPECT_EQ(r.get_header_value("Authorization"), "Bearer abc");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(p.consumed(), in.size());
}

TEST(HttpParserTest, PathIsDecodedButPlusIsKept) {
  HttpRequestParser p(HttpLimits{});
  ASSERT_EQ(p.Parse("GET /v1/bandits/a%2Fb+c%zz HTTP/1.1\r\n\r\n"), Step::kComplete);
  EXPECT_EQ(p.request().path, "/v1/bandits/a/b+c%zz");
}

TEST(HttpParserTest, ContentLengthBodyAndPipelining) {
  const std::string first = "POST /v1/decide HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string second = "GET /healthz HTTP/1.1\r\n\r\n";
  for (size_t piece : {size_t{0}, size_t{1}, size_t{7}}) {
    HttpRequestParser p(HttpLimits{});
    ASSERT_EQ(ParseIn(p, first + second, piece), Step::kComplete) << piece;
    EXPECT_EQ(p.request().body, "hello");
    ASSERT_EQ(p.consumed(), first.size());
    p.Reset();
    ASSERT_EQ(p.Parse(std::string_view(first + second).substr(first.size())), Step::kComplete);
    EXPECT_EQ(p.request().path, "/healthz");
  }
}

TEST(HttpParserTest, HeadCompleteIsReportedOnceBeforeTheBody) {
  HttpRequestParser p(HttpLimits{});
  const std::string head = "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(p.Parse(head), Step::kHeadComplete);
  EXPECT_TRUE(p.request().expect_continue);
  EXPECT_EQ(p.Parse(head + "a"), Step::kNeedMore);
  EXPECT_EQ(p.Parse(head + "abc"), Step::kComplete);
  EXPECT_EQ(p.request().body, "abc");
}

TEST(HttpParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string in =
      "POST /v1/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1A\r\n" + std::string(26, 'x') + "\r\n0\r\nX-Trailer: 1\r\n\r\n"
      "GET /next HTTP/1.1\r\n\r\n";
  for (size_t piece : {size_t{0}, size_t{1}, size_t{3}}) {
    HttpRequestParser p(HttpLimits{});
    ASSERT_EQ(ParseIn(p, in, piece), Step::kComplete) << piece;
    EXPECT_EQ(p.request().body, "hello" + std::string(26, 'x'));
    EXPECT_EQ(in.substr(p.consumed()), "GET /next HTTP/1.1\r\n\r\n");
  }
}

TEST(HttpParserTest, ConnectionSemantics) {
  HttpRequestParser p(HttpLimits{});
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\n\r\n"), Step::kComplete);
  EXPECT_FALSE(p.request().keep_alive);
  EXPECT_EQ(p.request().minor_version, 0);
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), Step::kComplete);
  EXPECT_TRUE(p.request().keep_alive);
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n"), Step::kComplete);
  EXPECT_FALSE(p.request().keep_alive);
}

TEST(HttpParserTest, FormBodyFieldsJoinTheParams) {
  HttpRequestParser p(HttpLimits{});
  ASSERT_EQ(p.Parse("POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: 13\r\n\r\nkey=fwk_a%2Bb"), Step::kComplete);
  EXPECT_EQ(p.request().get_param_value("key"), "fwk_a+b");
}

TEST(HttpParserTest, LeadingEmptyLinesAreSkipped) {
  HttpRequestParser p(HttpLimits{});
  ASSERT_EQ(p.Parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), Step::kComplete);
  EXPECT_EQ(p.request().path, "/");
}

TEST(HttpParserTest, LimitsAndMalformedInput) {
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many += "X-H" + std::to_string(i) + ": 1\r\n";
  EXPECT_EQ(ErrorOf(many + "\r\n"), 431);
  std::string ok64 = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 64; ++i) ok64 += "X-H" + std::to_string(i) + ": 1\r\n";
  EXPECT_EQ(ErrorOf(ok64 + "\r\n"), 0);
  EXPECT_EQ(ErrorOf("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(ErrorOf("GET /" + std::string(9000, 'a')), 414);  // even before the line ends
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n"), 431);
  HttpLimits small;
  small.max_head_bytes = 100;
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), small), 431);
  small.max_body_bytes = 10;
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", small), 413);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"
                    "5\r\nabcde\r\n", small), 413);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(ErrorOf("GET / HTTX/1.1\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET /\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("G(T / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET nopath HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nBad Name: 1\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nX: a\nb\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n"), 417);
}

TEST(HttpParserTest, ErrorMessagesDoNotEchoTheRequest) {
  HttpRequestParser p(HttpLimits{});
  ASSERT_EQ(p.Parse("GET /<script> HTTP/9.9\r\n\r\n"), Step::kError);
  EXPECT_EQ(p.error_message().find("script"), std::string::npos);
}

}  // namespace
}  // namespace fw::server
