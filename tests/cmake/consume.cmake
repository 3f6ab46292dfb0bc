# Builds tests/cmake/consumer against hashsketch in one of three ways.
# -DMODE=find_package|add_subdirectory|fetchcontent -DSOURCE_DIR -DWORK_DIR -DCXX
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
set(extra "")
if(MODE STREQUAL "find_package")
  # Install the library alone (no tests etc.) into a temporary prefix.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -DCMAKE_CXX_COMPILER=${CXX}
      -DHASHSKETCH_BUILD_TESTS=OFF -DHASHSKETCH_BUILD_BENCH=OFF -DHASHSKETCH_BUILD_EXAMPLES=OFF
      -DHASHSKETCH_BUILD_TOOLS=OFF -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)
  if(NOT EXISTS ${WORK_DIR}/prefix/share/pkgconfig/hashsketch.pc)
    message(FATAL_ERROR "pkg-config file was not installed")
  endif()
  set(extra -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
endif()
set(disconnected ON)
if(MODE STREQUAL "fetchcontent")
  # README's snippet as written: GIT_REPOSITORY + GIT_TAG naming a commit,
  # with this checkout standing in for <url> (a local clone: no network) and
  # its HEAD commit as the tag. Outside a git checkout (a source tarball) the
  # consumer falls back to FetchContent's SOURCE_DIR form.
  find_package(Git QUIET)
  set(git_rc 1)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse HEAD
                    RESULT_VARIABLE git_rc OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  if(git_rc EQUAL 0)
    message("FetchContent from GIT_REPOSITORY file://${SOURCE_DIR} GIT_TAG ${head}")
    set(extra -DHASHSKETCH_GIT_REPOSITORY=file://${SOURCE_DIR} -DHASHSKETCH_GIT_TAG=${head})
    set(disconnected OFF)
  else()
    message("not a git checkout: FetchContent with SOURCE_DIR ${SOURCE_DIR}")
  endif()
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/cmake/consumer -B ${WORK_DIR}/build
    -DCMAKE_CXX_COMPILER=${CXX} -DMODE=${MODE} -DHASHSKETCH_SOURCE=${SOURCE_DIR}
    -DFETCHCONTENT_FULLY_DISCONNECTED=${disconnected} ${extra})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer failed")
endif()
