# cmake/qemu-nand-tests.cmake — ctest properties of the whole-board NAND/eMMC tests under QEMU
#
# cmake/tests.cmake registers every tests/test_*.py as integ_<name>; this file, included at its end, makes these
# serial "qemu" tests with their own timeouts (each one QEMU under TCG, one CPU busy).
#   integ_qemu_nand_e2e  the Malta NAND board (tools/qemu-malta/ --nand, boards/qemu_malta_nand.c): failsafectl
#                        recover and the recovery page flash OpenWrt NAND images from a PC namespace (~80 s; the first
#                        run builds the static musl mipsel failsafed for the board and fetches Debian's mipsel
#                        mtd-utils, minutes when nothing is cached)
if(TEST integ_qemu_nand_e2e)
  set_tests_properties(integ_qemu_nand_e2e PROPERTIES TIMEOUT 1800 RUN_SERIAL TRUE LABELS qemu)
  set_property(TEST integ_qemu_nand_e2e APPEND PROPERTY ENVIRONMENT "FAILSAFED_DEPS_DIR=${CMAKE_BINARY_DIR}/deps")
  if(TEST cross_deps)
    set_property(TEST integ_qemu_nand_e2e APPEND PROPERTY FIXTURES_REQUIRED cross_deps)
  endif()
endif()
