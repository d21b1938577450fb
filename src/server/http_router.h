// SPDX-License-Identifier: Apache-2.0
//
// http_router.h: the route table of `flywheel serve`: handlers by method and path (a literal
// path or a std::regex over the decoded path, whose groups land in HttpRequest::matches), a
// pre-routing gate (authentication) and an error handler for answers >= 400 without a body.
// The method names follow cpp-httplib's Server (Get, Post, Delete, set_pre_routing_handler,
// set_error_handler), which the routes were first written against.
//
// Each route also says where it runs (RunOnLoop): on the event-loop thread that read the
// request, for handlers that never wait on DuckDB, a commit or a long scan; or, by default, on
// the worker pool, so a slow handler cannot stall the other connections of its loop.
//
// Thread safety: register everything before the server starts; afterwards the router is
// read-only and Find/Run may be called from any thread.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "http_message.h"

namespace fw::server {

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

class HttpRouter {
 public:
  enum class HandlerResponse { Handled, Unhandled };
  using PreRoutingHandler = std::function<HandlerResponse(const HttpRequest&, HttpResponse&)>;

  struct Route {
    std::string method;
    std::string pattern;
    bool literal = true;  // no regex metacharacter: compared as a string
    std::regex re;
    HttpHandler handler;
    bool on_loop = false;  // runs on the event loop (see RunOnLoop)
  };

  void Get(const std::string& pattern, HttpHandler handler);
  void Post(const std::string& pattern, HttpHandler handler);
  void Put(const std::string& pattern, HttpHandler handler);
  void Delete(const std::string& pattern, HttpHandler handler);
  void set_pre_routing_handler(PreRoutingHandler handler) { pre_routing_ = std::move(handler); }
  void set_error_handler(HttpHandler handler) { error_handler_ = std::move(handler); }

  // The routes (by registration pattern, any method) whose handlers are cheap and never block,
  // so they run on the event loop. Requires: every pattern is registered.
  void RunOnLoop(std::initializer_list<std::string> patterns);

  // The route for `req` (HEAD finds the GET route), with req->matches filled; nullptr if none.
  // `req` must not move afterwards: matches point into req->path.
  const Route* Find(HttpRequest& req) const;

  // The pre-routing gate; true when it answered (`res` is then complete).
  bool Gate(const HttpRequest& req, HttpResponse& res) const;

  // Runs `route` (nullptr: 404), sets 200 when the handler set no status, and lets the error
  // handler fill an empty body of an error answer. Exceptions become a 500 JSON error (one of
  // the three places that catch, STYLE B2.4).
  void Run(const Route* route, const HttpRequest& req, HttpResponse& res) const;

 private:
  void Add(const std::string& method, const std::string& pattern, HttpHandler handler);

  std::vector<std::unique_ptr<Route>> routes_;  // registration order
  // Literal routes by "METHOD path", looked up before the patterns are tried in order.
  std::unordered_map<std::string, const Route*> literal_;
  std::vector<const Route*> patterns_;
  PreRoutingHandler pre_routing_;
  HttpHandler error_handler_;
};

}  // namespace fw::server
