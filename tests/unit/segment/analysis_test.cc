// SPDX-License-Identifier: Apache-2.0
//
// analysis_test.cc: scaling, cluster scores (against scikit-learn), choosing k, profiles and
// the whole pipeline on Mall Customers; the adjusted Rand index helper against scikit-learn.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "flywheel/segment/choose_k.h"
#include "flywheel/segment/pipeline.h"
#include "flywheel/segment/profile.h"
#include "flywheel/segment/scaling.h"
#include "segment_test_util.h"

namespace fw::segment {
namespace {

Matrix Named(size_t rows, size_t cols, std::vector<float> values, std::vector<std::string> names) {
  Matrix x(rows, cols);
  x.data = std::move(values);
  x.column_names = std::move(names);
  return x;
}

// Expected values: sklearn.metrics.adjusted_rand_score (scikit-learn 1.2.1), run once with
// /usr/bin/python3 on the same label lists.
TEST(AdjustedRandIndexTest, MatchesScikitLearn) {
  using testing_util::AdjustedRandIndex;
  EXPECT_DOUBLE_EQ(AdjustedRandIndex({0, 0, 1, 1, 2, 2}, {1, 1, 0, 0, 2, 2}), 1.0);
  EXPECT_NEAR(AdjustedRandIndex({0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, {0, 0, 1, 1, 1, 2, 2, 2, 2, 0}),
              0.20454545454545456, 1e-12);
  EXPECT_NEAR(AdjustedRandIndex({0, 1, 2, 3}, {0, 0, 0, 0}), 0.0, 1e-12);
  EXPECT_NEAR(AdjustedRandIndex({0, 0, 1, 1}, {0, 1, 0, 1}), -0.5, 1e-12);
  EXPECT_NEAR(AdjustedRandIndex({5, 5, 5, 7, 7, 9, 9, 9, 9}, {1, 1, 2, 2, 2, 3, 3, 1, 3}),
              0.35714285714285715, 1e-12);
}

TEST(ScalingTest, ZScoreUsesPopulationMomentsAndDropsConstantColumns) {
  const Matrix x = Named(4, 3, {1, 5, 10, 2, 5, 20, 3, 5, 30, 4, 5, 40}, {"a", "const", "b"});
  auto scaled = ScaleColumns(x, ScaleMethod::kZScore);
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ(scaled->x.cols, 2u);
  EXPECT_EQ(scaled->x.column_names, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(scaled->notices.size(), 1u);
  EXPECT_NE(scaled->notices[0].find("'const' is constant (5)"), std::string::npos);
  // a = 1..4: mean 2.5, population std sqrt(1.25).
  EXPECT_NEAR(scaled->x.At(0, 0), (1 - 2.5) / std::sqrt(1.25), 1e-6);
  EXPECT_NEAR(scaled->x.At(3, 1), (40 - 25) / std::sqrt(125.0), 1e-6);
}

TEST(ScalingTest, RobustUsesMedianAndIqrLikeNumpy) {
  const Matrix x = Named(5, 1, {1, 2, 3, 4, 100}, {"a"});
  auto scaled = ScaleColumns(x, ScaleMethod::kRobust);
  ASSERT_TRUE(scaled.ok());
  // numpy: median 3, q25 2, q75 4 -> IQR 2.
  EXPECT_DOUBLE_EQ(scaled->center[0], 3.0);
  EXPECT_DOUBLE_EQ(scaled->scale[0], 2.0);
  EXPECT_NEAR(scaled->x.At(4, 0), 48.5, 1e-5);
}

TEST(ScalingTest, Log1pSkipsNegativeColumnsWithANotice) {
  const Matrix x = Named(3, 2, {0, -1, 9, 0, 99, 1}, {"money", "delta"});
  auto scaled = ScaleColumns(x, ScaleMethod::kLog1p);
  ASSERT_TRUE(scaled.ok());
  EXPECT_TRUE(scaled->logged[0]);
  EXPECT_FALSE(scaled->logged[1]);
  ASSERT_EQ(scaled->notices.size(), 1u);
  EXPECT_NE(scaled->notices[0].find("'delta' has negative values"), std::string::npos);
  // log1p(0, 9, 99) = (0, ln 10, ln 100): equally spaced, so z = (-1.2247, 0, 1.2247).
  EXPECT_NEAR(scaled->x.At(1, 0), 0.0, 1e-6);
}

TEST(ScalingTest, AllConstantIsAnError) {
  const Matrix x = Named(3, 1, {2, 2, 2}, {"a"});
  EXPECT_EQ(ScaleColumns(x, ScaleMethod::kZScore).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ParseScaleMethod("minmax").ok());
}

TEST(ScoresGoldenTest, SilhouetteCalinskiDaviesMatchScikitLearnOnMall) {
  const Matrix mall = testing_util::LoadMall();
  if (mall.rows == 0) GTEST_SKIP() << "../shared/data/mall_customers is absent";
  const nlohmann::json golden = testing_util::LoadGolden();
  ASSERT_FALSE(golden["scores"].empty());
  for (const auto& row : golden["scores"][0]["rows"]) {
    const size_t k = row["k"];
    const std::vector<uint32_t> labels = row["labels"].get<std::vector<uint32_t>>();
    auto scores = ScoreClustering(mall.View(), labels, k, 20000, 1, nullptr);
    ASSERT_TRUE(scores.ok());
    const double sil = row["silhouette"], ch = row["calinski_harabasz"], db = row["davies_bouldin"];
    EXPECT_NEAR(*scores->silhouette, sil, 1e-6) << "k=" << k;
    EXPECT_NEAR(*scores->calinski_harabasz, ch, 1e-6 * ch) << "k=" << k;
    EXPECT_NEAR(*scores->davies_bouldin, db, 1e-6 * db) << "k=" << k;
  }
}

TEST(ChooseKTest, AutoPicksFiveOnMallIncomeAndScore) {
  const Matrix mall = testing_util::LoadMall();
  if (mall.rows == 0) GTEST_SKIP() << "../shared/data/mall_customers is absent";
  ChooseKOptions opt;
  opt.k_max = 8;
  opt.kmeans.n_init = 10;
  ThreadPool pool(2);
  auto chosen = ChooseK(mall.View(), opt, &pool);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->best_k, 5u);  // the published answer, and sklearn's best silhouette
  EXPECT_EQ(chosen->table.size(), 7u);
}

TEST(ChooseKTest, UndefinedScoresAreNullNotNan) {
  Matrix x(4, 1);
  x.data = {0, 0, 1, 1};
  const std::vector<uint32_t> one_cluster = {0, 0, 0, 0};
  auto scores = ScoreClustering(x.View(), one_cluster, 1, 100, 0, nullptr);
  ASSERT_TRUE(scores.ok());
  EXPECT_FALSE(scores->silhouette.has_value());
  EXPECT_FALSE(scores->calinski_harabasz.has_value());
  EXPECT_FALSE(scores->note.empty());
  Matrix two(2, 1);
  EXPECT_EQ(ChooseK(two.View(), {}, nullptr).status().code(), StatusCode::kFailedPrecondition);
}

TEST(ProfileTest, OrderBySizeAndRfmLabels) {
  const std::vector<uint64_t> sizes = {5, 9, 5, 1};
  EXPECT_EQ(OrderBySize(sizes), (std::vector<uint32_t>{1, 0, 2, 3}));
  // Segment 0: recent, frequent, rich; segment 1: long gone, rare, poor.
  Matrix x = Named(4, 3, {1, 20, 500, 2, 18, 450, 90, 1, 10, 80, 2, 5},
                   {"recency_days", "frequency", "monetary"});
  const std::vector<uint32_t> labels = {0, 0, 1, 1};
  auto profiles = BuildProfiles(x, labels, 2);
  ASSERT_TRUE(profiles.ok());
  ASSERT_EQ(profiles->size(), 2u);
  EXPECT_EQ((*profiles)[0].label, "high-value loyal");
  EXPECT_EQ((*profiles)[1].label, "dormant");
  EXPECT_DOUBLE_EQ((*profiles)[0].centroid[2], 475.0);  // original units
  EXPECT_EQ((*profiles)[0].top_features.size(), 3u);
}

TEST(ProfileTest, BehaviourLabels) {
  // Segment 0: many events per day, small orders; 1: large orders; 2: one page, no order.
  Matrix x = Named(6, 2, {12, 25, 11, 24, 4, 110, 5, 120, 1, 0, 2, 0},
                   {"events_per_active_day", "avg_order_value"});
  const std::vector<uint32_t> labels = {0, 0, 1, 1, 2, 2};
  auto profiles = BuildProfiles(x, labels, 3);
  ASSERT_TRUE(profiles.ok());
  ASSERT_EQ(profiles->size(), 3u);
  EXPECT_EQ((*profiles)[0].label, "heavy browsers");
  EXPECT_EQ((*profiles)[1].label, "high-value buyers");
  EXPECT_EQ((*profiles)[2].label, "light visitors");
}

TEST(PipelineTest, MallFiveSegmentsWithReadableLabels) {
  Matrix mall = testing_util::LoadMall();
  if (mall.rows == 0) GTEST_SKIP() << "../shared/data/mall_customers is absent";
  mall.column_names = {"Annual Income (k$)", "Spending Score (1-100)"};
  SegmentationOptions opt;
  opt.k = 5;
  opt.kmeans.n_init = 10;
  ThreadPool pool(2);
  auto run = RunSegmentation(mall, opt, &pool);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->segments.size(), 5u);
  std::vector<uint64_t> sizes;
  for (const auto& s : run->segments) sizes.push_back(s.size);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{81, 39, 35, 23, 22}));
  EXPECT_EQ(run->segments[0].label, "average");  // mid income, mid score
  EXPECT_EQ(run->segments[1].label, "high Spending Score, high Annual Income");
  EXPECT_NEAR(run->segments[1].centroid[0], 86.54, 0.01);  // k$, as the tutorials report
  ASSERT_EQ(run->k_scores.size(), 1u);
  EXPECT_TRUE(run->k_scores[0].scores.silhouette.has_value());
}

}  // namespace
}  // namespace fw::segment
