// SPDX-License-Identifier: Apache-2.0
//
// bandit_state.cc: bandit load/save, contexts, rows and decision-log records (see
// bandit_state.h).
#include "bandit_state.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "flywheel/bandit/serialize.h"
#include "flywheel/core/text_table.h"

namespace fw::server {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendJsonNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  // std::to_chars: the shortest text that reads back as the same double, without printf's
  // format parsing on the decide path (it was 2% of a decide's CPU with %.17g).
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

std::string LoadedBandit::DefinitionText() const {
  json d = def;
  d["decisions"] = decisions;
  return d.dump();
}

Status LoadedBandit::Update(size_t arm, double reward, double cost, const bd::Context& context) {
  FW_RETURN_IF_ERROR(policy->Update(arm, reward, cost, context));
  // The same validated update on an identical state cannot fail differently; if it ever did the
  // two copies would disagree, so report it rather than ignore it.
  return sampler->Update(arm, reward, cost, context).WithContext("sampler copy");
}

Result<std::vector<std::unique_ptr<LoadedBandit>>> LoadAllBandits(store::Workspace& ws) {
  FW_ASSIGN_OR_RETURN(auto rows, ws.Query("SELECT name, definition, state FROM bandits ORDER BY name"));
  std::vector<std::unique_ptr<LoadedBandit>> out;
  for (const auto& row : rows.rows) {
    auto b = std::make_unique<LoadedBandit>();
    b->name = row[0].value_or("");
    const std::string where = "bandit '" + b->name + "'";
    b->def = json::parse(row[1].value_or("{}"), nullptr, false);
    if (b->def.is_discarded() || !b->def.is_object() || !b->def.contains("config")) {
      return DataLoss(where + ": stored definition is corrupt");
    }
    try {
      b->arms = b->def.value("arms", std::vector<std::string>{});
      b->segments = b->def.value("segments", std::vector<std::string>{});
      b->features = b->def.value("features", std::vector<std::string>{});
      b->seed = b->def.value("seed", uint64_t{1});
      b->decisions = b->def.value("decisions", int64_t{0});
    } catch (const json::exception& e) {
      return DataLoss(where + ": stored definition has a field of the wrong type (" +
                      std::string(e.what()) + ")");
    }
    FW_ASSIGN_OR_RETURN(bd::PolicyConfig config, bd::PolicyConfigFromJson(b->def["config"].dump()));
    FW_ASSIGN_OR_RETURN(b->policy, bd::MakePolicy(config));
    bd::PolicyConfig fast = config;
    fast.propensity_samples = 0;
    FW_ASSIGN_OR_RETURN(b->sampler, bd::MakePolicy(fast));
    FW_ASSIGN_OR_RETURN(bd::PolicyState state, bd::PolicyStateFromJson(row[2].value_or("{}")));
    FW_RETURN_IF_ERROR(b->policy->Restore(state).WithContext(where));
    FW_RETURN_IF_ERROR(b->sampler->Restore(state).WithContext(where));
    if (b->arms.size() != b->policy->num_arms()) {
      return DataLoss(where + ": " + std::to_string(b->arms.size()) + " arm names for " +
                      std::to_string(b->policy->num_arms()) + " arms");
    }
    out.push_back(std::move(b));
  }
  return out;
}

Status SaveBandit(store::Workspace& ws, const LoadedBandit& b) {
  return ws.Execute(
      "UPDATE bandits SET definition = ?, state = ?, updated_at = current_timestamp::TIMESTAMP "
      "WHERE name = ?",
      {b.DefinitionText(), bd::PolicyStateToJson(b.policy->Snapshot()), b.name});
}

Result<std::map<std::string, std::string>> ContextItems(const json& context) {
  std::map<std::string, std::string> kv;
  if (context.is_null()) return kv;
  if (!context.is_object()) return InvalidArgument("context: expected a JSON object");
  for (const auto& [k, v] : context.items()) {
    if (v.is_string()) {
      kv[k] = v.get<std::string>();
    } else if (v.is_number()) {
      kv[k] = v.dump();
    } else {
      return InvalidArgument("context." + k + ": expected a string or a number");
    }
  }
  return kv;
}

std::map<std::string, std::string> StoredContextItems(std::string_view stored) {
  std::map<std::string, std::string> kv;
  if (stored.empty() || stored == "{}") return kv;
  const json doc = json::parse(stored, nullptr, false);
  if (!doc.is_object()) return kv;
  for (const auto& [k, v] : doc.items()) {
    if (v.is_string()) kv[k] = v.get<std::string>();
  }
  return kv;
}

Result<bd::Context> MakeBanditContext(const LoadedBandit& b,
                                      const std::map<std::string, std::string>& kv,
                                      std::vector<double>& features) {
  bd::Context ctx;
  if (!b.segments.empty()) {
    auto it = kv.find("segment");
    if (it == kv.end()) return InvalidArgument("context.segment is required for this bandit");
    auto s = std::find(b.segments.begin(), b.segments.end(), it->second);
    if (s == b.segments.end()) {
      return InvalidArgument("context.segment '" + it->second +
                             "' is not one of this bandit's segments");
    }
    ctx.segment = static_cast<int32_t>(s - b.segments.begin());
  }
  features.clear();
  for (const auto& f : b.features) {
    auto it = kv.find(f);
    double v = 0.0;
    if (it == kv.end() || !ParseFiniteDouble(it->second, &v)) {
      return InvalidArgument("context." + f + " (a number) is required for this bandit");
    }
    features.push_back(v);
  }
  ctx.features = features;
  return ctx;
}

Status AppendDecisionRows(store::Workspace& ws, const std::vector<DecisionRow>& rows) {
  if (rows.empty()) return OkStatus();
  store::RowBatch batch;
  batch.AddColumn("decision_id", store::ColumnType::kVarchar);
  batch.AddColumn("bandit", store::ColumnType::kVarchar);
  batch.AddColumn("user_id", store::ColumnType::kVarchar);
  batch.AddColumn("arm", store::ColumnType::kVarchar);
  batch.AddColumn("propensity", store::ColumnType::kDouble);
  batch.AddColumn("context", store::ColumnType::kVarchar);
  batch.AddColumn("ts", store::ColumnType::kTimestamp);
  for (const DecisionRow& r : rows) {
    batch.columns[0].text.push_back(r.id);
    batch.columns[1].text.push_back(r.bandit);
    batch.columns[2].text.push_back(r.user_id);
    batch.columns[3].text.push_back(r.arm);
    batch.columns[4].doubles.push_back(r.propensity);
    batch.columns[5].text.push_back(r.context);
    batch.columns[6].ints.push_back(r.ts_us);
  }
  for (auto& c : batch.columns) c.valid.assign(rows.size(), 1);
  batch.num_rows = rows.size();
  return ws.Append("decisions", batch);
}

Status AppendRewardRows(store::Workspace& ws, const std::vector<RewardRow>& rows) {
  if (rows.empty()) return OkStatus();
  store::RowBatch batch;
  batch.AddColumn("decision_id", store::ColumnType::kVarchar);
  batch.AddColumn("reward", store::ColumnType::kDouble);
  batch.AddColumn("cost", store::ColumnType::kDouble);
  batch.AddColumn("ts", store::ColumnType::kTimestamp);
  for (const RewardRow& r : rows) {
    batch.columns[0].text.push_back(r.id);
    batch.columns[1].doubles.push_back(r.reward);
    batch.columns[2].doubles.push_back(r.cost);
    batch.columns[3].ints.push_back(r.ts_us);
  }
  for (auto& c : batch.columns) c.valid.assign(rows.size(), 1);
  batch.num_rows = rows.size();
  return ws.Append("rewards", batch);
}

std::string DecisionRecord(const DecisionRow& row, int64_t number) {
  std::string out;
  out.reserve(128 + row.context.size());
  out += "{\"k\":\"d\",\"id\":";
  AppendJsonString(out, row.id);
  out += ",\"b\":";
  AppendJsonString(out, row.bandit);
  out += ",\"n\":";
  out += std::to_string(number);
  out += ",\"u\":";
  AppendJsonString(out, row.user_id);
  out += ",\"a\":";
  AppendJsonString(out, row.arm);
  out += ",\"p\":";
  AppendJsonNumber(out, row.propensity);
  out += ",\"c\":";
  AppendJsonString(out, row.context);
  out += ",\"t\":";
  out += std::to_string(row.ts_us);
  out += "}\n";
  return out;
}

std::string RewardRecord(const RewardRow& row, const std::string& bandit, const std::string& arm,
                         const std::string& context) {
  std::string out;
  out.reserve(128 + context.size());
  out += "{\"k\":\"r\",\"id\":";
  AppendJsonString(out, row.id);
  out += ",\"b\":";
  AppendJsonString(out, bandit);
  out += ",\"a\":";
  AppendJsonString(out, arm);
  out += ",\"r\":";
  AppendJsonNumber(out, row.reward);
  out += ",\"x\":";
  AppendJsonNumber(out, row.cost);
  out += ",\"c\":";
  AppendJsonString(out, context);
  out += ",\"t\":";
  out += std::to_string(row.ts_us);
  out += "}\n";
  return out;
}

Result<LogRecord> ParseLogRecord(std::string_view line) {
  const json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("not a JSON object");
  LogRecord r;
  try {
    const std::string kind = doc.at("k").get<std::string>();
    if (kind != "d" && kind != "r") return InvalidArgument("field k: '" + kind + "' is not d or r");
    r.is_reward = kind == "r";
    r.decision.id = doc.at("id").get<std::string>();
    r.decision.bandit = doc.at("b").get<std::string>();
    r.decision.arm = doc.at("a").get<std::string>();
    r.decision.context = doc.at("c").get<std::string>();
    r.decision.ts_us = doc.at("t").get<int64_t>();
    if (r.is_reward) {
      r.reward = doc.at("r").get<double>();
      r.cost = doc.at("x").get<double>();
    } else {
      r.number = doc.at("n").get<int64_t>();
      r.decision.user_id = doc.at("u").get<std::string>();
      const json& p = doc.at("p");
      r.decision.propensity = p.is_null() ? std::nan("") : p.get<double>();
    }
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("missing or mistyped field (") + e.what() + ")");
  }
  return r;
}

Result<int64_t> LastFlushedSegment(store::Workspace& ws) {
  FW_RETURN_IF_ERROR(ws.Execute("CREATE TABLE IF NOT EXISTS decision_log_state (segment BIGINT)"));
  return ws.QueryInt("SELECT coalesce(max(segment), 0) FROM decision_log_state");
}

Status SetLastFlushedSegment(store::Workspace& ws, int64_t segment) {
  FW_RETURN_IF_ERROR(ws.Execute("DELETE FROM decision_log_state"));
  return ws.Execute("INSERT INTO decision_log_state VALUES (?)", {segment});
}

}  // namespace fw::server
