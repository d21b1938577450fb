// SPDX-License-Identifier: Apache-2.0
//
// model.cc: evaluating a fitted model, and its JSON form.
#include "flywheel/mmm/model.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <numbers>

#include "flywheel/core/time.h"

namespace fw::mmm {
namespace {

using Json = nlohmann::ordered_json;

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json IntervalJson(const Interval& ci) {
  if (!ci.present) return nullptr;
  return Json::array({Num(ci.lo), Num(ci.hi)});
}

Json AdstockJson(const AdstockParams& a) {
  Json j;
  j["type"] = AdstockKindName(a.kind);
  if (a.kind == AdstockKind::kGeometric) {
    j["theta"] = a.theta;
  } else {
    j["shape"] = a.shape;
    j["scale"] = a.scale;
  }
  j["max_lag"] = a.max_lag;
  return j;
}

Json SaturationJson(const SaturationParams& s) {
  Json j;
  j["type"] = SaturationKindName(s.kind);
  if (s.kind == SaturationKind::kHill) {
    j["half_saturation"] = s.half_sat;
    j["slope"] = s.slope;
  } else {
    j["lambda"] = s.lambda;
  }
  return j;
}

Result<AdstockParams> AdstockFromJson(const Json& j) {
  AdstockParams a;
  FW_ASSIGN_OR_RETURN(a.kind, ParseAdstockKind(j.at("type").get<std::string>()));
  if (a.kind == AdstockKind::kGeometric) {
    a.theta = j.at("theta").get<double>();
  } else {
    a.shape = j.at("shape").get<double>();
    a.scale = j.at("scale").get<double>();
  }
  a.max_lag = j.at("max_lag").get<size_t>();
  FW_RETURN_IF_ERROR(a.Validate());
  return a;
}

Result<SaturationParams> SaturationFromJson(const Json& j) {
  SaturationParams s;
  FW_ASSIGN_OR_RETURN(s.kind, ParseSaturationKind(j.at("type").get<std::string>()));
  if (s.kind == SaturationKind::kHill) {
    s.half_sat = j.at("half_saturation").get<double>();
    s.slope = j.at("slope").get<double>();
  } else {
    s.lambda = j.at("lambda").get<double>();
  }
  FW_RETURN_IF_ERROR(s.Validate());
  return s;
}

double NumOr(const Json& j, const char* key, double fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<double>();
}

}  // namespace

Result<size_t> MmmModel::ChannelIndex(const std::string& name) const {
  std::string names;
  for (size_t c = 0; c < channels.size(); ++c) {
    if (channels[c].name == name) return c;
    names += (c ? ", " : "") + channels[c].name;
  }
  return NotFound("channel '" + name + "' is not in the model (channels: " + names + ")");
}

double AdstockWeightSum(const AdstockParams& params) {
  double sum = 0.0;
  for (double w : AdstockWeights(params)) sum += w;
  return sum;
}

double SteadyResponse(const ChannelDraw& ch, double spend_per_period) {
  return ch.beta * Saturate(spend_per_period * AdstockWeightSum(ch.adstock), ch.saturation);
}

double SteadyMarginal(const ChannelDraw& ch, double spend_per_period) {
  const double w = AdstockWeightSum(ch.adstock);
  return ch.beta * SaturateDerivative(spend_per_period * w, ch.saturation) * w;
}

ChannelDraw PointDraw(const ChannelModel& ch) {
  return {.adstock = ch.adstock, .saturation = ch.saturation, .beta = ch.beta};
}

std::vector<double> ChannelContributions(const ChannelDraw& ch, std::span<const double> spend,
                                         std::span<const double> history) {
  std::vector<double> a = ApplyAdstock(spend, AdstockWeights(ch.adstock), history);
  for (double& v : a) v = ch.beta * Saturate(v, ch.saturation);
  return a;
}

void BaseFeatures(int64_t day, size_t t, int yearly_order, std::vector<double>* out) {
  out->push_back(static_cast<double>(t));
  const CivilDate date = CivilFromDays(day);
  const double doy = static_cast<double>(day - DaysFromCivil(date.year, 1, 1));
  for (int k = 1; k <= yearly_order; ++k) {
    const double angle = 2.0 * std::numbers::pi * k * doy / 365.25;
    out->push_back(std::sin(angle));
    out->push_back(std::cos(angle));
  }
}

Result<std::vector<double>> PredictOutcome(const MmmModel& model, const MmmData& data) {
  if (data.channel_names.size() != model.channels.size() ||
      data.control_names != model.control_names) {
    return InvalidArgument("data columns differ from the model's channels and controls");
  }
  const size_t n = data.num_periods();
  std::vector<double> y(n, model.intercept);
  std::vector<double> features;
  for (size_t t = 0; t < n; ++t) {
    features.clear();
    const auto offset = static_cast<size_t>((data.days[t] - model.first_day) / model.period_days);
    BaseFeatures(data.days[t], offset, model.yearly_order, &features);
    y[t] += model.trend * features[0];
    for (size_t k = 0; k < model.fourier.size(); ++k) y[t] += model.fourier[k] * features[k + 1];
    for (size_t j = 0; j < model.control_coefs.size(); ++j) {
      y[t] += model.control_coefs[j] * data.controls[j][t];
    }
  }
  for (size_t c = 0; c < model.channels.size(); ++c) {
    const std::vector<double> contrib =
        ChannelContributions(PointDraw(model.channels[c]), data.spend[c]);
    for (size_t t = 0; t < n; ++t) y[t] += contrib[t];
  }
  return y;
}

std::string ModelToJson(const MmmModel& m) {
  Json j;
  j["format"] = "flywheel-mmm-1";
  j["target"] = m.target_name;
  j["period_days"] = m.period_days;
  j["first_date"] = FormatDate(m.first_day);
  j["num_periods"] = m.num_periods;
  j["seed"] = m.seed;
  j["bootstrap"] = m.bootstrap;
  const FitMetrics& f = m.metrics;
  j["r2"] = Num(f.r2);
  j["nrmse"] = Num(f.nrmse);
  j["decomp_rssd"] = Num(f.decomp_rssd);
  j["cv_nrmse"] = Num(f.cv_nrmse);
  j["holdout_periods"] = f.holdout_periods;
  j["r2_holdout"] = f.holdout_periods ? Num(f.r2_holdout) : Json(nullptr);
  j["nrmse_holdout"] = f.holdout_periods ? Num(f.nrmse_holdout) : Json(nullptr);
  j["ridge_lambda"] = Num(f.ridge_lambda);
  j["evaluations"] = f.evaluations;
  j["r2_ci"] = IntervalJson(f.r2_ci);
  j["nrmse_ci"] = IntervalJson(f.nrmse_ci);
  Json base;
  base["intercept"] = Num(m.intercept);
  base["trend_per_period"] = Num(m.trend);
  base["yearly_order"] = m.yearly_order;
  base["fourier"] = m.fourier;
  Json controls = Json::object();
  for (size_t k = 0; k < m.control_names.size(); ++k) {
    controls[m.control_names[k]] = Num(m.control_coefs[k]);
  }
  base["controls"] = controls;
  j["baseline"] = base;
  Json channels = Json::object();
  for (const ChannelModel& c : m.channels) {
    Json cj;
    cj["roas"] = Num(c.roas);
    cj["mroas"] = Num(c.mroas);
    cj["share"] = Num(c.share);
    cj["spend_share"] = Num(c.spend_share);
    cj["beta"] = Num(c.beta);
    cj["contribution"] = Num(c.contribution);
    cj["total_spend"] = Num(c.total_spend);
    cj["mean_spend"] = Num(c.mean_spend);
    cj["adstock"] = AdstockJson(c.adstock);
    cj["saturation"] = SaturationJson(c.saturation);
    cj["roas_ci"] = IntervalJson(c.roas_ci);
    cj["mroas_ci"] = IntervalJson(c.mroas_ci);
    cj["share_ci"] = IntervalJson(c.share_ci);
    cj["beta_ci"] = IntervalJson(c.beta_ci);
    cj["recent_spend"] = c.recent_spend;
    Json draws = Json::array();
    for (const ChannelDraw& d : c.draws) {
      draws.push_back(Json{{"adstock", AdstockJson(d.adstock)},
                           {"saturation", SaturationJson(d.saturation)},
                           {"beta", d.beta}});
    }
    cj["draws"] = draws;
    channels[c.name] = cj;
  }
  j["channels"] = channels;
  return j.dump(1);
}

Result<MmmModel> ModelFromJson(const std::string& text, const std::string& source) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument(source + ": not a JSON object (expected a model from `mmm fit`)");
  }
  if (j.value("format", "") != "flywheel-mmm-1") {
    return InvalidArgument(source + ": format '" + j.value("format", "") +
                           "', expected 'flywheel-mmm-1'");
  }
  // nlohmann throws on a missing key or a wrong type; this is a library boundary, so catch here.
  try {
    MmmModel m;
    m.target_name = j.at("target").get<std::string>();
    m.period_days = j.at("period_days").get<int64_t>();
    FW_ASSIGN_OR_RETURN(m.first_day, ParseDate(j.at("first_date").get<std::string>()));
    m.num_periods = j.at("num_periods").get<size_t>();
    m.seed = j.at("seed").get<uint64_t>();
    m.bootstrap = j.at("bootstrap").get<size_t>();
    m.metrics.r2 = NumOr(j, "r2", NAN);
    m.metrics.nrmse = NumOr(j, "nrmse", NAN);
    m.metrics.decomp_rssd = NumOr(j, "decomp_rssd", NAN);
    m.metrics.cv_nrmse = NumOr(j, "cv_nrmse", NAN);
    m.metrics.holdout_periods = j.at("holdout_periods").get<size_t>();
    m.metrics.r2_holdout = NumOr(j, "r2_holdout", NAN);
    m.metrics.nrmse_holdout = NumOr(j, "nrmse_holdout", NAN);
    m.metrics.ridge_lambda = NumOr(j, "ridge_lambda", NAN);
    m.metrics.evaluations = j.at("evaluations").get<size_t>();
    const Json& base = j.at("baseline");
    m.intercept = base.at("intercept").get<double>();
    m.trend = base.at("trend_per_period").get<double>();
    m.yearly_order = base.at("yearly_order").get<int>();
    m.fourier = base.at("fourier").get<std::vector<double>>();
    for (const auto& [name, coef] : base.at("controls").items()) {
      m.control_names.push_back(name);
      m.control_coefs.push_back(coef.get<double>());
    }
    for (const auto& [name, cj] : j.at("channels").items()) {
      ChannelModel c;
      c.name = name;
      FW_ASSIGN_OR_RETURN(c.adstock, AdstockFromJson(cj.at("adstock")));
      FW_ASSIGN_OR_RETURN(c.saturation, SaturationFromJson(cj.at("saturation")));
      c.beta = cj.at("beta").get<double>();
      c.roas = NumOr(cj, "roas", NAN);
      c.mroas = NumOr(cj, "mroas", NAN);
      c.share = NumOr(cj, "share", NAN);
      c.spend_share = NumOr(cj, "spend_share", NAN);
      c.contribution = NumOr(cj, "contribution", NAN);
      c.total_spend = NumOr(cj, "total_spend", NAN);
      c.mean_spend = NumOr(cj, "mean_spend", NAN);
      c.recent_spend = cj.at("recent_spend").get<std::vector<double>>();
      for (const auto& dj : cj.at("draws")) {
        ChannelDraw d;
        FW_ASSIGN_OR_RETURN(d.adstock, AdstockFromJson(dj.at("adstock")));
        FW_ASSIGN_OR_RETURN(d.saturation, SaturationFromJson(dj.at("saturation")));
        d.beta = dj.at("beta").get<double>();
        c.draws.push_back(d);
      }
      m.channels.push_back(std::move(c));
    }
    if (m.channels.empty()) return InvalidArgument(source + ": the model has no channels");
    return m;
  } catch (const std::exception& e) {
    return InvalidArgument(source + ": malformed model JSON: " + e.what());
  }
}

}  // namespace fw::mmm
