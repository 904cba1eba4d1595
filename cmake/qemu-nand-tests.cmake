# cmake/qemu-nand-tests.cmake — ctest properties of the whole-board NAND/eMMC tests under QEMU
#
# cmake/tests.cmake registers every tests/test_*.py as integ_<name>; this file, included at its end, makes these
# serial "qemu" tests with their own timeouts (each one QEMU under TCG, one CPU busy).
#   integ_qemu_nand_e2e  the Malta NAND board (tools/qemu-malta/ --nand, boards/qemu_malta_nand.c): failsafectl
#                        recover and the recovery page flash OpenWrt NAND images from a PC namespace (~80 s; the first
#                        run builds the static musl mipsel failsafed for the board and fetches Debian's mipsel
#                        mtd-utils, minutes when nothing is cached)
#   integ_powercut_nand  the whole QEMU killed (SIGKILL) at 20 random moments of a NAND tar write into UBI on phram
#                        over the guest's RAM as a host file; every next boot attaches UBI and finds A, B or no
#                        kernel, never a mixed pair (tests/test_powercut_nand.py; FAILSAFED_LONG=1: 60 cuts)
#   integ_powercut_emmc  the same on a GPT virtio disk (cache=writethrough) with the eMMC tar
#                        (tests/test_powercut_emmc.py; FAILSAFED_LONG=1: 60 cuts)
#   integ_powercut_ab    the dual-firmware board (sim-ab) on five phram MTDs: the slot boot_part selects is always
#                        whole, and unchanged when the cut came before the switch (tests/test_powercut_ab.py)
# One guest at a time: RESOURCE_LOCK qemu beside RUN_SERIAL (the harness's run directory is shared).
if(TEST integ_qemu_nand_e2e)
  set_tests_properties(integ_qemu_nand_e2e PROPERTIES TIMEOUT 1800 RUN_SERIAL TRUE LABELS qemu)
  set_property(TEST integ_qemu_nand_e2e APPEND PROPERTY ENVIRONMENT "FAILSAFED_DEPS_DIR=${CMAKE_BINARY_DIR}/deps")
  if(TEST cross_deps)
    set_property(TEST integ_qemu_nand_e2e APPEND PROPERTY FIXTURES_REQUIRED cross_deps)
  endif()
endif()
foreach(t integ_powercut_nand integ_powercut_emmc integ_powercut_ab)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES TIMEOUT 900 RUN_SERIAL TRUE RESOURCE_LOCK qemu LABELS qemu)
    if("$ENV{FAILSAFED_LONG}" STREQUAL "1")
      set_tests_properties(${t} PROPERTIES TIMEOUT 3600)
    endif()
  endif()
endforeach()
