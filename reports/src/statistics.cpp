#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace qb {

namespace {

constexpr double exact_limit = 200000;  // splits enumerated by the exact U test

// Mid-ranks (1-based) of the pooled values.
std::vector<double> mid_ranks(const std::vector<double>& pooled) {
  std::vector<size_t> idx(pooled.size());
  for (size_t i = 0; i < idx.size(); i++) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return pooled[a] < pooled[b]; });
  std::vector<double> rank(pooled.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && pooled[idx[j + 1]] == pooled[idx[i]]) j++;
    double r = (static_cast<double>(i + j) + 2) / 2;
    for (size_t k = i; k <= j; k++) rank[idx[k]] = r;
    i = j + 1;
  }
  return rank;
}

double choose(unsigned n, unsigned k) {
  double c = 1;
  for (unsigned i = 1; i <= k; i++) c = c * (n - k + i) / i;
  return c;
}

// Every way to pick m of the pooled ranks: how many give a rank sum of at
// least observed.
void count_splits(const std::vector<double>& rank, size_t from, unsigned left, double sum, double observed,
                  double& at_least, double& total) {
  if (left == 0) {
    total += 1;
    if (sum >= observed - 1e-9) at_least += 1;
    return;
  }
  for (size_t i = from; i + left <= rank.size(); i++)
    count_splits(rank, i + 1, left - 1, sum + rank[i], observed, at_least, total);
}

}  // namespace

std::vector<LatencyBin> merge_bins(std::span<const std::vector<LatencyBin>> histograms) {
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> sum;
  for (const auto& h : histograms)
    for (const auto& b : h) sum[{b.lower, b.upper}] += b.count;
  std::vector<LatencyBin> out;
  for (const auto& [range, count] : sum) out.push_back(LatencyBin{range.first, range.second, count});
  return out;
}

uint64_t bin_percentile(std::span<const LatencyBin> bins, double q, uint64_t min, uint64_t max) {
  uint64_t total = 0;
  for (const auto& b : bins) total += b.count;
  if (total == 0) return 0;
  auto rank = static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(total)));
  rank = std::clamp<uint64_t>(rank, 1, total);
  uint64_t seen = 0;
  for (const auto& b : bins) {
    seen += b.count;
    if (seen >= rank) {
      uint64_t hi = b.upper > b.lower ? b.upper - 1 : b.lower;  // inclusive
      return std::clamp<uint64_t>(b.lower + (hi - b.lower) / 2, min, std::max(min, max));
    }
  }
  return max;
}

double median_of(std::span<const double> v) {
  if (v.empty()) return 0;
  std::vector<double> s(v.begin(), v.end());
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double mann_whitney_min_p(unsigned n, unsigned m) { return n && m ? 1 / choose(n + m, n) : 1; }

double mann_whitney_greater_p(std::span<const double> low, std::span<const double> high) {
  if (low.empty() || high.empty()) return 1;
  std::vector<double> pooled(low.begin(), low.end());
  pooled.insert(pooled.end(), high.begin(), high.end());
  std::vector<double> rank = mid_ranks(pooled);
  double observed = 0;
  for (size_t i = low.size(); i < pooled.size(); i++) observed += rank[i];
  auto n = static_cast<unsigned>(low.size()), m = static_cast<unsigned>(high.size());
  if (choose(n + m, m) <= exact_limit) {
    double at_least = 0, total = 0;
    count_splits(rank, 0, m, 0, observed, at_least, total);
    return at_least / total;
  }
  // Normal approximation of U = R - m(m+1)/2, ties corrected.
  double N = n + m;
  double u = observed - m * (m + 1.0) / 2;
  double mean = n * m / 2.0;
  std::map<double, double> ties;
  for (double v : pooled) ties[v] += 1;
  double tie_term = 0;
  for (const auto& [v, t] : ties) tie_term += t * t * t - t;
  double var = n * m / 12.0 * ((N + 1) - tie_term / (N * (N - 1)));
  if (var <= 0) return 1;
  double z = (u - mean - 0.5) / std::sqrt(var);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

std::vector<bool> holm_rejected(std::span<const double> p, double alpha, std::vector<double>* level) {
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p[x] < p[y]; });
  std::vector<bool> rejected(p.size(), false);
  if (level) level->assign(p.size(), 0);
  bool still = true;
  for (size_t k = 0; k < order.size(); k++) {
    double at = alpha / static_cast<double>(order.size() - k);
    if (level) (*level)[order[k]] = at;
    still = still && p[order[k]] <= at;
    rejected[order[k]] = still;
  }
  return rejected;
}

}  // namespace qb
