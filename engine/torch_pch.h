// Precompiled header for the engine's translation units: the LibTorch headers are slow to parse,
// so they are parsed once here. Sources still include what they use.
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>
