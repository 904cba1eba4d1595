# cmake/toolchain-aarch64.cmake — cross build for arm64 (aarch64-linux-gnu-gcc) against Debian's multiarch :arm64 -dev packages
# Usage: cmake -S . -B build-qemu -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake -DBOARD=qemu_virt -DFAILSAFED_TESTS=OFF
# Needs: gcc-aarch64-linux-gnu, and (after dpkg --add-architecture arm64) libev-dev:arm64 libgpiod-dev:arm64 libmnl-dev:arm64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# Multiarch: find_library() looks in /usr/lib/aarch64-linux-gnu; headers stay in /usr/include
# (ev.h, gpiod.h, libmnl are the same for every architecture).
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Only the arm64 .pc files: never the host's (x86_64) ones.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Libraries only from the arm64 multiarch dir and the cross toolchain's own root, programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_SYSTEM_LIBRARY_PATH /usr/lib/aarch64-linux-gnu /lib/aarch64-linux-gnu)
set(CMAKE_LIBRARY_PATH /usr/lib/aarch64-linux-gnu)
