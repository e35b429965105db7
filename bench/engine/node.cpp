#include "node.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace qb {

Result<int> open_node(const std::string& node, int flags, std::string_view name) {
  int fd = ::open(node.c_str(), flags | O_CLOEXEC);
  if (fd >= 0) return fd;
  int e = errno;
  if (e == EACCES || e == EPERM)
    return usage_error(fmt::format("{}: cannot open {}: {}; run as root or get {} access to it",
                                   name, node, strerror(e),
                                   (flags & O_ACCMODE) == O_RDONLY ? "read" : "read-write"), e);
  if (e == EINVAL && (flags & O_DIRECT))
    return usage_error(fmt::format("{}: {} does not support O_DIRECT; put the file on a file "
                                   "system that does (ext4, xfs) or use a block device",
                                   name, node), e);
  return usage_error(fmt::format("{}: cannot open {}: {}", name, node, strerror(e)), e);
}

}  // namespace qb
