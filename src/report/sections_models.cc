// SPDX-License-Identifier: Apache-2.0
//
// sections_models.cc: segments, experiments, bandits and MMM sections, built from the segment
// run stored in the workspace and the --json documents of experiment analyze, simulate,
// allocate and mmm plan/curves.
#include <algorithm>
#include <cmath>
#include <string>

#include "report_internal.h"

namespace fw::report::internal {
namespace {

const json& Get(const json& inputs, const char* key) {
  static const json kNull;
  return inputs.is_object() && inputs.contains(key) ? inputs[key] : kNull;
}

// A JSON value that may have been stored as text (segment_profiles keeps JSON in VARCHARs).
json Parsed(const json& value) {
  if (!value.is_string()) return value;
  json parsed = json::parse(value.get<std::string>(), nullptr, false);
  return parsed.is_discarded() ? value : parsed;
}

}  // namespace

json BuildSegments(const json& inputs, json& findings, json& problems) {
  const json& seg = Get(inputs, "segments");
  if (seg.is_null()) return nullptr;
  const json profiles = seg.value("profiles", json::array());
  if (profiles.empty()) {
    problems.push_back("segments: the segment run holds no profiles");
    return nullptr;
  }
  json labels = json::array(), sizes = json::array(), rows = json::array();
  double total = 0;
  size_t largest = 0;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const auto& p = profiles[i];
    const std::string label =
        "#" + CellText(p.value("segment", json())) + " " + p.value("label", std::string());
    labels.push_back(label);
    sizes.push_back(p.value("size", json()));
    total += NumAt(p, "size").value_or(0);
    if (NumAt(p, "size").value_or(0) > NumAt(profiles[largest], "size").value_or(0)) largest = i;
    std::string top;
    const json features = Parsed(p.value("top_features", json()));
    if (features.is_array()) {
      for (const auto& f : features) {
        std::string item = f.is_string() ? f.get<std::string>()
                           : f.is_object() ? f.value("feature", f.value("name", f.dump()))
                                           : f.dump();
        if (f.is_object() && NumAt(f, "z")) item += " (z " + FormatShort(*NumAt(f, "z")) + ")";
        top += (top.empty() ? "" : ", ") + item;
      }
    }
    rows.push_back({label, p.value("size", json()), p.value("share", json()), top});
  }
  const std::string takeaway =
      "k-means found " + std::to_string(profiles.size()) + " segments; the largest, " +
      labels[largest].get<std::string>() + ", holds " +
      FormatPercent(total > 0 ? NumAt(profiles[largest], "size").value_or(0) / total : 0) +
      " of users.";
  findings["segments"] = {{"k", profiles.size()}, {"run_id", seg.value("run_id", "")},
                          {"sentence", takeaway}};
  json section = {{"id", "segments"}, {"title", "Segments"}, {"takeaway", takeaway}};
  json charts = json::array();
  charts.push_back(MakeChart("seg-sizes", "Segment sizes", "bar", "segment", "users (count)",
                             labels, json::array({Series("users", sizes)}), takeaway));
  // Profile: each segment's centroid on the standardised features (z-scores), grouped by
  // feature, so "high on revenue, low on recency" reads off one chart.
  json feature_names = seg.value("features", json::array());
  json series = json::array();
  for (size_t i = 0; i < profiles.size(); ++i) {
    const json centroid = Parsed(profiles[i].value("centroid", json()));
    json data = json::array();
    if (centroid.is_object()) {
      if (feature_names.empty()) {
        for (const auto& [name, value] : centroid.items()) feature_names.push_back(name);
      }
      for (const auto& name : feature_names) {
        data.push_back(centroid.contains(name.get<std::string>()) ? centroid[name.get<std::string>()]
                                                                  : json());
      }
    } else if (centroid.is_array()) {
      data = centroid;
    }
    series.push_back(Series(labels[i].get<std::string>(), data));
  }
  if (!feature_names.empty() && !series.empty() && !series[0]["data"].empty()) {
    // The feature on which segments differ most, for the sentence.
    std::string spread_feature;
    double spread = -1;
    for (size_t f = 0; f < feature_names.size(); ++f) {
      double lo = 1e300, hi = -1e300;
      for (const auto& s : series) {
        if (f < s["data"].size() && Num(s["data"][f])) {
          lo = std::min(lo, *Num(s["data"][f]));
          hi = std::max(hi, *Num(s["data"][f]));
        }
      }
      if (hi - lo > spread) {
        spread = hi - lo;
        spread_feature = feature_names[f].get<std::string>();
      }
    }
    charts.push_back(MakeChart(
        "seg-profile", "Segment profiles (centroids on standardised features)", "bar", "feature",
        "centroid (standard deviations from the mean)", feature_names, series,
        "Segments differ most on " + spread_feature + " (a spread of " + FormatShort(spread) +
            " standard deviations between centroids)."));
  }
  section["charts"] = charts;
  section["tables"] = json::array({{{"title", "Segment labels and top features (run " +
                                                  seg.value("run_id", std::string("?")) + ")"},
                                    {"columns", {"segment", "users", "share", "top features"}},
                                    {"rows", rows}}});
  return section;
}

json BuildExperiments(const json& inputs, json& findings, json& problems) {
  const json& exps = Get(inputs, "experiments");
  if (!exps.is_array() || exps.empty()) return nullptr;
  json section = {{"id", "experiments"}, {"title", "Experiments"}};
  json charts = json::array(), tables = json::array(), warnings = json::array();
  std::string section_takeaway;
  for (const auto& doc : exps) {
    const std::string name = doc.value("experiment", std::string("experiment"));
    const double alpha = NumAt(doc, "alpha").value_or(0.05);
    const bool relative = doc.value("lift_type", std::string("relative")) == "relative";
    if (doc.contains("srm") && doc["srm"].is_object() && doc["srm"].value("warning", false)) {
      warnings.push_back(name + ": sample ratio mismatch (p = " +
                         FormatShort(NumAt(doc["srm"], "p_value").value_or(0)) +
                         "): " + doc["srm"].value("message", std::string("check assignment")) +
                         " Treat every result below with suspicion.");
    }
    json labels = json::array(), intervals = json::array(), points = json::array(),
         colors = json::array(), rows = json::array();
    json verdicts = json::array();
    for (const auto& metric : doc.value("metrics", json::array())) {
      for (const auto& r : metric.value("results", json::array())) {
        const std::string label = metric.value("metric", "") + " · " + r.value("variant", "");
        const auto lift = NumAt(r, "lift");
        const auto& ci = r.value("ci", json::array());
        const auto lo = ci.size() == 2 ? Num(ci[0]) : std::nullopt;
        const auto hi = ci.size() == 2 ? Num(ci[1]) : std::nullopt;
        const double scale = relative ? 100.0 : 1.0;
        labels.push_back(label);
        intervals.push_back(lo && hi ? json::array({*lo * scale, *hi * scale}) : json());
        points.push_back(lift ? json(*lift * scale) : json());
        const auto p = NumAt(r, "adjusted_p_value") ? NumAt(r, "adjusted_p_value")
                                                    : NumAt(r, "p_value");
        const bool significant = lo && hi && (*lo > 0 || *hi < 0);
        colors.push_back(!significant ? "rgba(120,120,120,0.45)"
                         : *lo > 0    ? "rgba(46,125,50,0.6)"
                                      : "rgba(176,0,32,0.6)");
        std::string verdict;
        if (!lift) {
          verdict = label + ": cannot be computed (" +
                    r.value("null_reason", std::string("no reason given")) + ")";
        } else {
          const std::string fmt_lift =
              relative ? FormatSignedPercent(*lift) : FormatShort(*lift);
          const std::string fmt_ci = lo && hi ? (relative ? "[" + FormatSignedPercent(*lo) + ", " +
                                                                FormatSignedPercent(*hi) + "]"
                                                          : "[" + FormatShort(*lo) + ", " +
                                                                FormatShort(*hi) + "]")
                                              : "";
          verdict = r.value("variant", "") + " changes " + metric.value("metric", "") + " by " +
                    fmt_lift + " " + fmt_ci + (p ? ", p = " + FormatShort(*p) : "") + ": " +
                    (significant ? (*lo > 0 ? "a significant improvement"
                                            : "a significant deterioration")
                                 : "no significant difference") +
                    ".";
        }
        verdicts.push_back(verdict);
        rows.push_back({metric.value("metric", ""), r.value("variant", ""),
                        metric.contains("control") ? metric["control"].value("mean", json())
                                                   : json(),
                        r.value("mean", json()), lift ? json(*lift) : json(),
                        ci.size() == 2 ? json(CellText(ci[0]) + " … " + CellText(ci[1])) : json(),
                        p ? json(*p) : json(), r.value("verdict", json())});
        // The headline finding: the first metric of the first experiment.
        if (!findings.contains("experiment") && lift) {
          const bool won = significant && *lo > 0;
          findings["experiment"] = {
              {"experiment", name}, {"metric", metric.value("metric", "")},
              {"variant", r.value("variant", "")}, {"lift", *lift},
              {"ci", ci}, {"p_value", p ? json(*p) : json()}, {"significant", significant},
              {"won", won},
              {"sentence", name + (won ? " won: " : significant ? " lost: " : " is inconclusive: ") +
                               verdict}};
        }
      }
    }
    if (labels.empty()) {
      problems.push_back("experiment " + name + ": no metric results");
      continue;
    }
    std::string takeaway;
    for (const auto& v : verdicts) takeaway += (takeaway.empty() ? "" : " ") + v.get<std::string>();
    if (section_takeaway.empty()) section_takeaway = verdicts[0].get<std::string>();
    json chart = MakeChart("exp-" + name, name + ": lift per metric with " +
                                               FormatShort(100 * (1 - alpha)) + "% CI",
                           "forest",
                           relative ? "lift vs control (%)" : "difference vs control (metric units)",
                           "metric · variant", labels,
                           json::array({Series("confidence interval", intervals),
                                        Series("estimate", points)}),
                           verdicts[0].get<std::string>());
    chart["colors"] = colors;
    charts.push_back(chart);
    tables.push_back({{"title", name + " results (" + doc.value("method", std::string("?")) +
                                    ", CUPED where a covariate was given)"},
                      {"columns", {"metric", "variant", "control mean", "variant mean", "lift",
                                   "CI", "p", "verdict"}},
                      {"rows", rows},
                      {"note", takeaway}});
  }
  if (charts.empty()) return nullptr;
  section["takeaway"] = section_takeaway;
  section["charts"] = charts;
  section["tables"] = tables;
  if (!warnings.empty()) section["warnings"] = warnings;
  return section;
}

json BuildBandits(const json& inputs, json& findings, json& problems) {
  const json& sim = Get(inputs, "simulation");
  const json& alloc = Get(inputs, "allocation");
  if (sim.is_null() && alloc.is_null()) return nullptr;
  json section = {{"id", "bandits"}, {"title", "Budget allocation with bandits"}};
  json charts = json::array(), tables = json::array();
  std::string takeaway;
  if (sim.is_object()) {
    const json policies = sim.value("policies", json::array());
    if (policies.empty()) {
      problems.push_back("simulate: no policy results");
    } else {
      json regret = json::array(), rows = json::array();
      std::string best;
      double best_ratio = -1;
      size_t best_index = 0;
      for (size_t i = 0; i < policies.size(); ++i) {
        const auto& p = policies[i];
        json points = json::array();
        for (const auto& c : p.value("curve", json::array())) {
          if (Num(c.value("contacts", json())) && Num(c.value("regret", json()))) {
            points.push_back({c["contacts"], c["regret"]});
          }
        }
        regret.push_back(Series(p.value("name", ""), points));
        const auto ratio = NumAt(p, "ratio_to_oracle");
        // The oracle itself (when simulated as a policy) is the yardstick, not a contender.
        const bool is_oracle = p.value("name", "").rfind("oracle", 0) == 0;
        if (ratio && !is_oracle && *ratio > best_ratio) {
          best_ratio = *ratio;
          best = p.value("name", "");
          best_index = i;
        }
        rows.push_back({p.value("name", ""), p.value("conversions", json()),
                        p.value("spend", json()), ratio ? json(*ratio) : json(),
                        p.value("regret_slope", json())});
      }
      const std::string oracle_kind = sim.value("benchmark", std::string("channel"));
      takeaway = best + " gets " + FormatPercent(best_ratio) +
                 " of the oracle's conversions on the simulated " +
                 sim.value("scenario", json::object()).value("name", std::string("market")) +
                 " market (" + std::to_string(sim.value("runs", 0)) + " runs).";
      findings["bandit"] = {{"policy", best}, {"ratio_to_oracle", best_ratio},
                            {"sentence", "In simulation, " + takeaway}};
      charts.push_back(MakeChart("bandit-regret", "Cumulative regret against the " + oracle_kind +
                                                      " oracle",
                                 "xy", "contacts made (count)",
                                 "regret (conversions lost vs oracle)", json::array(), regret,
                                 "Flatter is better: " + takeaway));
      // Spend shares over time for the best policy.
      const auto& curve = policies[best_index].value("curve", json::array());
      json shares = json::array();
      if (!curve.empty() && curve[0].contains("spend_share")) {
        for (const auto& [channel, unused] : curve[0]["spend_share"].items()) {
          json points = json::array();
          for (const auto& c : curve) {
            const auto share = NumAt(c.value("spend_share", json::object()), channel);
            if (share) points.push_back({c["contacts"], *share * 100.0});
          }
          shares.push_back(Series(channel, points));
        }
      }
      std::string share_takeaway = best + "'s final spend split:";
      // A named copy: items() of the temporary that value() returns would dangle in the loop.
      const json best_share = policies[best_index].value("spend_share", json::object());
      for (const auto& [channel, share] : best_share.items()) {
        share_takeaway += " " + channel + " " + FormatPercent(Num(share).value_or(0)) + ",";
      }
      if (!share_takeaway.empty() && share_takeaway.back() == ',') share_takeaway.back() = '.';
      const auto& oracle_share = sim.value("oracle", json::object()).value("spend_share", json::object());
      if (!oracle_share.empty()) {
        std::string top;
        double top_share = -1;
        for (const auto& [channel, share] : oracle_share.items()) {
          if (Num(share).value_or(0) > top_share) {
            top_share = Num(share).value_or(0);
            top = channel;
          }
        }
        share_takeaway += " The oracle puts " + FormatPercent(top_share) + " on " + top + ".";
      }
      charts.push_back(MakeChart("bandit-shares", "Spend share over time (" + best + ")", "xy",
                                 "contacts made (count)", "share of spend so far (%)",
                                 json::array(), shares, share_takeaway));
      tables.push_back({{"title", "Policies on the simulated market"},
                        {"columns", {"policy", "conversions", "spend", "share of oracle",
                                     "regret slope"}},
                        {"rows", rows}});
    }
  }
  if (alloc.is_object()) {
    const json lines = alloc.value("allocation", json::array());
    json labels = json::array(), amounts = json::array(), prob = json::array(),
         rates = json::array(), rows = json::array();
    std::string top;
    double top_prob = -1;
    // A line is a channel, or a channel x segment cell (allocate --by segment).
    auto cell_of = [](const json& l) {
      return l.contains("cell") && l["cell"].is_string() ? l["cell"].get<std::string>()
                                                          : l.value("channel", "");
    };
    const bool by_segment = alloc.contains("by") && alloc["by"].is_string();
    const std::string unit = by_segment ? "channel/segment" : "channel";
    for (const auto& l : lines) {
      labels.push_back(cell_of(l));
      amounts.push_back(l.value("amount", json()));
      const auto pb = NumAt(l, "prob_best");
      prob.push_back(pb ? json(*pb * 100) : json());
      const auto rate = NumAt(l, "rate");
      rates.push_back(rate ? json(*rate * 1000) : json());
      if (pb && *pb > top_prob) {
        top_prob = *pb;
        top = cell_of(l);
      }
      rows.push_back({cell_of(l), l.value("history_spend", json()),
                      l.value("history_conversions", json()), l.value("rate", json()),
                      l.value("prob_best", json()), l.value("amount", json()),
                      l.value("share", json())});
    }
    if (!lines.empty()) {
      const std::string alloc_takeaway =
          "Next period's " + FormatMoney(NumAt(alloc, "budget").value_or(0)) + ": " + top +
          " is the best " + unit + " with posterior probability " + FormatPercent(top_prob) +
          " and gets the largest share.";
      if (takeaway.empty()) takeaway = alloc_takeaway;
      findings["allocation"] = {{"channel", top}, {"prob_best", top_prob},
                                {"sentence", alloc_takeaway}};
      charts.push_back(MakeChart("bandit-posterior", "Posterior: conversions per 1,000 spent and P(best)",
                                 "bar", unit, "conversions per 1,000 spent · P(best) (%)",
                                 labels,
                                 json::array({Series("posterior mean rate ×1000", rates),
                                              Series("P(best) %", prob)}),
                                 alloc_takeaway));
      charts.push_back(MakeChart("bandit-allocation", "Next period's budget by " + unit + " (Thompson)",
                                 "bar", unit, "budget (currency)", labels,
                                 json::array({Series("amount", amounts)}), alloc_takeaway));
      tables.push_back({{"title", "Allocation of the next budget"},
                        {"columns", {"channel", "past spend", "past conversions", "rate",
                                     "P(best)", "next amount", "share"}},
                        {"rows", rows}});
    }
  }
  if (charts.empty()) return nullptr;
  section["takeaway"] = takeaway;
  section["charts"] = charts;
  section["tables"] = tables;
  return section;
}

json BuildMmm(const json& inputs, json& findings, json& problems) {
  const json& mmm = Get(inputs, "mmm");
  if (mmm.is_null()) return nullptr;
  json section = {{"id", "mmm"}, {"title", "Marketing-mix model"}};
  json charts = json::array(), tables = json::array();
  const json& curves = mmm.value("curves", json());
  if (curves.is_object() && !curves.empty()) {
    json series = json::array();
    std::string best;
    double best_mroas = -1;
    for (const auto& [channel, c] : curves.items()) {
      json points = json::array();
      const auto& x = c.value("spend_per_period", json::array());
      const auto& y = c.value("response_per_period", json::array());
      for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (Num(x[i]) && Num(y[i])) points.push_back({x[i], y[i]});
      }
      series.push_back(Series(channel, points));
      const auto m = NumAt(c, "mroas_at_mean");
      if (m && *m > best_mroas) {
        best_mroas = *m;
        best = channel;
      }
    }
    charts.push_back(MakeChart(
        "mmm-curves", "Response curves (steady state)", "xy", "spend per period (currency)",
        "modelled outcome per period (currency)", json::array(), series,
        best.empty() ? "No channel has a marginal ROAS."
                     : best + " has the highest marginal ROAS at its current spend (" +
                           FormatShort(best_mroas) + " per extra unit)."));
  }
  const json& plan = mmm.value("plan", json());
  if (plan.is_object() && plan.contains("allocation")) {
    json labels = json::array(), current = json::array(), planned = json::array(),
         rows = json::array();
    std::string up, down;
    double up_delta = 0, down_delta = 0;
    for (const auto& [channel, value] : plan["allocation"].items()) {
      labels.push_back(channel);
      const auto now = NumAt(plan.value("current_allocation", json::object()), channel);
      planned.push_back(value);
      current.push_back(now ? json(*now) : json());
      const double delta = Num(value).value_or(0) - now.value_or(0);
      if (delta > up_delta) {
        up_delta = delta;
        up = channel;
      }
      if (delta < down_delta) {
        down_delta = delta;
        down = channel;
      }
      rows.push_back({channel, now ? json(*now) : json(), value,
                      plan.value("marginal_roas", json::object()).value(channel, json()),
                      plan.value("bounds", json::object()).value(channel, json())});
    }
    const auto expected = NumAt(plan, "expected_outcome");
    const auto current_outcome = NumAt(plan, "current_outcome");
    std::string takeaway = "The plan keeps the current split.";
    if (expected && current_outcome && *current_outcome > 0) {
      takeaway = "Re-splitting " + FormatMoney(NumAt(plan, "budget").value_or(0)) + " over " +
                 std::to_string(plan.value("periods", 0)) + " periods changes the modelled outcome by " +
                 FormatSignedPercent(*expected / *current_outcome - 1) + " (" +
                 FormatMoney(*current_outcome) + " → " + FormatMoney(*expected) + ")";
      if (!up.empty() && !down.empty()) {
        takeaway += ", moving spend from " + down + " to " + up;
      }
      takeaway += ".";
      findings["mmm"] = {{"up", up}, {"down", down},
                         {"gain", *expected / *current_outcome - 1},
                         {"sentence", "Marketing-mix plan: " + takeaway}};
    }
    charts.push_back(MakeChart("mmm-plan", "Planned vs current spend per period", "bar",
                               "channel", "spend per period (currency)", labels,
                               json::array({Series("current", current), Series("plan", planned)}),
                               takeaway));
    section["takeaway"] = takeaway;
    tables.push_back({{"title", "Budget plan (" + plan.value("method", std::string("")) + ")"},
                      {"columns", {"channel", "current per period", "plan per period",
                                   "marginal ROAS at plan", "bound"}},
                      {"rows", rows}});
  }
  const json& fit = mmm.value("fit", json());
  if (fit.is_object()) {
    json rows = json::array();
    for (const char* key : {"r2", "nrmse", "decomp_rssd", "r2_holdout", "nrmse_holdout"}) {
      const json* value = nullptr;
      if (fit.contains(key)) value = &fit[key];
      else if (fit.contains("fit") && fit["fit"].is_object() && fit["fit"].contains(key)) value = &fit["fit"][key];
      if (value) rows.push_back({key, *value});
    }
    if (!rows.empty()) {
      tables.push_back({{"title", "Model fit (" + mmm.value("name", std::string("default")) + ")"},
                        {"columns", {"statistic", "value"}},
                        {"rows", rows}});
    }
  }
  if (charts.empty()) {
    problems.push_back("mmm: the model has neither curves nor a plan");
    return nullptr;
  }
  if (!section.contains("takeaway")) section["takeaway"] = charts[0]["takeaway"];
  section["charts"] = charts;
  section["tables"] = tables;
  return section;
}

}  // namespace fw::report::internal
