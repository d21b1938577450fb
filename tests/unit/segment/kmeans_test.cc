// SPDX-License-Identifier: Apache-2.0
//
// kmeans_test.cc: the fast kernels against the scalar reference, determinism
// across thread counts, stopping rules, empty clusters, mini-batch, and the bad
// inputs.
#include "flywheel/segment/kmeans.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "flywheel/core/rng.h"
#include "kernels.h"
#include "kmeans_internal.h"

namespace fw::segment {
namespace {

// n points around k random centres in d dims (centre spread `spread`, unit
// noise).
Matrix MakeBlobs(size_t n, size_t d, size_t k, double spread, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> centers(k * d);
  for (double& v : centers) v = (rng.Uniform() * 2 - 1) * spread;
  Matrix x(n, d);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = rng.UniformInt(k);
    for (size_t j = 0; j < d; ++j)
      x.At(i, j) = static_cast<float>(centers[c * d + j] + rng.Normal());
  }
  return x;
}

std::vector<const internal::KernelTable*> FastKernels() {
  std::vector<const internal::KernelTable*> tables = {&internal::PortableKernels()};
  if (internal::Avx2Kernels() != nullptr && internal::CpuHasAvx2()) {
    tables.push_back(internal::Avx2Kernels());
  }
  return tables;
}

TEST(KMeansKernelTest, FastAssignMatchesScalarReference) {
  for (size_t k : {1u, 3u, 8u, 13u}) {
    for (size_t d : {1u, 5u, 16u, 19u}) {
      const Matrix x = MakeBlobs(2000, d, 5, 3.0, 7 + k * 31 + d);
      const std::vector<float> init = SeedKMeansPlusPlus(x.View(), k, 3, nullptr);
      internal::CenterBuffers buf(k, d);
      buf.centers = init;
      buf.Transpose();
      std::vector<uint32_t> ref_labels(x.rows), labels(x.rows);
      std::vector<float> ref_d1(x.rows), ref_d2(x.rows), d1(x.rows), d2(x.rows);
      internal::ScalarKernels().assign(x.data.data(), buf.View(), 0, x.rows, ref_labels.data(),
                                       ref_d1.data(), ref_d2.data());
      for (const internal::KernelTable* table : FastKernels()) {
        table->assign(x.data.data(), buf.View(), 0, x.rows, labels.data(), d1.data(), d2.data());
        for (size_t i = 0; i < x.rows; ++i) {
          ASSERT_NEAR(d1[i], ref_d1[i], 1e-5f * (1 + ref_d1[i])) << table->name << " row " << i;
          if (k > 1) {
            ASSERT_NEAR(d2[i], ref_d2[i], 1e-5f * (1 + ref_d2[i])) << table->name;
          }
          if (labels[i] != ref_labels[i]) {
            // Only a near tie may go either way under a different summation
            // order.
            const float other = table->dist2(x.Row(i).data(), &init[ref_labels[i] * d], d);
            ASSERT_NEAR(other, d1[i], 1e-5f * (1 + d1[i])) << table->name << " row " << i;
          }
        }
        const float a = table->dist2(x.Row(0).data(), x.Row(1).data(), d);
        const float b = internal::ScalarKernels().dist2(x.Row(0).data(), x.Row(1).data(), d);
        EXPECT_NEAR(a, b, 1e-5f * (1 + b));
      }
    }
  }
}

TEST(KMeansTest, HamerlyFastKernelMatchesScalarLloyd) {
  const Matrix x = MakeBlobs(20000, 16, 8, 1.5, 11);
  const std::vector<float> init = SeedKMeansPlusPlus(x.View(), 8, 5, nullptr);
  KMeansOptions ref_opt{.k = 8, .max_iter = 100, .tol = 0.0, .kernel = KernelChoice::kScalar};
  KMeansOptions fast_opt = ref_opt;
  fast_opt.kernel = KernelChoice::kAuto;
  fast_opt.algorithm = KMeansAlgorithm::kHamerly;
  KMeansOptions lloyd_opt = fast_opt;
  lloyd_opt.algorithm = KMeansAlgorithm::kLloyd;
  auto ref = FitKMeansFromCenters(x.View(), init, ref_opt, nullptr);
  auto fast = FitKMeansFromCenters(x.View(), init, fast_opt, nullptr);
  auto lloyd = FitKMeansFromCenters(x.View(), init, lloyd_opt, nullptr);
  ASSERT_TRUE(lloyd.ok());
  EXPECT_EQ(lloyd->labels, ref->labels);
  EXPECT_EQ(lloyd->iterations, ref->iterations);
  ASSERT_TRUE(ref.ok() && fast.ok());
  EXPECT_EQ(ref->iterations, fast->iterations);
  EXPECT_NEAR(fast->inertia, ref->inertia, 1e-6 * ref->inertia);
  size_t differ = 0;
  for (size_t i = 0; i < x.rows; ++i) differ += ref->labels[i] != fast->labels[i];
  EXPECT_EQ(differ, 0u);
  // The bounds must save most of the work on well-separated data.
  EXPECT_LT(fast->distance_evals, ref->distance_evals / 2);
}

TEST(KMeansTest, SameResultForAnyThreadCount) {
  const Matrix x = MakeBlobs(60000, 6, 5, 2.0, 21);
  KMeansOptions opt{.k = 5, .n_init = 2, .seed = 99};
  auto one = FitKMeans(x.View(), opt, nullptr);
  ASSERT_TRUE(one.ok());
  for (size_t threads : {1u, 2u, 3u}) {
    ThreadPool pool(threads);
    auto many = FitKMeans(x.View(), opt, &pool);
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(many->inertia, one->inertia);  // bit-identical
    EXPECT_EQ(many->labels, one->labels);
    EXPECT_EQ(many->centers, one->centers);
  }
}

TEST(KMeansTest, SeedChangesResultButIsRepeatable) {
  const Matrix x = MakeBlobs(5000, 4, 6, 2.0, 3);
  auto a = FitKMeans(x.View(), {.k = 6, .seed = 1}, nullptr);
  auto b = FitKMeans(x.View(), {.k = 6, .seed = 1}, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->labels, b->labels);
  EXPECT_EQ(a->inertia, b->inertia);
}

TEST(KMeansTest, NInitKeepsTheBestInertia) {
  const Matrix x = MakeBlobs(3000, 3, 10, 1.0, 8);
  auto fit = FitKMeans(x.View(), {.k = 10, .n_init = 5, .seed = 4}, nullptr);
  ASSERT_TRUE(fit.ok());
  ASSERT_EQ(fit->init_inertias.size(), 5u);
  for (double v : fit->init_inertias) EXPECT_LE(fit->inertia, v);
  EXPECT_EQ(fit->inertia, fit->init_inertias[fit->best_init]);
}

TEST(KMeansTest, EmptyClusterIsReseededFromTheFarthestPoint) {
  // Two tight groups; the third initial centre is far from everything and gets
  // no point.
  Matrix x(6, 1);
  const float values[] = {0.0f, 0.1f, 0.2f, 10.0f, 10.1f, 13.0f};
  for (size_t i = 0; i < 6; ++i) x.At(i, 0) = values[i];
  const std::vector<float> init = {0.1f, 10.0f, 1000.0f};
  auto fit = FitKMeansFromCenters(x.View(), init, {.k = 3, .tol = 0.0}, nullptr);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->empty_reseeds, 1u);
  EXPECT_EQ(fit->labels[5], 2u);  // 13.0 is farthest from its centre (10.4)
  EXPECT_FLOAT_EQ(fit->centers[2], 13.0f);
  for (uint64_t size : fit->sizes) EXPECT_GT(size, 0u);
}

TEST(KMeansTest, MiniBatchComesCloseToFullKMeans) {
  const Matrix x = MakeBlobs(50000, 8, 6, 3.0, 17);
  auto full = FitKMeans(x.View(), {.k = 6, .n_init = 3, .seed = 2}, nullptr);
  ThreadPool pool(2);
  auto mini = FitKMeans(x.View(), {.k = 6, .n_init = 3, .seed = 2, .mini_batch = 1024}, &pool);
  ASSERT_TRUE(full.ok() && mini.ok());
  EXPECT_LT(mini->inertia, full->inertia * 1.02);
  auto again = FitKMeans(x.View(), {.k = 6, .n_init = 3, .seed = 2, .mini_batch = 1024}, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels, mini->labels);
}

TEST(KMeansTest, KEqualsOneIsTheMean) {
  const Matrix x = MakeBlobs(100, 2, 2, 1.0, 5);
  auto fit = FitKMeans(x.View(), {.k = 1}, nullptr);
  ASSERT_TRUE(fit.ok());
  double mean = 0;
  for (size_t i = 0; i < 100; ++i) mean += x.At(i, 0);
  EXPECT_NEAR(fit->centers[0], mean / 100, 1e-5);
  EXPECT_EQ(fit->sizes[0], 100u);
}

TEST(KMeansTest, KEqualsNGivesZeroInertia) {
  const Matrix x = MakeBlobs(7, 2, 2, 1.0, 6);
  auto fit = FitKMeans(x.View(), {.k = 7}, nullptr);
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->inertia, 0.0, 1e-9);
}

TEST(KMeansTest, HugeUnscaledValuesStillCluster) {
  // Values beyond the vector kernels' 1e18 padding take the scalar kernel.
  Matrix x(6, 1);
  const float values[] = {1e20f, 1.1e20f, 1.2e20f, 5e20f, 5.1e20f, 5.2e20f};
  for (size_t i = 0; i < 6; ++i) x.At(i, 0) = values[i];
  auto fit = FitKMeans(x.View(), {.k = 2, .n_init = 3}, nullptr);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->labels[0], fit->labels[2]);
  EXPECT_EQ(fit->labels[3], fit->labels[5]);
  EXPECT_NE(fit->labels[0], fit->labels[3]);
}

TEST(KMeansTest, BadInputsAreClearErrors) {
  Matrix empty(0, 3);
  EXPECT_EQ(FitKMeans(empty.View(), {.k = 1}, nullptr).status().code(),
            StatusCode::kFailedPrecondition);
  const Matrix x = MakeBlobs(5, 2, 2, 1.0, 6);
  auto too_many = FitKMeans(x.View(), {.k = 6}, nullptr);
  EXPECT_EQ(too_many.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(too_many.status().message().find("k = 6"), std::string::npos);
  EXPECT_EQ(FitKMeans(x.View(), {.k = 0}, nullptr).status().code(), StatusCode::kInvalidArgument);
  Matrix same(10, 2);
  EXPECT_EQ(FitKMeans(same.View(), {.k = 2}, nullptr).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(FitKMeans(same.View(), {.k = 1}, nullptr).ok());
  Matrix nan_matrix = x;
  nan_matrix.At(3, 1) = std::nanf("");
  auto nan_fit = FitKMeans(nan_matrix.View(), {.k = 2}, nullptr);
  EXPECT_EQ(nan_fit.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan_fit.status().message().find("row 3, column 1"), std::string::npos);
}

}  // namespace
}  // namespace fw::segment
