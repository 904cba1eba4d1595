# cmake/tests.cmake — unit tests (cmocka), their ASan+UBSan twins, and integration tests
enable_testing()
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_program(PYTHON3 python3 REQUIRED)

set(SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
add_library(fs_core_san STATIC ${PURE_SOURCES} ${HAL_SOURCES} ${DRIVER_SOURCES})
target_include_directories(fs_core_san PUBLIC ${FS_INCLUDES} ${CMAKE_SOURCE_DIR}/unittests)
target_compile_options(fs_core_san PUBLIC ${SAN_FLAGS})
target_link_options(fs_core_san PUBLIC ${SAN_FLAGS})
target_link_libraries(fs_core_san PUBLIC PkgConfig::GPIOD PkgConfig::MNL)

# fs_unit(NAME [extra sources...]): unittests/test_NAME.c as unit_NAME and asan_NAME
function(fs_unit name)
  add_executable(test_${name} unittests/test_${name}.c ${ARGN})
  target_include_directories(test_${name} PRIVATE ${CMAKE_SOURCE_DIR}/unittests)
  target_link_libraries(test_${name} PRIVATE fs_core PkgConfig::CMOCKA)
  add_test(NAME unit_${name} COMMAND test_${name})
  add_executable(test_${name}_san unittests/test_${name}.c ${ARGN})
  target_link_libraries(test_${name}_san PRIVATE fs_core_san PkgConfig::CMOCKA)
  add_test(NAME asan_${name} COMMAND test_${name}_san)
  set_tests_properties(asan_${name} PROPERTIES
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()

fs_unit(debounce)
fs_unit(window)
fs_unit(console_line)
fs_unit(cmdline)
fs_unit(led_plan)
fs_unit(options)
fs_unit(beacon)
fs_unit(telnet_proto)
fs_unit(rtnl_msg)
fs_unit(listen_view tools/failsafectl/listen_view.c)
fs_unit(telnet_server_helpers)
fs_unit(boards ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)

# The telnet server on its own, for poking at it by hand (loopback): see tests/telnet_harness.c.
add_executable(telnet_harness tests/telnet_harness.c app/telnet_server.c app/shell_exec.c app/loop.c)
target_link_libraries(telnet_harness PRIVATE fs_core fs_ev)

# One daemon per board, as a per-board build would make it: every table links, and the
# real drivers can be tested with a real-router board on this host (no GPIO chip here).
foreach(b ${BOARD_NAMES})
  set(sel ${CMAKE_BINARY_DIR}/board_selected_${b}.c)
  file(WRITE ${sel} "/* generated: board ${b} */\n#include \"board.h\"\nextern const struct board board_${b};\nconst struct board *const board_selected = &board_${b};\n")
  add_executable(failsafed_${b} ${APP_SOURCES} boards/${b}.c ${sel})
  target_link_libraries(failsafed_${b} PRIVATE fs_core fs_ev)
endforeach()

# Integration tests: the real failsafed and failsafectl, driven through a pty and the control socket.
file(GLOB INTEG_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/test_*.py)
foreach(t ${INTEG_TESTS})
  get_filename_component(n ${t} NAME_WE)
  string(REGEX REPLACE "^test_" "" n ${n})
  add_test(NAME integ_${n} COMMAND ${PYTHON3} ${t})
  set_tests_properties(integ_${n} PROPERTIES TIMEOUT 300
    ENVIRONMENT "FAILSAFED=$<TARGET_FILE:failsafed_sim>;FAILSAFECTL=$<TARGET_FILE:failsafectl>;FAILSAFED_BIN_DIR=${CMAKE_BINARY_DIR}")
endforeach()
# QEMU arm64 board (tools/qemu/): a new machine installs packages and downloads the guest first (~1 min), then ~20 s.
set_tests_properties(integ_qemu_board PROPERTIES TIMEOUT 900 RUN_SERIAL TRUE LABELS qemu)
