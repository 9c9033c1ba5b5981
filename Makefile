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

# Default: the newest installed Debian header tree; override with KDIR=.
KDIR ?= $(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 \
	/usr/src/linux-headers-*-arm64 2>/dev/null | sort -V))
KDIRS := $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)
KMOD_SRCS := Kbuild $(wildcard kmod/* lib/wire/*.[ch] uapi/linux/*.h)

# kbuild writes objects beside the sources, so each kernel gets a shadow
# tree of symlinks under $(BUILD)/module/<release>.
define build_module
	@test -d "$(1)" || { echo "ncmp: no kernel headers at '$(1)' (make deps)" >&2; exit 1; }
	@rel=$$(basename $(1) | sed 's/^linux-headers-//'); \
	dst=$(CURDIR)/$(BUILD)/module/$$rel; \
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
KVERS ?= $(shell for k in $(KDIRS); do r=$${k\#*/linux-headers-}; \
	test -e /boot/vmlinuz-$$r && echo $$r; done)

vm-test: selftests modules-all
	@selftests/vm/run-all $(KVERS)

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
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'
