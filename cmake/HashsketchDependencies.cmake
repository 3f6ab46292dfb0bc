# Dependency finders. The rule: a Debian package (or any system install) is
# used when present and the network is never touched; FetchContent is tried
# only when the package is missing AND HASHSKETCH_FETCH_DEPS=ON. Otherwise we
# stop at configure time and say exactly what to install.
include(GNUInstallDirs)

# Pinned releases for the FetchContent fallback (users off Debian only).
set(HASHSKETCH_XXHASH_TAG    "v0.8.2")
set(HASHSKETCH_CATCH2_TAG    "v2.13.10")
set(HASHSKETCH_BENCHMARK_TAG "v1.8.3")

function(hashsketch_missing what package)
  message(FATAL_ERROR
    "hashsketch: ${what} not found.\n"
    "  On Debian/Ubuntu: sudo apt-get install ${package}\n"
    "  (or run scripts/install-deps.sh), or configure with "
    "-DHASHSKETCH_FETCH_DEPS=ON to download a pinned release.")
endfunction()

# The xxHash release a header declares, as MAJOR.MINOR.RELEASE (empty when the
# header has no version macros).
function(hashsketch_xxhash_header_version header out_var)
  file(STRINGS "${header}" lines REGEX "^#[ \t]*define[ \t]+XXH_VERSION_(MAJOR|MINOR|RELEASE)[ \t]+[0-9]+")
  set(version "")
  foreach(part MAJOR MINOR RELEASE)
    set(value "")
    foreach(line IN LISTS lines)
      if(line MATCHES "XXH_VERSION_${part}[ \t]+([0-9]+)")
        set(value ${CMAKE_MATCH_1})
      endif()
    endforeach()
    if(value STREQUAL "")
      set(${out_var} "" PARENT_SCOPE)
      return()
    endif()
    list(APPEND version ${value})
  endforeach()
  string(REPLACE ";" "." version "${version}")
  set(${out_var} ${version} PARENT_SCOPE)
endfunction()

# xxHash is used header-only (XXH_INLINE_ALL), so all we need is xxhash.h, at
# least release 0.8.0: add_many's SIMD kernels restate XXH3-64 as 0.8 defines
# it (XXH3 was experimental, with other outputs, before 0.8.0), so an older
# header would make add_many and add disagree. hash.hpp static_asserts the
# same for builds that bypass CMake.
set(HASHSKETCH_XXHASH_MIN_VERSION "0.8.0")
macro(hashsketch_find_xxhash)
  if(NOT TARGET hashsketch::xxhash)
    find_path(HASHSKETCH_XXHASH_INCLUDE_DIR xxhash.h)
    if(HASHSKETCH_XXHASH_INCLUDE_DIR)
      hashsketch_xxhash_header_version("${HASHSKETCH_XXHASH_INCLUDE_DIR}/xxhash.h" _hashsketch_xxh_version)
      if(_hashsketch_xxh_version STREQUAL "" OR _hashsketch_xxh_version VERSION_LESS HASHSKETCH_XXHASH_MIN_VERSION)
        message(WARNING "hashsketch: ${HASHSKETCH_XXHASH_INCLUDE_DIR}/xxhash.h is xxHash "
                        "'${_hashsketch_xxh_version}', older than ${HASHSKETCH_XXHASH_MIN_VERSION}; not used.")
        if(NOT HASHSKETCH_FETCH_DEPS)
          message(FATAL_ERROR "hashsketch: xxHash >= ${HASHSKETCH_XXHASH_MIN_VERSION} is required "
                              "(found '${_hashsketch_xxh_version}'). Install libxxhash-dev from Debian 11 or "
                              "later, or configure with -DHASHSKETCH_FETCH_DEPS=ON for the pinned "
                              "${HASHSKETCH_XXHASH_TAG}.")
        endif()
        unset(HASHSKETCH_XXHASH_INCLUDE_DIR CACHE)
        set(HASHSKETCH_XXHASH_INCLUDE_DIR "")
      else()
        message(STATUS "hashsketch: xxHash ${_hashsketch_xxh_version} (${HASHSKETCH_XXHASH_INCLUDE_DIR})")
      endif()
    endif()
    add_library(hashsketch_xxhash INTERFACE)
    add_library(hashsketch::xxhash ALIAS hashsketch_xxhash)
    set_target_properties(hashsketch_xxhash PROPERTIES EXPORT_NAME xxhash)
    if(HASHSKETCH_XXHASH_INCLUDE_DIR)
      target_include_directories(hashsketch_xxhash SYSTEM INTERFACE
        $<BUILD_INTERFACE:${HASHSKETCH_XXHASH_INCLUDE_DIR}>)
    elseif(HASHSKETCH_FETCH_DEPS)
      include(FetchContent)
      FetchContent_Declare(hashsketch_xxhash_src
        GIT_REPOSITORY https://github.com/Cyan4973/xxHash.git
        GIT_TAG ${HASHSKETCH_XXHASH_TAG} GIT_SHALLOW TRUE)
      FetchContent_GetProperties(hashsketch_xxhash_src)
      if(NOT hashsketch_xxhash_src_POPULATED)
        FetchContent_Populate(hashsketch_xxhash_src)
      endif()
      target_include_directories(hashsketch_xxhash SYSTEM INTERFACE
        $<BUILD_INTERFACE:${hashsketch_xxhash_src_SOURCE_DIR}>)
    else()
      hashsketch_missing("xxhash.h (xxHash headers)" "libxxhash-dev")
    endif()
  endif()
endmacro()

# Catch2: v3 (Catch2::Catch2WithMain) where installed, else v2.13 (single header).
macro(hashsketch_find_catch2)
  find_package(Catch2 QUIET)
  if(NOT Catch2_FOUND)
    if(HASHSKETCH_FETCH_DEPS)
      include(FetchContent)
      FetchContent_Declare(Catch2
        GIT_REPOSITORY https://github.com/catchorg/Catch2.git
        GIT_TAG ${HASHSKETCH_CATCH2_TAG} GIT_SHALLOW TRUE)
      FetchContent_MakeAvailable(Catch2)
      set(Catch2_VERSION 2.13.10)
    else()
      hashsketch_missing("Catch2" "catch2")
    endif()
  endif()
  if(Catch2_VERSION VERSION_GREATER_EQUAL 3)
    set(HASHSKETCH_CATCH2_V3 ON)
  else()
    set(HASHSKETCH_CATCH2_V3 OFF)
  endif()
endmacro()

macro(hashsketch_find_benchmark)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    if(HASHSKETCH_FETCH_DEPS)
      include(FetchContent)
      set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
      FetchContent_Declare(benchmark
        GIT_REPOSITORY https://github.com/google/benchmark.git
        GIT_TAG ${HASHSKETCH_BENCHMARK_TAG} GIT_SHALLOW TRUE)
      FetchContent_MakeAvailable(benchmark)
    else()
      hashsketch_missing("Google Benchmark" "libbenchmark-dev")
    endif()
  endif()
endmacro()
