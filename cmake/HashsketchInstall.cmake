include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HASHSKETCH_CMAKE_DIR "${CMAKE_INSTALL_DATADIR}/cmake/hashsketch")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/hashsketch"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS hashsketch hashsketch_xxhash EXPORT hashsketchTargets)
install(EXPORT hashsketchTargets
  NAMESPACE hashsketch::
  DESTINATION "${HASHSKETCH_CMAKE_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/hashsketchConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/hashsketchConfig.cmake"
  INSTALL_DESTINATION "${HASHSKETCH_CMAKE_DIR}")
# Header-only: one package fits every architecture.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/hashsketchConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/hashsketchConfig.cmake"
  "${PROJECT_BINARY_DIR}/hashsketchConfigVersion.cmake"
  DESTINATION "${HASHSKETCH_CMAKE_DIR}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/hashsketch.pc.in"
  "${PROJECT_BINARY_DIR}/hashsketch.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/hashsketch.pc"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
