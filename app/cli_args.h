// Command-line options of switchyard-engine: "--name value" options, "--flag" switches and
// positional arguments, with errors that name the option and what it expects.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sy {

class CliArgs {
 public:
  // argv[first..] is parsed; names in `flags` take no value. Unknown names are errors when
  // check() runs, so that a typo is never silently ignored.
  CliArgs(int argc, char** argv, int first, std::set<std::string> flags);

  bool has(const std::string& name) const;
  bool flag(const std::string& name) const { return has(name); }
  std::string str(const std::string& name, const std::string& fallback = "") const;
  std::string required(const std::string& name) const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  double number(const std::string& name, double fallback) const;
  std::vector<std::string> list(const std::string& name, std::vector<std::string> fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Throws sy::Error for an option that is not in `known` (flags count as known).
  void check(const std::set<std::string>& known) const;

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// A RUN argument: a run id as `switchyard-engine list` shows it; an error otherwise.
int64_t parse_run_id(const std::string& text);

}  // namespace sy
