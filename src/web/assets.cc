// SPDX-License-Identifier: Apache-2.0
#include "flywheel/web/assets.h"

#include <algorithm>
#include <string>

namespace fw::web {
namespace {

struct EmbeddedAsset {
  std::string_view name;
  std::string_view bytes;
};

// Defines kAssets, generated from web/ by cmake/FwEmbed.cmake.
#include "embedded_assets.inc"

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<std::string_view> FindAsset(std::string_view name) {
  for (const EmbeddedAsset& asset : kAssets) {
    if (asset.name == name) return asset.bytes;
  }
  return std::nullopt;
}

std::string_view ChartJs() { return *FindAsset("chart.umd.min.js"); }

std::vector<std::string_view> AssetNames() {
  std::vector<std::string_view> names;
  for (const EmbeddedAsset& asset : kAssets) names.push_back(asset.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string_view ContentTypeFor(std::string_view name) {
  if (EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(name, ".svg")) return "image/svg+xml";
  if (EndsWith(name, ".png")) return "image/png";
  if (EndsWith(name, ".json")) return "application/json";
  return "application/octet-stream";
}

std::string InlineScript(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out.push_back('\\');
  }
  return out;
}

}  // namespace fw::web
