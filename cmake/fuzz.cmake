# cmake/fuzz.cmake — libFuzzer targets for the parsers of untrusted bytes (and the recovery policy driven by untrusted requests), run for a bounded time by ctest
if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FAILSAFED_FUZZ needs clang (cmake -DCMAKE_C_COMPILER=clang)")
endif()
set(FUZZ_SECONDS 20 CACHE STRING "seconds each fuzz target runs under ctest")
set(FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

# fs_fuzz(NAME sources...): fuzz/fuzz_NAME.c, run as test fuzz_NAME from the seeds in fuzz/corpus/NAME
function(fs_fuzz name)
  add_executable(fuzz_${name} fuzz/fuzz_${name}.c ${ARGN})
  target_include_directories(fuzz_${name} PRIVATE ${ALL_ROOM_DIRS} ${CMAKE_SOURCE_DIR}/hal ${CMAKE_SOURCE_DIR}/drivers)
  target_compile_options(fuzz_${name} PRIVATE ${FUZZ_FLAGS})
  target_link_options(fuzz_${name} PRIVATE ${FUZZ_FLAGS})
  target_link_libraries(fuzz_${name} PRIVATE PkgConfig::MNL PkgConfig::JSONC PkgConfig::ZLIB PkgConfig::NETTLE)
  set(work ${CMAKE_BINARY_DIR}/fuzz-corpus/${name})
  file(MAKE_DIRECTORY ${work})
  set(seeds "")
  if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
    set(seeds ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
  endif()
  # Fails on a crash, a leak (LeakSanitizer at exit of each run), any ASan/UBSan report, one input running
  # over 10 s or 2 GiB; the input is kept in fuzz-artifacts/. Long runs: tools/fuzz --minutes N.
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz-artifacts)
  add_test(NAME fuzz_${name}
    COMMAND fuzz_${name} -max_total_time=${FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
            -artifact_prefix=${CMAKE_BINARY_DIR}/fuzz-artifacts/${name}- ${work} ${seeds})
  set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 600 LABELS fuzz)
endfunction()

fs_fuzz(telnet_proto app/login/telnet_proto.c)
fs_fuzz(beacon app/net/beacon.c)
fs_fuzz(dhcp_msg app/net/dhcp_msg.c app/net/dhcp_lease.c app/net/dhcp_serve.c)
fs_fuzz(mdns_msg app/net/mdns_msg.c)
fs_fuzz(rtnl_msg drivers/rtnl_msg.c)
fs_fuzz(console_line app/login/console_line.c app/boot/window.c)
set(DEEP_SOURCES app/image/payload.c app/image/payload_deep.c app/image/payload_read.c app/image/tar_walk.c
    app/image/fit_stream.c app/image/fit_check.c app/image/ubi_check.c)
fs_fuzz(fwimage app/image/fwimage.c app/image/fwimage_read.c app/image/fwimage_write.c ${DEEP_SOURCES})
fs_fuzz(payload ${DEEP_SOURCES})
fs_fuzz(tar_walk ${DEEP_SOURCES})
fs_fuzz(fit_check ${DEEP_SOURCES})
fs_fuzz(ubi_check ${DEEP_SOURCES})
fs_fuzz(sysconfig app/flash/sysconfig.c)
fs_fuzz(jffs2_file app/image/jffs2_file.c)
fs_fuzz(recovery_policy app/web/recovery_policy.c)
fs_fuzz(ctl_proto app/ctl/ctl_proto.c app/boot/led_plan.c hal/board.c)
fs_fuzz(settings_conf app/flash/settings_conf.c)
fs_fuzz(mountinfo app/flash/mountinfo.c)
