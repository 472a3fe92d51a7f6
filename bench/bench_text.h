// The benchmarks' torch-free helpers: number formatting, the CPU's name, the load average and
// Markdown tables. bench_store uses them without LibTorch; bench_util.h adds the rest.
#pragma once

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace sy::bench {

inline std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

// "model name" from /proc/cpuinfo (what lscpu prints), or "unknown".
inline std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto name = line.substr(colon + 1);
        const auto first = name.find_first_not_of(" \t");
        return first == std::string::npos ? name : name.substr(first);
      }
    }
  }
  return "unknown";
}

// The 1-, 5- and 15-minute load averages: other work on the machine skews every figure.
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  if (!(in >> one >> five >> fifteen)) return "n/a";
  return fixed(one, 2) + " " + fixed(five, 2) + " " + fixed(fifteen, 2);
}

// Prints rows of cells as a Markdown table, each column as wide as its widest cell.
inline void print_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::printf("|");
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      std::printf(" %-*s |", static_cast<int>(width[i]), cell.c_str());
    }
    std::printf("\n");
  };
  print_row(rows.front());
  std::printf("|");
  for (size_t w : width) std::printf("%s|", std::string(w + 2, '-').c_str());
  std::printf("\n");
  for (size_t r = 1; r < rows.size(); ++r) print_row(rows[r]);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace sy::bench
