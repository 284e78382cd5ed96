# Linux guests: Debian's cloud kernel and busybox, fetched unmodified from
# the package registry into ${KEEL_GUEST_DIR} (tools/guest/fetch-linux.sh),
# and busybox initramfs images built from them.
set(KEEL_GUEST_DIR ${CMAKE_BINARY_DIR}/guest CACHE INTERNAL "")
set(KEEL_GUEST_VMLINUZ ${KEEL_GUEST_DIR}/vmlinuz CACHE INTERNAL "")
set(KEEL_GUEST_BUSYBOX ${KEEL_GUEST_DIR}/busybox CACHE INTERNAL "")
# The virtio network card's modules, in the order they load.
set(KEEL_GUEST_NET_MODULES "")
foreach(m 01-virtio_ring 02-virtio 03-virtio_pci_modern_dev 04-virtio_pci_legacy_dev 05-virtio_pci 06-failover
          07-net_failover 08-virtio_net)
  list(APPEND KEEL_GUEST_NET_MODULES ${KEEL_GUEST_DIR}/modules/${m}.ko)
endforeach()
set(KEEL_GUEST_NET_MODULES ${KEEL_GUEST_NET_MODULES} CACHE INTERNAL "")
add_custom_command(OUTPUT ${KEEL_GUEST_VMLINUZ} ${KEEL_GUEST_BUSYBOX} ${KEEL_GUEST_NET_MODULES}
  COMMAND ${PROJECT_SOURCE_DIR}/tools/guest/fetch-linux.sh ${KEEL_GUEST_DIR}
  DEPENDS ${PROJECT_SOURCE_DIR}/tools/guest/fetch-linux.sh
  COMMENT "Debian's cloud kernel and busybox-static for Linux guests")
add_custom_target(keel-guest-linux DEPENDS ${KEEL_GUEST_VMLINUZ} ${KEEL_GUEST_BUSYBOX})

# keel_initramfs(NAME MARKER [INIT SCRIPT] [WITH PROGRAM...] [WITH_LIBRARY LIB...] [MODULES FILE.ko...]):
# ${KEEL_GUEST_DIR}/NAME.cpio, whose /init prints "MARKER cpus=N" and powers
# the guest off, or is SCRIPT; with the host's PROGRAMs and LIBs and the
# shared libraries they need; target initramfs-NAME.
function(keel_initramfs name marker)
  cmake_parse_arguments(ARG "" "INIT" "WITH;WITH_LIBRARY;MODULES" ${ARGN})
  set(out ${KEEL_GUEST_DIR}/${name}.cpio)
  set(how --marker ${marker})
  if(ARG_INIT)
    set(how --init ${ARG_INIT})
  endif()
  foreach(program ${ARG_WITH})
    list(APPEND how --with ${program})
  endforeach()
  foreach(library ${ARG_WITH_LIBRARY})
    list(APPEND how --with-library ${library})
  endforeach()
  foreach(module ${ARG_MODULES})
    list(APPEND how --module ${module})
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${PROJECT_SOURCE_DIR}/tools/guest/make-initramfs.sh ${KEEL_GUEST_BUSYBOX} ${out} ${how}
    DEPENDS ${PROJECT_SOURCE_DIR}/tools/guest/make-initramfs.sh ${KEEL_GUEST_BUSYBOX} ${ARG_INIT} ${ARG_WITH}
            ${ARG_MODULES}
    COMMENT "initramfs ${name}.cpio")
  add_custom_target(initramfs-${name} DEPENDS ${out})
  add_dependencies(initramfs-${name} keel-guest-linux)
endfunction()
