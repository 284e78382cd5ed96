# keel_system_dirs(PREFIX SYSCONFDIR_VAR UNITDIR_VAR): where configuration
# files and systemd units go for an installation under PREFIX. The Debian
# places when PREFIX is /usr (/etc, /lib/systemd/system: Debian 12 ships its
# units there), GNUInstallDirs' rule otherwise (/etc/opt/P for /opt/P,
# PREFIX/etc), units under PREFIX/lib/systemd/system.
# Used when configuring (the package's conffiles) and by install_system_files.cmake
# at install time, whose prefix may differ from the configured one (cmake
# --install --prefix, CPack installing into /usr).
function(keel_system_dirs prefix sysconfdir_var unitdir_var)
  string(REGEX REPLACE "/+$" "" p "${prefix}")
  if(p STREQUAL "/usr" OR p STREQUAL "")
    set(sysconfdir "/etc")
    set(unitdir "/lib/systemd/system")
  elseif(p MATCHES "^/opt/(.+)$")
    set(sysconfdir "/etc/opt/${CMAKE_MATCH_1}")
    set(unitdir "${p}/lib/systemd/system")
  else()
    set(sysconfdir "${p}/etc")
    set(unitdir "${p}/lib/systemd/system")
  endif()
  set(${sysconfdir_var} "${sysconfdir}" PARENT_SCOPE)
  set(${unitdir_var} "${unitdir}" PARENT_SCOPE)
endfunction()
