#ifndef HASHSKETCH_TESTS_CATCH_HPP
#define HASHSKETCH_TESTS_CATCH_HPP
// Catch2 v3 where installed, else the v2.13 single header (Debian 12).
#if defined(HASHSKETCH_CATCH2_V3)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
#endif
