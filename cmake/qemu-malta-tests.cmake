# cmake/qemu-malta-tests.cmake — ctest properties of the QEMU Malta (mipsel) test, tests/test_qemu_malta.py
#
# cmake/tests.cmake registers every tests/test_*.py as integ_<name> (its environment names this build's
# failsafectl and directory); this file, included at its end, makes integ_qemu_malta a serial "qemu" test.
# Its harness lives in <build>/qemu-malta (tools/qemu-malta/setup.sh): the first run installs what is missing
# (root), fetches Debian's mipsel kernel and busybox (~50 MB) and builds the static musl libraries and
# failsafed for mipsel (several minutes on 2 cores when tools/deps/build.sh has nothing cached); later runs are
# offline, and the test itself is two boots of ~15 s each.
if(TEST integ_qemu_malta)
  set_tests_properties(integ_qemu_malta PROPERTIES TIMEOUT 3600 RUN_SERIAL TRUE LABELS qemu)
endif()
