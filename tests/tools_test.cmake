# tools_test runs bin/hashsketch and bin/hashsketch_gen_weblog as a user would,
# so they must be built first. Without the tools (HASHSKETCH_BUILD_TOOLS=OFF)
# the test only says so.
if(HASHSKETCH_BUILD_TOOLS)
  add_dependencies(${name} hashsketch_cli hashsketch_gen_weblog)
  target_compile_definitions(${name} PRIVATE HASHSKETCH_TOOLS_BUILT=1)
endif()
