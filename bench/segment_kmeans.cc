// SPDX-License-Identifier: Apache-2.0
//
// segment_kmeans.cc: times Flywheel's k-means on a raw float32 matrix, for
// bench/segment.sh.
//
// usage: segment_kmeans FILE.f32 N D K MAX_ITER REPS THREADS
// [ALGO=hamerly|lloyd]
//        [KERNEL=auto|scalar|portable|avx2] [MINI_BATCH=0] [TOL=0] [SEED=0]
// Prints one JSON line per repetition and a SUMMARY line: fit time (seeding
// included), iterations, time per iteration over the whole fit, the inertia
// (double, all points) and the peak resident memory.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "flywheel/segment/kmeans.h"

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr,
                 "usage: %s FILE N D K MAX_ITER REPS THREADS [ALGO] [KERNEL] "
                 "[BATCH] [TOL] [SEED]\n",
                 argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  const size_t d = std::strtoull(argv[3], nullptr, 10);
  fw::segment::KMeansOptions opt;
  opt.k = std::strtoull(argv[4], nullptr, 10);
  opt.max_iter = std::strtoull(argv[5], nullptr, 10);
  const int reps = std::atoi(argv[6]);
  const size_t threads = std::strtoull(argv[7], nullptr, 10);
  const std::string algo = argc > 8 ? argv[8] : "hamerly";
  const std::string kernel = argc > 9 ? argv[9] : "auto";
  opt.mini_batch = argc > 10 ? std::strtoull(argv[10], nullptr, 10) : 0;
  opt.tol = argc > 11 ? std::atof(argv[11]) : 0.0;
  opt.seed = argc > 12 ? std::strtoull(argv[12], nullptr, 10) : 0;
  opt.algorithm = algo == "lloyd" ? fw::segment::KMeansAlgorithm::kLloyd
                                  : fw::segment::KMeansAlgorithm::kHamerly;
  opt.kernel = kernel == "scalar"     ? fw::segment::KernelChoice::kScalar
               : kernel == "portable" ? fw::segment::KernelChoice::kPortable
               : kernel == "avx2"     ? fw::segment::KernelChoice::kAvx2
                                      : fw::segment::KernelChoice::kAuto;
  fw::Matrix x(n, d);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr || std::fread(x.data.data(), sizeof(float), n * d, f) != n * d) {
    std::fprintf(stderr, "cannot read %zu x %zu floats from %s\n", n, d, path.c_str());
    return 1;
  }
  std::fclose(f);
  fw::ThreadPool pool(threads);
  std::vector<double> times;
  fw::segment::KMeansResult last;
  std::vector<double> cpu_times;
  auto cpu_now = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  for (int rep = 0; rep < reps; ++rep) {
    const double cpu0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    auto fit = fw::segment::FitKMeans(x.View(), opt, &pool);
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!fit.ok()) {
      std::fprintf(stderr, "%s\n", fit.status().ToString().c_str());
      return 1;
    }
    times.push_back(t);
    cpu_times.push_back(cpu_now() - cpu0);
    last = std::move(fit).value();
    std::printf(
        "{\"rep\": %d, \"time_s\": %.5f, \"iterations\": %zu, "
        "\"inertia\": %.4f}\n",
        rep, t, last.iterations, last.inertia);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double best = *std::min_element(times.begin(), times.end());
  std::printf(
      "SUMMARY {\"tool\": \"flywheel\", \"kernel\": \"%s\", \"algo\": "
      "\"%s\", \"n\": %zu, \"d\": %zu, "
      "\"k\": %zu, \"threads\": %zu, \"mini_batch\": %zu, \"min_s\": "
      "%.5f, \"iterations\": %zu, "
      "\"per_iter_min_s\": %.6f, \"inertia64\": %.4f, \"max_rss_mb\": "
      "%.1f, \"distance_evals\": %zu, \"cpu_min_s\": %.5f}\n",
      kernel == "auto" ? fw::segment::AutoKernelName() : kernel.c_str(), algo.c_str(), n, d, opt.k,
      threads, opt.mini_batch, best, last.iterations,
      best / static_cast<double>(std::max<size_t>(1, last.iterations)), last.inertia,
      static_cast<double>(usage.ru_maxrss) / 1024.0, last.distance_evals,
      *std::min_element(cpu_times.begin(), cpu_times.end()));
  return 0;
}
