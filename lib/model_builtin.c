// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in default model: models/default.ncmm, included byte for byte
 * by the assembler (lib/lib.mk makes this object depend on the file), so
 * the library always carries exactly the committed model.
 */
#include "model.h"

__asm__(".section .rodata\n"
	".balign 16\n"
	".globl model_builtin\n"
	".type model_builtin, %object\n"
	"model_builtin:\n"
	".incbin \"models/default.ncmm\"\n"
	"model_builtin_end:\n"
	".size model_builtin, model_builtin_end - model_builtin\n"
	".balign 8\n"
	".globl model_builtin_len\n"
	".type model_builtin_len, %object\n"
	"model_builtin_len:\n"
#if UINTPTR_MAX > 0xffffffffu
	".quad model_builtin_end - model_builtin\n"
	".size model_builtin_len, 8\n"
#else
	".long model_builtin_end - model_builtin\n"
	".size model_builtin_len, 4\n"
#endif
	".previous\n");
