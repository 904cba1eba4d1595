# cmake/san-tests.cmake — the integration tests again, against failsafed and failsafectl built with ASan+UBSan
#
# san/ holds every daemon of tests.cmake (failsafed_<board>, failsafed-all) and failsafectl under their own names,
# linked from the _san libraries (-fsanitize=address,undefined, no recovery from any report). Each integration
# test that runs them gets a twin asan_integ_<name> (label asan) with FAILSAFED, FAILSAFECTL and FAILSAFED_BIN_DIR
# pointing there. tests/san_run.py runs it with ASan, LeakSanitizer and UBSan writing their reports to
# san-logs/<test>/ (children included: the applets failsafed runs, failsafectl as another user) and fails the
# test on any report, even when the test itself passed; uninstrumented children (sh, dropbear, busybox) ignore
# the options.
#
# The default run (tools/test.sh) has every twin below. Left out, with the reason:
#   tests labelled qemu, cross, gpiod2 or packaging: cross and guest builds (the daemon runs under QEMU) and
#   package builds; nothing of san/ runs here.
#   docs, board_from_dtb, openwrt_package: they build the tree again from a copy (cmake); man_pages: the pages
#   against --help, no daemon at work.
#   valgrind: memcheck runs the plain build (valgrind and ASan do not mix).
#   soak, window_faults, reliability: their assertions are the plain build's bounds on time, RSS and fds under
#   load (ASan's quarantine grows RSS, its slower start stretches the windows they race); the sessions, floods
#   and faults they drive run under ASan in the twins of telnet, ssh, recovery_http, dhcp, faults and bad_input.
set(SAN_INTEG_SKIP docs board_from_dtb openwrt_package man_pages valgrind soak window_faults reliability)
set(SAN_INTEG_SKIP_LABELS qemu cross gpiod2 packaging)
# Only with tools/test.sh --long (FAILSAFED_LONG=1; skipped, not passed, otherwise), to bound the default run: they
# drive the recovery page that asan_integ_recovery_http covers, through Chromium and failsafectl recover.
set(SAN_INTEG_LONG recovery_browser recover)

set(SAN_BIN_DIR ${CMAKE_BINARY_DIR}/san)
foreach(b ${BOARD_NAMES} all)
  if(b STREQUAL "all")
    set(exe failsafed-all)
  else()
    set(exe failsafed_${b})
  endif()
  fs_board_sources(srcs ${b})
  add_executable(san_${exe} ${srcs} ${CMAKE_BINARY_DIR}/board_selected_${b}.c)
  target_link_libraries(san_${exe} PRIVATE fs_daemon_san)
  set_target_properties(san_${exe} PROPERTIES OUTPUT_NAME ${exe} RUNTIME_OUTPUT_DIRECTORY ${SAN_BIN_DIR})
endforeach()
add_executable(san_failsafectl ${FAILSAFECTL_SOURCES} ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)
target_include_directories(san_failsafectl PRIVATE ${CMAKE_SOURCE_DIR}/tools/failsafectl ${CMAKE_SOURCE_DIR}/drivers)
target_link_libraries(san_failsafectl PRIVATE fs_common_san fs_image_san fs_flash_pure_san fs_flash_h_san
                      fs_net_pure_san fs_net_h_san fs_hal_san PkgConfig::CURL)
set_target_properties(san_failsafectl PROPERTIES OUTPUT_NAME failsafectl RUNTIME_OUTPUT_DIRECTORY ${SAN_BIN_DIR})

foreach(t ${INTEG_TESTS})
  get_filename_component(n ${t} NAME_WE)
  string(REGEX REPLACE "^test_" "" n ${n})
  if(n IN_LIST SAN_INTEG_SKIP)
    continue()
  endif()
  get_test_property(integ_${n} LABELS labels)
  set(skip FALSE)
  foreach(l ${labels})
    if(l IN_LIST SAN_INTEG_SKIP_LABELS)
      set(skip TRUE)
    endif()
  endforeach()
  if(skip)
    continue()
  endif()
  set(long "")
  if(n IN_LIST SAN_INTEG_LONG)
    set(long --long-only)
  endif()
  add_test(NAME asan_integ_${n}
    COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/san_run.py ${long} ${CMAKE_BINARY_DIR}/san-logs/${n} ${PYTHON3} ${t})
  # Twice the plain test's time: the sanitized daemon is slower, mostly at start and exit (LeakSanitizer).
  set_tests_properties(asan_integ_${n} PROPERTIES TIMEOUT 600 LABELS asan SKIP_RETURN_CODE 77
    ENVIRONMENT "FAILSAFED=${SAN_BIN_DIR}/failsafed_sim;FAILSAFECTL=${SAN_BIN_DIR}/failsafectl;FAILSAFED_BIN_DIR=${SAN_BIN_DIR};FAILSAFED_SRC_DIR=${CMAKE_SOURCE_DIR}")
endforeach()

# valgrind memcheck over a whole failsafe session (tests/test_valgrind.py), on the plain build.
set_tests_properties(integ_valgrind PROPERTIES LABELS valgrind TIMEOUT 1200)
