"""tests/test_qemu_board_gpiod2.py — the QEMU board tests (tests/test_qemu_board.py) with failsafed built fully static
with musl against libgpiod 2.2.1 (drivers/gpio_gpiod2.c, GPIO uAPI v2, kernel debounce on the PL061 line), as a
router whose kernel has no v1 GPIO uAPI (OpenWrt: CONFIG_GPIO_CDEV_V1 off) runs it. The guest holds no C library
at all: failsafed, busybox-static and gpiohold are static ELFs, no ld-linux, libc.so or ld-musl (test_setup reads the
initramfs the kernel boots, test_normal_boot_no_press asks the running guest; the glibc variant must show glibc in
both places). tools/qemu/setup.sh --gpiod2 builds the static libraries (tools/deps/build.sh --cpu aarch64) and the
binary in build-qemu/gpiod2/ first.
"""
import test_qemu_board as board
from fsd import run_tests

board.use_variant("gpiod2")

if __name__ == "__main__":
    run_tests(board.TESTS)
