// Opening the node an engine drives, with errors phrased for the user.
#pragma once

#include <string>
#include <string_view>

#include "result.h"

namespace qb {

// Opens node with flags (plus O_CLOEXEC); a failure is a usage error that
// says what would work (permission, missing node, no O_DIRECT). name
// labels it ("psync").
Result<int> open_node(const std::string& node, int flags, std::string_view name);

}  // namespace qb
