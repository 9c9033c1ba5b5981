# SPDX-License-Identifier: GPL-2.0
#
# ncmp top-level build. Userspace is built non-recursively into $(BUILD);
# the module is built by kbuild (see Kbuild) in a per-kernel shadow tree so
# that several kernels never share object files and the source stays clean.
#
#   make               libncmp, ncmctl and ncmp.ko for the newest headers
#   make deps          install every Debian package the project needs
#   make check         all tests (unit, fuzz smoke, VM selftests on 6.1 and 6.12)
#   make demo          the demo transfer in the VM
#   make help          everything else

# Kbuild reads the root Kbuild file; this Makefile is only for userspace and
# for driving kbuild.

BUILD      ?= build
CC         ?= cc
CLANG      ?= clang
AR         ?= ar
PKG_CONFIG ?= pkg-config

# Warnings are errors in CI (CI=true) or with WERROR=1.
ifeq ($(CI),true)
WERROR ?= 1
endif
WERROR ?= 0

WARNFLAGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -fPIC $(WARNFLAGS)
CPPFLAGS += -Ilib -Iuapi -D_GNU_SOURCE
LDLIBS   += -lpthread -lm

NL_CFLAGS = $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS   = $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

# --- sources: each directory's .c files are picked up by wildcard ----------

WIRE_SRCS   := $(wildcard lib/wire/*.c)
LIB_SRCS    := $(wildcard lib/*.c)
TOOL_SRCS   := $(wildcard tools/*.c)
UNIT_SRCS   := $(wildcard tests/check_*.c)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
KSFT_SRCS   := $(wildcard selftests/*_test.c)

# The fragments below define rules; a plain "make" still means "all".
.DEFAULT_GOAL := all

# Optional per-directory fragments for rules a wildcard cannot express
# (generated sources, per-file ISA flags, helper programs).
-include lib/lib.mk
-include tools/tools.mk
-include selftests/selftests.mk
-include bench/bench.mk

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBWIRE   := $(BUILD)/libncmpwire.a
LIBNCMP_A := $(BUILD)/libncmp.a
LIBNCMP_SO := $(BUILD)/libncmp.so
NCMCTL    := $(BUILD)/ncmctl
UNIT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
KSFT_BINS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(KSFT_SRCS))

.PHONY: all userspace module modules-all deps check unit fuzz-smoke \
	selftests vm-test demo bench checkpatch clean help

all: userspace module

userspace: $(LIBNCMP_A) $(LIBNCMP_SO) $(NCMCTL)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

$(LIBWIRE): $(call obj,$(WIRE_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBNCMP_A): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBNCMP_SO): $(call obj,$(LIB_SRCS))
	$(CC) -shared -Wl,-soname,libncmp.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(call obj,$(TOOL_SRCS)): CPPFLAGS += $(NL_CFLAGS)
$(NCMCTL): $(call obj,$(TOOL_SRCS)) $(LIBNCMP_A) $(LIBWIRE)
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(LDLIBS)

# --- unit tests (Check): one program per tests/check_*.c --------------------

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBNCMP_A) $(LIBWIRE)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

# --- fuzz targets (libFuzzer, ASan, UBSan): built from source with clang ----

FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(CPPFLAGS)
FUZZ_RUNS  ?= 20000

$(BUILD)/fuzz/%: tests/fuzz/%.c $(WIRE_SRCS) $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ $^ -lm -lpthread

fuzz-smoke: $(FUZZ_BINS)
	@tests/run-fuzz $(FUZZ_RUNS) $(FUZZ_BINS)

# --- the kernel module ------------------------------------------------------

# Default: the newest installed Debian header tree, else the running
# kernel's (Raspberry Pi OS names its trees *-rpi-v8, *-rpi-2712); KDIR=
# overrides.
KDIR ?= $(or $(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 \
	/usr/src/linux-headers-*-arm64 2>/dev/null | sort -V)), \
	$(wildcard /lib/modules/$(shell uname -r)/build))
KDIRS := $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)
KMOD_SRCS := Kbuild $(wildcard kmod/* lib/wire/*.[ch] uapi/linux/*.h)

# kbuild writes objects beside the sources, so each kernel gets a shadow
# tree of symlinks under $(BUILD)/module/<release>.
define build_module
	@test -d "$(1)" || { echo "ncmp: no kernel headers at '$(1)' (make deps)" >&2; exit 1; }
	@rel=$$(basename $$(readlink -f $(1)) | sed 's/^linux-headers-//'); \
	dst=$(abspath $(BUILD))/module/$$rel; \
	mkdir -p $$dst && cp -rsf $(CURDIR)/Kbuild $(CURDIR)/kmod $(CURDIR)/lib $(CURDIR)/uapi $$dst/ && \
	$(MAKE) -C $(1) M=$$dst W=1 $(if $(filter 1,$(WERROR)),KCFLAGS=-Werror) modules && \
	echo "ncmp: built $$dst/ncmp.ko"
endef

module: $(KMOD_SRCS)
	$(call build_module,$(KDIR))

modules-all: $(KMOD_SRCS)
	@test -n "$(KDIRS)" || { echo "ncmp: no kernel headers installed (make deps)" >&2; exit 1; }
	@set -e; for k in $(KDIRS); do $(MAKE) --no-print-directory module KDIR=$$k; done

# --- kselftests, run in a VM ------------------------------------------------

KSFT_DIR := $(BUILD)/ksft
LINUX_SRC_TAR ?= $(lastword $(sort $(wildcard /usr/src/linux-source-6.12*.tar.xz)))

$(KSFT_DIR)/kselftest_harness.h:
	@test -n "$(LINUX_SRC_TAR)" || { echo "ncmp: linux-source-6.12 is missing (make deps)" >&2; exit 1; }
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(LINUX_SRC_TAR) --strip-components=4 -C $(KSFT_DIR) \
		--wildcards '*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h'
	@touch $@

$(BUILD)/selftests/%: selftests/%.c $(KSFT_DIR)/kselftest_harness.h $(LIBNCMP_A) $(LIBWIRE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(KSFT_DIR) $(NL_CFLAGS) $(CFLAGS) -o $@ $< \
		$(LIBNCMP_A) $(LIBWIRE) $(NL_LIBS) $(LDLIBS)

selftests: $(KSFT_BINS) $(NCMCTL) $(SELFTEST_EXTRA)

# KVERS: the kernels the VM tests boot (default: every installed Debian image
# that has matching headers).
KVERS ?= $(foreach r,$(patsubst /usr/src/linux-headers-%,%,$(KDIRS)),\
	$(if $(wildcard /boot/vmlinuz-$(r)),$(r)))

vm-test: selftests modules-all
	@selftests/vm/run-all $(KVERS)

# === packaging: install, DKMS, arm64 (docs/PI.md) ===========================
#
#   make install        ncmctl, libncmp (.so, .a, ncmp.pc), headers, models,
#                       man page, udev rule, systemd unit, modules-load.d;
#                       PREFIX=/usr/local and DESTDIR= as usual
#   make uninstall      removes all of it (same PREFIX and DESTDIR)
#   make dkms-install   ncmp.ko through DKMS from /usr/src/ncmp-VERSION, for
#                       the running kernel or those of KVER="R1 R2..."
#   make dkms-uninstall dkms remove --all, and the source in /usr/src
#   make arm64          Debian's arm64 kernels fetched (build/arm64-root),
#                       ncmp.ko for each and userspace cross-built (build/arm64)
#   make arm64-test     two arm64 VMs, PL011 to PL011 through the link
#                       emulator: corpus files through ncmp (ARM64_BYTES=N
#                       sends the first N bytes of each; CI: 16384)

VERSION := $(shell sed -n 's/^\#define NCMP_VERSION_STRING[[:space:]]*"\(.*\)"/\1/p' lib/ncmp.h)

PREFIX         ?= /usr/local
BINDIR         ?= $(PREFIX)/bin
LIBDIR         ?= $(PREFIX)/lib
INCLUDEDIR     ?= $(PREFIX)/include
DATADIR        ?= $(PREFIX)/share
MANDIR         ?= $(DATADIR)/man
# where ncmctl looks for models by default (tools/codec.c)
MODELDIR       ?= $(DATADIR)/ncmp/models
PKGCONFIGDIR   ?= $(LIBDIR)/pkgconfig
SYSCONFDIR     ?= /etc
# udev and systemd read /usr/local/lib/... as well as /usr/lib/...
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL        ?= install

MODELS := $(wildcard models/*.ncmm)
INSTALLED := $(BINDIR)/ncmctl $(LIBDIR)/libncmp.a $(LIBDIR)/libncmp.so \
	$(LIBDIR)/libncmp.so.0 $(LIBDIR)/libncmp.so.$(VERSION) \
	$(INCLUDEDIR)/ncmp.h $(INCLUDEDIR)/linux/ncmp.h $(PKGCONFIGDIR)/ncmp.pc \
	$(addprefix $(MODELDIR)/,$(notdir $(MODELS))) $(MANDIR)/man1/ncmctl.1 \
	$(UDEVRULESDIR)/60-ncmp.rules $(SYSTEMDUNITDIR)/ncmp-attach@.service \
	$(SYSCONFDIR)/ncmp/attach.conf $(SYSCONFDIR)/modules-load.d/ncmp.conf
SUBST_DIRS = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

.PHONY: install uninstall dkms-src dkms-install dkms-uninstall \
	arm64 arm64-fetch arm64-module arm64-userspace arm64-test

install: userspace
	$(INSTALL) -d $(addprefix $(DESTDIR),$(BINDIR) $(LIBDIR) \
		$(INCLUDEDIR)/linux $(PKGCONFIGDIR) $(MODELDIR) $(MANDIR)/man1 \
		$(UDEVRULESDIR) $(SYSTEMDUNITDIR) $(SYSCONFDIR)/ncmp \
		$(SYSCONFDIR)/modules-load.d)
	$(INSTALL) -m 755 $(NCMCTL) $(DESTDIR)$(BINDIR)/ncmctl
	$(INSTALL) -m 644 $(LIBNCMP_A) $(DESTDIR)$(LIBDIR)/libncmp.a
	$(INSTALL) -m 755 $(LIBNCMP_SO) $(DESTDIR)$(LIBDIR)/libncmp.so.$(VERSION)
	ln -sf libncmp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libncmp.so.0
	ln -sf libncmp.so.0 $(DESTDIR)$(LIBDIR)/libncmp.so
	$(INSTALL) -m 644 lib/ncmp.h $(DESTDIR)$(INCLUDEDIR)/ncmp.h
	$(INSTALL) -m 644 uapi/linux/ncmp.h $(DESTDIR)$(INCLUDEDIR)/linux/ncmp.h
	$(SUBST_DIRS) lib/ncmp.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/ncmp.pc
	$(INSTALL) -m 644 $(MODELS) $(DESTDIR)$(MODELDIR)/
	$(INSTALL) -m 644 tools/ncmctl.1 $(DESTDIR)$(MANDIR)/man1/ncmctl.1
	$(INSTALL) -m 644 tools/udev/60-ncmp.rules $(DESTDIR)$(UDEVRULESDIR)/
	$(SUBST_DIRS) tools/systemd/ncmp-attach@.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/ncmp-attach@.service
	@# the settings are the administrator's: never overwritten
	test -e $(DESTDIR)$(SYSCONFDIR)/ncmp/attach.conf || \
		$(INSTALL) -m 644 tools/systemd/attach.conf $(DESTDIR)$(SYSCONFDIR)/ncmp/
	$(INSTALL) -m 644 tools/modules-load.d/ncmp.conf $(DESTDIR)$(SYSCONFDIR)/modules-load.d/
	$(if $(DESTDIR),,[ "$$(id -u)" != 0 ] || ldconfig)

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@# directories only ncmp uses, if nothing else was put there
	rmdir $(addprefix $(DESTDIR),$(MODELDIR) $(DATADIR)/ncmp $(SYSCONFDIR)/ncmp) \
		2>/dev/null || true
	$(if $(DESTDIR),,[ "$$(id -u)" != 0 ] || ldconfig)

# DKMS builds from a copy of the module's sources in /usr/src/ncmp-VERSION
# (with DESTDIR: a staging tree for a package). dkms.conf runs kbuild
# directly, as `make module` does.
DKMS_SRC = /usr/src/ncmp-$(VERSION)
DKMS_STATUS = dkms status ncmp/$(VERSION) 2>/dev/null | grep -q .

dkms-src:
	@grep -qx 'PACKAGE_VERSION="$(VERSION)"' dkms.conf || { echo \
		"ncmp: dkms.conf's PACKAGE_VERSION is not $(VERSION) (lib/ncmp.h)" >&2; exit 1; }
	rm -rf $(DESTDIR)$(DKMS_SRC)
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRC)
	cp --parents dkms.conf $(filter Kbuild %.c %.h,$(KMOD_SRCS)) $(DESTDIR)$(DKMS_SRC)/

# Replaces an earlier install of the same version, sources and all.
dkms-install:
	if $(DKMS_STATUS); then dkms remove ncmp/$(VERSION) --all; fi
	$(MAKE) --no-print-directory dkms-src DESTDIR=
	dkms add ncmp/$(VERSION)
	dkms install ncmp/$(VERSION) $(foreach k,$(KVER),-k $(k))

dkms-uninstall:
	if $(DKMS_STATUS); then dkms remove ncmp/$(VERSION) --all; fi
	rm -rf $(DKMS_SRC)

# arm64: Debian's arm64 kernel packages unpacked into ARM64_ROOT, built
# against with the host's kbuild; userspace with aarch64-linux-gnu-gcc and
# the arm64 libnl from the same place. Objects go to $(BUILD)/arm64, where
# the VM runner's --arch arm64 takes its guest programs from.
ARM64_ROOT  ?= $(abspath $(BUILD)/arm64-root)
ARM64_BUILD := $(BUILD)/arm64
ARM64_CROSS ?= aarch64-linux-gnu-
ARM64_LIBS  := $(ARM64_ROOT)/lib/aarch64-linux-gnu
ARM64_BYTES ?=

arm64: arm64-module arm64-userspace

arm64-fetch:
	@NCMP_ARM64_ROOT=$(ARM64_ROOT) selftests/vm-arm64/fetch

arm64-module: arm64-fetch
	@set -e; for k in $(ARM64_ROOT)/usr/src/linux-headers-*-arm64; do \
		$(MAKE) --no-print-directory module KDIR=$$k BUILD=$(ARM64_BUILD) \
			ARCH=arm64 CROSS_COMPILE=$(ARM64_CROSS); \
	done

arm64-userspace: arm64-fetch
	@$(MAKE) --no-print-directory userspace BUILD=$(ARM64_BUILD) \
		CC=$(ARM64_CROSS)gcc AR=$(ARM64_CROSS)ar \
		NL_CFLAGS=-I$(ARM64_ROOT)/usr/include/libnl3 \
		NL_LIBS="-L$(ARM64_LIBS) -Wl,-rpath-link,$(ARM64_LIBS) -lnl-genl-3 -lnl-3"

arm64-test: arm64 $(LINKEMU)
	@BUILD=$(BUILD) NCMP_ARM64_ROOT=$(ARM64_ROOT) selftests/vm-arm64/run \
		$(if $(ARM64_BYTES),--bytes $(ARM64_BYTES))

# === end of packaging =======================================================

# --- top-level jobs ---------------------------------------------------------

deps:
	@.ci/deps

# The demo boots the newest kernel with two UARTs joined by the link emulator.
demo:
	@.ci/deps
	@$(MAKE) --no-print-directory all selftests modules-all
	@selftests/vm/run-vm --kernel $(lastword $(KVERS)) --suite demo

check:
	@.ci/deps
	@$(MAKE) --no-print-directory all selftests modules-all
	@tests/run-all

checkpatch:
	@tests/run-checkpatch

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'
	@sed -n '/^# === packaging/,/^$$/p' Makefile | sed '1,2d; s/^# \{0,1\}//'
