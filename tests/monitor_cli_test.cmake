# monitor_cli_test runs bin/hashsketch (count --exact) as a user would,
# so it must be built first. Without the tools (HASHSKETCH_BUILD_TOOLS=OFF)
# the test only says so.
if(HASHSKETCH_BUILD_TOOLS)
  add_dependencies(${name} hashsketch_cli)
  target_compile_definitions(${name} PRIVATE HASHSKETCH_TOOLS_BUILT=1)
endif()
