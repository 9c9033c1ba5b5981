# SPDX-License-Identifier: GPL-2.0
# Benchmark programs (the scripts in bench/ build what they need with make).

# codec_rans: the rANS coder alone with a static order-0 model (bench/codec.sh).
$(BUILD)/bench/codec_rans: bench/codec_rans.c $(BUILD)/libncmp.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)
