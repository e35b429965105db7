#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace qb {

uint64_t Histogram::lower_bound_of(unsigned index) {
  if (index < 2 * sub_buckets) return index;
  unsigned shift = index / sub_buckets - 1;
  uint64_t sub = index - shift * sub_buckets;  // in [sub_buckets, 2*sub_buckets)
  return sub << shift;
}

uint64_t Histogram::upper_bound_of(unsigned index) {
  if (index < 2 * sub_buckets) return index;
  unsigned shift = index / sub_buckets - 1;
  return lower_bound_of(index) + ((1ULL << shift) - 1);
}

void Histogram::merge(const Histogram& o) {
  for (unsigned i = 0; i < bucket_count; i++) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  min_ = std::min(min_, o.min_);
}

unsigned Histogram::bucket_of_rank(double q) const {
  auto rank = static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (unsigned i = 0; i < bucket_count; i++) {
    seen += counts_[i];
    if (seen >= rank) return i;
  }
  return bucket_count - 1;
}

uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  unsigned i = bucket_of_rank(q);
  uint64_t lo = lower_bound_of(i), hi = upper_bound_of(i);
  return std::clamp(lo + (hi - lo) / 2, min(), max_);
}

uint64_t Histogram::percentile_upper(double q) const {
  if (count_ == 0) return 0;
  return std::min(upper_bound_of(bucket_of_rank(q)), max_);
}

std::vector<HistogramBin> Histogram::bins() const {
  std::vector<HistogramBin> out;
  for (unsigned i = 0; i < bucket_count; i++) {
    if (!counts_[i]) continue;
    uint64_t hi = upper_bound_of(i);
    out.push_back(HistogramBin{lower_bound_of(i), hi == UINT64_MAX ? hi : hi + 1, counts_[i]});
  }
  return out;
}

}  // namespace qb
