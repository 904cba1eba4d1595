# cmake/gpiod-tests.cmake — tests of both GPIO drivers: the HAL's kernel-debounce unit test, a second host build against libgpiod 2.2.1, the QEMU board with libgpiod 2
#
# Included at the end of cmake/tests.cmake. Also run as a script by the test gpiod2_host_build:
#   cmake -DSRC=<checkout> -DBIN=<build dir> -DCC=<C compiler> -DJOBS=2 -P cmake/gpiod-tests.cmake
# which (1) builds libgpiod 2.2.1 for this host with tools/deps/build.sh --cpu host-gpiod2 --dir <build>/deps
# (the first run fetches Debian 13's source through apt from the configured mirror; later runs use the cached,
# sha256-checked tarball and need no network), (2) configures and builds <build>/gpiod2-host with
# -DFAILSAFED_GPIOD_PC_DIR=<build>/deps/host/sysroot/lib/pkgconfig (so drivers/gpio_gpiod2.c), and (3) runs that
# build's unit tests, their sanitizer twins and the host tests of the real drivers (no GPIO chip here); not the
# integration tests' sanitized twins (asan_integ_*: the main build runs those).

if(CMAKE_SCRIPT_MODE_FILE)
  foreach(v SRC BIN CC)
    if(NOT ${v})
      message(FATAL_ERROR "gpiod-tests.cmake: -D${v}=... is required")
    endif()
  endforeach()
  if(NOT JOBS)
    set(JOBS 2)
  endif()
  set(deps "${BIN}/deps")
  set(b2 "${BIN}/gpiod2-host")
  # run(WHAT COMMAND...): run it in the foreground; on failure, stop with WHAT and the exit status.
  macro(run what)
    message(STATUS "gpiod2_host_build: ${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "gpiod2_host_build: ${what} failed (${rc})")
    endif()
  endmacro()
  run("libgpiod 2.2.1 for this host in ${deps}" "${SRC}/tools/deps/build.sh" --cpu host-gpiod2 --dir "${deps}"
      --jobs ${JOBS})
  run("configure ${b2}" ${CMAKE_COMMAND} -S "${SRC}" -B "${b2}" -DFAILSAFED_TESTS=ON "-DCMAKE_C_COMPILER=${CC}"
      "-DFAILSAFED_GPIOD_PC_DIR=${deps}/host/sysroot/lib/pkgconfig")
  file(STRINGS "${b2}/CMakeCache.txt" ver REGEX "^GPIOD_VERSION:")
  if(NOT ver MATCHES "=2\\.")
    message(FATAL_ERROR "gpiod2_host_build: ${b2} did not pick libgpiod 2 (${ver})")
  endif()
  run("build ${b2}" ${CMAKE_COMMAND} --build "${b2}" -j${JOBS})
  execute_process(COMMAND "${b2}/failsafed_qemu_virt" --check-board OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "\n  gpio   libgpiod 2\\.2\\.1 \\(GPIO uAPI v2\\)\n")
    message(FATAL_ERROR "gpiod2_host_build: --check-board does not say libgpiod 2.2.1 (rc ${rc}):\n${out}")
  endif()
  run("unit tests of ${b2}" ${CMAKE_CTEST_COMMAND} --output-on-failure -j${JOBS}
      -R "^(unit|asan)_|^integ_(board_tools|real_drivers)$" -E "^asan_integ_"
      WORKING_DIRECTORY "${b2}")
  return()
endif()

# The HAL's view of kernel-debounced lines, and what the boot policy makes of their edges.
fs_unit(input)

# A second host build with libgpiod 2.2.1: the v2 driver compiles with -Werror and every unit test links it.
# It builds a whole tree with two jobs (COST: started early; another test runs beside it under ctest -j2). The
# first run fetches libgpiod's source (apt, the Debian mirror).
add_test(NAME gpiod2_host_build
  COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DBIN=${CMAKE_BINARY_DIR} -DCC=${CMAKE_C_COMPILER} -DJOBS=2
          -P ${CMAKE_CURRENT_LIST_DIR}/gpiod-tests.cmake)
set_tests_properties(gpiod2_host_build PROPERTIES TIMEOUT 1800 COST 400 LABELS gpiod2)

# The QEMU board with failsafed built static (musl) against libgpiod 2.2.1: tests/test_qemu_board_gpiod2.py
# (label qemu and the rest of what a QEMU test has: cmake/qemu-tests.cmake).
if(TEST integ_qemu_board_gpiod2)
  set_tests_properties(integ_qemu_board_gpiod2 PROPERTIES LABELS gpiod2)
endif()
