// Must NOT compile: a DataSketches-layout sketch cannot be merged with a
// default-layout one (the same key lands in different registers). The
// static_assert in datasketches.hpp names the reason; ctest checks for it.
#include <hashsketch/datasketches.hpp>
#include <hashsketch/hyperloglog.hpp>

int main() {
  hashsketch::datasketches_hyperloglog<12> ds;
  hashsketch::hyperloglog<12> native;
  ds |= native;
  return 0;
}
