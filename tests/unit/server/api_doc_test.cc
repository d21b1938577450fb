// SPDX-License-Identifier: Apache-2.0
//
// api_doc_test.cc: docs/api.yaml against the server. A line scan of the spec's `paths:`
// (no YAML library: a path is a two-space-indented key starting with '/', a method a
// four-space-indented get/post/delete/put key under it) is compared with
//   1. the routes registered in src/server/*.cc (every `http.Get|Post|Delete|Put(` call; a
//      regex group `([^/]+)` is a {param}, an alternation `(a|b)` one path per choice), both
//      ways, so a new route cannot ship undocumented and the spec cannot invent one;
//   2. a running server: every documented (method, path) is answered by a handler, not by the
//      "no such route" 404.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <unistd.h>

#include "flywheel/server/api_keys.h"
#include "flywheel/server/server.h"
#include "flywheel/store/workspace.h"

namespace fw::server {
namespace {

using Route = std::pair<std::string, std::string>;  // (METHOD, /path/{}) with params unnamed

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "/v1/bandits/{name}" -> "/v1/bandits/{}".
std::string Unnamed(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\{[^}]*\})"), "{}");
}

std::set<Route> DocumentedRoutes() {
  std::set<Route> out;
  std::istringstream lines(ReadFile(std::filesystem::path(FW_SOURCE_DIR) / "docs/api.yaml"));
  const std::regex path_re(R"(^  (/[^:\s]*):\s*$)");
  const std::regex method_re(R"(^    (get|post|delete|put|patch):\s*$)");
  bool in_paths = false;
  std::string path;
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      path.clear();
    } else if (in_paths && std::regex_match(line, m, path_re)) {
      path = Unnamed(m[1].str());
    } else if (in_paths && !path.empty() && std::regex_match(line, m, method_re)) {
      std::string method = m[1].str();
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      out.insert({method, path});
    }
  }
  return out;
}

// Expands one httplib route pattern into concrete documented-style paths.
std::vector<std::string> ExpandPattern(std::string pattern) {
  pattern = std::regex_replace(pattern, std::regex(R"(\(\[\^/\]\+\))"), "{}");
  std::smatch m;
  if (!std::regex_search(pattern, m, std::regex(R"(\(([a-z_|]+)\))"))) return {pattern};
  std::vector<std::string> out;
  std::stringstream choices(m[1].str());
  std::string choice;
  while (std::getline(choices, choice, '|')) {
    for (const auto& rest : ExpandPattern(m.suffix().str())) {
      out.push_back(m.prefix().str() + choice + rest);
    }
  }
  return out;
}

std::set<Route> RegisteredRoutes() {
  std::set<Route> out;
  const std::regex call_re(R"(http\.(Get|Post|Delete|Put)\(\s*(?:R"\()?"?([^"]*?)\)?"\s*,)");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(FW_SOURCE_DIR) / "src/server")) {
    if (entry.path().extension() != ".cc") continue;
    const std::string text = ReadFile(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), call_re);
         it != std::sregex_iterator(); ++it) {
      std::string method = (*it)[1].str();
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      for (const auto& path : ExpandPattern((*it)[2].str())) out.insert({method, path});
    }
  }
  return out;
}

TEST(ApiDocTest, PatternExpansion) {
  EXPECT_EQ(ExpandPattern("/v1/bandits/([^/]+)"), std::vector<std::string>{"/v1/bandits/{}"});
  EXPECT_EQ(ExpandPattern("/v1/a/(x|y)"), (std::vector<std::string>{"/v1/a/x", "/v1/a/y"}));
}

TEST(ApiDocTest, EveryRegisteredRouteIsDocumentedAndViceVersa) {
  const std::set<Route> documented = DocumentedRoutes();
  const std::set<Route> registered = RegisteredRoutes();
  ASSERT_GE(documented.size(), 20u) << "the line scan of docs/api.yaml found too few routes";
  ASSERT_GE(registered.size(), 20u) << "the scan of src/server/*.cc found too few routes";
  for (const Route& r : registered) {
    EXPECT_TRUE(documented.count(r)) << r.first << " " << r.second
                                     << " is registered but missing from docs/api.yaml";
  }
  for (const Route& r : documented) {
    EXPECT_TRUE(registered.count(r)) << r.first << " " << r.second
                                     << " is in docs/api.yaml but no handler registers it";
  }
}

TEST(ApiDocTest, RunningServerAnswersEveryDocumentedRoute) {
  const auto dir = std::filesystem::temp_directory_path() / ("fw_api_doc_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "flywheel.db").string();
  std::string key;
  {
    auto ws = store::Workspace::Open(db);
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    auto created = CreateApiKey(**ws, Role::kAdmin, "doc test", kDefaultRatePerSecond);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    key = created->key;
  }
  ServerOptions options;
  options.port = 0;
  options.db_path = db;
  options.quiet = true;
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  httplib::Client client("127.0.0.1", (*server)->port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  for (const auto& [method, path] : DocumentedRoutes()) {
    const std::string url = std::regex_replace(path, std::regex(R"(\{\})"), "doc_test");
    httplib::Result r = method == "GET"    ? client.Get(url, auth)
                        : method == "POST" ? client.Post(url, auth, "{}", "application/json")
                                           : client.Delete(url, auth);
    ASSERT_TRUE(r) << method << " " << url;
    EXPECT_EQ(r->body.find("no such route"), std::string::npos)
        << method << " " << url << " -> " << r->status << " " << r->body;
  }
  EXPECT_TRUE((*server)->Stop().ok());
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::server
