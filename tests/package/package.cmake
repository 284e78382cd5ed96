# --- the installation and the Debian package (packaging/) ------------------
# Each test installs into a temporary DESTDIR (or builds and extracts the
# .deb) of its own; label package (not unit: they need the whole build).
add_executable(keel-package-store ${CMAKE_CURRENT_SOURCE_DIR}/package/enrolled_store.cpp)
target_link_libraries(keel-package-store PRIVATE keel_verifier)
target_compile_options(keel-package-store PRIVATE -Wall -Wextra)
set(keel_package_env
  "KEEL_BUILD_DIR=${CMAKE_BINARY_DIR}" "KEEL_SOURCE_DIR=${PROJECT_SOURCE_DIR}" "KEEL_VERSION=${PROJECT_VERSION}"
  "KEEL_PLUGINDIR=usr/${KEEL_INSTALL_PLUGINDIR}" "KEEL_CMAKE=${CMAKE_COMMAND}" "KEEL_CPACK=${CMAKE_CPACK_COMMAND}"
  "KEEL_PACKAGE_STORE=$<TARGET_FILE:keel-package-store>")
# A swtpm after a simulated dynamic launch, with its DRTM log and reference
# values, for package.fresh_debian_root's installed agent.
add_executable(keel-package-drtm-host ${CMAKE_CURRENT_SOURCE_DIR}/package/drtm_host.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/attestation/verifier/synthetic_launch.cpp)
target_link_libraries(keel-package-drtm-host PRIVATE keel_swtpm_fixture keel_verifier keel_kernel_host PkgConfig::TSS2_MU)
target_include_directories(keel-package-drtm-host PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(keel-package-drtm-host PRIVATE -Wall -Wextra)
function(keel_package_test name script)
  add_test(NAME package.${name} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/package/${script} ${ARGN})
  set_tests_properties(package.${name} PROPERTIES LABELS package TIMEOUT 120 RESOURCE_LOCK keel-install ENVIRONMENT "${keel_package_env}")
endfunction()
keel_package_test(install_tree install_tree.sh)
keel_package_test(installed_programs installed_programs.sh)
keel_package_test(deb deb.sh)
keel_package_test(man_and_completion docs.sh $<TARGET_FILE:keel> $<TARGET_FILE:keel-agent>
                  $<TARGET_FILE:keel-verifierd>)
# The .deb installed with apt into a fresh Debian 12 root (debootstrap,
# cached as a tarball in the build directory), its units' commands run there
# as their users, and a host attested end to end with the installed programs.
# Needs root (chroot, mount) and Debian's package registry.
add_test(NAME package.fresh_debian_root COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/package/fresh_debian_root.sh)
set_tests_properties(package.fresh_debian_root PROPERTIES LABELS package TIMEOUT 1200 RESOURCE_LOCK keel-install
  ENVIRONMENT "${keel_package_env};KEEL_DRTM_HOST=$<TARGET_FILE:keel-package-drtm-host>" SKIP_RETURN_CODE 77)
