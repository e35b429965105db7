// nvme-qbench: the only place that catches exceptions and picks exit codes.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>

#include "cli.h"
#include "commands.h"

int main(int argc, char** argv) {
  qb::CliOptions opts;
  CLI::App app;
  qb::build_cli(app, opts);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "nvme-qbench: {}\n", qb::usage_message(app, e));
    return qb::exit_usage;
  }
  try {
    std::vector<std::string> args(argv, argv + argc);
    auto r = opts.command == "list"        ? qb::cmd_list(opts)
             : opts.command == "report"    ? qb::cmd_report(opts.report)
             : opts.command == "diff"      ? qb::cmd_diff(opts.report)
             : opts.command == "dashboard" ? qb::cmd_dashboard(opts.report)
             : opts.command == "attach-windows" ? qb::cmd_attach_windows(opts.report)
             : opts.command == "attach-mmio" ? qb::cmd_attach_mmio(opts.report)
             : opts.command == "fio-jobs"  ? qb::cmd_fio_jobs(opts.report)
                                           : qb::cmd_run_or_compare(opts, args);
    if (!r) {
      fmt::print(stderr, "nvme-qbench: {}\n", r.error().message);
      return r.error().kind == qb::ErrorKind::usage ? qb::exit_usage : qb::exit_io_errors;
    }
    return *r;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nvme-qbench: internal error: {}\n", e.what());
    return qb::exit_io_errors;
  }
}
