# SPDX-License-Identifier: GPL-2.0
#
# Host-side helpers of the VM selftests (included by the root Makefile).
#
# linkemu, the link emulator between the VM's UARTs, is built from a
# sans-I/O core (linkemu_core.c, also linked into its unit test) and the
# program around it (linkemu.c).

LINKEMU := $(BUILD)/selftests/linkemu
LINKEMU_CORE := $(BUILD)/selftests/linkemu_core.o

SELFTEST_EXTRA += $(LINKEMU)

$(LINKEMU): $(BUILD)/selftests/linkemu.o $(LINKEMU_CORE)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

# The unit test runs the program too.
$(BUILD)/tests/check_linkemu: $(LINKEMU_CORE) | $(LINKEMU)
$(BUILD)/tests/check_linkemu.o: CPPFLAGS += -DLINKEMU_BIN='"$(abspath $(LINKEMU))"'

# linkemu-guest runs inside the VM (every executable of build/selftests/
# goes into the initramfs): UART setup and a monotonic clock for suites.
LINKEMU_GUEST := $(BUILD)/selftests/linkemu-guest

SELFTEST_EXTRA += $(LINKEMU_GUEST)

$(LINKEMU_GUEST): $(BUILD)/selftests/linkemu_guest.o
	$(CC) $(LDFLAGS) -o $@ $^
