# Warning and sanitizer flags for OUR targets only (never the parent project's).
# Call hashsketch_target_defaults(<target>) on every test/bench/example/tool.
function(hashsketch_target_defaults target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Werror)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /WX)
  endif()
  if(HASHSKETCH_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=${HASHSKETCH_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${HASHSKETCH_SANITIZE})
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC's -Wmaybe-uninitialized gives false positives in instrumented code
      # (e.g. inside std::function in Catch2's main); the sanitizers themselves
      # catch real uninitialised reads, so this one warning stays off here only.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
  target_link_libraries(${target} PRIVATE hashsketch::hashsketch)
endfunction()
