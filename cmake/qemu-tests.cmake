# cmake/qemu-tests.cmake — the tests that boot QEMU: their set-up fixtures, this build directory's own harness directories, scheduling
#
# Included at the end of cmake/tests.cmake (which adds every tests/test_*.py as integ_<name>). The QEMU tests:
#   integ_qemu_board(_gpiod2)  the arm64 board: window, LEDs, button, console (tests/test_qemu_board.py)
#   integ_qemu_lan             its LAN port from a PC namespace (a tap): beacons, telnet, the normal path, VLAN eth0.1
#   integ_qemu_demo            tools/demo.sh --board qemu, scripted and on a pty
#   integ_qemu_malta           the static mipsel build on the Malta: two boots of ~15 s (tests/test_qemu_malta.py)
#   integ_mtd_ubi              the storage applets on MTD/UBI, Debian's amd64 kernel
#   integ_nand_flash           OpenWrt's NAND images and dual firmware on nandsim, same kernel: two guests
#   integ_qemu_preinit         the OpenWrt preinit hook in a release image (tools/release --cpu aarch64
#                              --images-only: ~2 min the first time), four boots through preinit (~45 s)
# Two fixtures set the three harnesses up first (tools/qemu-setup.sh), each part side by side: the guest packages
# (downloaded once into this build directory, later runs are offline), the cross builds and the initramfs.
#   qemu_setup         what needs no static musl library (the arm64 board's glibc build, the MTD guest): it runs at
#                      once, so integ_qemu_board, integ_qemu_demo and integ_mtd_ubi run while cross_deps builds
#   qemu_setup_static  the static musl builds against cross_deps's libraries in <build>/deps (after cross_deps):
#                      the gpiod2 and vlan builds (integ_qemu_board_gpiod2, integ_qemu_lan), the Malta
# Every harness directory is inside this build directory (<build>/qemu, <build>/qemu-malta, <build>/qemu-mtd): two
# build directories of one checkout never share one, whatever the order they run in (and an exported
# QEMU_BUILD_DIR is overridden).
# Scheduling (ctest -j2, tools/test.sh): one guest at a time (RESOURCE_LOCK qemu: TCG keeps a core busy per guest),
# started early (COST: in a new build directory ctest has no times yet; qemu_setup and cross_deps come first); the
# tests wait for conditions, never for a time, so they pass with the other core busy (docs/performance.md).
set(_qemu_tests integ_qemu_board integ_qemu_board_gpiod2 integ_qemu_lan integ_qemu_demo integ_qemu_malta
  integ_mtd_ubi integ_nand_flash integ_qemu_preinit)
set(_qemu_env "QEMU_BUILD_DIR=${CMAKE_BINARY_DIR}/qemu" "QEMU_MALTA_DIR=${CMAKE_BINARY_DIR}/qemu-malta"
  "QEMU_MTD_BUILD_DIR=${CMAKE_BINARY_DIR}/qemu-mtd" "FAILSAFED_DEPS_DIR=${CMAKE_BINARY_DIR}/deps")

add_test(NAME qemu_setup COMMAND ${CMAKE_SOURCE_DIR}/tools/qemu-setup.sh ${CMAKE_BINARY_DIR} --base)
set_tests_properties(qemu_setup PROPERTIES TIMEOUT 1800 COST 1100 LABELS qemu FIXTURES_SETUP qemu_setup
  ENVIRONMENT "${_qemu_env}")
add_test(NAME qemu_setup_static COMMAND ${CMAKE_SOURCE_DIR}/tools/qemu-setup.sh ${CMAKE_BINARY_DIR} --static)
set_tests_properties(qemu_setup_static PROPERTIES TIMEOUT 1800 COST 900 LABELS qemu FIXTURES_SETUP qemu_static
  ENVIRONMENT "${_qemu_env}")
foreach(f cross_deps_aarch64 cross_deps_mipsel)   # cmake/cross-tests.cmake: the static libraries they need
  if(f IN_LIST FAILSAFED_CROSS_DEPS_FIXTURES)
    set_property(TEST qemu_setup_static APPEND PROPERTY FIXTURES_REQUIRED ${f})
  endif()
endforeach()

foreach(t IN LISTS _qemu_tests)
  if(TEST ${t})
    set_property(TEST ${t} APPEND PROPERTY LABELS qemu)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${_qemu_env} QEMU_SETUP_DONE=1)   # the tests only check it
    set_tests_properties(${t} PROPERTIES TIMEOUT 900 COST 600 FIXTURES_REQUIRED qemu_setup RESOURCE_LOCK qemu)
  endif()
endforeach()
foreach(t integ_qemu_board_gpiod2 integ_qemu_lan integ_qemu_malta integ_qemu_preinit)
  if(TEST ${t})
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED qemu_static)
  endif()
endforeach()
if(TEST integ_qemu_lan)
  set_property(TEST integ_qemu_lan APPEND PROPERTY LABELS gpiod2)   # the static libgpiod 2.2.1 build boots
endif()
foreach(t integ_nand_flash integ_qemu_preinit)   # several guests each
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES TIMEOUT 1500)
  endif()
endforeach()
