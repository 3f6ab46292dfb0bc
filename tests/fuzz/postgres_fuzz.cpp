// libFuzzer target: from_postgres on arbitrary bytes must either throw
// format_error or return a sketch whose registers are valid (≤ max_rank) and
// which survives re-encoding: to_postgres of it reads back to the same
// registers (and the same hashes while it keeps them), and postgres_count is
// defined. Read at two precisions (4, and 11 with a fold from larger log2m).
// Any other outcome — another exception, a crash, an out-of-bounds read
// under ASan — is a bug.
#include <hashsketch/postgresql.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace {

template <unsigned P, unsigned R>
void one(const std::uint8_t* data, std::size_t size) {
  using sketch_t = hashsketch::postgres_hyperloglog<P, R>;
  sketch_t s;
  try {
    s = hashsketch::from_postgres<P, R>(data, size);
  } catch (const hashsketch::format_error&) {
    return;
  }
  for (auto r : s.registers())
    if (r > sketch_t::core_type::max_rank) std::abort();
  hashsketch::postgres_options o;
  // A value promoted at a small threshold cannot answer for a larger one.
  if (s.promoted() && s.explicit_limit() < sketch_t::auto_explicit_limit) o.expthresh = 0;
  const auto bytes = hashsketch::to_postgres(s, o);
  const sketch_t back = hashsketch::from_postgres<P, R>(bytes.data(), bytes.size());
  if (!std::equal(back.registers().begin(), back.registers().end(), s.registers().begin())) std::abort();
  if (!s.promoted() && !back.promoted() &&
      !std::equal(back.explicit_hashes().begin(), back.explicit_hashes().end(), s.explicit_hashes().begin(),
                  s.explicit_hashes().end()))
    std::abort();
  (void)hashsketch::postgres_count(s, o);
  (void)s.estimate();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  one<4, 5>(data, size);
  one<11, 5>(data, size);
  one<4, 2>(data, size);
  return 0;
}
