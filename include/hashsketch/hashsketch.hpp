#ifndef HASHSKETCH_HASHSKETCH_HPP
#define HASHSKETCH_HASHSKETCH_HPP

// Umbrella header: everything public in hashsketch.
#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"
#include "version.hpp"

#endif  // HASHSKETCH_HASHSKETCH_HPP
