// SPDX-License-Identifier: Apache-2.0
//
// csv_test.cc: record splitting, quoting, CRLF, BOM and resync after broken quotes.
#include "flywheel/core/csv.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view data, char delimiter = ',') {
  CsvReader reader(data, delimiter);
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string>> out;
  while (true) {
    const auto outcome = reader.Next(&fields);
    if (outcome == CsvReader::Outcome::kEnd) break;
    if (outcome != CsvReader::Outcome::kRecord) {
      out.push_back({"<broken line " + std::to_string(reader.record_line()) + ">"});
      reader.Resync();
      continue;
    }
    out.emplace_back(fields.begin(), fields.end());
  }
  return out;
}

TEST(CsvReaderTest, SplitsPlainAndQuotedFields) {
  auto rows = ReadAll("a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x,y", "he said \"hi\""}));
}

TEST(CsvReaderTest, HandlesCrlfBomAndQuotedNewlines) {
  CsvReader reader("\xEF\xBB\xBF" "a,b\r\n1,\"two\nlines\"\r\n3,4\r\n", ',');
  std::vector<std::string_view> fields;
  ASSERT_EQ(reader.Next(&fields), CsvReader::Outcome::kRecord);
  EXPECT_EQ(fields[0], "a");
  EXPECT_EQ(fields[1], "b");
  ASSERT_EQ(reader.Next(&fields), CsvReader::Outcome::kRecord);
  EXPECT_EQ(reader.record_line(), 2u);
  EXPECT_EQ(fields[1], "two\nlines");
  EXPECT_TRUE(reader.record_spans_lines());
  ASSERT_EQ(reader.Next(&fields), CsvReader::Outcome::kRecord);
  EXPECT_EQ(reader.record_line(), 4u);
  EXPECT_EQ(fields[1], "4");
  EXPECT_EQ(reader.Next(&fields), CsvReader::Outcome::kEnd);
}

TEST(CsvReaderTest, UnterminatedQuoteRejectsOnlyItsLine) {
  auto rows = ReadAll("a,b\n1,\"oops\n2,3\n4,5\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1][0], "<broken line 2>");
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"4", "5"}));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnError) {
  auto rows = ReadAll("a,b\n\"x\"y,1\n2,3\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "<broken line 2>");
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "3"}));
}

TEST(CsvReaderTest, EmptyFieldsAndTabs) {
  auto rows = ReadAll("a\tb\tc\n\t\tz\n", '\t');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"", "", "z"}));
  EXPECT_EQ(SplitCsvLine("x,\"y,z\",", ','), (std::vector<std::string>{"x", "y,z", ""}));
}

}  // namespace
}  // namespace fw
