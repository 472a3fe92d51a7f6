// `switchyard-engine schema [--json]`: the experiment file's schema, as the parser checks files
// against it (engine/run/experiment_schema.h); --json is the document the GUI builds its form from.
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "engine/run/experiment_schema.h"

namespace sy {
namespace {

void print_fields(const std::vector<FieldSpec>& fields, const std::string& indent) {
  for (const FieldSpec& f : fields) {
    const std::string value = f.default_value.is_null() ? f.default_text : f.default_value.dump();
    std::string range;
    if (f.type == FieldType::Choice || (!f.min.is_null() && !f.max.is_null())) {
      range = "  (" + f.expectation() + ")";
    }
    std::printf("%s%-28s %s%s\n", indent.c_str(), f.key.c_str(), value.c_str(), range.c_str());
  }
}

}  // namespace

int command_schema(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"json"});
  args.check({});
  if (args.flag("json")) {
    std::cout << schema_json().dump(2) << "\n";
    return 0;
  }
  const ExperimentSchema& schema = experiment_schema();
  std::printf("experiment fields (key, default, range):\n");
  print_fields(schema.fields, "  ");
  std::printf("task object fields:\n");
  print_fields(schema.task_fields, "  ");
  for (const StrategySchema& s : schema.strategies) {
    std::printf("strategy %s: %s\n", s.traits->name.c_str(), s.traits->help.c_str());
    print_fields(s.fields, "  ");
  }
  return 0;
}

}  // namespace sy
