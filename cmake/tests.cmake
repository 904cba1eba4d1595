# cmake/tests.cmake — unit tests (cmocka), their ASan+UBSan twins, layering checks, and integration tests
enable_testing()
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_program(PYTHON3 python3 REQUIRED)

set(SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
fs_layers(_san ${SAN_FLAGS})

# fs_unit(NAME [extra sources...]): unittests/test_NAME.c as unit_NAME and asan_NAME.
# Unit tests see every layer's headers: they test drivers' pure parts too.
function(fs_unit name)
  foreach(sfx "" "_san")
    add_executable(test_${name}${sfx} unittests/test_${name}.c ${ARGN})
    target_include_directories(test_${name}${sfx} PRIVATE ${CMAKE_SOURCE_DIR}/unittests ${CMAKE_SOURCE_DIR}/drivers)
    target_link_libraries(test_${name}${sfx} PRIVATE fs_services${sfx} fs_drivers${sfx} PkgConfig::CMOCKA)
  endforeach()
  add_test(NAME unit_${name} COMMAND test_${name})
  add_test(NAME asan_${name} COMMAND test_${name}_san)
  set_tests_properties(asan_${name} PROPERTIES
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()

fs_unit(debounce)
fs_unit(window)
fs_unit(boot)
fs_unit(console_line)
fs_unit(cmdline)
fs_unit(led_plan)
fs_unit(options)
fs_unit(args)
fs_unit(sigpolicy)
fs_unit(ctl_proto)
fs_unit(outbuf)
fs_unit(io)
fs_unit(banner)
fs_unit(beacon)
fs_unit(fwimage)
fs_unit(payload)
fs_unit(layout)
fs_unit(sysconfig)
fs_unit(jffs2_file)
fs_unit(fsprobe)
fs_unit(mountinfo)
fs_unit(settings)
fs_unit(recovery_policy)
fs_unit(recovery_view)
fs_unit(telnet_proto)
fs_unit(rtnl_msg)
fs_unit(gpio_chip)
fs_unit(listen_view tools/failsafectl/listen_view.c)
fs_unit(telnet_server_helpers)
fs_unit(ssh_policy)
fs_unit(ssh_beacon)
fs_unit(ssh_job)
fs_unit(boards ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)
fs_unit(board_select ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)

# The arrows are enforced by the include path: app/ code cannot even compile a drivers/ include,
# and the host command links no GPIO or netlink library.
add_test(NAME layering_app_sees_no_driver_header
  COMMAND ${CMAKE_C_COMPILER} -fsyntax-only -x c
          "-I$<JOIN:$<TARGET_PROPERTY:fs_daemon,INCLUDE_DIRECTORIES>,;-I>"
          ${CMAKE_SOURCE_DIR}/unittests/layering_probe.c
  COMMAND_EXPAND_LISTS)
set_tests_properties(layering_app_sees_no_driver_header PROPERTIES WILL_FAIL TRUE)
add_test(NAME layering_failsafectl_links_no_gpio_or_netlink
  COMMAND sh -c "! readelf -d \"$1\" | grep -E 'NEEDED.*(gpiod|mnl)'" sh $<TARGET_FILE:failsafectl>)

# The telnet server on its own, for poking at it by hand (loopback): see tests/telnet_harness.c.
add_executable(telnet_harness tests/telnet_harness.c)
target_link_libraries(telnet_harness PRIVATE fs_services)

# One daemon per board, as a per-board build would make it: every table links, and the
# real drivers can be tested with a real-router board on this host (no GPIO chip here).
# failsafed-all is the BOARD=all daemon (every table, picked at start; tests/test_board_select.py);
# its name has no '_' so the tests that run every failsafed_<board> leave it out.
foreach(b ${BOARD_NAMES} all)
  set(sel ${CMAKE_BINARY_DIR}/board_selected_${b}.c)
  fs_board_selected(${sel} ${b})
  fs_board_sources(srcs ${b})
  if(b STREQUAL "all")
    set(exe failsafed-all)
  else()
    set(exe failsafed_${b})
  endif()
  add_executable(${exe} ${srcs} ${sel})
  target_link_libraries(${exe} PRIVATE fs_daemon)
endforeach()

# Integration tests: the real failsafed and failsafectl, driven through a pty and the control socket.
file(GLOB INTEG_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/test_*.py)
foreach(t ${INTEG_TESTS})
  get_filename_component(n ${t} NAME_WE)
  string(REGEX REPLACE "^test_" "" n ${n})
  add_test(NAME integ_${n} COMMAND ${PYTHON3} ${t})
  set_tests_properties(integ_${n} PROPERTIES TIMEOUT 300
    ENVIRONMENT "FAILSAFED=$<TARGET_FILE:failsafed_sim>;FAILSAFECTL=$<TARGET_FILE:failsafectl>;FAILSAFED_BIN_DIR=${CMAKE_BINARY_DIR};FAILSAFED_SRC_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
# They build whole trees (two jobs): started early under ctest -j2 (COST), and given time on a loaded machine.
set_tests_properties(integ_docs integ_board_from_dtb PROPERTIES COST 300 TIMEOUT 900)
include(cmake/gpiod-tests.cmake)
include(cmake/cross-tests.cmake)
# Every test that boots QEMU (the arm64 board, the Malta, the MTD/UBI guest): set-up, environment, scheduling.
include(cmake/qemu-tests.cmake)
