// SPDX-License-Identifier: Apache-2.0
//
// auth_routes.cc: the authentication gate every request passes (the router's pre-routing hook),
// the dashboard login/logout, and POST /v1/keys (admin) for creating keys while the server
// holds the workspace.
//
// Which role a route needs is decided here in one table (NeededRole), so a new route cannot be
// left open by forgetting a check in its handler.
#include <optional>

#include "flywheel/core/time.h"
#include "flywheel/server/status_http.h"
#include "server_impl.h"

namespace fw::server {
namespace {

using nlohmann::json;

// nullopt = open to everyone.
std::optional<Role> NeededRole(const HttpRequest& req) {
  const std::string& path = req.path;
  if (path == "/healthz" || path == "/login" || path == "/logout" || path == "/") {
    return std::nullopt;  // "/" checks the session itself and shows the login form otherwise
  }
  if (path.rfind("/assets/", 0) == 0) return std::nullopt;  // static JS, no data
  if (req.method == "POST" &&
      (path == "/v1/events" || path == "/v1/decide" || path == "/v1/reward")) {
    return Role::kWrite;
  }
  if (path == "/v1/assign") return Role::kWrite;
  if (path == "/v1/keys" || path.rfind("/v1/alerts/rules", 0) == 0) {
    return req.method == "GET" ? Role::kRead : Role::kAdmin;
  }
  if (req.method != "GET" && req.method != "HEAD") return Role::kAdmin;
  return Role::kRead;
}

std::string SessionOf(const HttpRequest& req) {
  return CookieValue(req.get_header_value("Cookie"), "fw_session");
}

}  // namespace

std::string LoginHtml(bool failed) {
  std::string page = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flywheel: log in</title>
<link rel="icon" href="data:,">
<style>body{font-family:system-ui,sans-serif;background:#f5f6f8;display:flex;justify-content:center;margin-top:12vh}
form{background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 3px #0003;width:380px}
input{width:100%;box-sizing:border-box;padding:6px;margin:8px 0;font-family:monospace}
.err{color:#b00020}</style></head><body>
<form method="post" action="/login"><h2>Flywheel dashboard</h2>
<label for="key">API key (role read or admin)</label>
<input id="key" name="key" type="password" autocomplete="off" autofocus>
)HTML";
  if (failed) page += "<p class=\"err\" id=\"login-error\">That key was refused.</p>\n";
  page += R"HTML(<button type="submit">Log in</button>
<p style="font-size:12px;color:#667">Create a key with <code>flywheel keys create --role read</code>.</p>
</form></body></html>)HTML";
  return page;
}

void Server::Impl::RegisterAuth() {
  http.set_pre_routing_handler([this](const HttpRequest& req, HttpResponse& res) {
    auto deny = [&](int code, const Status& st) {
      res.status = code;
      res.set_content(ErrorJson(st, code), "application/json");
      metrics.ObserveRequest("denied", code, 0);
      return HttpRouter::HandlerResponse::Handled;
    };
    const auto need = NeededRole(req);
    if (!need) return HttpRouter::HandlerResponse::Unhandled;
    const AuthDecision d =
        auth.Check(req.get_header_value("Authorization"), SessionOf(req), *need, NowMicros());
    if (d.http_status == 200) return HttpRouter::HandlerResponse::Unhandled;
    if (d.http_status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"flywheel\"");
    if (d.http_status == 429) {
      res.set_header("Retry-After", std::to_string(static_cast<int>(d.retry_after_s) + 1));
      return deny(429, ResourceExhausted(d.message));
    }
    return deny(d.http_status, d.http_status == 403 ? FailedPrecondition(d.message)
                                                    : InvalidArgument(d.message));
  });

  http.Post("/login", [this](const HttpRequest& req, HttpResponse& res) {
    // The form posts application/x-www-form-urlencoded; the parser puts the fields in params.
    const std::string key = req.get_param_value("key");
    auto token = auth.Login(key, NowMicros());
    if (token) {
      const AuthDecision d = auth.Check("Bearer " + key, "", Role::kRead, NowMicros());
      if (d.http_status == 403) {
        auth.Logout(*token);
        token.reset();
      }
    }
    if (!token) {
      res.status = 401;
      res.set_content(LoginHtml(true), "text/html; charset=utf-8");
      metrics.ObserveRequest("/login", 401, 0);
      return;
    }
    res.status = 303;
    res.set_header("Location", "/");
    res.set_header("Set-Cookie", "fw_session=" + *token +
                                     "; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200");
    metrics.ObserveRequest("/login", 303, 0);
  });

  http.Post("/logout", [this](const HttpRequest& req, HttpResponse& res) {
    auth.Logout(SessionOf(req));
    res.status = 303;
    res.set_header("Location", "/");
    res.set_header("Set-Cookie", "fw_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  });

  http.Post("/v1/keys", [this](const HttpRequest& req, HttpResponse& res) {
    int code = 200;
    json out;
    auto body = json::parse(req.body, nullptr, false);
    Status st;
    if (!body.is_object()) {
      st = InvalidArgument("body: expected {\"role\": \"read|write|admin\", \"name\"?, \"rate\"?}");
    } else {
      auto role = ParseRole(body.value("role", std::string()));
      const double rate = body.contains("rate") && body["rate"].is_number()
                              ? body["rate"].get<double>() : kDefaultRatePerSecond;
      if (!role.ok()) {
        st = role.status();
      } else {
        std::lock_guard<std::mutex> lock(workspace_mu);
        auto created = CreateApiKey(*workspace, *role, body.value("name", std::string()), rate);
        if (!created.ok()) {
          st = created.status();
        } else {
          out = {{"key_id", created->record.key_id}, {"role", RoleName(*role)},
                 {"name", created->record.name}, {"rate_per_s", rate}, {"key", created->key}};
          auto all = ListApiKeys(*workspace);
          if (all.ok()) auth.SetKeys(std::move(*all));
        }
      }
    }
    if (!st.ok()) {
      code = HttpStatusFor(st);
      res.set_content(ErrorJson(st, code), "application/json");
    } else {
      code = 201;
      res.set_content(out.dump(), "application/json");
    }
    res.status = code;
    metrics.ObserveRequest("/v1/keys", code, 0);
  });
}

}  // namespace fw::server
