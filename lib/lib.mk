# SPDX-License-Identifier: GPL-2.0
# libncmp rules that the wildcard in the root Makefile cannot express.

# The file and stream formats use the CRC32 of lib/wire, so libncmp carries
# that object too: one CRC32 in the house. ($^ lists a file once, so the
# fuzz rule, which also names all of lib/wire, still compiles it once.)
LIB_SRCS += lib/wire/crc32.c

# lib/model_builtin.c is the default model compiled into libncmp, generated
# from a model file:   make builtin-model MODEL=path/to/model.ncmm
.PHONY: builtin-model
builtin-model:
	@test -f "$(MODEL)" || { echo "usage: make builtin-model MODEL=FILE.ncmm" >&2; exit 2; }
	@{ echo '// SPDX-License-Identifier: GPL-2.0'; \
	  echo '/*'; \
	  echo ' * The built-in default model, a copy of $(notdir $(MODEL))'; \
	  echo ' * (id '"$$(sha256sum < $(MODEL) | cut -c1-16)"'), made by'; \
	  echo ' * "make builtin-model MODEL=$(MODEL)". Do not edit.'; \
	  echo ' */'; \
	  echo '#include "model.h"'; \
	  echo; \
	  echo 'const uint8_t model_builtin[] = {'; \
	  xxd -i < $(MODEL) | sed 's/^ */\t/'; \
	  echo '};'; \
	  echo; \
	  echo 'const size_t model_builtin_len = sizeof(model_builtin);'; \
	} > lib/model_builtin.c
	@echo "lib/model_builtin.c: $(MODEL)"
