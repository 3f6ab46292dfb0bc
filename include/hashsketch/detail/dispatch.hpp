#ifndef HASHSKETCH_DETAIL_DISPATCH_HPP
#define HASHSKETCH_DETAIL_DISPATCH_HPP

// Kernel dispatch: kernels(), active_isa(), force_isa() and how
// HASHSKETCH_PIN_ISA and HASHSKETCH_FORCE_ISA act live in kernel_table.hpp
// (light: no intrinsics); the per-ISA tables and kernel bodies in
// kernel_sets.hpp. This name is kept for the headers that include it.

#include "kernel_table.hpp"

#endif  // HASHSKETCH_DETAIL_DISPATCH_HPP
