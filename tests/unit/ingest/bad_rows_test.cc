// SPDX-License-Identifier: Apache-2.0
//
// bad_rows_test.cc: the table-driven bad-input test. Good rows are mixed with 28 kinds of bad
// rows; every good row must be inserted and every bad row rejected with its line and reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "flywheel/core/time.h"
#include "flywheel/ingest/ingest.h"

namespace fw::ingest {
namespace {

constexpr int64_t kNow = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

struct Case {
  std::string name;
  std::string line;    // the CSV text of the row (without newline)
  std::string reason;  // expected reject reason; empty = a good row
};

std::string Long(size_t n) { return std::string(n, 'x'); }

std::vector<Case> Cases() {
  // Columns: event_id,user_id,timestamp,event,channel,campaign,revenue,properties,device
  const std::string ok_tail = ",view,email,,,,";
  return {
      {"plain good row", "e1,u1,2024-01-01T00:00:00Z" + ok_tail, ""},
      {"missing user_id", "e2,,2024-01-01T00:00:00Z" + ok_tail, "missing_field"},
      {"missing timestamp", "e3,u1,,view,email,,,,", "missing_field"},
      {"missing event", "e4,u1,2024-01-01,,email,,,,", "missing_field"},
      {"blank user_id", "e5,   ,2024-01-01" + ok_tail, "missing_field"},
      {"good offset time", "e6,u2,2024-01-01T05:00:00+05:00" + ok_tail, ""},
      {"timestamp words", "e7,u1,yesterday" + ok_tail, "bad_timestamp"},
      {"no such day", "e8,u1,2024-02-30" + ok_tail, "bad_timestamp"},
      {"month 13", "e9,u1,2024-13-01" + ok_tail, "bad_timestamp"},
      {"before 1990", "e10,u1,1989-12-31T23:59:59Z" + ok_tail, "timestamp_out_of_range"},
      {"far future", "e11,u1,2099-01-01" + ok_tail, "timestamp_out_of_range"},
      {"epoch nanoseconds", "e12,u1,1700000000000000000" + ok_tail, "bad_timestamp"},
      {"good epoch s", "e13,u3,1700000000" + ok_tail, ""},
      {"good epoch ms", "e14,u3,1700000000123" + ok_tail, ""},
      {"revenue words", "e15,u1,2024-01-01,purchase,email,,abc,,", "bad_number"},
      {"revenue NaN", "e16,u1,2024-01-01,purchase,email,,NaN,,", "bad_number"},
      {"revenue inf", "e17,u1,2024-01-01,purchase,email,,inf,,", "bad_number"},
      {"revenue two dots", "e18,u1,2024-01-01,purchase,email,,1.5.2,,", "bad_number"},
      {"good revenue", "e19,u4,2024-01-01,purchase,EMAIL,spring,12.50,,", ""},
      {"properties not json", "e20,u1,2024-01-01,view,email,,,\"{oops\",", "bad_json"},
      {"properties array", "e21,u1,2024-01-01,view,email,,,\"[1,2]\",", "properties_not_object"},
      {"properties string", "e22,u1,2024-01-01,view,email,,,\"\"\"x\"\"\",", "properties_not_object"},
      {"good properties", "e23,u5,2024-01-01,view,email,,,\"{\"\"a\"\":1}\",ios", ""},
      {"user_id too long", "e24," + Long(1025) + ",2024-01-01" + ok_tail, "field_too_long"},
      {"event too long", "e25,u1,2024-01-01," + Long(1025) + ",email,,,,", "field_too_long"},
      {"channel too long", "e26,u1,2024-01-01,view," + Long(1025) + ",,,,", "field_too_long"},
      {"campaign too long", "e27,u1,2024-01-01,view,email," + Long(1025) + ",,,",
       "field_too_long"},
      {"properties too long",
       "e28,u1,2024-01-01,view,email,,,\"{\"\"a\"\":\"\"" + Long(70000) + "\"\"}\",",
       "field_too_long"},
      {"too few fields", "e29,u1,2024-01-01,view", "wrong_field_count"},
      {"too many fields", "e30,u1,2024-01-01,view,email,,,,,extra", "wrong_field_count"},
      {"text after quote", "e31,\"u1\"x,2024-01-01" + ok_tail, "broken_quote"},
      {"invalid utf-8", "e32,u\xff\xfe,2024-01-01" + ok_tail, "invalid_utf8"},
      {"good utf-8 id", "e33,用户-ü,2024-01-01" + ok_tail, ""},
      {"bad offset", "e34,u1,2024-01-01T00:00:00+25:00" + ok_tail, "bad_timestamp"},
      {"duplicate id is not a reject", "e1,u1,2024-01-01T00:00:00Z" + ok_tail, "duplicate"},
      {"good date only", "e35,u6,2024-03-01" + ok_tail, ""},
      {"unterminated quote", "e36,\"u1,2024-01-01" + ok_tail, "broken_quote"},
      {"good row after broken quote", "e37,u7,2024-01-01" + ok_tail, ""},
  };
}

TEST(BadRowsTest, EveryGoodRowKeptEveryBadRowRejectedWithLineAndReason) {
  const auto cases = Cases();
  std::string csv = "event_id,user_id,timestamp,event,channel,campaign,revenue,properties,device\n";
  for (const auto& c : cases) csv += c.line + "\n";
  const auto path = std::filesystem::temp_directory_path() / ("fw_bad_rows_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(path, std::ios::binary) << csv;

  auto workspace = store::Workspace::Open(":memory:");
  ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
  auto summary = IngestFile(**workspace, path.string(), {.kind = TableKind::kEvents, .now_us = kNow});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  std::map<size_t, std::string> expected_rejects;
  int64_t good = 0, duplicates = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].reason.empty()) ++good;
    else if (cases[i].reason == "duplicate") ++duplicates;
    else expected_rejects[i + 2] = cases[i].reason;  // line 1 is the header
  }
  EXPECT_GE(expected_rejects.size(), 25u);
  EXPECT_EQ(summary->inserted, good);
  EXPECT_EQ(summary->duplicates, duplicates);
  EXPECT_EQ(summary->rejected, static_cast<int64_t>(expected_rejects.size()));
  EXPECT_EQ(summary->rows_read, static_cast<int64_t>(cases.size()));

  auto rejects = (*workspace)->Query("SELECT line, reason FROM rejects ORDER BY line");
  ASSERT_TRUE(rejects.ok());
  std::map<size_t, std::string> actual;
  for (const auto& row : rejects->rows) actual[std::stoul(*row[0])] = *row[1];
  for (const auto& [line, reason] : expected_rejects) {
    EXPECT_EQ(actual[line], reason) << "line " << line << ": " << cases[line - 2].name;
  }
  EXPECT_EQ(actual.size(), expected_rejects.size());

  // Normalisation: channel lower-cased, the extra column merged into properties.
  auto row = (*workspace)->Query("SELECT channel FROM events WHERE event_id = 'e19'");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(*row->rows[0][0], "email");
  row = (*workspace)->Query("SELECT properties, user_id FROM events WHERE event_id IN ('e23','e33') "
                            "ORDER BY event_id");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(*row->rows[0][0], "{\"a\":1,\"device\":\"ios\"}");
  EXPECT_EQ(*row->rows[1][1], "用户-ü");
  // The offset was applied: 05:00+05:00 is midnight UTC.
  auto ts = (*workspace)->QueryInt("SELECT epoch(ts)::BIGINT FROM events WHERE event_id = 'e6'");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, 1704067200);
}

TEST(BadRowsTest, SpendAndExposuresRules) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fw_bad_rows_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "fw_spend.csv") << "date,channel,spend,clicks\n"
                                         "2024-01-01,Email,10.5,3\n"
                                         "2024-01-02,email,-1,3\n"
                                         "2024-01-03,email,2,x\n"
                                         "someday,email,2,1\n"
                                         "2024-01-04,,2,1\n";
  std::ofstream(dir / "fw_exposures.csv") << "user_id,experiment,variant,timestamp\n"
                                             "u1,exp,control,2024-01-01\n"
                                             "u2,exp,,2024-01-01\n";
  auto workspace = store::Workspace::Open(":memory:");
  ASSERT_TRUE(workspace.ok());
  auto spend = IngestFile(**workspace, (dir / "fw_spend.csv").string(),
                          {.kind = TableKind::kSpend, .now_us = kNow});
  ASSERT_TRUE(spend.ok()) << spend.status().ToString();
  EXPECT_EQ(spend->inserted, 1);
  EXPECT_EQ(spend->rejected_by_reason.at("negative_value"), 1);
  EXPECT_EQ(spend->rejected_by_reason.at("bad_count"), 1);
  EXPECT_EQ(spend->rejected_by_reason.at("bad_date"), 1);
  EXPECT_EQ(spend->rejected_by_reason.at("missing_field"), 1);
  auto exposures = IngestFile(**workspace, (dir / "fw_exposures.csv").string(),
                              {.kind = TableKind::kExposures, .now_us = kNow});
  ASSERT_TRUE(exposures.ok());
  EXPECT_EQ(exposures->inserted, 1);
  EXPECT_EQ(exposures->rejected, 1);
}

}  // namespace
}  // namespace fw::ingest
