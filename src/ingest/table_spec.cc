// SPDX-License-Identifier: Apache-2.0
//
// table_spec.cc: the three ingestable tables. Keep in step with src/store/schema.cc.
#include "table_spec.h"

namespace fw::ingest {
namespace {

store::ColumnType ColumnTypeOf(FieldKind kind) {
  switch (kind) {
    case FieldKind::kTimestamp: return store::ColumnType::kTimestamp;
    case FieldKind::kDate: return store::ColumnType::kDate;
    case FieldKind::kNumber:
    case FieldKind::kMoney: return store::ColumnType::kDouble;
    case FieldKind::kCount: return store::ColumnType::kBigint;
    default: return store::ColumnType::kVarchar;
  }
}

}  // namespace

Result<TableKind> ParseTableKind(std::string_view name) {
  if (name == "events") return TableKind::kEvents;
  if (name == "spend") return TableKind::kSpend;
  if (name == "exposures") return TableKind::kExposures;
  return InvalidArgument("unknown table '" + std::string(name) +
                         "'; expected events, spend or exposures");
}

std::string_view TableKindName(TableKind kind) {
  switch (kind) {
    case TableKind::kEvents: return "events";
    case TableKind::kSpend: return "spend";
    case TableKind::kExposures: return "exposures";
  }
  return "events";
}

const TableSpec& SpecFor(TableKind kind) {
  static const TableSpec kEvents = {
      "events",
      {{"event_id", FieldKind::kText, false},
       {"user_id", FieldKind::kText, true},
       {"timestamp", FieldKind::kTimestamp, true},
       {"event", FieldKind::kText, true},
       {"channel", FieldKind::kLowerText, false},
       {"campaign", FieldKind::kText, false},
       {"revenue", FieldKind::kNumber, false},
       {"properties", FieldKind::kJson, false}},
      0,
      7};
  static const TableSpec kSpend = {
      "spend",
      {{"date", FieldKind::kDate, true},
       {"channel", FieldKind::kLowerText, true},
       {"campaign", FieldKind::kText, false},
       {"spend", FieldKind::kMoney, true},
       {"impressions", FieldKind::kCount, false},
       {"clicks", FieldKind::kCount, false}},
      -1,
      -1};
  static const TableSpec kExposures = {
      "exposures",
      {{"user_id", FieldKind::kText, true},
       {"experiment", FieldKind::kText, true},
       {"variant", FieldKind::kText, true},
       {"timestamp", FieldKind::kTimestamp, true}},
      -1,
      -1};
  switch (kind) {
    case TableKind::kEvents: return kEvents;
    case TableKind::kSpend: return kSpend;
    case TableKind::kExposures: return kExposures;
  }
  return kEvents;
}

store::RowBatch MakeBatch(const TableSpec& spec) {
  store::RowBatch batch;
  batch.AddColumn("key_hi", store::ColumnType::kUbigint);
  batch.AddColumn("key_lo", store::ColumnType::kUbigint);
  for (const auto& field : spec.fields) batch.AddColumn(field.name, ColumnTypeOf(field.kind));
  return batch;
}

}  // namespace fw::ingest
