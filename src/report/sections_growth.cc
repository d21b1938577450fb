// SPDX-License-Identifier: Apache-2.0
//
// sections_growth.cc: overview KPIs, acquisition, retention, funnel, lifecycle and CLV sections,
// built from the analytics commands' --json documents. Takeaways are computed here, from the same
// numbers the charts draw.
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

std::string Duration(double seconds) {
  if (seconds < 120) return FormatShort(seconds) + " s";
  if (seconds < 7200) return FormatShort(seconds / 60) + " min";
  if (seconds < 172800) return FormatShort(seconds / 3600) + " h";
  return FormatShort(seconds / 86400) + " days";
}

}  // namespace

json BuildOverview(const json& inputs, json& kpis, std::string& data_range) {
  const json& info = Get(inputs, "info");
  const json& acq = Get(inputs, "acquisition");
  if (info.is_null() && acq.is_null()) return nullptr;
  auto kpi = [&](const std::string& label, const std::string& value) {
    kpis.push_back({{"label", label}, {"value", value}});
  };
  json rows = json::array();
  if (!info.is_null()) {
    if (auto users = NumAt(info, "users")) kpi("users", FormatCount(*users));
    if (info.contains("tables")) {
      if (auto events = NumAt(info["tables"], "events")) kpi("events", FormatCount(*events));
      for (const auto& [table, count] : info["tables"].items()) rows.push_back({table, count});
    }
    if (info.value("events_from", json()).is_string() && info.value("events_to", json()).is_string()) {
      data_range = "events " + info["events_from"].get<std::string>().substr(0, 10) + " to " +
                   info["events_to"].get<std::string>().substr(0, 10) + " (UTC)";
    }
  }
  double spend = 0, customers = 0, revenue = 0, new_users = 0;
  if (acq.is_object()) {
    for (const auto& ch : acq.value("channels", json::array())) {
      spend += NumAt(ch, "spend").value_or(0);
      customers += NumAt(ch, "customers").value_or(0);
      new_users += NumAt(ch, "new_users").value_or(0);
    }
    revenue = NumAt(acq.value("totals", json::object()), "revenue").value_or(0);
    kpi("revenue", FormatMoney(revenue));
    kpi("marketing spend", FormatMoney(spend));
    kpi("customers (purchased)", FormatCount(customers));
    if (new_users > 0) kpi("new-user conversion", FormatPercent(customers / new_users));
    if (spend > 0) kpi("blended ROAS", FormatShort(revenue / spend) + "×");
  }
  json section = {{"id", "overview"}, {"title", "Overview"}};
  std::string takeaway = "The workspace holds";
  if (!info.is_null()) {
    takeaway += " " + FormatCount(NumAt(info, "users").value_or(0)) + " users";
    if (!data_range.empty()) takeaway += " with " + data_range;
  }
  if (acq.is_object() && spend > 0) {
    takeaway += "; every 1.00 of marketing spend returned " + FormatMoney(revenue / spend) +
                " of revenue";
  }
  section["takeaway"] = takeaway + ".";
  if (!rows.empty()) {
    section["tables"] = json::array({{{"title", "Workspace tables"},
                                      {"columns", {"table", "rows"}},
                                      {"rows", rows}}});
  }
  return section;
}

json BuildAcquisition(const json& inputs, json& findings, json& problems) {
  const json& acq = Get(inputs, "acquisition");
  if (acq.is_null()) return nullptr;
  const json channels = acq.value("channels", json::array());
  if (channels.empty()) {
    problems.push_back("acquisition: no channel has new users");
    return nullptr;
  }
  json labels = json::array(), new_users = json::array(), spend = json::array(),
       cac = json::array(), roas = json::array(), rows = json::array();
  // Best channel: lowest CAC among channels with spend; ROAS reported alongside.
  std::string best;
  double best_cac = 0, best_roas = 0;
  std::string best_roas_channel;
  double top_roas = -1;
  for (const auto& ch : channels) {
    const std::string name = ch.value("channel", "");
    labels.push_back(name);
    new_users.push_back(ch.value("new_users", json()));
    const auto ch_spend = NumAt(ch, "spend"), ch_cac = NumAt(ch, "cac"), ch_roas = NumAt(ch, "roas");
    spend.push_back(ch_spend ? json(*ch_spend) : json());
    cac.push_back(ch_cac ? json(*ch_cac) : json());
    roas.push_back(ch_roas ? json(*ch_roas) : json());
    if (ch_cac && (best.empty() || *ch_cac < best_cac)) {
      best = name;
      best_cac = *ch_cac;
      best_roas = ch_roas.value_or(0);
    }
    if (ch_roas && *ch_roas > top_roas) {
      top_roas = *ch_roas;
      best_roas_channel = name;
    }
    rows.push_back({name, ch.value("new_users", json()), ch.value("customers", json()),
                    ch.value("conversion_rate", json()), ch.value("spend", json()),
                    ch.value("cac", json()), ch.value("roas", json()),
                    ch.value("revenue", json()), ch.value("attributed_conversions", json()),
                    ch.value("attributed_revenue", json())});
  }
  json section = {{"id", "acquisition"}, {"title", "Acquisition by channel"}};
  json charts = json::array();
  std::string cac_takeaway = "No channel has both spend and customers, so CAC is undefined.";
  if (!best.empty()) {
    cac_takeaway = best + " brings customers at the lowest CAC (" + FormatMoney(best_cac) +
                   " per paying customer)";
    if (!best_roas_channel.empty()) {
      cac_takeaway += best_roas_channel == best
                          ? " and also has the highest ROAS (" + FormatShort(top_roas) + "×)."
                          : "; " + best_roas_channel + " has the highest ROAS (" +
                                FormatShort(top_roas) + "×).";
    } else {
      cac_takeaway += ".";
    }
    findings["channel"] = {{"channel", best}, {"cac", best_cac}, {"roas", best_roas},
                           {"best_roas_channel", best_roas_channel},
                           {"sentence", "Fund " + best + ": " + cac_takeaway}};
  }
  charts.push_back(MakeChart("acq-cac", "Customer acquisition cost by channel", "bar", "channel",
                             "CAC (currency per paying customer)", labels,
                             json::array({Series("CAC", cac)}), cac_takeaway));
  charts.push_back(MakeChart(
      "acq-roas", "Return on ad spend by channel", "bar", "channel",
      "ROAS (revenue ÷ spend, ×)", labels, json::array({Series("ROAS", roas)}),
      best_roas_channel.empty() ? "No channel has spend, so ROAS is undefined."
                                : best_roas_channel + " returns the most revenue per unit of spend (" +
                                      FormatShort(top_roas) + "×)."));
  // New users by channel, largest first in the sentence.
  size_t largest = 0;
  double total_new = 0;
  for (size_t i = 0; i < new_users.size(); ++i) {
    total_new += Num(new_users[i]).value_or(0);
    if (Num(new_users[i]).value_or(0) > Num(new_users[largest]).value_or(0)) largest = i;
  }
  charts.push_back(MakeChart(
      "acq-new-users", "New users and spend by channel", "bar", "channel",
      "new users (count) · spend (currency)", labels,
      json::array({Series("new users", new_users), Series("spend", spend)}),
      labels[largest].get<std::string>() + " brings the most new users (" +
          FormatCount(Num(new_users[largest]).value_or(0)) + ", " +
          FormatPercent(total_new > 0 ? Num(new_users[largest]).value_or(0) / total_new : 0) +
          " of all)."));
  section["charts"] = charts;
  section["takeaway"] = cac_takeaway;
  section["tables"] = json::array(
      {{{"title", "Channels (first touch; attribution: " + acq.value("attribution", "?") + ")"},
        {"columns",
         {"channel", "new users", "customers", "conversion", "spend", "CAC", "ROAS", "revenue",
          "attributed conversions", "attributed revenue"}},
        {"rows", rows}}});
  // Other attribution models side by side, when the caller ran them.
  if (inputs.contains("attribution") && inputs["attribution"].is_object() &&
      !inputs["attribution"].empty()) {
    json model_labels = json::array(), series = json::array();
    for (const auto& label : labels) model_labels.push_back(label);
    for (const auto& [model, doc] : inputs["attribution"].items()) {
      json data = json::array();
      for (const auto& label : labels) {
        json value;
        for (const auto& ch : doc.value("channels", json::array())) {
          if (ch.value("channel", "") == label) value = ch.value("attributed_conversions", json());
        }
        data.push_back(value);
      }
      series.push_back(Series(model, data));
    }
    section["charts"].push_back(MakeChart(
        "acq-attribution", "Attributed conversions by model", "bar", "channel",
        "attributed conversions (count)", model_labels, series,
        "Credit moves between channels with the attribution model; first-touch favours the "
        "channels that open journeys, last-touch those that close them."));
  }
  return section;
}

json BuildRetention(const json& inputs, json& findings, json& problems) {
  const json& ret = Get(inputs, "retention");
  if (ret.is_null()) return nullptr;
  const json cohorts = ret.value("cohorts", json::array());
  if (cohorts.empty()) {
    problems.push_back("retention: no cohorts (no start events)");
    return nullptr;
  }
  const std::string period = ret.value("period", "week");
  json average = ret.value("average", json::array());
  json offsets = json::array();
  for (size_t i = 0; i < average.size(); ++i) offsets.push_back(period + " " + std::to_string(i));
  // Heatmap as a table: one row per cohort, the share retained at each offset.
  json rows = json::array();
  json columns = json::array({"cohort (size)"});
  for (size_t i = 0; i < average.size(); ++i) columns.push_back(std::to_string(i));
  for (const auto& cohort : cohorts) {
    json row = json::array({cohort.value("start", "") + " (" +
                            FormatCount(NumAt(cohort, "size").value_or(0)) + ")"});
    const auto& rates = cohort.value("rates", json::array());
    for (size_t i = 0; i < average.size(); ++i) {
      row.push_back(i < rates.size() && Num(rates[i]) ? rates[i] : json());
    }
    rows.push_back(row);
  }
  // Trend: offset-1 retention of the first vs the last complete cohorts with offset 1 observed.
  std::string trend = "Not enough complete cohorts to tell a trend.";
  std::vector<double> week1;
  for (const auto& cohort : cohorts) {
    const auto& rates = cohort.value("rates", json::array());
    // "incomplete" is one flag per offset; offset 1 must have fully elapsed.
    const auto& incomplete = cohort.value("incomplete", json::array());
    const bool offset1_open = incomplete.is_array() && incomplete.size() > 1 &&
                              incomplete[1].is_boolean() && incomplete[1].get<bool>();
    if (rates.size() > 1 && Num(rates[1]) && !offset1_open) {
      week1.push_back(*Num(rates[1]));
    }
  }
  if (week1.size() >= 4) {
    const size_t half = week1.size() / 2;
    double early = 0, late = 0;
    for (size_t i = 0; i < half; ++i) early += week1[i];
    for (size_t i = week1.size() - half; i < week1.size(); ++i) late += week1[i];
    early /= static_cast<double>(half);
    late /= static_cast<double>(half);
    const double change = late - early;
    const std::string direction =
        std::fabs(change) < 0.01 ? "flat" : (change > 0 ? "improving" : "declining");
    trend = "Retention is " + direction + ": " + period + "-1 retention moved from " +
            FormatPercent(early) + " (first " + std::to_string(half) + " cohorts) to " +
            FormatPercent(late) + " (last " + std::to_string(half) + ").";
    findings["retention"] = {{"direction", direction}, {"early", early}, {"late", late},
                             {"sentence", trend}};
  }
  std::string curve_takeaway = "The average curve is empty.";
  if (average.size() > 1 && Num(average[1])) {
    curve_takeaway = "On average " + FormatPercent(*Num(average[1])) + " of a cohort comes back in " +
                     period + " 1";
    const size_t last = average.size() - 1;
    if (Num(average[last])) {
      curve_takeaway += " and " + FormatPercent(*Num(average[last])) + " in " + period + " " +
                        std::to_string(last);
    }
    curve_takeaway += ".";
  }
  json section = {{"id", "retention"}, {"title", "Retention"}, {"takeaway", trend}};
  json average_pct = json::array();
  for (const auto& value : average) average_pct.push_back(Num(value) ? json(*Num(value) * 100) : json());
  section["charts"] = json::array({MakeChart(
      "ret-curve", "Average retention curve", "line", period + "s since first activity",
      "users retained (% of cohort)", offsets,
      json::array({Series("retained (%)", average_pct)}), curve_takeaway)});
  section["tables"] = json::array({{{"title", "Retention heatmap (share of each " + period +
                                                  "ly cohort active N " + period + "s later)"},
                                    {"id", "retention-heatmap"},
                                    {"columns", columns},
                                    {"rows", rows},
                                    {"heat", true},
                                    {"note", "Blank cells: that period has not elapsed yet."}}});
  return section;
}

json BuildFunnel(const json& inputs, json& /*findings*/, json& problems) {
  const json& fun = Get(inputs, "funnel");
  if (fun.is_null()) return nullptr;
  const json steps = fun.value("steps", json::array());
  if (steps.size() < 2) {
    problems.push_back("funnel: fewer than two steps");
    return nullptr;
  }
  json labels = json::array(), users = json::array(), median = json::array(), rows = json::array();
  size_t worst = 1;
  double worst_rate = 2;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    labels.push_back(std::to_string(i + 1) + ". " + step.value("event", ""));
    users.push_back(step.value("users", json()));
    const auto med = NumAt(step, "median_seconds");
    median.push_back(med ? json(*med / 60.0) : json());
    if (i > 0) {
      const auto rate = NumAt(step, "conversion_from_previous");
      if (rate && *rate < worst_rate) {
        worst_rate = *rate;
        worst = i;
      }
    }
    rows.push_back({step.value("event", ""), step.value("users", json()),
                    step.value("conversion_from_previous", json()),
                    step.value("conversion_from_first", json()),
                    med ? json(Duration(*med)) : json(),
                    NumAt(step, "p90_seconds") ? json(Duration(*NumAt(step, "p90_seconds")))
                                               : json()});
  }
  const double overall = NumAt(steps.back(), "conversion_from_first").value_or(0);
  const std::string takeaway =
      FormatPercent(overall) + " of users who " + steps.front().value("event", "") +
      " reach " + steps.back().value("event", "") + "; the biggest drop is " +
      steps[worst - 1].value("event", "") + " → " + steps[worst].value("event", "") + " (" +
      FormatPercent(worst_rate <= 1 ? worst_rate : 0) + " continue).";
  json section = {{"id", "funnel"}, {"title", "Funnel"}, {"takeaway", takeaway}};
  json charts = json::array();
  charts.push_back(MakeChart("funnel-users", "Users reaching each step", "bar", "funnel step",
                             "users (count)", labels, json::array({Series("users", users)}),
                             takeaway));
  // Time to convert: median minutes from the previous step.
  json time_labels = json::array(), time_data = json::array();
  for (size_t i = 1; i < labels.size(); ++i) {
    time_labels.push_back(labels[i]);
    time_data.push_back(median[i]);
  }
  std::string slowest = "Time to convert cannot be computed.";
  double slowest_minutes = -1;
  for (size_t i = 0; i < time_data.size(); ++i) {
    if (Num(time_data[i]) && *Num(time_data[i]) > slowest_minutes) {
      slowest_minutes = *Num(time_data[i]);
      slowest = "The slowest step is " + time_labels[i].get<std::string>() + ": median " +
                Duration(slowest_minutes * 60) + " after the previous step.";
    }
  }
  charts.push_back(MakeChart("funnel-time", "Median time to convert from the previous step",
                             "bar", "funnel step", "median time (minutes)", time_labels,
                             json::array({Series("median minutes", time_data)}), slowest));
  section["charts"] = charts;
  section["tables"] = json::array(
      {{{"title", "Funnel steps (window " + Duration(NumAt(fun, "window_seconds").value_or(0)) +
                      ", order " + fun.value("order", "") + ")"},
        {"columns", {"step", "users", "from previous", "from first", "median time", "p90 time"}},
        {"rows", rows}}});
  return section;
}

json BuildLifecycle(const json& inputs, json& /*findings*/, json& problems) {
  const json& life = Get(inputs, "lifecycle");
  if (life.is_null()) return nullptr;
  const json periods = life.value("periods", json::array());
  if (periods.empty()) {
    problems.push_back("lifecycle: no periods");
    return nullptr;
  }
  json labels = json::array(), fresh = json::array(), returning = json::array(),
       resurrecting = json::array(), dormant = json::array();
  for (const auto& p : periods) {
    labels.push_back(p.value("start", "") + (p.value("incomplete", false) ? "*" : ""));
    fresh.push_back(p.value("new", json()));
    returning.push_back(p.value("returning", json()));
    resurrecting.push_back(p.value("resurrecting", json()));
    // Dormant users left: drawn below zero, as in the usual lifecycle chart.
    const auto d = NumAt(p, "dormant");
    dormant.push_back(d ? json(-*d) : json());
  }
  // Last complete period: quick ratio = (new + resurrecting) / dormant.
  std::string takeaway = "No complete period yet.";
  for (size_t i = periods.size(); i-- > 0;) {
    const auto& p = periods[i];
    if (p.value("incomplete", false)) continue;
    const double gained = NumAt(p, "new").value_or(0) + NumAt(p, "resurrecting").value_or(0);
    const double lost = NumAt(p, "dormant").value_or(0);
    takeaway = "In the " + life.value("period", "period") + " of " + p.value("start", "") + ", " +
               FormatCount(gained) + " users arrived or came back and " + FormatCount(lost) +
               " went dormant";
    takeaway += lost > 0 ? " (quick ratio " + FormatShort(gained / lost) + ")." : ".";
    break;
  }
  json section = {{"id", "lifecycle"}, {"title", "Lifecycle"}, {"takeaway", takeaway}};
  section["charts"] = json::array({MakeChart(
      "lifecycle", "Active users by lifecycle state", "stacked",
      life.value("period", "period") + " starting (UTC; * = not fully elapsed)", "users (count)",
      labels,
      json::array({Series("new", fresh), Series("returning", returning),
                   Series("resurrecting", resurrecting), Series("dormant (−)", dormant)}),
      takeaway)});
  return section;
}

json BuildClv(const json& inputs, json& findings, json& problems) {
  const json& clv = Get(inputs, "clv");
  if (clv.is_null()) return nullptr;
  json section = {{"id", "clv"}, {"title", "Customer lifetime value"}};
  const auto total = NumAt(clv, "total_clv");
  const double customers = NumAt(clv, "customers").value_or(0);
  std::string takeaway;
  if (total && customers > 0) {
    takeaway = "The " + FormatCount(customers) + " customers are worth " + FormatMoney(*total) +
               " over the next " + FormatShort(NumAt(clv, "horizon").value_or(0)) + " " +
               clv.value("time_unit", "week") + "s (" + FormatMoney(*total / customers) +
               " each, BG/NBD + Gamma-Gamma).";
  } else {
    takeaway = "Lifetime value cannot be computed: " +
               clv.value("gamma_gamma_null_reason", std::string("no spend model")) + ".";
  }
  section["takeaway"] = takeaway;
  json charts = json::array();
  // Distribution by segment: quantiles per group, drawn as a floating 25–75% bar and the median.
  const json& dist = Get(inputs, "clv_distribution");
  if (dist.is_object() && dist.contains("groups") && !dist["groups"].empty()) {
    json labels = json::array(), iqr = json::array(), median = json::array(), rows = json::array();
    std::string best;
    double best_median = -1;
    for (const auto& g : dist["groups"]) {
      const std::string name = g.value("group", "");
      labels.push_back(name);
      iqr.push_back({g.value("p25", json()), g.value("p75", json())});
      median.push_back(g.value("p50", json()));
      const double mean = NumAt(g, "mean").value_or(0);
      if (mean > best_median) {
        best_median = mean;
        best = name;
      }
      rows.push_back({name, g.value("customers", json()), g.value("mean", json()),
                      g.value("p10", json()), g.value("p25", json()), g.value("p50", json()),
                      g.value("p75", json()), g.value("p90", json())});
    }
    const std::string clv_takeaway =
        "Segment " + best + " has the highest mean predicted CLV (" + FormatMoney(best_median) +
        " per customer).";
    json chart = MakeChart("clv-segments", "Predicted CLV by segment (25–75% range and median)",
                           "forest", "predicted CLV (currency per customer)", "segment", labels,
                           json::array({Series("25–75% of customers", iqr),
                                        Series("median", median)}),
                           clv_takeaway);
    charts.push_back(chart);
    section["tables"] = json::array({{{"title", "Predicted CLV by segment"},
                                      {"columns", {"segment", "customers", "mean", "p10", "p25",
                                                   "median", "p75", "p90"}},
                                      {"rows", rows}}});
    findings["clv"] = {{"segment", best}, {"mean_clv", best_median}, {"sentence", clv_takeaway}};
  }
  if (dist.is_object() && dist.contains("histogram")) {
    const auto& h = dist["histogram"];
    charts.push_back(MakeChart("clv-histogram", "Distribution of predicted CLV", "bar",
                               "predicted CLV (currency per customer)", "customers (count)",
                               h.value("labels", json::array()),
                               json::array({Series("customers", h.value("counts", json::array()))}),
                               h.value("takeaway", "")));
  }
  if (charts.empty() && (!clv.contains("groups") || clv["groups"].empty())) {
    problems.push_back("clv: no per-customer predictions to draw");
  }
  if (charts.empty() && clv.contains("groups")) {
    json labels = json::array(), means = json::array();
    for (const auto& g : clv["groups"]) {
      labels.push_back(g.value("group", ""));
      means.push_back(g.value("mean_clv", json()));
    }
    charts.push_back(MakeChart("clv-segments", "Mean predicted CLV by " + clv.value("by", "group"),
                               "bar", clv.value("by", "group"),
                               "mean predicted CLV (currency per customer)", labels,
                               json::array({Series("mean CLV", means)}), takeaway));
  }
  section["charts"] = charts;
  return section;
}

}  // namespace fw::report::internal
