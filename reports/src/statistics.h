// The statistics the reports use beyond a Summary: latency percentiles from
// merged histograms, and the tests the diff gate runs over per-round
// values (a one-sided Mann-Whitney U test, as Google Benchmark's
// compare.py uses, and the Holm-Bonferroni correction over a family of
// them). Pure: numbers in, numbers out.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace qb {

// One histogram bin as the report writes it: [lower, upper) ns, count.
struct LatencyBin {
  uint64_t lower = 0, upper = 0, count = 0;
};

// Sums the counts of identical [lower, upper) bins; ascending by lower.
std::vector<LatencyBin> merge_bins(std::span<const std::vector<LatencyBin>> histograms);

// The latency at percentile q (0-100) of a histogram: the midpoint of the
// bin holding that rank, clamped to [min, max], as the tool computes a
// run's own percentiles. 0 for an empty histogram.
uint64_t bin_percentile(std::span<const LatencyBin> bins, double q, uint64_t min, uint64_t max);

// One-sided Mann-Whitney U test: the probability, were both samples from
// one distribution, of a rank sum of `high` at least as large as observed
// (`high` tends to be larger). Exact (every split of the pooled values, ties
// at mid-ranks) up to exact_limit splits, else the normal approximation
// with tie and continuity corrections.
double mann_whitney_greater_p(std::span<const double> low, std::span<const double> high);

// The smallest p-value the exact U test can give with samples of n and m
// values: 1 / C(n + m, n).
double mann_whitney_min_p(unsigned n, unsigned m);

// Holm-Bonferroni over a family of p-values: which are rejected at the
// family-wise level alpha. The k-th smallest (from 0) is held to
// alpha / (size - k), and none after the first that misses its level is
// rejected. level[i], when given, receives the level p[i] was held to.
std::vector<bool> holm_rejected(std::span<const double> p, double alpha, std::vector<double>* level = nullptr);

double median_of(std::span<const double> v);

}  // namespace qb
