// SPDX-License-Identifier: Apache-2.0
//
// http_router.cc: route lookup and the handler call with its defaults.
#include "http_router.h"

#include <cstdio>
#include <cstdlib>

#include "flywheel/server/status_http.h"

namespace fw::server {

void HttpRouter::Get(const std::string& pattern, HttpHandler handler) {
  Add("GET", pattern, std::move(handler));
}
void HttpRouter::Post(const std::string& pattern, HttpHandler handler) {
  Add("POST", pattern, std::move(handler));
}
void HttpRouter::Put(const std::string& pattern, HttpHandler handler) {
  Add("PUT", pattern, std::move(handler));
}
void HttpRouter::Delete(const std::string& pattern, HttpHandler handler) {
  Add("DELETE", pattern, std::move(handler));
}

void HttpRouter::Add(const std::string& method, const std::string& pattern, HttpHandler handler) {
  auto route = std::make_unique<Route>();
  route->method = method;
  route->pattern = pattern;
  route->literal = pattern.find_first_of("()[]{}*+?.\\^$|") == std::string::npos;
  if (!route->literal) route->re = std::regex(pattern);
  route->handler = std::move(handler);
  if (route->literal) {
    literal_.emplace(method + " " + pattern, route.get());
  } else {
    patterns_.push_back(route.get());
  }
  routes_.push_back(std::move(route));
}

void HttpRouter::RunOnLoop(std::initializer_list<std::string> patterns) {
  for (const std::string& p : patterns) {
    bool found = false;
    for (auto& r : routes_) {
      if (r->pattern == p) {
        r->on_loop = true;
        found = true;
      }
    }
    if (!found) {  // a programming error in the route table, caught by every server test
      std::fprintf(stderr, "HttpRouter::RunOnLoop: no route %s\n", p.c_str());
      std::abort();
    }
  }
}

const HttpRouter::Route* HttpRouter::Find(HttpRequest& req) const {
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  std::string key;
  key.reserve(method.size() + 1 + req.path.size());
  key.append(method).append(" ").append(req.path);
  if (auto it = literal_.find(key); it != literal_.end()) return it->second;
  for (const Route* r : patterns_) {
    if (r->method == method && std::regex_match(req.path, req.matches, r->re)) return r;
  }
  return nullptr;
}

bool HttpRouter::Gate(const HttpRequest& req, HttpResponse& res) const {
  if (!pre_routing_) return false;
  try {
    return pre_routing_(req, res) == HandlerResponse::Handled;
  } catch (const std::exception& e) {
    res = HttpResponse();
    res.status = 500;
    res.set_content(ErrorJson(Internal(std::string("unexpected error: ") + e.what()), 500),
                    "application/json");
    return true;
  }
}

void HttpRouter::Run(const Route* route, const HttpRequest& req, HttpResponse& res) const {
  try {
    if (route) {
      route->handler(req, res);
      if (res.status == -1) res.status = 200;
    } else {
      res.status = 404;
    }
    if (res.status >= 400 && error_handler_) error_handler_(req, res);
  } catch (const std::exception& e) {
    res = HttpResponse();
    res.status = 500;
    res.set_content(ErrorJson(Internal(std::string("unexpected error: ") + e.what()), 500),
                    "application/json");
  }
}

}  // namespace fw::server
