#ifndef HASHSKETCH_DETAIL_ARCH_HPP
#define HASHSKETCH_DETAIL_ARCH_HPP

// Target architecture and the per-function instruction-set attribute the
// SIMD kernels carry (so no global -mavx2 is needed and one binary runs
// everywhere). No includes: safe anywhere.

#if defined(__GNUC__) || defined(__clang__)
#define HASHSKETCH_TARGET(isa) __attribute__((target(isa)))
#else
#define HASHSKETCH_TARGET(isa)  // MSVC: intrinsics need no per-function opt-in
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define HASHSKETCH_ARCH_X86 1
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define HASHSKETCH_ARCH_AARCH64 1
#endif

// Hides a SIMD value from the optimiser without changing a bit: an empty asm
// that "changes" it in a vector register. For the few places where a
// compiler's rewrite of a kernel costs more than the code as written, e.g.
// clang 14 turning unpack6_avx2's one shuffle after an OR into a shuffle of
// each operand, and its multiply by per-lane constants into two shifts and a
// blend (kernels_avx2.hpp), or g++ 12 folding one loaded operand into two
// instructions, two loads (ull_kernel_sets.hpp). Nothing on other compilers.
#if (defined(__GNUC__) || defined(__clang__)) && defined(HASHSKETCH_ARCH_X86)
#define HASHSKETCH_OPAQUE_VECTOR(v) __asm__("" : "+x"(v))
#else
#define HASHSKETCH_OPAQUE_VECTOR(v) ((void)0)
#endif

#endif  // HASHSKETCH_DETAIL_ARCH_HPP
