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

#endif  // HASHSKETCH_DETAIL_ARCH_HPP
