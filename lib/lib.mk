# SPDX-License-Identifier: GPL-2.0
# libncmp rules that the wildcard in the root Makefile cannot express.

# The file and stream formats use the CRC32 of lib/wire, so libncmp carries
# that object too: one CRC32 in the house. ($^ lists a file once, so the
# fuzz rule, which also names all of lib/wire, still compiles it once.)
LIB_SRCS += lib/wire/crc32.c

# lib/model_builtin.c includes the default model file with the assembler's
# .incbin: rebuild it when the model changes.
$(BUILD)/lib/model_builtin.o: models/default.ncmm

# The ncmctl tests of the codec run the program itself.
$(BUILD)/tests/check_codec_tool: | $(BUILD)/ncmctl

# Cross-architecture determinism of the codec: x86-64 and arm64 (under
# qemu-aarch64), every kernel, both directions (tests/xarch/run-xarch).
.PHONY: xarch-check
xarch-check:
	@tests/xarch/run-xarch
