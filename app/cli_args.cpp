// Option parsing for the CLI.
#include "app/cli_args.h"

#include <sstream>

#include "engine/util/error.h"

namespace sy {

CliArgs::CliArgs(int argc, char** argv, int first, std::set<std::string> flags)
    : flags_(std::move(flags)) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      values_[name.substr(0, eq)] = name.substr(eq + 1);
    } else if (flags_.count(name)) {
      values_[name] = "1";
    } else if (i + 1 < argc) {
      values_[name] = argv[++i];
    } else {
      throw Error("option --" + name + " needs a value");
    }
  }
}

bool CliArgs::has(const std::string& name) const {
  return values_.count(name) > 0;
}

std::string CliArgs::str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string CliArgs::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) throw Error("option --" + name + " is required");
  return it->second;
}

int64_t CliArgs::integer(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("option --" + name + " is \"" + it->second + "\"; expected an integer");
}

double CliArgs::number(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("option --" + name + " is \"" + it->second + "\"; expected a number");
}

std::vector<std::string> CliArgs::list(const std::string& name,
                                       std::vector<std::string> fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::vector<std::string> out;
  std::stringstream in(it->second);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void CliArgs::check(const std::set<std::string>& known) const {
  for (const auto& [name, value] : values_) {
    if (!known.count(name) && !flags_.count(name)) {
      throw Error("unknown option --" + name + "; see --help");
    }
  }
}

int64_t parse_run_id(const std::string& text) {
  bool digits = !text.empty() && text.size() < 19;
  for (char ch : text) digits = digits && ch >= '0' && ch <= '9';
  if (!digits) {
    throw Error("RUN is \"" + text + "\"; expected a run id (the number `list` shows)");
  }
  return std::stoll(text);
}

}  // namespace sy
