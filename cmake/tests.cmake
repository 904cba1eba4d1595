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
    target_include_directories(test_${name}${sfx} PRIVATE ${CMAKE_SOURCE_DIR}/unittests ${CMAKE_SOURCE_DIR}/drivers
                               ${ALL_ROOM_DIRS})
    target_link_libraries(test_${name}${sfx} PRIVATE fs_daemon${sfx} PkgConfig::CMOCKA)
  endforeach()
  # unit_programs: every unit test's program as one target. The cross builds build it (one make run: a make run
  # per target checks the whole tree again, 4 s each, 3.5 min for the 50 programs when nothing had changed).
  if(NOT TARGET unit_programs)
    add_custom_target(unit_programs)
  endif()
  add_dependencies(unit_programs test_${name})
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
fs_unit(json)
fs_unit(scan)
fs_unit(sigpolicy)
fs_unit(ctl_proto)
fs_unit(outbuf)
fs_unit(io)
fs_unit(banner)
fs_unit(beacon)
fs_unit(dhcp_msg)
fs_unit(dhcp_serve)
fs_unit(mdns_msg)
fs_unit(fwimage)
fs_unit(hash)   # app/image/hash_own.c against nettle and the standards' vectors
target_link_libraries(test_hash PRIVATE PkgConfig::NETTLE)
target_link_libraries(test_hash_san PRIVATE PkgConfig::NETTLE)
fs_unit(payload)
fs_unit(payload_deep)
foreach(t test_payload_deep test_payload_deep_san)   # the images the real tools made (make_vectors.py)
  target_compile_definitions(${t} PRIVATE VECTORS_DIR="${CMAKE_SOURCE_DIR}/unittests/data/images")
endforeach()
fs_unit(layout)
fs_unit(plan)
fs_unit(bootcount)
fs_unit(bootenv)
fs_unit(sysconfig)
fs_unit(jffs2_file)
fs_unit(fsprobe)
fs_unit(mountinfo)
fs_unit(settings_conf)
fs_unit(recovery_policy)
fs_unit(recovery_view)
fs_unit(telnet_proto)
fs_unit(telnet_slots)
fs_unit(rtnl_msg)
fs_unit(eth_journal)
fs_unit(gpio_chip)
fs_unit(gpt)
fs_unit(listen_view tools/failsafectl/listen_view.c)
fs_unit(peer)
fs_unit(ssh_policy)
fs_unit(ssh_beacon)
fs_unit(ssh_job)
fs_unit(boards ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)
fs_unit(board_select ${BOARD_FILES} ${CMAKE_BINARY_DIR}/all_boards.c)

# The arrows are enforced by the include path: a room's code cannot even compile an include of a room its
# arrow forbids, or of drivers/ (cmake/layering.cmake); pure halves call no I/O (cmake/purity.cmake); the host
# command links no GPIO or netlink library.
set(ROOM_HEADER_common args.h)
set(ROOM_HEADER_loop loop.h)
set(ROOM_HEADER_boot boot.h)
set(ROOM_HEADER_ctl ctl_proto.h)
set(ROOM_HEADER_net beacon.h)
set(ROOM_HEADER_login telnet_proto.h)
set(ROOM_HEADER_image fwimage.h)
set(ROOM_HEADER_flash rootfs.h)
set(ROOM_HEADER_web recovery_policy.h)
set(ROOM_HEADER_applets applet.h)
foreach(room ${ROOMS})
  set(allow ${ROOM_HEADER_${room}} board.h)
  set(forbid eth_rtnl.h)
  foreach(other ${ROOMS})
    if(other STREQUAL room)
      continue()
    endif()
    if(other IN_LIST ROOM_${room}_SEES)
      list(APPEND allow ${ROOM_HEADER_${other}})
    else()
      list(APPEND forbid ${ROOM_HEADER_${other}})
    endif()
  endforeach()
  # The code of a room is compiled with its service half's include path (its pure half's when it has none).
  set(t fs_${room})
  get_target_property(type ${t} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(t fs_${room}_pure)
  endif()
  add_test(NAME layering_${room}
    COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER} "-DINCS=$<TARGET_PROPERTY:${t},INCLUDE_DIRECTORIES>"
            "-DALLOW=${allow}" "-DFORBID=${forbid}" -DROOM=${room} -DWORK=${CMAKE_BINARY_DIR}/layering
            -P ${CMAKE_SOURCE_DIR}/cmake/layering.cmake)
  if(TARGET fs_${room}_pure)
    add_test(NAME purity_${room}
      COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DLIB=$<TARGET_FILE:fs_${room}_pure> -DROOM=${room}
              -P ${CMAKE_SOURCE_DIR}/cmake/purity.cmake)
  endif()
endforeach()
add_test(NAME layering_failsafectl_links_no_gpio_or_netlink
  COMMAND sh -c "! readelf -d \"$1\" | grep -E 'NEEDED.*(gpiod|mnl)'" sh $<TARGET_FILE:failsafectl>)

# The telnet server on its own, for poking at it by hand (loopback): see tests/telnet_harness.c.
add_executable(telnet_harness tests/telnet_harness.c)
target_link_libraries(telnet_harness PRIVATE fs_login)
target_include_directories(telnet_harness PRIVATE ${ALL_ROOM_DIRS})

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

# Every fuzz target (fuzz/fuzz_*.c, whether or not this build makes it) has committed seeds, and the generated
# ones are what fuzz/corpus/make_seeds.py writes: the failure names the target.
add_test(NAME fuzz_corpus COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/fuzz/corpus/make_seeds.py --check)
set_tests_properties(fuzz_corpus PROPERTIES LABELS fuzz)

# Integration tests: the real failsafed and failsafectl, driven through a pty and the control socket.
file(GLOB INTEG_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/test_*.py)
foreach(t ${INTEG_TESTS})
  get_filename_component(n ${t} NAME_WE)
  string(REGEX REPLACE "^test_" "" n ${n})
  add_test(NAME integ_${n} COMMAND ${PYTHON3} ${t})
  set_tests_properties(integ_${n} PROPERTIES TIMEOUT 300
    ENVIRONMENT "FAILSAFED=$<TARGET_FILE:failsafed_sim>;FAILSAFECTL=$<TARGET_FILE:failsafectl>;FAILSAFED_BIN_DIR=${CMAKE_BINARY_DIR};FAILSAFED_SRC_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
# tools/test.sh --long (FAILSAFED_LONG=1 when configured and run): the soak and fault tests' full counts.
if("$ENV{FAILSAFED_LONG}" STREQUAL "1")
  set_tests_properties(integ_soak integ_faults integ_window_faults integ_reliability PROPERTIES TIMEOUT 3600)
endif()
# The Debian packages: a build with Debian's flags, lintian, and a debootstrap'd Debian 12 made once (~2 min) in
# <build>/deb-chroot for the install test (tests/test_deb.py).
set_tests_properties(integ_deb PROPERTIES TIMEOUT 1800 LABELS packaging)
# They build whole trees (two jobs): started early under ctest -j2 (COST), and given time on a loaded machine.
set_tests_properties(integ_docs integ_board_from_dtb PROPERTIES COST 300 TIMEOUT 900)
include(cmake/gpiod-tests.cmake)
include(cmake/cross-tests.cmake)
# Every test that boots QEMU (the arm64 board, the Malta, the MTD/UBI guest): set-up, environment, scheduling.
include(cmake/qemu-tests.cmake)
include(cmake/stage2-tests.cmake)
# The integration tests again against ASan+UBSan builds of failsafed and failsafectl (label asan); a cross build
# (cmake/cross-tests.cmake's, for its unit tests) has neither the integration tests nor failsafectl's curl.
if(NOT CMAKE_CROSSCOMPILING)
  include(cmake/san-tests.cmake)
endif()
