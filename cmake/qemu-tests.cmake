# cmake/qemu-tests.cmake — ctest properties of the QEMU arm64 board's tests beyond integ_qemu_board(_gpiod2)
#
# Included by the last line of cmake/tests.cmake (which adds every tests/test_*.py as integ_<name>). Each of these
# boots qemu-system-aarch64 (TCG, one CPU busy per guest): serial, and labelled qemu. On a new machine the first one
# runs tools/qemu/setup.sh (packages, guest kernel, the static musl libraries and builds: minutes); later runs are
# offline, with everything cached in build-qemu/ and the libraries in <build>/deps (cross_deps's, built before them;
# the end of cmake/tests.cmake says so).
#   integ_qemu_lan   the LAN port from a PC namespace (a tap): beacons, telnet, the normal path, VLAN eth0.1, a
#                    laptop on the second of two bridged LAN ports (~60 s)
#   integ_qemu_demo  tools/demo.sh --board qemu, scripted and on a pty (~40 s)
#   integ_qemu_preinit  the OpenWrt preinit hook in a release image (tools/release --cpu aarch64 --images-only:
#                    ~2 min the first time), four boots through preinit (~45 s)
if(TEST integ_qemu_lan)
  set_tests_properties(integ_qemu_lan PROPERTIES TIMEOUT 1200 RUN_SERIAL TRUE LABELS "qemu;gpiod2")
endif()
if(TEST integ_qemu_demo)
  set_tests_properties(integ_qemu_demo PROPERTIES TIMEOUT 900 RUN_SERIAL TRUE LABELS qemu)
endif()
if(TEST integ_qemu_preinit)
  set_tests_properties(integ_qemu_preinit PROPERTIES TIMEOUT 1500 RUN_SERIAL TRUE LABELS qemu)
endif()
