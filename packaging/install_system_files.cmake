# Runs at install time (install(SCRIPT), packaging/CMakeLists.txt), with the
# prefix of that installation: places the configuration files and the systemd
# units, whose Debian places lie outside the prefix /usr, and writes the
# installed paths into the units. KEEL_PACKAGING_SOURCE_DIR, KEEL_INSTALL_BINDIR
# and KEEL_PACKAGING_BINARY_DIR come from the build. DESTDIR is honoured by
# file(INSTALL).
include("${KEEL_PACKAGING_SOURCE_DIR}/system_dirs.cmake")
keel_system_dirs("${CMAKE_INSTALL_PREFIX}" KEEL_SYSCONFDIR unitdir)
cmake_path(ABSOLUTE_PATH KEEL_INSTALL_BINDIR BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}" NORMALIZE
           OUTPUT_VARIABLE KEEL_BINDIR)

set(units "${KEEL_PACKAGING_BINARY_DIR}/units-for-install")
file(REMOVE_RECURSE "${units}")
foreach(unit keel-verifierd.service keel-agent.service keel-agent-push.service)
  configure_file("${KEEL_PACKAGING_SOURCE_DIR}/systemd/${unit}.in" "${units}/${unit}" @ONLY)
endforeach()
file(INSTALL DESTINATION "${unitdir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${units}/keel-verifierd.service" "${units}/keel-agent.service" "${units}/keel-agent-push.service")

# Configuration files: an installation never overwrites one that is there
# (it may have been edited); the Debian package's conffiles get dpkg's care.
foreach(name keel-verifierd.toml keel-agent.toml)
  if(EXISTS "$ENV{DESTDIR}${KEEL_SYSCONFDIR}/keel/${name}")
    message(STATUS "Keeping: $ENV{DESTDIR}${KEEL_SYSCONFDIR}/keel/${name} (already there; the default is "
                   "${KEEL_PACKAGING_SOURCE_DIR}/etc/${name})")
  else()
    file(INSTALL DESTINATION "${KEEL_SYSCONFDIR}/keel" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${KEEL_PACKAGING_SOURCE_DIR}/etc/${name}")
  endif()
endforeach()
