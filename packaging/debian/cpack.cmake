# packaging/debian/cpack.cmake — cpack -G DEB: the two components of cmake/install.cmake as two Debian packages,
# failsafed (the board) and failsafectl (the PC); dependencies from dpkg-shlibdeps. packaging/debian/build.sh builds
# them with Debian's compiler flags and checks them with lintian.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME failsafed)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${FAILSAFED_DEB_MAINTAINER})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL failsafed)
if(CURL_FOUND)
  list(APPEND CPACK_COMPONENTS_ALL failsafectl)
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${FAILSAFED_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_FAILSAFED_PACKAGE_NAME failsafed)
set(CPACK_DEBIAN_FAILSAFED_PACKAGE_SECTION admin)
# SSH in failsafe runs dropbear (and dropbearkey) when they are there; telnet and the page need nothing.
set(CPACK_DEBIAN_FAILSAFED_PACKAGE_RECOMMENDS dropbear-bin)
set(CPACK_COMPONENT_FAILSAFED_DESCRIPTION
"failsafe boot window for embedded Linux boards
failsafed opens a short window early in boot: it blinks the status LED,
brings the failsafe port up at 192.168.1.1/24, announces itself with
OpenWrt's UDP 4919 beacon and prompts on the serial console. A button
press, f + Enter on a console, SIGUSR1 or failsafe= on the kernel command
line enters failsafe mode: a password-less shell on the console, telnet,
SSH (dropbear) and a recovery page for flashing a verified image. It is a
multi-call binary with the applets mount_root, firstboot and sysupgrade.")

set(CPACK_DEBIAN_FAILSAFECTL_PACKAGE_NAME failsafectl)
set(CPACK_DEBIAN_FAILSAFECTL_PACKAGE_SECTION net)
# failsafectl telnet runs the system's telnet client.
set(CPACK_DEBIAN_FAILSAFECTL_PACKAGE_RECOMMENDS telnet)
set(CPACK_COMPONENT_FAILSAFECTL_DESCRIPTION
"PC side of failsafed: find a board in failsafe and recover it
failsafectl listens for the failsafe beacons of boards on the LAN (UDP
4919) and says when to press the button, opens a telnet session to a
board in failsafe, serves a firmware image to boards, makes OpenWrt
sysupgrade metadata, and runs a whole recovery in one command: wait for
the board, upload the image to its recovery page, confirm and flash.")

include(CPack)
