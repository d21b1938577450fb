// SPDX-License-Identifier: Apache-2.0
//
// segment_faiss.cc: FAISS CPU k-means on the same raw float32 blobs, for bench/segment.sh.
// Built only by the script, and only when Debian's libfaiss-dev is installed.
//
// usage: segment_faiss FILE.f32 N D K NITER REPS
// Trains on ALL points (max_points_per_centroid = N / K + 1), times Clustering::train() and
// reports the inertia over all points (double) from the final centroids.
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s FILE N D K NITER REPS\n", argv[0]);
    return 2;
  }
  const long n = std::atol(argv[2]);
  const int d = std::atoi(argv[3]);
  const int k = std::atoi(argv[4]);
  const int niter = std::atoi(argv[5]);
  const int reps = std::atoi(argv[6]);
  std::vector<float> x(static_cast<size_t>(n) * d);
  FILE* f = std::fopen(argv[1], "rb");
  if (f == nullptr || std::fread(x.data(), sizeof(float), x.size(), f) != x.size()) return 1;
  std::fclose(f);
  double best = 1e300, inertia = 0;
  for (int r = 0; r < reps; ++r) {
    faiss::ClusteringParameters cp;
    cp.niter = niter;
    cp.seed = 1234;
    cp.max_points_per_centroid = static_cast<int>(n / k + 1);
    faiss::Clustering clus(d, k, cp);
    faiss::IndexFlatL2 index(d);
    const auto t0 = std::chrono::steady_clock::now();
    clus.train(n, x.data(), index);
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, t);
    double total = 0;
#pragma omp parallel for reduction(+ : total)
    for (long i = 0; i < n; ++i) {
      double nearest = std::numeric_limits<double>::max();
      for (int c = 0; c < k; ++c) {
        double s = 0;
        for (int j = 0; j < d; ++j) {
          const double diff = static_cast<double>(x[i * d + j]) - clus.centroids[c * d + j];
          s += diff * diff;
        }
        nearest = std::min(nearest, s);
      }
      total += nearest;
    }
    inertia = total;
    std::printf("{\"rep\": %d, \"time_s\": %.5f, \"inertia64\": %.4f}\n", r, t, inertia);
  }
  std::printf(
      "SUMMARY {\"tool\": \"faiss\", \"threads\": %d, \"min_s\": %.5f, \"iterations\": %d, "
      "\"per_iter_min_s\": %.6f, \"inertia64\": %.4f}\n",
      omp_get_max_threads(), best, niter, best / niter, inertia);
  return 0;
}
