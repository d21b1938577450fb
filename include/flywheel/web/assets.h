// SPDX-License-Identifier: Apache-2.0
// Front-end files compiled into the binary, so the dashboard and the HTML report work with no
// network and no files beside the binary. Sources: web/src/* (ours) and the Chart.js bundle
// (npm, pinned in web/package-lock.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::web {

// The bytes of the embedded file `name` (a file name in web/src/, or "chart.umd.min.js").
std::optional<std::string_view> FindAsset(std::string_view name);

// The Chart.js UMD bundle; defines the global `Chart`.
std::string_view ChartJs();

// Every embedded file name, sorted.
std::vector<std::string_view> AssetNames();

// The HTTP Content-Type for a file name by extension (js, css, html, svg, png, json, else
// application/octet-stream).
std::string_view ContentTypeFor(std::string_view name);

// Makes `text` safe inside an inline <script> element: "</" becomes "<\/", so a "</script>" in an
// embedded library cannot end the element early.
std::string InlineScript(std::string_view text);

}  // namespace fw::web
