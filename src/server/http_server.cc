// SPDX-License-Identifier: Apache-2.0
//
// http_server.cc: listener, event loops, connections and the hand-off to the worker pool.
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "flywheel/server/status_http.h"

namespace fw::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;
constexpr uint64_t kFirstConnectionId = 2;
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxPendingOut = 256 * 1024;  // stop answering pipelined requests past this
constexpr int kMaxEvents = 128;
constexpr auto kScanInterval = std::chrono::milliseconds(250);
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

Status StatusForHttp(int http_status, const std::string& message) {
  switch (http_status) {
    case 413: case 431: return ResourceExhausted(message);
    case 501: case 505: return Unimplemented(message);
    case 408: return Unavailable(message);
    default: return InvalidArgument(message);
  }
}

std::string PeerAddress(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

struct Connection {
  Connection(uint64_t id_, int fd_, std::string remote_, const HttpLimits& limits, Clock::time_point now)
      : id(id_), fd(fd_), remote(std::move(remote_)), parser(limits), request_started(now),
        last_read(now), last_write(now), last_done(now) {}

  uint64_t id;
  int fd;
  std::string remote;
  std::string in;        // bytes read; the current request starts at in_start
  size_t in_start = 0;
  HttpRequestParser parser;
  std::string out;       // answers not yet sent, from out_pos
  size_t out_pos = 0;
  uint32_t events = 0;   // the epoll interest set now registered
  bool busy = false;     // a request of this connection is in the worker pool
  bool close_after_write = false;
  bool linger = false;     // close_after_write after an error: unread input may follow
  bool peer_closed = false;
  bool lingering = false;  // write side shut down; reading and discarding until EOF
  bool closed = false;
  Clock::time_point request_started, last_read, last_write, last_done, linger_since;
};

struct Completion {
  uint64_t id;
  std::shared_ptr<HttpRequest> req;
  HttpResponse res;
};

}  // namespace

class HttpServer::Loop {
 public:
  Loop(HttpServer* server, size_t index) : server_(server), index_(index) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeId;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
  }
  ~Loop() {
    for (auto& [id, c] : conns_) {
      if (!c->closed) ::close(c->fd);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [fd, remote] : incoming_) ::close(fd);
    }
    ::close(wakefd_);
    ::close(epfd_);
  }
  bool ok() const { return epfd_ >= 0 && wakefd_ >= 0; }

  // From any thread.
  void AddConnection(int fd, std::string remote) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) {  // this loop has drained and ended: refuse rather than leak
        ::close(fd);
        return;
      }
      incoming_.emplace_back(fd, std::move(remote));
    }
    Wake();
  }
  void PostCompletion(Completion done) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      completions_.push_back(std::move(done));
    }
    Wake();
  }
  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakefd_, &one, sizeof one);
  }

  void Run();

 private:
  void Accept();
  void Adopt(int fd, std::string remote);
  void TakeQueued();
  void HandleEvent(uint64_t id, uint32_t events);
  void Read(Connection& c);
  void Process(Connection& c);
  void Dispatch(Connection& c);
  void Answer(Connection& c, const HttpRequest& req, const HttpResponse& res);
  void ErrorAnswer(Connection& c, int status, const std::string& message);
  void Flush(Connection& c);
  void UpdateInterest(Connection& c);
  void StartLinger(Connection& c);
  void Close(Connection& c);
  void Scan();
  void BeginDrain();

  HttpServer* server_;
  size_t index_;
  int epfd_ = -1, wakefd_ = -1;
  bool listening_ = false;
  Clock::time_point accept_paused_until_{};
  bool draining_ = false;
  Clock::time_point drain_deadline_{};
  Clock::time_point now_ = Clock::now();
  uint64_t next_id_ = kFirstConnectionId;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::vector<uint64_t> dead_;  // closed this round; erased after the event batch
  char buf_[kReadChunk];

  std::mutex mu_;
  std::vector<std::pair<int, std::string>> incoming_;  // under mu_
  std::vector<Completion> completions_;                // under mu_
  bool finished_ = false;                              // under mu_: Run has returned
};

void HttpServer::Loop::Run() {
  if (index_ == 0 && server_->listen_fd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerId;
    listening_ = epoll_ctl(epfd_, EPOLL_CTL_ADD, server_->listen_fd_, &ev) == 0;
  }
  epoll_event events[kMaxEvents];
  auto next_scan = Clock::now() + kScanInterval;
  while (true) {
    const int n = epoll_wait(epfd_, events, kMaxEvents, 250);
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        Accept();
      } else if (id == kWakeId) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t got = ::read(wakefd_, &count, sizeof count);
        TakeQueued();
      } else {
        HandleEvent(id, events[i].events);
      }
    }
    if (!draining_ && server_->draining_.load(std::memory_order_acquire)) BeginDrain();
    if (now_ >= next_scan) {
      Scan();
      next_scan = now_ + kScanInterval;
    }
    for (uint64_t id : dead_) conns_.erase(id);
    dead_.clear();
    if (draining_ && (conns_.empty() || now_ >= drain_deadline_)) break;
  }
  for (auto& [id, c] : conns_) Close(*c);
  conns_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  for (auto& [fd, remote] : incoming_) ::close(fd);
  incoming_.clear();
}

void HttpServer::Loop::Accept() {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = accept4(server_->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the listener would be ready at once again; pause it briefly
        // (the scan resumes it) instead of spinning.
        epoll_ctl(epfd_, EPOLL_CTL_DEL, server_->listen_fd_, nullptr);
        listening_ = false;
        accept_paused_until_ = now_ + std::chrono::milliseconds(100);
      }
      return;
    }
    // Answers are written whole; Nagle would hold a second segment for the client's ACK.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto& loops = server_->loops_;
    Loop* target = loops[server_->next_loop_++ % loops.size()].get();
    if (target == this) {
      Adopt(fd, PeerAddress(addr));
    } else {
      target->AddConnection(fd, PeerAddress(addr));
    }
  }
}

void HttpServer::Loop::Adopt(int fd, std::string remote) {
  if (draining_) {
    ::close(fd);
    return;
  }
  const uint64_t id = next_id_++;
  auto c = std::make_unique<Connection>(id, fd, std::move(remote), server_->options_.limits, now_);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = id;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  c->events = ev.events;
  conns_.emplace(id, std::move(c));
}

void HttpServer::Loop::TakeQueued() {
  std::vector<std::pair<int, std::string>> incoming;
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    incoming.swap(incoming_);
    done.swap(completions_);
  }
  for (auto& [fd, remote] : incoming) Adopt(fd, std::move(remote));
  for (Completion& d : done) {
    auto it = conns_.find(d.id);
    if (it == conns_.end() || it->second->closed) continue;  // the client went away meanwhile
    Connection& c = *it->second;
    c.busy = false;
    Answer(c, *d.req, d.res);
    Process(c);
    Flush(c);
    if (!c.closed) UpdateInterest(c);
  }
}

void HttpServer::Loop::HandleEvent(uint64_t id, uint32_t events) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second->closed) return;
  Connection& c = *it->second;
  // An error, or a hang-up with nothing left to read (or while the pool still works on the
  // request: the peer is gone, and EPOLLHUP cannot be masked, so waiting would spin).
  if ((events & EPOLLERR) || ((events & EPOLLHUP) && (c.busy || !(events & EPOLLIN)))) {
    Close(c);
    return;
  }
  if (events & EPOLLOUT) {
    Flush(c);
    if (c.closed) return;
    if (c.out.empty()) {
      Process(c);
      Flush(c);
      if (c.closed) return;
    }
    UpdateInterest(c);
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) Read(c);
}

void HttpServer::Loop::Read(Connection& c) {
  if (c.closed || c.busy) return;
  const ssize_t n = ::recv(c.fd, buf_, sizeof buf_, 0);
  if (n > 0) {
    c.last_read = now_;
    if (c.lingering) return;  // discarded: the answer is out, the connection is closing
    c.in.append(buf_, static_cast<size_t>(n));
    Process(c);
    Flush(c);
    if (!c.closed) UpdateInterest(c);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n < 0 || c.lingering) {
    Close(c);
    return;
  }
  // End of stream: answer what is complete already, then close (Flush does, once idle).
  c.peer_closed = true;
  Process(c);
  Flush(c);
  if (!c.closed) UpdateInterest(c);
}

void HttpServer::Loop::Process(Connection& c) {
  while (!c.closed && !c.busy && !c.close_after_write && !c.lingering &&
         c.out.size() - c.out_pos < kMaxPendingOut && c.in_start < c.in.size()) {
    if (!c.parser.started()) c.request_started = now_;
    const auto step = c.parser.Parse(std::string_view(c.in).substr(c.in_start));
    if (step == HttpRequestParser::Step::kNeedMore) break;
    if (step == HttpRequestParser::Step::kHeadComplete) {
      // curl waits (1 s) for this before sending a body over 1 KiB.
      if (c.parser.request().expect_continue) c.out.append(k100Continue);
      break;
    }
    if (step == HttpRequestParser::Step::kError) {
      ErrorAnswer(c, c.parser.error_status(), c.parser.error_message());
      break;
    }
    c.in_start += c.parser.consumed();
    Dispatch(c);
    c.parser.Reset();
  }
  // Drop what was consumed: at once when all is, else once it is most of the buffer.
  if (c.in_start == c.in.size()) {
    c.in.clear();
    c.in_start = 0;
  } else if (c.in_start > 0 && !c.parser.started() && c.in_start >= c.in.size() / 2) {
    c.in.erase(0, c.in_start);
    c.in_start = 0;
  }
}

void HttpServer::Loop::Dispatch(Connection& c) {
  // Loop routes use the parser's request in place; a pool route gets its own copy (moved).
  HttpRequest& req = c.parser.request();
  req.remote_addr = c.remote;
  const HttpRouter& router = server_->router_;
  HttpResponse res;
  if (router.Gate(req, res)) {
    if (res.status == -1) res.status = 200;
    Answer(c, req, res);
    return;
  }
  const HttpRouter::Route* route = router.Find(req);
  if (route && !route->on_loop) {
    c.busy = true;  // nothing more is read from this connection until the answer is back
    auto owned = std::make_shared<HttpRequest>(std::move(req));
    // The groups point into the moved-from path; match again on the copy.
    router.Find(*owned);
    server_->pool_->Submit([this, id = c.id, route, &router, owned = std::move(owned)]() mutable {
      Completion done{id, std::move(owned), HttpResponse()};
      router.Run(route, *done.req, done.res);
      PostCompletion(std::move(done));
    });
    return;
  }
  router.Run(route, req, res);
  Answer(c, req, res);
}

void HttpServer::Loop::Answer(Connection& c, const HttpRequest& req, const HttpResponse& res) {
  const bool keep_alive = req.keep_alive && !draining_ && !c.peer_closed;
  SerializeResponse(res, keep_alive, req.minor_version, req.method == "HEAD", &c.out);
  c.last_done = now_;
  if (!keep_alive) c.close_after_write = true;
}

void HttpServer::Loop::ErrorAnswer(Connection& c, int status, const std::string& message) {
  HttpResponse res;
  res.status = status;
  res.set_content(ErrorJson(StatusForHttp(status, message), status), "application/json");
  SerializeResponse(res, /*keep_alive=*/false, 1, false, &c.out);
  c.close_after_write = true;
  c.linger = true;
}

void HttpServer::Loop::Flush(Connection& c) {
  if (c.closed) return;
  while (c.out_pos < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_pos += static_cast<size_t>(n);
      c.last_write = now_;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
    Close(c);
    return;
  }
  c.out.clear();
  c.out_pos = 0;
  if (c.busy) return;
  if (c.close_after_write && c.linger) {
    StartLinger(c);
  } else if (c.close_after_write) {
    Close(c);
  } else if (c.peer_closed) {
    Close(c);
  }
}

void HttpServer::Loop::UpdateInterest(Connection& c) {
  if (c.closed) return;
  const bool blocked = c.out_pos < c.out.size();
  uint32_t want = 0;
  if (c.lingering || (!c.busy && !c.peer_closed && !blocked)) want |= EPOLLIN | EPOLLRDHUP;
  if (blocked) want |= EPOLLOUT;
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

void HttpServer::Loop::StartLinger(Connection& c) {
  // Closing with unread input would send a reset, which can discard the answer at the
  // client before it reads it (a 413 sent before the body arrived); so half-close, read and
  // discard until the client closes, for a bounded time (as nginx's lingering_close).
  if (c.peer_closed) {
    Close(c);
    return;
  }
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.linger_since = now_;
  c.in.clear();
  c.in_start = 0;
  UpdateInterest(c);
}

void HttpServer::Loop::Close(Connection& c) {
  if (c.closed) return;
  ::close(c.fd);
  c.closed = true;
  dead_.push_back(c.id);
}

void HttpServer::Loop::Scan() {
  if (!listening_ && index_ == 0 && !draining_ && server_->listen_fd_ >= 0 &&
      now_ >= accept_paused_until_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerId;
    listening_ = epoll_ctl(epfd_, EPOLL_CTL_ADD, server_->listen_fd_, &ev) == 0;
  }
  const auto& o = server_->options_;
  const auto read_timeout = std::chrono::seconds(o.read_timeout_s);
  const auto idle_timeout = std::chrono::seconds(o.keep_alive_timeout_s);
  for (auto& [id, cp] : conns_) {
    Connection& c = *cp;
    if (c.closed || c.busy) continue;
    if (c.lingering) {
      if (now_ - c.linger_since >= kLingerTime) Close(c);
    } else if (c.out_pos < c.out.size()) {
      if (now_ - c.last_write >= read_timeout) Close(c);  // the client does not read
    } else if (c.parser.started()) {
      const bool late = c.parser.head_done() ? now_ - c.last_read >= read_timeout
                                             : now_ - c.request_started >= read_timeout;
      if (late) {
        ErrorAnswer(c, 408, "request not received within " + std::to_string(o.read_timeout_s) +
                                " s");
        Flush(c);
      }
    } else if (now_ - std::max(c.last_done, c.last_read) >= idle_timeout) {
      Close(c);
    }
  }
}

void HttpServer::Loop::BeginDrain() {
  draining_ = true;
  drain_deadline_ = now_ + std::chrono::seconds(server_->options_.drain_timeout_s);
  if (index_ == 0 && server_->listen_fd_ >= 0) {
    ::close(server_->listen_fd_);  // new connections are refused from here on
    server_->listen_fd_ = -1;
    listening_ = false;
  }
  // Idle connections go now; started requests finish (their answers close the connection).
  for (auto& [id, cp] : conns_) {
    Connection& c = *cp;
    if (!c.closed && !c.busy && !c.parser.started() && c.out_pos >= c.out.size()) Close(c);
  }
}

HttpServer::HttpServer(const HttpRouter& router, const HttpServerOptions& options)
    : router_(router), options_(options) {}

HttpServer::~HttpServer() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

Status HttpServer::Listen() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options_.port);
  const std::string where = options_.bind + ":" + port_text;
  if (getaddrinfo(options_.bind.c_str(), port_text.c_str(), &hints, &found) != 0 || !found) {
    return Unavailable("cannot resolve --bind " + options_.bind);
  }
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return Unavailable("cannot listen on " + where + ": " + std::strerror(errno));
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  listen_fd_ = fd;
  return OkStatus();
}

void HttpServer::Start() {
  int loops = options_.loops;
  if (loops <= 0) loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool_ = std::make_unique<WorkerPool>(std::max(1, options_.workers));
  for (int i = 0; i < loops; ++i) loops_.push_back(std::make_unique<Loop>(this, static_cast<size_t>(i)));
  for (auto& loop : loops_) {
    threads_.emplace_back([l = loop.get()] { l->Run(); });
  }
  started_ = true;
}

void HttpServer::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  draining_.store(true, std::memory_order_release);
  for (auto& loop : loops_) loop->Wake();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // Tasks still queued run to the end (their answers are dropped if their loop has ended).
  pool_->Stop();
}

}  // namespace fw::server
