# cmake/image.cmake — the build's own sysupgrade images: a small squashfs root holding failsafed and its preinit
# hook (/lib/preinit/29_failsafed, as the OpenWrt package installs them), wrapped in OpenWrt's metadata by
# failsafectl mkimage (build/failsafed-<board>-<version>.img and .sha256sum).
# Needs mksquashfs (squashfs-tools) and a failsafectl that runs on the build host: the one built here, or
# -DFAILSAFECTL_HOST=PATH for a cross build.
find_program(MKSQUASHFS mksquashfs PATHS /usr/sbin /sbin)
if(CMAKE_CROSSCOMPILING)
  set(FAILSAFECTL_HOST "" CACHE FILEPATH "a failsafectl for the build host, to make the board's image")
  set(mkimage_tool ${FAILSAFECTL_HOST})
else()
  set(mkimage_tool $<TARGET_FILE:failsafectl>)
endif()
if(NOT MKSQUASHFS OR (CMAKE_CROSSCOMPILING AND NOT FAILSAFECTL_HOST))
  message(STATUS "image: no mksquashfs or no host failsafectl: the board's sysupgrade image is not built")
  return()
endif()

# A per-board build makes its board's image; BOARD=all makes one image per board in FAILSAFED_IMAGE_BOARDS
# (default: every board of the tree), each holding the one binary that picks its table from the device tree,
# and listing that board's compatible.
if(BOARD STREQUAL "all")
  set(FAILSAFED_IMAGE_BOARDS "${BOARD_NAMES}" CACHE STRING "BOARD=all: the boards (file names) to make images for")
  set(image_boards ${FAILSAFED_IMAGE_BOARDS})
else()
  set(image_boards ${BOARD})
endif()

set(IMAGE_STAGE ${CMAKE_BINARY_DIR}/image-root)
set(IMAGE_SQFS ${CMAKE_BINARY_DIR}/image-rootfs.sqfs)
set(IMAGE_PREINIT ${CMAKE_SOURCE_DIR}/packaging/openwrt/failsafed/files/failsafed.preinit)
add_custom_command(OUTPUT ${IMAGE_SQFS}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${IMAGE_STAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${IMAGE_STAGE}/usr/sbin ${IMAGE_STAGE}/etc/config ${IMAGE_STAGE}/overlay
          ${IMAGE_STAGE}/rom ${IMAGE_STAGE}/tmp ${IMAGE_STAGE}/proc ${IMAGE_STAGE}/sys ${IMAGE_STAGE}/dev
          ${IMAGE_STAGE}/lib/preinit
  COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:failsafed> ${IMAGE_STAGE}/usr/sbin/failsafed
  COMMAND ${CMAKE_COMMAND} -E copy ${IMAGE_PREINIT} ${IMAGE_STAGE}/lib/preinit/29_failsafed
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/cmake/image-network ${IMAGE_STAGE}/etc/config/network
  COMMAND ${CMAKE_COMMAND} -E echo "failsafed ${PROJECT_VERSION} (BOARD=${BOARD})" > ${IMAGE_STAGE}/etc/banner
  COMMAND ${MKSQUASHFS} ${IMAGE_STAGE} ${IMAGE_SQFS} -quiet -noappend -all-root
  DEPENDS failsafed ${CMAKE_SOURCE_DIR}/cmake/image-network ${IMAGE_PREINIT}
  COMMENT "image: the root filesystem"
  VERBATIM)
set(image_files "")
foreach(b ${image_boards})
  set(f ${CMAKE_BINARY_DIR}/failsafed-${b}-${PROJECT_VERSION}.img)
  add_custom_command(OUTPUT ${f} ${f}.sha256sum
    COMMAND ${mkimage_tool} mkimage --board ${b} --version ${PROJECT_VERSION} ${IMAGE_SQFS} -o ${f}
    DEPENDS ${IMAGE_SQFS}
    COMMENT "image: ${f}"
    VERBATIM)
  list(APPEND image_files ${f})
endforeach()
add_custom_target(image ALL DEPENDS ${image_files})
if(NOT CMAKE_CROSSCOMPILING)
  add_dependencies(image failsafectl)
endif()
