// SPDX-License-Identifier: Apache-2.0
//
// text_table_test.cc: reading analysis tables and typed columns with precise errors.
#include "flywheel/core/text_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fw {
namespace {

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const auto path = std::filesystem::temp_directory_path() / ("fw_tt_" + name);
  std::ofstream(path, std::ios::binary) << contents;
  return path.string();
}

TEST(TextTableTest, ReadsTypedColumns) {
  const auto path = WriteTemp("ok.csv", "user,group,converted,spend\n1,a,True,1.5\n2,b,False,2\n");
  auto table = ReadTextTable(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->num_rows(), 2u);
  auto converted = table->NumericColumn("converted");
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ((*converted)[0], 1.0);
  EXPECT_TRUE(table->IsBooleanColumn(2));
  EXPECT_FALSE(table->IsBooleanColumn(3));
  EXPECT_EQ(table->ColumnIndex("nope").status().code(), StatusCode::kNotFound);
}

TEST(TextTableTest, BadCellNamesLineColumnAndValue) {
  const auto path = WriteTemp("bad.csv", "x,y\n1,2\n3,NaN\n");
  auto table = ReadTextTable(path);
  ASSERT_TRUE(table.ok());
  auto y = table->NumericColumn("y");
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find(":3: column 'y' has value 'NaN'"), std::string::npos)
      << y.status().message();
}

TEST(TextTableTest, RaggedRowIsAnError) {
  const auto path = WriteTemp("ragged.csv", "x,y\n1,2\n3\n");
  auto table = ReadTextTable(path);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find(":3: 1 fields, expected 2"), std::string::npos);
  EXPECT_EQ(ReadTextTable(WriteTemp("empty.csv", "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTextTable("/nonexistent/x.csv").status().code(), StatusCode::kNotFound);
}

TEST(TextTableTest, ParsesFiniteDoublesOnly) {
  double v;
  EXPECT_TRUE(ParseFiniteDouble(" 1e3 ", &v));
  EXPECT_EQ(v, 1000.0);
  EXPECT_FALSE(ParseFiniteDouble("inf", &v));
  EXPECT_FALSE(ParseFiniteDouble("1.0x", &v));
  EXPECT_FALSE(ParseFiniteDouble("", &v));
}

}  // namespace
}  // namespace fw
