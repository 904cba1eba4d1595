"""tests/test_openwrt_package.py — the OpenWrt feed Makefile (packaging/openwrt/failsafed) does what OpenWrt's build
would make of it: its metadata, its cmake options, and what it installs where.

OpenWrt's build system is not on this machine, so the test writes a stand-in for the three files the Makefile
includes (rules.mk, include/package.mk, include/cmake.mk) into a scratch TOPDIR: the install macros and qstrip,
BuildPackage evaluating Package/<name> and making the targets dump/prepare/configure/compile/install from the
package's own Build/* and Package/<name>/install, and cmake.mk's configure and Build/Compile/Default with this
host's cmake and compiler. Then `make -C packaging/openwrt/failsafed TOPDIR=...` with options that are not the
defaults (no recovery page, one board): the version is CMakeLists.txt's, the Depends are OpenWrt's package names,
the binary is built with those options (--version names the board; --http-port is refused), and the package
holds /usr/sbin/failsafed and the preinit hook as /lib/preinit/29_failsafed, byte for byte.
"""
import filecmp
import os
import re
import shutil
import stat
import subprocess
import tempfile

from fsd import run_tests

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(SRC, "packaging", "openwrt", "failsafed")

RULES_MK = r'''# stand-in for OpenWrt's rules.mk (tests/test_openwrt_package.py)
INCLUDE_DIR:=$(TOPDIR)/include
BUILD_DIR:=$(TOPDIR)/build_dir
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
CP:=cp -fpR
qstrip=$(strip $(subst ",,$(1)))
'''

PACKAGE_MK = r'''# stand-in for OpenWrt's include/package.mk (tests/test_openwrt_package.py)
PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
define Build/Prepare
	$(INSTALL_DIR) $(PKG_BUILD_DIR)
endef
BuildPackage = $(eval $(Package/$(1)))$(eval PKG := $(1))
.PHONY: dump prepare configure compile install
dump:
	@echo 'Package: $(PKG)'
	@echo 'Version: $(PKG_VERSION)-$(PKG_RELEASE)'
	@echo 'Section: $(SECTION)'
	@echo 'Category: $(CATEGORY)'
	@echo 'Title: $(TITLE)'
	@echo 'Depends: $(strip $(DEPENDS))'
	@echo 'Cmake-Options: $(strip $(CMAKE_OPTIONS))'
prepare:
	rm -rf $(PKG_BUILD_DIR)
	$(Build/Prepare)
configure: prepare
	$(Build/Configure)
compile: configure
	$(Build/Compile)
install: compile
	$(call Package/$(PKG)/install,$(DESTDIR))
'''

CMAKE_MK = r'''# stand-in for OpenWrt's include/cmake.mk (tests/test_openwrt_package.py): this host's cmake and compiler
CMAKE_BINARY_DIR = $(PKG_BUILD_DIR)$(if $(CMAKE_BINARY_SUBDIR),/$(CMAKE_BINARY_SUBDIR))
define Build/Configure
	cmake -S $(PKG_BUILD_DIR) -B $(CMAKE_BINARY_DIR) -DCMAKE_BUILD_TYPE=MinSizeRel $(CMAKE_OPTIONS) >$(TOPDIR)/cmake.log 2>&1 || { tail -30 $(TOPDIR)/cmake.log; false; }
endef
define Build/Compile/Default
	cmake --build $(CMAKE_BINARY_DIR) -j2 $(if $(1),--target $(1)) >>$(TOPDIR)/cmake.log 2>&1 || { tail -30 $(TOPDIR)/cmake.log; false; }
endef
'''

CONFIG = ["CONFIG_FAILSAFED_RECOVERY_PAGE=", "CONFIG_FAILSAFED_SSH=y", 'CONFIG_FAILSAFED_BOARD="qemu_virt"']


def topdir():
    t = tempfile.mkdtemp(prefix="fsd-openwrt.")
    os.makedirs(os.path.join(t, "include"))
    for path, text in (("rules.mk", RULES_MK), ("include/package.mk", PACKAGE_MK), ("include/cmake.mk", CMAKE_MK)):
        with open(os.path.join(t, path), "w") as f:
            f.write(text)
    return t


def make(t, *targets, timeout_s=60):
    r = subprocess.run(["make", "--no-print-directory", "-C", PKG, "TOPDIR=" + t] + CONFIG + list(targets),
                       capture_output=True, text=True, timeout=timeout_s)
    if r.returncode != 0:
        raise AssertionError("make %s failed (rc %d):\n%s%s" % (" ".join(targets), r.returncode, r.stdout, r.stderr))
    return r.stdout


def test_metadata():
    t = topdir()
    try:
        out = make(t, "dump")
        fields = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
        with open(os.path.join(SRC, "CMakeLists.txt")) as f:
            version = re.search(r"^project\(failsafed VERSION ([0-9.]+)", f.read(), re.M).group(1)
        assert fields["Package"] == "failsafed" and fields["Version"] == version + "-1", fields
        assert fields["Category"] == "Utilities", fields
        depends = fields["Depends"].split()
        assert "+libjson-c" not in depends, depends   # the JSON is app/common/json.c's
        for d in ("+libev", "+libgpiod", "+libmnl", "+zlib", "+libnettle",
                  "+FAILSAFED_RECOVERY_PAGE:libmicrohttpd", "+FAILSAFED_SSH:dropbear"):
            assert d in depends, "no %s in DEPENDS: %s" % (d, depends)
        opts = fields["Cmake-Options"].split()
        for o in ("-DBOARD=qemu_virt", "-DFAILSAFED_RECOVERY_PAGE=OFF", "-DFAILSAFED_SIM=OFF", "-DFAILSAFED_TESTS=OFF",
                  "-DFAILSAFED_WERROR=OFF"):
            assert o in opts, "no %s in CMAKE_OPTIONS: %s" % (o, opts)
        print("  %s %s, DEPENDS %s" % (fields["Package"], fields["Version"], " ".join(depends)), flush=True)
    finally:
        shutil.rmtree(t, ignore_errors=True)


def test_build_and_install():
    t = topdir()
    dest = os.path.join(t, "ipkg")
    try:
        make(t, "install", "DESTDIR=" + dest, timeout_s=900)
        files = sorted(os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs)
        assert files == ["lib/preinit/29_failsafed", "usr/sbin/failsafed"], files
        binary = os.path.join(dest, "usr/sbin/failsafed")
        assert stat.S_IMODE(os.stat(binary).st_mode) == 0o755
        hook = os.path.join(dest, "lib/preinit/29_failsafed")
        assert stat.S_IMODE(os.stat(hook).st_mode) == 0o644, "a preinit file is sourced, not run"
        assert filecmp.cmp(hook, os.path.join(PKG, "files", "failsafed.preinit"), shallow=False)
        v = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
        assert re.match(r"failsafed [0-9.]+ \(board qemu-virt\)", v), v
        r = subprocess.run([binary, "--http-port", "80", "--check-board"], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and "built without the recovery page" in r.stderr, (r.returncode, r.stderr)
        print("  installed: %s; %s" % (", ".join("/" + f for f in files), v.strip()), flush=True)
    finally:
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    run_tests([test_metadata, test_build_and_install])
