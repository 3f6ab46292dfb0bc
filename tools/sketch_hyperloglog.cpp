// The hyperloglog sketches of every precision behind any_sketch (one family per
// translation unit so they compile in parallel).
#include "typed_sketch.hpp"

namespace hashsketch_cli {
HASHSKETCH_CLI_FAMILY_FACTORIES(, hashsketch::hll_family)
}  // namespace hashsketch_cli
