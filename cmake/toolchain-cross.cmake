# cmake/toolchain-cross.cmake — cross builds for routers, one file for every target, chosen by its triple
# Usage (static musl, what OpenWrt runs):
#   tools/deps/build.sh --cpu mipsel      # once: static libev, libmnl, libgpiod 2, zlib, nettle, cmocka,
#                                         # libmicrohttpd into build-deps/mipsel/sysroot
#   cmake -S . -B build-mipsel -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cross.cmake -DFAILSAFED_TARGET=mipsel-linux-musl \
#         -DCMAKE_BUILD_TYPE=MinSizeRel -DBOARD=<board> && cmake --build build-mipsel -j2
#   (or the presets aarch64, armhf, mipsel)
# Usage (glibc, against Debian's multiarch -dev packages; runs on Debian, e.g. the QEMU board):
#   tools/bootstrap.sh --cross-arm64
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cross.cmake -DFAILSAFED_TARGET=aarch64-linux-gnu ...
# Parameters (cache variables; the environment variable of the same name is the fallback):
#   FAILSAFED_TARGET    aarch64-linux-musl | arm-linux-musleabihf | mipsel-linux-musl   static musl, size flags
#                       aarch64-linux-gnu  | arm-linux-gnueabihf  | mipsel-linux-gnu    glibc, Debian :<arch> -dev
#   FAILSAFED_DEPS_DIR  musl only: what tools/deps/build.sh --dir got (default: build-deps, relative to the checkout);
#                       libraries come only from ${FAILSAFED_DEPS_DIR}/<cpu>/sysroot, kernel uAPI headers from .../kh
#   FAILSAFED_LTO       musl only: link-time optimisation, across the libraries too (tools/deps/build.sh makes fat
#                       LTO objects). Default ON: failsafed (BOARD=all, stripped) measured 2-4 % smaller: aarch64
#                       592 -> 576 KB, armhf 469 -> 460 KB, mipsel 705 -> 676 KB; tools/release prints both sizes
#   FAILSAFED_LINK      musl only: static (default: one file with every library in it) or shared (dynamically
#                       linked against shared musl builds of the same libraries, as an OpenWrt package is: what
#                       tools/deps/build.sh --cpu <cpu>-shared built in ${FAILSAFED_DEPS_DIR}/<cpu>-shared/sysroot;
#                       ctest and the test runs find them through qemu-user's -L and LD_LIBRARY_PATH)
#   FAILSAFED_MIPS16    mipsel musl only: MIPS16e code (default ON, as OpenWrt builds its mipsel_24kc packages:
#                       -mips16 -minterlink-mips16); about a fifth smaller. Every MIPS32 router CPU of the boards
#                       here (24K, 24KEc, 1004K: MT7620, MT7621, MT7628) and QEMU's 24Kf have the MIPS16e ASE.
#                       Like every flag below it goes into CMake's cached CMAKE_C_FLAGS and CMAKE_EXE_LINKER_FLAGS on
#                       the first configure: changing it (or this file's flags) needs a new build directory
# Results for the project: FAILSAFED_CPU (aarch64, armhf or mipsel: the boards' .cpu), FAILSAFED_LIBC (musl, glibc).
#
# musl: Debian's glibc cross gcc with musl's specs as a mandatory compiler argument (so it is on every compile and
# link line exactly once: -specs twice makes gcc fail), the kernel-header symlink dir as a system include dir (never
# glibc's /usr/<gnu-triple>/include), find_*() and pkg-config restricted to the sysroot (pkg-config --static, so
# Libs.private counts), a static non-PIE link with -Os, no unwind tables (C, no backtraces: 16 KB on aarch64),
# sections garbage-collected, LTO and, for MinSizeRel, stripped (-s); on mipsel non-PIC MIPS16e code. With
# FAILSAFED_LINK=shared the same, dynamically linked (not PIE) against the <cpu>-shared sysroot.
# Release/RelWithDebInfo append their own -O2. glibc: the Debian multiarch directories of that architecture only.
# Both: qemu-<arch>-static as CMAKE_CROSSCOMPILING_EMULATOR, so ctest runs cross-built tests under qemu-user.

if(NOT FAILSAFED_TARGET AND DEFINED ENV{FAILSAFED_TARGET})
  set(FAILSAFED_TARGET "$ENV{FAILSAFED_TARGET}")
endif()
set(FAILSAFED_TARGET "${FAILSAFED_TARGET}" CACHE STRING
  "target triple: aarch64-linux-musl, arm-linux-musleabihf, mipsel-linux-musl (static musl) or aarch64-linux-gnu, arm-linux-gnueabihf, mipsel-linux-gnu (glibc)")
# try_compile() projects read this file again: hand them the parameters.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FAILSAFED_TARGET FAILSAFED_DEPS_DIR FAILSAFED_DEPS_BOOTSTRAP FAILSAFED_LTO
  FAILSAFED_LINK FAILSAFED_MIPS16)
list(REMOVE_DUPLICATES CMAKE_TRY_COMPILE_PLATFORM_VARIABLES)

# triple -> CPU (as boards and tools/deps/build.sh name it), CMAKE_SYSTEM_PROCESSOR, Debian's gcc triple, qemu-user name
set(_fs_targets
  "aarch64-linux-musl   aarch64 aarch64 aarch64-linux-gnu    aarch64"
  "arm-linux-musleabihf armhf   arm     arm-linux-gnueabihf  arm"
  "mipsel-linux-musl    mipsel  mipsel  mipsel-linux-gnu     mipsel"
  "aarch64-linux-gnu    aarch64 aarch64 aarch64-linux-gnu    aarch64"
  "arm-linux-gnueabihf  armhf   arm     arm-linux-gnueabihf  arm"
  "mipsel-linux-gnu     mipsel  mipsel  mipsel-linux-gnu     mipsel")
set(_fs_row "")
set(_fs_names "")
foreach(_fs_t IN LISTS _fs_targets)
  string(REGEX REPLACE " +" ";" _fs_t "${_fs_t}")
  list(GET _fs_t 0 _fs_name)
  list(APPEND _fs_names ${_fs_name})
  if(_fs_name STREQUAL FAILSAFED_TARGET)
    set(_fs_row "${_fs_t}")
  endif()
endforeach()
if(NOT _fs_row)
  string(REPLACE ";" ", " _fs_names "${_fs_names}")
  message(FATAL_ERROR "toolchain-cross.cmake: set -DFAILSAFED_TARGET to one of ${_fs_names} (got '${FAILSAFED_TARGET}')")
endif()
list(GET _fs_row 1 FAILSAFED_CPU)
list(GET _fs_row 2 _fs_proc)
list(GET _fs_row 3 _fs_gnu)
list(GET _fs_row 4 _fs_qemu)
if(FAILSAFED_TARGET MATCHES "musl")
  set(FAILSAFED_LIBC musl)
else()
  set(FAILSAFED_LIBC glibc)
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${_fs_proc})
find_program(_fs_cc ${_fs_gnu}-gcc)
if(NOT _fs_cc)
  if(FAILSAFED_LIBC STREQUAL musl)
    message(FATAL_ERROR "toolchain-cross.cmake: no ${_fs_gnu}-gcc; run: tools/deps/build.sh --cpu ${FAILSAFED_CPU}")
  elseif(FAILSAFED_CPU STREQUAL aarch64)
    message(FATAL_ERROR "toolchain-cross.cmake: no ${_fs_gnu}-gcc; run: tools/bootstrap.sh --cross-arm64")
  else()
    message(FATAL_ERROR "toolchain-cross.cmake: no ${_fs_gnu}-gcc; install gcc-${_fs_gnu} and Debian's :<arch> -dev packages")
  endif()
endif()

if(EXISTS "/usr/bin/qemu-${_fs_qemu}-static")
  set(_fs_emu "/usr/bin/qemu-${_fs_qemu}-static")
else()
  set(_fs_emu "qemu-${_fs_qemu}-static")  # apt-get install qemu-user-static
endif()

if(FAILSAFED_LIBC STREQUAL glibc)
  # ---- glibc: Debian multiarch. find_library() looks in /usr/lib/<triple>; headers stay in /usr/include
  # (ev.h, gpiod.h, libmnl's are the same for every architecture).
  set(CMAKE_C_COMPILER ${_fs_gnu}-gcc)
  set(CMAKE_LIBRARY_ARCHITECTURE ${_fs_gnu})
  # Only that architecture's .pc files, never the host's.
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${_fs_gnu}/pkgconfig:/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
  # Libraries only from the multiarch dir and the cross toolchain's own root, programs from the host.
  set(CMAKE_FIND_ROOT_PATH /usr/${_fs_gnu})
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(CMAKE_SYSTEM_LIBRARY_PATH /usr/lib/${_fs_gnu} /lib/${_fs_gnu})
  set(CMAKE_LIBRARY_PATH /usr/lib/${_fs_gnu})
  # Dynamically linked: qemu-user finds the loader and libc in the cross root, the rest in the multiarch dirs.
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_fs_emu};-L;/usr/${_fs_gnu}")
  return()
endif()

# ---- musl: static, or against shared builds of the libraries ----
if(NOT FAILSAFED_DEPS_DIR)
  if(DEFINED ENV{FAILSAFED_DEPS_DIR})
    set(FAILSAFED_DEPS_DIR "$ENV{FAILSAFED_DEPS_DIR}")
  else()
    set(FAILSAFED_DEPS_DIR build-deps)
  endif()
endif()
get_filename_component(FAILSAFED_DEPS_DIR "${FAILSAFED_DEPS_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_LIST_DIR}/..")
set(FAILSAFED_DEPS_DIR "${FAILSAFED_DEPS_DIR}" CACHE PATH "directory tools/deps/build.sh built the dependencies in")
option(FAILSAFED_LTO "musl build: link-time optimisation" ON)
if(NOT FAILSAFED_LINK AND DEFINED ENV{FAILSAFED_LINK})
  set(FAILSAFED_LINK "$ENV{FAILSAFED_LINK}")
endif()
if(NOT FAILSAFED_LINK)
  set(FAILSAFED_LINK static)
endif()
set(FAILSAFED_LINK "${FAILSAFED_LINK}" CACHE STRING "musl build: static, or shared (against the libraries' shared builds)")
if(NOT FAILSAFED_LINK MATCHES "^(static|shared)$")
  message(FATAL_ERROR "toolchain-cross.cmake: FAILSAFED_LINK is static or shared (got '${FAILSAFED_LINK}')")
endif()
option(FAILSAFED_MIPS16 "mipsel musl build: MIPS16e code (as OpenWrt's mipsel_24kc packages)" ON)

# tools/deps/build.sh's directory of this target: <cpu> (static libraries) or <cpu>-shared.
set(_fs_tdir "${FAILSAFED_CPU}")
if(FAILSAFED_LINK STREQUAL shared)
  set(_fs_tdir "${FAILSAFED_CPU}-shared")
endif()
set(_fs_specs "/usr/lib/${FAILSAFED_TARGET}/musl-gcc.specs")
set(_fs_kh "${FAILSAFED_DEPS_DIR}/${_fs_tdir}/kh")
set(FAILSAFED_SYSROOT "${FAILSAFED_DEPS_DIR}/${_fs_tdir}/sysroot")
set(_fs_need "${_fs_specs}" "${_fs_kh}/linux")
# tools/deps/build.sh writes <cpu>/complete once every library is built; while it builds (cmocka uses this
# file) it sets FAILSAFED_DEPS_BOOTSTRAP.
if(NOT FAILSAFED_DEPS_BOOTSTRAP)
  list(APPEND _fs_need "${FAILSAFED_DEPS_DIR}/${_fs_tdir}/complete")
endif()
foreach(_fs_f IN LISTS _fs_need)
  if(NOT EXISTS "${_fs_f}")
    get_filename_component(_fs_default "${CMAKE_CURRENT_LIST_DIR}/../build-deps" ABSOLUTE)
    set(_fs_dir "")
    if(NOT FAILSAFED_DEPS_DIR STREQUAL _fs_default)
      set(_fs_dir " --dir ${FAILSAFED_DEPS_DIR}")
    endif()
    message(FATAL_ERROR "toolchain-cross.cmake: ${_fs_f} is missing; run: tools/deps/build.sh --cpu ${_fs_tdir}${_fs_dir}")
  endif()
endforeach()

# The specs file (-nostdinc, musl's headers, crt files and libc.a) as part of the compiler command itself.
# ar, ranlib, strip and objcopy are found by CMake from the compiler's prefix (${_fs_gnu}-).
set(CMAKE_C_COMPILER ${_fs_gnu}-gcc "-specs=${_fs_specs}")
# Kernel uAPI headers (linux/ asm/ asm-generic/ mtd/ symlinked from the Debian cross package): appended as
# -isystem after everything else; musl lacks them, and glibc's headers must stay out of the include path.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${_fs_kh}")

set(_fs_ldflags "")
if(FAILSAFED_CPU STREQUAL aarch64)
  set(_fs_ldflags "-Wl,-z,max-page-size=4096")  # else ld pads segments to 64 KiB pages: twice the file size
endif()
# The same as tools/deps/build.sh's CFLAGS for the libraries (its ARCH_CFLAGS: the per-CPU part below).
set(_fs_cflags "-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables")
if(FAILSAFED_CPU STREQUAL mipsel)
  # An executable that is not position-independent (Debian's gcc makes PIE code by default): on MIPS PIC code loads
  # every call and global address from the GOT (measured, mipsel static: 584,084 -> 536,124 B). -mplt keeps the
  # abicalls ABI, so the objects link with musl's libc.a and, dynamically, call shared libraries through a PLT.
  # -fno-inline-functions-called-once: measured smaller with MIPS16 and LTO (static -4 KB, dynamic -5 KB;
  # docs/performance.md)
  string(APPEND _fs_cflags " -fno-pic -mplt -fno-inline-functions-called-once")
  if(FAILSAFED_MIPS16)
    # MIPS16e: 16-bit instructions where they do (536,108 -> 437,592 B); calls to and from MIPS32 code (musl's
    # libc) go through the linker's stubs. libev's memory fence is MIPS32 assembler: the project uses libev from
    # one thread only (EV_NO_THREADS, set by tools/deps/build.sh).
    string(APPEND _fs_cflags " -mips16 -minterlink-compressed")
  endif()
endif()
set(CMAKE_C_FLAGS_INIT "${_fs_cflags}")
if(FAILSAFED_CPU STREQUAL mipsel AND FAILSAFED_MIPS16)
  # MIPS16's floating-point call stubs would not survive --gc-sections (see the file).
  string(APPEND _fs_ldflags " -Wl,-T,${CMAKE_CURRENT_LIST_DIR}/mips16-stubs.ld")
endif()
if(FAILSAFED_LINK STREQUAL static)
  # -L: the sysroot's libc.a (mipsel: musl rebuilt small, tools/deps/build.sh recipe_musl) before musl-dev's.
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -L${FAILSAFED_SYSROOT}/lib -Wl,--gc-sections ${_fs_ldflags}")
  set(BUILD_SHARED_LIBS OFF CACHE BOOL "static musl build: no shared libraries")
else()
  # Not PIE (Debian's gcc default, OpenWrt's too for most packages); only the libraries it calls are NEEDED.
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-no-pie -Wl,--gc-sections -Wl,--as-needed ${_fs_ldflags}")
endif()
set(CMAKE_EXE_LINKER_FLAGS_MINSIZEREL_INIT "-s")
if(FAILSAFED_LTO)
  # CMake adds -flto=auto -fno-fat-lto-objects and archives with ${_fs_gnu}-gcc-ar.
  set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ON)
else()
  # Without it gcc's linker plugin still takes the libraries' fat LTO objects through LTO: -fno-lto links their
  # machine code, so "without LTO" means that (tools/release, tools/size-report's linker map).
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -fno-lto")
endif()
if(FAILSAFED_LINK STREQUAL static)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_fs_emu}")
else()
  # The loader (/lib/ld-musl-<arch>.so.1, musl's libc.so) from <cpu>-shared/root (tools/deps/build.sh), the libraries
  # from the sysroot.
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_fs_emu};-L;${FAILSAFED_DEPS_DIR}/${_fs_tdir}/root;-E;LD_LIBRARY_PATH=${FAILSAFED_SYSROOT}/lib")
endif()

# Headers, libraries and CMake packages only from the sysroot; programs (pkg-config, python) from the host.
set(CMAKE_FIND_ROOT_PATH "${FAILSAFED_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config sees only the sysroot's .pc files (their prefix is ${pcfiledir}-relative), never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "${FAILSAFED_SYSROOT}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
if(FAILSAFED_LINK STREQUAL static)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  set(PKG_CONFIG_ARGN --static)
else()
  set(CMAKE_FIND_LIBRARY_SUFFIXES .so)
endif()
