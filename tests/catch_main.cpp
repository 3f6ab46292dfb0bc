// The one translation unit that holds Catch2 v2's main (v3 links Catch2WithMain).
#define CATCH_CONFIG_MAIN
#include "hashsketch_catch.hpp"
