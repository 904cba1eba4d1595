# cmake/gpiod.cmake — libgpiod from pkg-config, and the GPIO driver for its API: 2.x -> drivers/gpio_gpiod2.c (uAPI v2), 1.x -> drivers/gpio_gpiod.c
#
# OpenWrt kernels have no v1 GPIO character-device interface (CONFIG_GPIO_CDEV_V1 is off); libgpiod 1.x
# speaks only v1, libgpiod 2.x only v2. Which library the build finds decides the driver:
#   libgpiod >= 2.0  drivers/gpio_gpiod2.c  (v2: kernel debounce, needs Linux 5.10)
#   libgpiod 1.5/1.6 drivers/gpio_gpiod.c   (v1: Debian 12's libgpiod-dev)
# Both use drivers/gpio_chip.c (chips by name, number, label or device-tree path).
#
# Parameters:
#   FAILSAFED_GPIOD_PC_DIR  a directory holding the libgpiod.pc to use, searched before pkg-config's own
#                           path, e.g. libgpiod 2.2.1 for the build host from `tools/deps/build.sh --cpu host-gpiod2`:
#                           -DFAILSAFED_GPIOD_PC_DIR=build-deps/host/sysroot/lib/pkgconfig
# Provides: PkgConfig::GPIOD, GPIOD_VERSION, GPIOD_DRIVER_SOURCE (the driver sources for DRIVER_SOURCES),
#           GPIOD_UAPI (1 or 2).

set(FAILSAFED_GPIOD_PC_DIR "" CACHE PATH
  "directory with the libgpiod.pc to build against (searched first); empty: pkg-config's default search")

# pkg_check_modules() caches its answer (and find_library() the library's path): a changed directory
# must ask again.
if(NOT "${FAILSAFED_GPIOD_PC_DIR}" STREQUAL "${_FAILSAFED_GPIOD_PC_DIR_SEEN}")
  unset(__pkg_config_checked_GPIOD CACHE)
  unset(pkgcfg_lib_GPIOD_gpiod CACHE)
  set(_FAILSAFED_GPIOD_PC_DIR_SEEN "${FAILSAFED_GPIOD_PC_DIR}" CACHE INTERNAL "")
endif()
if(FAILSAFED_GPIOD_PC_DIR)
  get_filename_component(_gpiod_pc_dir "${FAILSAFED_GPIOD_PC_DIR}" ABSOLUTE BASE_DIR "${CMAKE_BINARY_DIR}")
  if(NOT EXISTS "${_gpiod_pc_dir}/libgpiod.pc")
    message(FATAL_ERROR "FAILSAFED_GPIOD_PC_DIR=${FAILSAFED_GPIOD_PC_DIR}: no libgpiod.pc there"
      " (for libgpiod 2.2.1 on this host: tools/deps/build.sh --cpu host-gpiod2)")
  endif()
  # PKG_CONFIG_PATH is searched before the default (or PKG_CONFIG_LIBDIR) path; only for this lookup.
  set(_gpiod_saved_path "$ENV{PKG_CONFIG_PATH}")
  set(ENV{PKG_CONFIG_PATH} "${_gpiod_pc_dir}:$ENV{PKG_CONFIG_PATH}")
  pkg_check_modules(GPIOD REQUIRED IMPORTED_TARGET libgpiod)
  set(ENV{PKG_CONFIG_PATH} "${_gpiod_saved_path}")
else()
  pkg_check_modules(GPIOD REQUIRED IMPORTED_TARGET libgpiod)
endif()

if(GPIOD_VERSION VERSION_GREATER_EQUAL 2.0)
  set(GPIOD_UAPI 2)
  set(GPIOD_DRIVER_SOURCE drivers/gpio_gpiod2.c drivers/gpio_chip.c)
elseif(GPIOD_VERSION VERSION_GREATER_EQUAL 1.5)
  set(GPIOD_UAPI 1)
  set(GPIOD_DRIVER_SOURCE drivers/gpio_gpiod.c drivers/gpio_chip.c)
else()
  message(FATAL_ERROR "libgpiod ${GPIOD_VERSION} is too old: failsafed needs 1.5 or later (bias flags), "
    "or 2.x for kernels without the v1 GPIO uAPI (OpenWrt)")
endif()
list(GET GPIOD_DRIVER_SOURCE 0 _gpiod_driver)
message(STATUS "failsafed: libgpiod ${GPIOD_VERSION} (${GPIOD_LINK_LIBRARIES}): GPIO driver ${_gpiod_driver}, "
  "GPIO uAPI v${GPIOD_UAPI}")
