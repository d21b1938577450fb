// SPDX-License-Identifier: Apache-2.0
//
// http_server_test.cc: the event-loop server over raw loopback sockets, with a test router:
// keep-alive, pipelining across loop and pool routes (answers in request order), HTTP/1.0
// close, Expect: 100-continue, chunked bodies, the slowloris and idle timeouts, an oversize
// body, handler exceptions, and a graceful stop that finishes a request in flight.
#include "http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace fw::server {
namespace {

using namespace std::chrono_literals;

// A blocking loopback client socket with a receive timeout.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    ASSERT_EQ(send(fd_, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  bool TrySend(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `needle` appears in what was read (kept in buffer()), EOF or `timeout`.
  bool ReadUntil(const std::string& needle, std::chrono::milliseconds timeout = 3000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(needle) == std::string::npos) {
      if (!ReadSome(end)) return false;
    }
    return true;
  }
  // Reads until the server closes; true if it did within `timeout`.
  bool ReadUntilClosed(std::chrono::milliseconds timeout = 3000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!ReadSome(end)) return eof_;
    }
  }
  const std::string& buffer() const { return buffer_; }
  size_t Count(const std::string& needle) const {
    size_t n = 0;
    for (size_t pos = buffer_.find(needle); pos != std::string::npos; pos = buffer_.find(needle, pos + 1)) ++n;
    return n;
  }

 private:
  bool ReadSome(std::chrono::steady_clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Get("/fast", [](const HttpRequest& req, HttpResponse& res) {
      res.set_content("fast:" + req.get_param_value("n"), "text/plain");
    });
    router_.Get("/slow", [this](const HttpRequest& req, HttpResponse& res) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_.load()));
      res.set_content("slow:" + req.get_param_value("n"), "text/plain");
    });
    router_.Post("/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.set_content("echo:" + req.body, "text/plain");
    });
    router_.Get(R"(/item/([^/]+))", [](const HttpRequest& req, HttpResponse& res) {
      res.set_content("item:" + req.matches[1].str(), "text/plain");
    });
    router_.Get("/throw", [](const HttpRequest&, HttpResponse&) {
      throw std::runtime_error("boom");
    });
    router_.RunOnLoop({"/fast", "/echo", R"(/item/([^/]+))"});
    router_.set_error_handler([](const HttpRequest&, HttpResponse& res) {
      if (res.body.empty()) res.set_content("{\"error\":\"no such route\"}", "application/json");
    });
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  void Start(int read_timeout_s = 5, int keep_alive_s = 5, size_t max_body = 1 << 20) {
    HttpServerOptions o;
    o.port = 0;
    o.loops = 2;
    o.workers = 2;
    o.read_timeout_s = read_timeout_s;
    o.keep_alive_timeout_s = keep_alive_s;
    o.limits.max_body_bytes = max_body;
    server_ = std::make_unique<HttpServer>(router_, o);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
  }
  int port() const { return server_->port(); }

  HttpRouter router_;
  std::atomic<int> slow_ms_{50};
  std::atomic<bool> slow_started_{false};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveAndPipeliningKeepRequestOrder) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.connected());
  // A pool route between two loop routes: the answers must still come in request order.
  c.Send("GET /fast?n=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /slow?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"
         "GET /item/abc HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("item:abc")) << c.buffer();
  const std::string& b = c.buffer();
  EXPECT_LT(b.find("fast:1"), b.find("slow:2"));
  EXPECT_LT(b.find("slow:2"), b.find("item:abc"));
  EXPECT_EQ(c.Count("HTTP/1.1 200 OK"), 3u);
  EXPECT_EQ(c.Count("Connection: close"), 0u);
  // The same connection serves more.
  c.Send("GET /fast?n=4 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("fast:4"));
}

TEST_F(HttpServerTest, Http10ClosesAndHeadHasNoBody) {
  Start();
  RawClient c(port());
  c.Send("GET /fast?n=1 HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(c.ReadUntilClosed());
  EXPECT_NE(c.buffer().find("Connection: close"), std::string::npos);
  EXPECT_NE(c.buffer().find("fast:1"), std::string::npos);
  RawClient h(port());
  h.Send("HEAD /fast?n=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(h.ReadUntilClosed());
  EXPECT_NE(h.buffer().find("Content-Length: 6"), std::string::npos);
  EXPECT_EQ(h.buffer().find("fast:1"), std::string::npos);
}

TEST_F(HttpServerTest, ExpectContinueAndChunkedBodies) {
  Start();
  RawClient c(port());
  c.Send("POST /echo HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n", 1000ms)) << c.buffer();
  c.Send("hello");
  ASSERT_TRUE(c.ReadUntil("echo:hello")) << c.buffer();
  // As curl -T - sends it: the head alone, 100 Continue, then all chunks at once.
  c.Send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("echo:helloHTTP/1.1 100 Continue\r\n\r\n", 1000ms)) << c.buffer();
  c.Send("4\r\nwxyz\r\n0\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("echo:wxyz")) << c.buffer();
  c.Send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  std::this_thread::sleep_for(20ms);
  c.Send("2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("echo:abcde")) << c.buffer();
}

TEST_F(HttpServerTest, SlowlorisIsCutOffAfterTheReadTimeout) {
  Start(/*read_timeout_s=*/1);
  RawClient c(port());
  const auto start = std::chrono::steady_clock::now();
  // One header byte every 100 ms: every read makes progress, but the head never completes.
  c.Send("GET /fast HTTP/1.1\r\n");
  const std::string trickle = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  for (char ch : trickle) {
    if (!c.TrySend(std::string(1, ch))) break;  // closed by the server
    if (c.ReadUntil("HTTP/1.1 408", 100ms)) break;
  }
  EXPECT_TRUE(c.ReadUntilClosed(3000ms));
  EXPECT_NE(c.buffer().find("HTTP/1.1 408"), std::string::npos) << c.buffer();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  Start(/*read_timeout_s=*/5, /*keep_alive_s=*/1);
  RawClient c(port());
  c.Send("GET /fast?n=1 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("fast:1"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.ReadUntilClosed(3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 700ms);
}

TEST_F(HttpServerTest, OversizeBodyIs413AndTheAnswerArrives) {
  Start(5, 5, /*max_body=*/1000);
  RawClient c(port());
  // The body is sent right behind the head, as clients without Expect do; the 413 must not
  // be lost to a reset caused by the unread body.
  c.Send("POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  EXPECT_TRUE(c.ReadUntilClosed());
  EXPECT_NE(c.buffer().find("HTTP/1.1 413"), std::string::npos) << c.buffer();
  EXPECT_NE(c.buffer().find("\"http_status\":413"), std::string::npos);
  RawClient bad(port());
  bad.Send("GET /<script>alert(1)</script> HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(bad.ReadUntil("no such route"));
  EXPECT_EQ(bad.buffer().find("<script>"), std::string::npos);
  RawClient garbage(port());
  garbage.Send("\x01\x02 nonsense\r\n\r\n");
  EXPECT_TRUE(garbage.ReadUntilClosed());
  EXPECT_NE(garbage.buffer().find("HTTP/1.1 400"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  Start();
  RawClient c(port());
  c.Send("GET /throw HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("unexpected error: boom")) << c.buffer();
  EXPECT_NE(c.buffer().find("HTTP/1.1 500"), std::string::npos);
}

TEST_F(HttpServerTest, GracefulStopFinishesARequestInFlight) {
  slow_ms_ = 300;
  Start();
  RawClient c(port());
  c.Send("GET /slow?n=9 HTTP/1.1\r\n\r\n");
  // Stop only once the request is in the pool (a request not yet read is not in flight).
  for (int i = 0; i < 300 && !slow_started_; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(slow_started_);
  RawClient idle(port());
  std::thread stopper([this] { server_->Stop(); });
  EXPECT_TRUE(c.ReadUntilClosed(3000ms));
  EXPECT_NE(c.buffer().find("slow:9"), std::string::npos) << c.buffer();
  EXPECT_NE(c.buffer().find("Connection: close"), std::string::npos);
  EXPECT_TRUE(idle.ReadUntilClosed(3000ms));  // an idle connection is simply closed
  stopper.join();
  RawClient late(port());
  EXPECT_FALSE(late.connected());  // no longer listening
}

}  // namespace
}  // namespace fw::server
