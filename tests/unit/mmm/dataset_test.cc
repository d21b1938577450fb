// SPDX-License-Identifier: Apache-2.0
//
// dataset_test.cc: input validation names the file, line, column and value.
#include "flywheel/mmm/dataset.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace fw::mmm {
namespace {

class DatasetTest : public ::testing::Test {
 protected:
  // Writes `text` to a temporary file and returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  Result<MmmData> Load(const std::string& path, std::vector<std::string> controls = {}) {
    auto table = ReadTextTable(path);
    if (!table.ok()) return table.status();
    return LoadMmmData(*table, {.date_col = "date", .target_col = "sales",
                                .channel_cols = {"tv", "search"}, .control_cols = controls});
  }
};

std::string WeeklyCsv(size_t n, int gap_at = -1, int neg_at = -1, int bad_at = -1,
                      bool constant = false, int64_t step = 7) {
  std::string s = "date,sales,tv,search,event\n";
  int64_t day = 19723;  // 2024-01-01
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(i) == gap_at) day += step;
    const int64_t z = day + 719468, era = z / 146097, doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2);
    auto two = [](int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    s += std::to_string(y) + "-" + two(m) + "-" + two(d);
    s += "," + std::to_string(constant ? 50.0 : 100.0 + static_cast<double>((i * 13) % 17));
    s += "," + (static_cast<int>(i) == neg_at ? std::string("-5") : std::to_string((i * 3) % 5));
    s += "," + (static_cast<int>(i) == bad_at ? std::string("abc") : std::to_string(1 + (i * 7) % 3));
    s += std::string(",") + (i == 4 ? "promo" : "") + "\n";
    day += step;
  }
  return s;
}

TEST_F(DatasetTest, LoadsWeeklyDataAndOneHotsTextControls) {
  auto data = Load(Write("ok.csv", WeeklyCsv(30)), {"event"});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->num_periods(), 30u);
  EXPECT_EQ(data->period_days, 7);
  EXPECT_EQ(data->channel_names, (std::vector<std::string>{"tv", "search"}));
  ASSERT_EQ(data->control_names, (std::vector<std::string>{"event=promo"}));
  EXPECT_EQ(data->controls[0][4], 1.0);
  EXPECT_EQ(data->controls[0][5], 0.0);
}

TEST_F(DatasetTest, DailyDataIsAccepted) {
  auto data = Load(Write("daily.csv", WeeklyCsv(40, -1, -1, -1, false, 1)));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->period_days, 1);
  auto gap = Load(Write("daily_gap.csv", WeeklyCsv(40, 12, -1, -1, false, 1)));
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.status().message().find("every 1 day(s)"), std::string::npos);
}

TEST_F(DatasetTest, MissingPeriodNamesTheGap) {
  auto data = Load(Write("gap.csv", WeeklyCsv(30, 10)));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(data.status().message().find("missing period"), std::string::npos)
      << data.status().message();
  EXPECT_NE(data.status().message().find(":12:"), std::string::npos) << data.status().message();
}

TEST_F(DatasetTest, NegativeSpendNamesLineAndColumn) {
  auto data = Load(Write("neg.csv", WeeklyCsv(30, -1, 7)));
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("negative spend"), std::string::npos);
  EXPECT_NE(data.status().message().find(":9: column 'tv'"), std::string::npos)
      << data.status().message();
}

TEST_F(DatasetTest, NonNumericCellIsAnError) {
  auto data = Load(Write("bad.csv", WeeklyCsv(30, -1, -1, 3)));
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("abc"), std::string::npos) << data.status().message();
}

TEST_F(DatasetTest, ConstantTargetIsAnError) {
  auto data = Load(Write("const.csv", WeeklyCsv(30, -1, -1, -1, true)));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(data.status().message().find("constant"), std::string::npos);
}

TEST_F(DatasetTest, MissingColumnIsNotFound) {
  auto table = ReadTextTable(Write("ok2.csv", WeeklyCsv(30)));
  ASSERT_TRUE(table.ok());
  auto data = LoadMmmData(*table, {.date_col = "date", .target_col = "sales",
                                   .channel_cols = {"radio"}, .control_cols = {}});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kNotFound);
}

TEST(SplitNamesTest, TrimsAndDropsEmpty) {
  EXPECT_EQ(SplitNames(" a, b ,,c"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace fw::mmm
