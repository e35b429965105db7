// Log-linear latency histogram: exact below 2*sub_buckets, then each power
// of two is split into sub_buckets equal slots, so a bucket is at most
// 1/128 of its lower bound wide (< 0.8% relative error, < 0.4% reporting
// the bucket's midpoint).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace qb {

// One bucket of a histogram: values in [lower, upper_exclusive) and how
// many landed there. The last bucket's upper_exclusive is UINT64_MAX.
struct HistogramBin {
  uint64_t lower = 0, upper_exclusive = 0, count = 0;
};

class Histogram {
 public:
  static constexpr unsigned sub_bits = 7;
  static constexpr uint64_t sub_buckets = 1ULL << sub_bits;
  static constexpr unsigned bucket_count = (64 - sub_bits) * sub_buckets + sub_buckets;

  static unsigned index_of(uint64_t v) {
    if (v < 2 * sub_buckets) return static_cast<unsigned>(v);
    unsigned msb = 63 - static_cast<unsigned>(std::countl_zero(v));
    unsigned shift = msb - sub_bits;
    return static_cast<unsigned>(shift * sub_buckets + (v >> shift));
  }
  static uint64_t lower_bound_of(unsigned index);
  static uint64_t upper_bound_of(unsigned index);  // inclusive

  void record(uint64_t v) {
    counts_[index_of(v)]++;
    count_++;
    sum_ += v;
    if (v > max_) max_ = v;
    if (v < min_) min_ = v;
  }

  void merge(const Histogram& o);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
  // q in [0, 100]; the midpoint of the bucket holding that rank, clamped to
  // the observed min and max.
  uint64_t percentile(double q) const;
  // The same rank's bucket's inclusive upper edge, clamped to the max: a
  // value at least as large as that percentile, for bounds.
  uint64_t percentile_upper(double q) const;
  // The non-empty buckets in ascending order: what a report stores, sparse
  // as fio's json+ does, so that histograms of several runs can be merged
  // by summing the counts of identical bins.
  std::vector<HistogramBin> bins() const;

 private:
  unsigned bucket_of_rank(double q) const;  // the bucket holding rank ceil(q% of count), count > 0
  std::array<uint64_t, bucket_count> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace qb
