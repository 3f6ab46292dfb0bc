#ifndef HASHSKETCH_HASHSKETCH_HPP
#define HASHSKETCH_HASHSKETCH_HPP

// Umbrella header: everything public in hashsketch.
#include "accuracy_monitor.hpp"
#include "addressing.hpp"
#include "basic_sketch.hpp"
#include "concurrent.hpp"
#include "datasketches.hpp"
#include "dynamic_hyperloglog.hpp"
#include "errors.hpp"
#include "estimators.hpp"
#include "format.hpp"
#include "hash.hpp"
#include "hyperloglog.hpp"
#include "intersection.hpp"
#include "key_traits.hpp"
#include "loglog.hpp"
#include "martingale.hpp"
#include "parallel.hpp"
#include "presto.hpp"
#include "redis.hpp"
#include "sampler.hpp"
#include "set_operations.hpp"
#include "time_window.hpp"
#include "postgresql.hpp"
#include "ultraloglog.hpp"
#include "version.hpp"

#endif  // HASHSKETCH_HASHSKETCH_HPP
