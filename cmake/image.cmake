# cmake/image.cmake — the build's own sysupgrade image for its board: a small squashfs root holding failsafed,
# wrapped in OpenWrt's metadata by failsafectl mkimage (build/failsafed-<board>-<version>.img and .sha256sum).
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

set(IMAGE_STAGE ${CMAKE_BINARY_DIR}/image-root)
set(IMAGE_SQFS ${CMAKE_BINARY_DIR}/image-rootfs.sqfs)
set(IMAGE_FILE ${CMAKE_BINARY_DIR}/failsafed-${BOARD}-${PROJECT_VERSION}.img)
add_custom_command(OUTPUT ${IMAGE_FILE} ${IMAGE_FILE}.sha256sum
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${IMAGE_STAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${IMAGE_STAGE}/usr/sbin ${IMAGE_STAGE}/etc/config ${IMAGE_STAGE}/overlay
          ${IMAGE_STAGE}/rom ${IMAGE_STAGE}/tmp ${IMAGE_STAGE}/proc ${IMAGE_STAGE}/sys ${IMAGE_STAGE}/dev
  COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:failsafed> ${IMAGE_STAGE}/usr/sbin/failsafed
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/cmake/image-network ${IMAGE_STAGE}/etc/config/network
  COMMAND ${CMAKE_COMMAND} -E echo "failsafed ${PROJECT_VERSION} for ${BOARD}" > ${IMAGE_STAGE}/etc/banner
  COMMAND ${MKSQUASHFS} ${IMAGE_STAGE} ${IMAGE_SQFS} -quiet -noappend -all-root
  COMMAND ${mkimage_tool} mkimage --board ${BOARD} --version ${PROJECT_VERSION} ${IMAGE_SQFS} -o ${IMAGE_FILE}
  DEPENDS failsafed ${CMAKE_SOURCE_DIR}/cmake/image-network
  COMMENT "image: ${IMAGE_FILE}"
  VERBATIM)
add_custom_target(image ALL DEPENDS ${IMAGE_FILE})
if(NOT CMAKE_CROSSCOMPILING)
  add_dependencies(image failsafectl)
endif()
