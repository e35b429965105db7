#include "stats.h"

#include <algorithm>
#include <vector>

namespace qb {

Summary summarize(std::span<const double> values) {
  Summary s;
  s.n = static_cast<unsigned>(values.size());
  if (values.empty()) return s;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  s.spread = s.median != 0 ? (s.max - s.min) / s.median : 0;
  return s;
}

}  // namespace qb
