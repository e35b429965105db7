// Recoverable errors travel as values; only main() catches exceptions.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace qb {

// kind tells main() which exit status an error maps to: a usage or setup
// problem is the user's to fix (exit 2), a runtime failure is not (exit 1).
enum class ErrorKind { usage, runtime };

struct Error {
  ErrorKind kind = ErrorKind::runtime;
  int errnum = 0;  // positive errno when one caused it, else 0
  std::string message;
};

inline Error usage_error(std::string msg, int errnum = 0) {
  return Error{ErrorKind::usage, errnum, std::move(msg)};
}
inline Error runtime_error(std::string msg, int errnum = 0) {
  return Error{ErrorKind::runtime, errnum, std::move(msg)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error err) : v_(std::move(err)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}
  Result(Error err) : err_(std::move(err)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace qb
