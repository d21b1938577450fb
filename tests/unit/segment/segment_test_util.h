// SPDX-License-Identifier: Apache-2.0
//
// segment_test_util.h: loaders for the golden files and the shared Mall Customers data, and
// the adjusted Rand index used by the recovery tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/text_table.h"
#include "testing/adjusted_rand_index.h"

namespace fw::segment::testing_util {

inline std::string GoldenDir() { return std::string(FW_SOURCE_DIR) + "/tests/golden/segment"; }

inline nlohmann::json LoadGolden() {
  std::ifstream in(GoldenDir() + "/kmeans_golden.json");
  EXPECT_TRUE(in.good()) << "missing " << GoldenDir() << "/kmeans_golden.json";
  return nlohmann::json::parse(in);
}

// blobs.csv: one '#' comment line, a header, then float32 values printed with 9 digits.
inline Matrix LoadBlobs() {
  std::ifstream in(GoldenDir() + "/blobs.csv");
  std::string line;
  std::getline(in, line);  // comment
  std::getline(in, line);  // header
  std::vector<float> values;
  size_t rows = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) values.push_back(std::stof(cell));
    ++rows;
  }
  Matrix x(rows, rows == 0 ? 0 : values.size() / rows);
  x.data = values;
  return x;
}

inline std::string MallPath() {
  return std::string(FW_SHARED_DATA_DIR) + "/mall_customers/Mall_Customers.csv";
}

// Annual income and spending score of the 200 Mall Customers, or an empty matrix (with a
// note) when ../shared/data is absent.
inline Matrix LoadMall() {
  if (!std::filesystem::exists(MallPath())) {
    std::cout << "note: " << MallPath() << " is absent; Mall Customers cases skipped\n";
    return Matrix();
  }
  auto table = ReadTextTable(MallPath());
  EXPECT_TRUE(table.ok());
  auto income = table->NumericColumn("Annual Income (k$)");
  auto score = table->NumericColumn("Spending Score (1-100)");
  EXPECT_TRUE(income.ok() && score.ok());
  Matrix x(income->size(), 2);
  for (size_t i = 0; i < x.rows; ++i) {
    x.At(i, 0) = static_cast<float>((*income)[i]);
    x.At(i, 1) = static_cast<float>((*score)[i]);
  }
  return x;
}

// The adjusted Rand index lives in testing/adjusted_rand_index.h (the CLI recovery test uses it
// too).
using fw::testing::AdjustedRandIndex;

}  // namespace fw::segment::testing_util
