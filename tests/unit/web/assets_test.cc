// SPDX-License-Identifier: Apache-2.0
#include "flywheel/web/assets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fw::web {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WebAssets, ChartJsIsTheNpmBundleByteForByte) {
  const std::string on_disk =
      ReadFile(std::filesystem::path(FW_SOURCE_DIR) / "web/node_modules/chart.js/dist/chart.umd.min.js");
  ASSERT_GT(on_disk.size(), 100000u);
  EXPECT_EQ(ChartJs(), on_disk);
}

TEST(WebAssets, EveryFileUnderWebSrcIsEmbeddedExactly) {
  const auto names = AssetNames();
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(FW_SOURCE_DIR) / "web/src")) {
    const std::string name = entry.path().filename().string();
    const auto bytes = FindAsset(name);
    ASSERT_TRUE(bytes.has_value()) << name << " is not embedded; re-run cmake";
    EXPECT_EQ(*bytes, ReadFile(entry.path())) << name;
    ++seen;
  }
  EXPECT_GE(seen, 1u);
  EXPECT_EQ(names.size(), seen + 1);  // plus the Chart.js bundle
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_FALSE(FindAsset("no-such-file.js").has_value());
}

TEST(WebAssets, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("charts.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.bin"), "application/octet-stream");
}

TEST(WebAssets, InlineScriptCannotCloseTheElement) {
  EXPECT_EQ(InlineScript("var s = '</script>';"), "var s = '<\\/script>';");
  EXPECT_EQ(InlineScript("a < b"), "a < b");
  EXPECT_EQ(InlineScript("<"), "<");
}

}  // namespace
}  // namespace fw::web
