#ifndef HASHSKETCH_TESTS_SUPPORT_PRECISIONS_HPP
#define HASHSKETCH_TESTS_SUPPORT_PRECISIONS_HPP

// The precisions the property tests instantiate (TEMPLATE_TEST_CASE_SIG lists
// and the compile-time loops over P).
//
// The Release tree tests every P = 4..16. The sanitizer trees of
// scripts/test.sh configure with HASHSKETCH_TESTS_FEW_PRECISIONS=ON (this
// macro), which keeps the precisions where the code takes different paths:
//   4   the smallest (m = 16: one SIMD block or less; no sparse state holds
//       a token, the store's first block exceeds m),
//   7   the smallest with a sparse state, and odd (m not a power of 4),
//   11  a middle one, odd,
//   16  the largest (16-bit register index, token index = the top 16 bits).
// Why: ASan/UBSan look for memory errors and undefined behaviour, which the
// precisions in between reach through the same code; each P is a full set of
// sketch instantiations (the Release sparse_test alone is ~2 min of g++ at
// -O3), so 13 of them made the sanitizer builds the longest stage of CI.
#if defined(HASHSKETCH_TESTS_FEW_PRECISIONS)
#define HASHSKETCH_TEST_PRECISIONS 4, 7, 11, 16
#define HASHSKETCH_TEST_EVEN_PRECISIONS 4, 10, 16
#define HASHSKETCH_TEST_PRECISIONS_BELOW_16 4, 7, 11, 15
#else
#define HASHSKETCH_TEST_PRECISIONS 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
#define HASHSKETCH_TEST_EVEN_PRECISIONS 4, 6, 8, 10, 12, 14, 16
#define HASHSKETCH_TEST_PRECISIONS_BELOW_16 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#endif

#include <utility>

namespace hashsketch_test {
/// HASHSKETCH_TEST_PRECISIONS as a type, for compile-time loops over P.
using test_precisions = std::integer_sequence<unsigned, HASHSKETCH_TEST_PRECISIONS>;
}  // namespace hashsketch_test

#endif  // HASHSKETCH_TESTS_SUPPORT_PRECISIONS_HPP
