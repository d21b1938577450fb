// SPDX-License-Identifier: Apache-2.0
//
// golden_test.cc: k-means against scikit-learn (tests/golden/segment/kmeans_golden.json, made
// by make_golden.py with the scikit-learn version named in the file).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "flywheel/core/text_table.h"
#include "flywheel/segment/kmeans.h"
#include "segment_test_util.h"

namespace fw::segment {
namespace {

using testing_util::GoldenDir;
using testing_util::LoadBlobs;
using testing_util::LoadGolden;
using testing_util::LoadMall;

// The data set a golden case runs on, or an empty matrix when it is not available.
Matrix DataFor(const std::string& name) {
  if (name.rfind("mall", 0) == 0) return LoadMall();
  return LoadBlobs();
}

TEST(KMeansGoldenTest, FixedInitMatchesScikitLearn) {
  const nlohmann::json golden = LoadGolden();
  ASSERT_FALSE(golden["fixed_init"].empty());
  for (const auto& c : golden["fixed_init"]) {
    const std::string name = c["name"];
    const Matrix x = DataFor(name);
    if (x.rows == 0) continue;  // mall data absent: LoadMall printed why
    const size_t k = c["k"];
    std::vector<float> init;
    for (size_t row : c["init_rows"]) {
      for (float v : x.Row(row)) init.push_back(v);
    }
    for (KMeansAlgorithm algo : {KMeansAlgorithm::kHamerly, KMeansAlgorithm::kLloyd}) {
      KMeansOptions opt{.k = k, .max_iter = 300, .tol = c["tol"], .algorithm = algo};
      ThreadPool pool(2);
      auto fit = FitKMeansFromCenters(x.View(), init, opt, &pool);
      ASSERT_TRUE(fit.ok()) << fit.status().ToString();
      const double inertia = c["inertia"];
      EXPECT_NEAR(fit->inertia, inertia, 1e-4 * inertia) << name;
      EXPECT_EQ(fit->iterations, static_cast<size_t>(c["n_iter"])) << name;
      // Labels must agree, except a point sitting on the boundary of two final centres to
      // within float32 rounding (sklearn ran in float64), which may go either way.
      const std::vector<uint32_t> labels = c["labels"].get<std::vector<uint32_t>>();
      size_t differ = 0;
      for (size_t i = 0; i < x.rows; ++i) {
        if (fit->labels[i] == labels[i]) continue;
        ++differ;
        auto dist = [&](uint32_t center) {
          double total = 0;
          for (size_t j = 0; j < x.cols; ++j) {
            const double diff = x.At(i, j) - fit->centers[center * x.cols + j];
            total += diff * diff;
          }
          return total;
        };
        const double mine = dist(fit->labels[i]);
        const double theirs = dist(labels[i]);
        EXPECT_NEAR(mine, theirs, 1e-4 * (1 + mine))
            << name << " row " << i << " algo " << static_cast<int>(algo);
      }
      EXPECT_LE(differ, 1u) << name;
    }
  }
}

TEST(KMeansGoldenTest, BestOfRestartsWithinPointOnePercentOfScikitLearn) {
  const nlohmann::json golden = LoadGolden();
  for (const auto& c : golden["best"]) {
    const std::string name = c["name"];
    const Matrix x = DataFor(name);
    if (x.rows == 0) continue;
    KMeansOptions opt{.k = c["k"], .n_init = c["n_init"], .seed = 42};
    ThreadPool pool(2);
    auto fit = FitKMeans(x.View(), opt, &pool);
    ASSERT_TRUE(fit.ok()) << fit.status().ToString();
    const double best = c["best_inertia"];
    EXPECT_LE(fit->inertia, best * 1.001) << name;
    std::vector<uint64_t> sizes = fit->sizes;
    std::sort(sizes.rbegin(), sizes.rend());
    if (name == "mall_k5") {
      // The published tutorial answer: 81, 39, 35, 23, 22 (SOURCE.txt).
      EXPECT_EQ(sizes, (std::vector<uint64_t>{81, 39, 35, 23, 22}));
    }
  }
}

}  // namespace
}  // namespace fw::segment
