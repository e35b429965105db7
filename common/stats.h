// Aggregates over rounds of a comparison.
#pragma once

#include <span>

namespace qb {

struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
  double spread = 0;  // (max - min) / median: how far rounds disagree
  unsigned n = 0;
};

Summary summarize(std::span<const double> values);

}  // namespace qb
