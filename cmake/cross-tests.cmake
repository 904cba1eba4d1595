# cmake/cross-tests.cmake — the static musl cross builds (aarch64, armhf, mipsel): libraries, build, unit tests under qemu-user, the binary
#
# Included at the end of cmake/tests.cmake; only a host build registers the tests. Per CPU, as a release build
# makes it (the preset <cpu>: cmake/toolchain-cross.cmake, BOARD=all, MinSizeRel, LTO) but with the unit tests:
#   cross_deps           tools/deps/build.sh --cpu <cpu>... --dir <build>/deps, in two steps (cross_deps: aarch64
#   cross_deps_rest      and mipsel, which the QEMU set-up needs; then the rest, with --cpu host-gpiod2 for
#                        gpiod2_host_build): the first run fetches the sources (apt, from the configured Debian mirror; libmnl from its upstream
#                        tarball: $FAILSAFED_LIBMNL_TARBALL, else shared/deps/ above the checkout), later runs are
#                        offline and up to date
#   cross_<cpu>_build    configure and build <build>/cross/<cpu>: failsafed and every unit_* test's program
#   cross_<cpu>_unit     those unit tests, run by ctest under qemu-<arch>-static (CMAKE_CROSSCOMPILING_EMULATOR); the
#                        sanitizer twins, fuzzers and integration tests need the host and are left out
#   cross_<cpu>_binary   failsafed is a stripped, statically linked ELF for that machine, and runs (--version, qemu-user)
#   cross_<cpu>_no_recovery_page  (the last CPU only) the preset with FAILSAFED_RECOVERY_PAGE=OFF: builds, runs,
#                        refuses --http-port by name; prints what the page and libmicrohttpd add to the binary
#   cross_<cpu>_dynamic  (the last CPU only) the preset with FAILSAFED_LINK=shared, against the libraries' shared
#                        builds (tools/deps/build.sh --cpu <cpu>-shared, made by cross_deps): a dynamically linked
#                        ELF that needs each library and runs under qemu-user with their directory as its library
#                        path; prints its size against issue 15's target (tools/size-report has the whole table)
# FAILSAFED_CROSS_CPUS (cache; default aarch64;armhf;mipsel) picks the CPUs, empty: no cross tests. Measured on 2
# cores: 4.4 min from nothing (the libraries of three CPUs, sources fetched: 2.2 min), 47 s once built.
# The steps are this file run as a script:
#   cmake -DSTEP=deps|build|unit|binary|nopage|dynamic -DSRC=<checkout> -DBIN=<host build dir> [-DCPU=<cpu>]
#         [-DCPUS=<cpu,...>] [-DSHARED=<cpu>]
#         [-DJOBS=2] -P cmake/cross-tests.cmake

# CPU -> target triple, qemu-user, readelf's Class and Machine for the binary check.
set(_cross_cpus aarch64 armhf mipsel)
set(_cross_aarch64 aarch64-linux-musl   qemu-aarch64-static ELF64 AArch64)
set(_cross_armhf   arm-linux-musleabihf qemu-arm-static     ELF32 ARM)
set(_cross_mipsel  mipsel-linux-musl    qemu-mipsel-static  ELF32 "MIPS R3000")

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.19)   # policies of a script: IN_LIST, quoted if() arguments, string(JSON)
  foreach(v STEP SRC BIN)
    if(NOT ${v})
      message(FATAL_ERROR "cross-tests.cmake: -D${v}=... is required")
    endif()
  endforeach()
  if(NOT JOBS)
    set(JOBS 2)
  endif()
  set(deps "${BIN}/deps")
  if(NOT STEP STREQUAL "deps")
    if(NOT CPU IN_LIST _cross_cpus)
      message(FATAL_ERROR "cross-tests.cmake: -DCPU=aarch64|armhf|mipsel is required (got '${CPU}')")
    endif()
    list(GET _cross_${CPU} 0 triple)
    list(GET _cross_${CPU} 1 qemu)
    list(GET _cross_${CPU} 2 class)
    list(GET _cross_${CPU} 3 machine)
    set(b "${BIN}/cross/${CPU}")
  endif()
  # run(WHAT COMMAND...): run it in the foreground; on failure, stop with WHAT and the exit status.
  macro(run what)
    message(STATUS "cross: ${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "cross: ${what} failed (${rc})")
    endif()
  endmacro()

  if(STEP STREQUAL "deps")
    string(REPLACE "," ";" CPUS "${CPUS}")
    if(NOT CPUS)
      set(CPUS ${_cross_cpus})
    endif()
    set(args "")
    foreach(c IN LISTS CPUS)
      list(APPEND args --cpu ${c})
    endforeach()
    if(SHARED)
      list(APPEND args --cpu ${SHARED}-shared)
    endif()
    run("static musl libraries for ${CPUS} in ${deps}" "${SRC}/tools/deps/build.sh" ${args} --dir "${deps}"
        --jobs ${JOBS})
  elseif(STEP STREQUAL "build")
    # The preset of that CPU (CMakePresets.json: toolchain, triple, BOARD=all, MinSizeRel), plus the tests.
    run("configure ${b} (preset ${CPU}: ${triple})" ${CMAKE_COMMAND} --preset ${CPU} -S "${SRC}" -B "${b}"
        "-DFAILSAFED_DEPS_DIR=${deps}" -DFAILSAFED_TESTS=ON)
    file(STRINGS "${b}/CMakeCache.txt" t REGEX "^FAILSAFED_TARGET:")
    if(NOT t MATCHES "=${triple}$")
      message(FATAL_ERROR "cross: preset ${CPU} configured ${t}, not ${triple}")
    endif()
    # The unit tests' programs: unit_NAME runs test_NAME (cmake/tests.cmake's fs_unit).
    execute_process(COMMAND ${CMAKE_CTEST_COMMAND} -N -R "^unit_" WORKING_DIRECTORY "${b}"
      OUTPUT_VARIABLE out RESULT_VARIABLE rc)
    string(REGEX MATCHALL "unit_[A-Za-z0-9_]+" units "${out}")
    if(NOT rc EQUAL 0 OR NOT units)
      message(FATAL_ERROR "cross: ${b} has no unit_* tests (${rc}):\n${out}")
    endif()
    list(LENGTH units n)
    # unit_programs (cmake/tests.cmake's fs_unit) holds every unit_NAME's test_NAME: one make run, not one per
    # program (each of those checks the whole tree again)
    run("build failsafed and ${n} unit tests in ${b}" ${CMAKE_COMMAND} --build "${b}" -j${JOBS}
        --target failsafed unit_programs)
  elseif(STEP STREQUAL "unit")
    # Each one runs under qemu-user: the emulator is its command's first word.
    execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --show-only=json-v1 -R "^unit_" WORKING_DIRECTORY "${b}"
      OUTPUT_VARIABLE json RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "cross: ctest --show-only in ${b} failed (${rc})")
    endif()
    string(JSON n LENGTH "${json}" tests)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON name GET "${json}" tests ${i} name)
      string(JSON cmd0 GET "${json}" tests ${i} command 0)
      if(NOT cmd0 MATCHES "/?${qemu}$")
        message(FATAL_ERROR "cross: ${name} does not run under ${qemu}: ${cmd0}")
      endif()
    endforeach()
    run("unit tests of ${b} under qemu-user" ${CMAKE_CTEST_COMMAND} --output-on-failure --no-tests=error -j${JOBS}
        -R "^unit_" WORKING_DIRECTORY "${b}")
  elseif(STEP STREQUAL "binary")
    set(f "${b}/failsafed")
    execute_process(COMMAND readelf -h -l -S -W "${f}" OUTPUT_VARIABLE elf RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "cross: readelf ${f} failed (${rc})")
    endif()
    set(want "Class: +${class}\n" "Data: +2's complement, little endian\n" "Machine: +${machine}\n"
      "Type: +EXEC ")
    foreach(w IN LISTS want)
      if(NOT elf MATCHES "${w}")
        message(FATAL_ERROR "cross: ${f}: readelf does not say '${w}':\n${elf}")
      endif()
    endforeach()
    # Static: no loader, no dynamic section. Stripped: no symbol table.
    foreach(w "INTERP" "DYNAMIC" "\\.dynamic" "\\.symtab")
      if(elf MATCHES "${w}")
        message(FATAL_ERROR "cross: ${f}: ${w} present (not a static, stripped executable):\n${elf}")
      endif()
    endforeach()
    execute_process(COMMAND ${qemu} "${f}" --version OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    file(STRINGS "${SRC}/CMakeLists.txt" ver REGEX "^project\\(failsafed VERSION")
    string(REGEX REPLACE ".*VERSION ([0-9.]+).*" "\\1" ver "${ver}")
    if(NOT rc EQUAL 0 OR NOT out MATCHES "${ver}")
      message(FATAL_ERROR "cross: ${qemu} ${f} --version: rc ${rc}, not version ${ver}:\n${out}${err}")
    endif()
    file(SIZE "${f}" size)
    message(STATUS "cross: ${f}: static ${class} ${machine}, stripped, ${size} bytes; --version: ${out}")
    # A router build holds no simulated board (CMakeLists.txt, FAILSAFED_SIM): --board sim is refused by name.
    execute_process(COMMAND ${qemu} "${f}" --board sim --check-board OUTPUT_VARIABLE out ERROR_VARIABLE err
      RESULT_VARIABLE rc)
    if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "board \"sim\": not in this build")
      message(FATAL_ERROR "cross: ${f} --board sim: rc ${rc}, not refused as not in this build:\n${out}${err}")
    endif()
  elseif(STEP STREQUAL "nopage")
    # The same preset with FAILSAFED_RECOVERY_PAGE=OFF: it builds, runs, refuses the page's options by name,
    # and the difference in size is what the recovery page and libmicrohttpd cost on this CPU.
    set(np "${b}-no-recovery-page")
    run("configure ${np} (preset ${CPU}, FAILSAFED_RECOVERY_PAGE=OFF)" ${CMAKE_COMMAND} --preset ${CPU} -S "${SRC}"
        -B "${np}" "-DFAILSAFED_DEPS_DIR=${deps}" -DFAILSAFED_RECOVERY_PAGE=OFF)
    run("build failsafed in ${np}" ${CMAKE_COMMAND} --build "${np}" -j${JOBS} --target failsafed)
    execute_process(COMMAND ${qemu} "${np}/failsafed" --help OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "--http-port N +not in this build")
      message(FATAL_ERROR "cross: ${np}/failsafed --help (rc ${rc}) does not say the page is not in this build:\n${out}${err}")
    endif()
    execute_process(COMMAND ${qemu} "${np}/failsafed" --http-port 8080 --check-board
      OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(rc EQUAL 0 OR NOT err MATCHES "--http-port: this failsafed was built without the recovery page")
      message(FATAL_ERROR "cross: ${np}/failsafed --http-port 8080: rc ${rc}, no clear refusal:\n${out}${err}")
    endif()
    file(SIZE "${b}/failsafed" with)
    file(SIZE "${np}/failsafed" without)
    math(EXPR adds "${with} - ${without}")
    if(NOT adds GREATER 0)
      message(FATAL_ERROR "cross: ${CPU}: without the recovery page ${without} bytes, with it ${with}: not smaller")
    endif()
    message(STATUS "cross: ${CPU}: failsafed ${with} bytes stripped, ${without} without the recovery page: "
                   "the page and libmicrohttpd add ${adds} bytes")
  elseif(STEP STREQUAL "dynamic")
    # The same preset linked against the shared libraries: what an OpenWrt package of failsafed is.
    set(dy "${b}-dynamic")
    run("configure ${dy} (preset ${CPU}, FAILSAFED_LINK=shared)" ${CMAKE_COMMAND} --preset ${CPU} -S "${SRC}"
        -B "${dy}" "-DFAILSAFED_DEPS_DIR=${deps}" -DFAILSAFED_LINK=shared)
    run("build failsafed in ${dy}" ${CMAKE_COMMAND} --build "${dy}" -j${JOBS} --target failsafed)
    set(f "${dy}/failsafed")
    execute_process(COMMAND readelf -h -l -d -S -W "${f}" OUTPUT_VARIABLE elf RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "cross: readelf ${f} failed (${rc})")
    endif()
    foreach(w "Machine: +${machine}\n" "Type: +EXEC " "Requesting program interpreter: /lib/ld-musl-"
        "NEEDED[^\n]*libc\\.so" "NEEDED[^\n]*libev\\.so" "NEEDED[^\n]*libmnl\\.so" "NEEDED[^\n]*libgpiod\\.so"
        "NEEDED[^\n]*libz\\.so" "NEEDED[^\n]*libnettle\\.so" "NEEDED[^\n]*libmicrohttpd\\.so")
      if(NOT elf MATCHES "${w}")
        message(FATAL_ERROR "cross: ${f}: readelf does not say '${w}' (not linked against the shared libraries):\n${elf}")
      endif()
    endforeach()
    if(elf MATCHES "\\.symtab")
      message(FATAL_ERROR "cross: ${f}: not stripped")
    endif()
    # qemu-user: the loader from <cpu>-shared/root (-L), the libraries from the sysroot's lib (LD_LIBRARY_PATH).
    set(emu ${qemu} -L "${deps}/${CPU}-shared/root" -E "LD_LIBRARY_PATH=${deps}/${CPU}-shared/sysroot/lib")
    execute_process(COMMAND ${emu} "${f}" --version OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "^failsafed ")
      message(FATAL_ERROR "cross: ${f} --version under ${qemu} with the shared libraries: rc ${rc}:\n${out}${err}")
    endif()
    # Every library called: a board table of this CPU (libgpiod's version; a router build has no simulated
    # board), the page's options (libmicrohttpd).
    set(check_board_aarch64 qemu-virt)
    set(check_board_armhf linksys-wrt3200acm)
    set(check_board_mipsel qemu-malta)
    execute_process(COMMAND ${emu} "${f}" --board ${check_board_${CPU}} --check-board OUTPUT_VARIABLE out
      ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "libgpiod 2\\.")
      message(FATAL_ERROR "cross: ${f} --board ${check_board_${CPU}} --check-board: rc ${rc}:\n${out}${err}")
    endif()
    execute_process(COMMAND ${emu} "${f}" --help OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "--http-port N")
      message(FATAL_ERROR "cross: ${f} --help: rc ${rc}, no recovery page:\n${out}${err}")
    endif()
    file(SIZE "${f}" size)
    math(EXPR kib "${size} / 1024")
    message(STATUS "cross: ${CPU}: failsafed dynamically linked: ${size} bytes (${kib} KiB; issue 15's target for "
                   "mipsel: 128 KiB), the libraries not counted")
  else()
    message(FATAL_ERROR "cross-tests.cmake: unknown -DSTEP=${STEP}")
  endif()
  return()
endif()

if(CMAKE_CROSSCOMPILING)
  return()   # the cross build itself: its unit tests are registered by cmake/tests.cmake
endif()

set(FAILSAFED_LIBMNL_TARBALL "$ENV{FAILSAFED_LIBMNL_TARBALL}" CACHE FILEPATH
  "upstream libmnl-1.0.4.tar.gz for the cross tests' libraries (empty: tools/deps/build.sh's default, shared/deps/ above the checkout)")
set(_cross_env "")
if(FAILSAFED_LIBMNL_TARBALL)
  set(_cross_env "FAILSAFED_LIBMNL_TARBALL=${FAILSAFED_LIBMNL_TARBALL}")
endif()
set(FAILSAFED_CROSS_CPUS "${_cross_cpus}" CACHE STRING
  "CPUs whose static musl cross build is tested (aarch64;armhf;mipsel); empty: none")
foreach(cpu IN LISTS FAILSAFED_CROSS_CPUS)
  if(NOT cpu IN_LIST _cross_cpus)
    message(FATAL_ERROR "FAILSAFED_CROSS_CPUS: '${cpu}' is not one of ${_cross_cpus}")
  endif()
endforeach()
if(NOT FAILSAFED_CROSS_CPUS)
  return()
endif()
set(_cross_cmd ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DBIN=${CMAKE_BINARY_DIR} -DJOBS=2)
# The libraries in two steps, one tools/deps/build.sh each (it builds its CPUs side by side, and locks each CPU's
# directory while it builds it): cross_deps first, the CPUs the QEMU boards need (aarch64, mipsel: the QEMU set-up
# waits for them), then cross_deps_rest (after it, not beside it: both cores are busy already; qemu_setup_static's
# up-to-date check of aarch64 and mipsel does not wait for it), the other CPUs and gpiod2_host_build's
# libgpiod 2.2.1 for this host. The last CPU's libraries are also built shared (in the last step: fixture
# cross_deps_shared), for cross_<cpu>_dynamic. Each CPU's libraries are the fixture cross_deps_<cpu> (cross_deps_host).
# Each step keeps both cores busy; under ctest -j2 another test runs beside it (they are not serial: the tests
# beside them wait for conditions, not for times). COST starts the long ones first. Cold (nothing cached), the
# libraries take minutes.
set(_cross_first "")
set(_cross_rest "")
foreach(cpu IN LISTS FAILSAFED_CROSS_CPUS)
  if(cpu MATCHES "^(aarch64|mipsel)$")
    list(APPEND _cross_first ${cpu})
  else()
    list(APPEND _cross_rest ${cpu})
  endif()
endforeach()
if(TEST gpiod2_host_build)
  list(APPEND _cross_rest host-gpiod2)
  set_property(TEST gpiod2_host_build APPEND PROPERTY FIXTURES_REQUIRED cross_deps_host)
endif()
set(FAILSAFED_CROSS_DEPS_FIXTURES "")   # which cross_deps_<cpu> fixtures exist (cmake/qemu-tests.cmake asks)
list(GET FAILSAFED_CROSS_CPUS -1 _cross_last)
set(_cross_before "")
foreach(step first rest)
  if(NOT _cross_${step})
    continue()
  endif()
  set(name cross_deps)
  if(step STREQUAL "rest" AND _cross_first)
    set(name cross_deps_rest)
  endif()
  string(REPLACE ";" "," list "${_cross_${step}}")   # one argument of the test's command
  string(REGEX REPLACE "([^;]+)" "cross_deps_\\1" fixtures "${_cross_${step}}")
  string(REPLACE "cross_deps_host-gpiod2" "cross_deps_host" fixtures "${fixtures}")
  list(APPEND FAILSAFED_CROSS_DEPS_FIXTURES ${fixtures})
  # The last CPU's shared libraries (cross_<cpu>_dynamic only) in the last step: in the first they would slow the
  # libraries the QEMU set-up waits for (three builds beside one guest where two are enough).
  set(shared "")
  if(step STREQUAL "rest" OR NOT _cross_rest)
    set(shared -DSHARED=${_cross_last})
    list(APPEND fixtures cross_deps_shared)
  endif()
  add_test(NAME ${name} COMMAND ${_cross_cmd} -DCPUS=${list} ${shared} -DSTEP=deps -P ${CMAKE_CURRENT_LIST_FILE})
  set_tests_properties(${name} PROPERTIES TIMEOUT 1800 COST 1000 LABELS cross FIXTURES_SETUP "${fixtures}"
    ENVIRONMENT "${_cross_env}" DEPENDS "${_cross_before}")
  set(_cross_before ${name})
endforeach()
foreach(cpu IN LISTS FAILSAFED_CROSS_CPUS)
  add_test(NAME cross_${cpu}_build COMMAND ${_cross_cmd} -DSTEP=build -DCPU=${cpu} -P ${CMAKE_CURRENT_LIST_FILE})
  set_tests_properties(cross_${cpu}_build PROPERTIES TIMEOUT 900 COST 300 LABELS cross
    FIXTURES_REQUIRED cross_deps_${cpu} FIXTURES_SETUP cross_${cpu})
  foreach(step unit binary)
    add_test(NAME cross_${cpu}_${step} COMMAND ${_cross_cmd} -DSTEP=${step} -DCPU=${cpu} -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(cross_${cpu}_${step} PROPERTIES TIMEOUT 600 LABELS cross FIXTURES_REQUIRED cross_${cpu})
  endforeach()
endforeach()
# One CPU (the last listed: mipsel by default, most routers' family) is also built without the recovery page.
list(GET FAILSAFED_CROSS_CPUS -1 cpu)
add_test(NAME cross_${cpu}_no_recovery_page COMMAND ${_cross_cmd} -DSTEP=nopage -DCPU=${cpu} -P ${CMAKE_CURRENT_LIST_FILE})
set_tests_properties(cross_${cpu}_no_recovery_page PROPERTIES TIMEOUT 900 COST 200 LABELS cross
  FIXTURES_REQUIRED cross_${cpu})
add_test(NAME cross_${cpu}_dynamic COMMAND ${_cross_cmd} -DSTEP=dynamic -DCPU=${cpu} -P ${CMAKE_CURRENT_LIST_FILE})
set_tests_properties(cross_${cpu}_dynamic PROPERTIES TIMEOUT 900 COST 200 LABELS cross
  FIXTURES_REQUIRED "cross_${cpu};cross_deps_shared")
