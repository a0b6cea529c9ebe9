# firmware.mk - builds the tzm Secure images with arm-none-eabi-gcc
# (docs/tzm.md). Not part of the host build: CMake's `tzm-firmware` target
# and tests/check_tzm_qemu.sh call it as
#   make -f src/platform/tzm/firmware.mk SRC=<repo> OUT=<dir> MBEDTLS=<tree>
# where MBEDTLS is the tree scripts/mbedtls-src.sh unpacked from Debian's
# `mbedtls` source package. Output in $(OUT):
#   s_test.elf   Secure-only test image (crypto KATs, runtime attacks)
#   s_node.elf   the Secure node image: NSC entries (nsc.c), run-time
#                module loading (node.c, axl_elf.c), the node key at
#                0x38000000 (provisioned by whoever starts the board);
#                it splits the board and starts ...
#   ns_node.elf  the Non-secure event manager (serial link on UART0), or
#   ns_test.elf  the Non-secure isolation test image; both link against the
#                veneer import library s_veneers.o from s_node.elf's link.
#   modules/*.so tzm module images of the test and example modules
#                (module.flags), for the conformance and end-to-end tests.

SRC     ?= $(error SRC= the repository root)
OUT     ?= $(error OUT= the output directory)
MBEDTLS ?= $(error MBEDTLS= the unpacked mbedtls source tree)
CROSS   ?= arm-none-eabi-
CC      := $(CROSS)gcc
SIZE    := $(CROSS)size

TZM := $(SRC)/src/platform/tzm

# Microcontroller sizes of the runtime's fixed tables (docs/tzm.md).
AX_DEFS := -DAX_PAYLOAD_MAX=1024 -DAX_MAX_CONNECTIONS=8 -DAX_MAX_ENDPOINTS=16

ARCH   := -mcpu=cortex-m33 -mthumb -mfloat-abi=soft
CFLAGS := $(ARCH) -Os -g -std=c11 -ffreestanding -fno-common \
	-ffunction-sections -fdata-sections -fno-stack-protector -mcmse \
	-DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"' -DAX_MBEDTLS_STATIC_POOL \
	$(AX_DEFS) \
	-I$(SRC)/include -I$(SRC)/src/runtime -I$(SRC)/src/crypto \
	-I$(SRC)/src/common -I$(TZM) -I$(TZM)/secure -I$(MBEDTLS)/include \
	-MMD -MP
# Project code: the project's warning set, as errors.
WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Werror=implicit-fallthrough
# mbedTLS: its own code, compiled warning-free with -Wall -Wextra.
MBEDTLS_WARN := -Wall -Wextra -Werror

MBEDTLS_FILES := aes gcm cipher cipher_wrap chacha20 poly1305 chachapoly \
	sha256 md hkdf hmac_drbg platform platform_util memory_buffer_alloc \
	constant_time
MBEDTLS_OBJS := $(MBEDTLS_FILES:%=$(OUT)/mbedtls/%.o)

# The Secure image's trusted code: runtime (minus the per-image glue),
# crypto, board support. ax_modmsg.c is the deployer's half of the control
# channel; only test images link it.
RT_SRCS := $(filter-out %/ax_glue.c,$(wildcard $(SRC)/src/runtime/*.c))
S_SRCS  := $(RT_SRCS) $(SRC)/src/crypto/ct.c \
	$(SRC)/src/crypto/provider_mbedtls.c \
	$(TZM)/secure/board.c $(TZM)/secure/startup.c
TEST_SRCS := $(SRC)/src/common/ax_modmsg.c \
	$(SRC)/tests/tzm/s_test_main.c $(SRC)/tests/tzm/tzm_check.c \
	$(SRC)/tests/tzm/s_test_crypto.c $(SRC)/tests/tzm/s_test_runtime.c
LIBC_SRC := $(TZM)/secure/libc.c
NODE_SRCS := $(TZM)/secure/node.c $(TZM)/secure/nsc.c \
	$(TZM)/secure/axl_elf.c $(TZM)/secure/main.c $(TZM)/secure/sandbox.c \
	$(TZM)/secure/tz_setup.c $(SRC)/src/common/ax_modmsg.c
NS_SRCS := $(TZM)/ns/startup_ns.c $(TZM)/secure/board.c \
	$(SRC)/tests/tzm/ns_test_main.c
NS_NODE_SRCS := $(TZM)/ns/startup_ns.c $(TZM)/secure/board.c \
	$(TZM)/ns/ns_main.c $(TZM)/axt_link.c

obj = $(OUT)/obj/$(notdir $(1:.c=.o))
S_OBJS    := $(foreach f,$(S_SRCS),$(call obj,$(f)))
TEST_OBJS := $(foreach f,$(TEST_SRCS),$(call obj,$(f)))
LIBC_OBJ  := $(OUT)/obj/libc.o
NODE_OBJS := $(foreach f,$(filter-out %/ax_modmsg.c,$(NODE_SRCS)),$(call obj,$(f))) \
	$(OUT)/obj/ax_modmsg.o
ns_obj = $(OUT)/obj-ns/$(notdir $(1:.c=.o))
NS_OBJS := $(foreach f,$(NS_SRCS),$(call ns_obj,$(f))) $(OUT)/obj-ns/libc.o
NS_NODE_OBJS := $(foreach f,$(NS_NODE_SRCS),$(call ns_obj,$(f))) \
	$(OUT)/obj-ns/libc.o
# The Non-secure image: same code generation without -mcmse.
NS_CFLAGS := $(filter-out -mcmse,$(CFLAGS))

LDFLAGS := $(ARCH) -nostdlib -nostartfiles -Wl,--gc-sections \
	-Wl,-T,$(TZM)/secure.ld -Wl,--fatal-warnings

# tzm module images (docs/tzm.md "Module images"): the module's C file and
# the runtime with its per-image glue, flags from module.flags.
MOD_CFLAGS := $(shell sed -n 's/^CFLAGS //p' $(TZM)/module.flags)
MOD_LDFLAGS := $(shell sed -n 's/^LDFLAGS //p' $(TZM)/module.flags)
MOD_RT := $(wildcard $(SRC)/src/runtime/*.c)
MOD_HDRS := $(wildcard $(SRC)/src/runtime/*.h) $(SRC)/include/authex/module.h \
	$(SRC)/src/crypto/ax_crypto.h
MOD_SRCS := $(wildcard $(SRC)/examples/*/modules/*.c)
MODULES := $(foreach f,$(MOD_SRCS),$(OUT)/modules/$(notdir $(patsubst %/modules/,%,$(dir $(f))))_$(notdir $(f:.c=.so)))
MODULES += $(OUT)/modules/test_wrong_abi.so $(OUT)/modules/test_spy.so
# The benchmark's relay (bench/bench_tzm.c): modules/bench_relay.so.
MOD_SRCS += $(SRC)/bench/modules/relay.c
MODULES += $(OUT)/modules/bench_relay.so

.PHONY: all
all: $(OUT)/s_test.elf $(OUT)/ns_test.elf $(OUT)/ns_node.elf $(MODULES)

$(OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c $(TZM)/mbedtls_config.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MBEDTLS_WARN) -c $< -o $@

define compile_rule
$(call obj,$(1)): $(1) $(wildcard $(dir $(1))*.h) $(TZM)/mbedtls_config.h
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(WARN) -c $$< -o $$@
endef
$(foreach f,$(sort $(S_SRCS) $(TEST_SRCS) $(NODE_SRCS)),$(eval $(call compile_rule,$(f))))

define ns_compile_rule
$(call ns_obj,$(1)): $(1) $(wildcard $(dir $(1))*.h) $(TZM)/nsc.h $(TZM)/axt_link.h
	@mkdir -p $$(@D)
	$$(CC) $$(NS_CFLAGS) $$(WARN) -c $$< -o $$@
endef
$(foreach f,$(sort $(NS_SRCS) $(NS_NODE_SRCS)),$(eval $(call ns_compile_rule,$(f))))

define module_rule
$(OUT)/modules/$(notdir $(patsubst %/modules/,%,$(dir $(1))))_$(notdir $(1:.c=.so)): $(1) $(MOD_RT) $(MOD_HDRS) $(TZM)/module.flags
	@mkdir -p $$(@D)
	$$(CC) $$(MOD_CFLAGS) $$(WARN) -I$(SRC)/include -I$(SRC)/src/runtime \
		-I$(SRC)/src/crypto $$(MOD_LDFLAGS) -o $$@ $(1) $(MOD_RT)
endef
$(foreach f,$(MOD_SRCS),$(eval $(call module_rule,$(f))))

# Header dependencies of every object, written by -MMD.
-include $(wildcard $(OUT)/obj/*.d $(OUT)/obj-ns/*.d $(OUT)/mbedtls/*.d)

# A test image that claims another module ABI (no runtime in it).
$(OUT)/modules/test_wrong_abi.so: $(SRC)/tests/tools/modules/wrong_abi.c $(TZM)/module.flags
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(WARN) $(MOD_LDFLAGS) -o $@ $<

# A test image that attacks the sandbox from inside (no runtime in it).
$(OUT)/modules/test_spy.so: $(SRC)/tests/tzm/spy_module.c $(TZM)/module.flags
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(WARN) $(MOD_LDFLAGS) -o $@ $<

$(OUT)/obj-ns/libc.o: $(LIBC_SRC)
	@mkdir -p $(@D)
	$(CC) $(NS_CFLAGS) $(WARN) -fno-builtin -fno-tree-loop-distribute-patterns \
		-c $< -o $@

# No builtins here, or GCC turns the byte loops back into calls to
# memcpy/memset (themselves).
$(LIBC_OBJ): $(LIBC_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -fno-builtin -fno-tree-loop-distribute-patterns \
		-c $< -o $@

$(OUT)/libmbedtls-tzm.a: $(MBEDTLS_OBJS)
	rm -f $@
	$(CROSS)ar rcs $@ $^

$(OUT)/s_test.elf: $(S_OBJS) $(TEST_OBJS) $(LIBC_OBJ) $(OUT)/libmbedtls-tzm.a \
		$(TZM)/secure.ld
	$(CC) $(LDFLAGS) -Wl,-Map,$(OUT)/s_test.map -o $@ $(S_OBJS) \
		$(TEST_OBJS) $(LIBC_OBJ) $(OUT)/libmbedtls-tzm.a -lgcc
	$(SIZE) $@

# The Secure node image; its link also writes the import library with the
# absolute addresses of the SG veneers for the Non-secure link.
$(OUT)/s_node.elf $(OUT)/s_veneers.o: $(S_OBJS) $(NODE_OBJS) $(LIBC_OBJ) \
		$(OUT)/libmbedtls-tzm.a $(TZM)/secure.ld
	$(CC) $(LDFLAGS) -Wl,-Map,$(OUT)/s_node.map -o $(OUT)/s_node.elf \
		$(S_OBJS) $(NODE_OBJS) $(LIBC_OBJ) $(OUT)/libmbedtls-tzm.a -lgcc \
		-Wl,--cmse-implib -Wl,--out-implib=$(OUT)/s_veneers.o
	$(SIZE) $(OUT)/s_node.elf

$(OUT)/ns_test.elf: $(NS_OBJS) $(OUT)/s_veneers.o $(TZM)/ns.ld
	$(CC) $(ARCH) -nostdlib -nostartfiles -Wl,--gc-sections \
		-Wl,-T,$(TZM)/ns.ld -Wl,--fatal-warnings \
		-Wl,-Map,$(OUT)/ns_test.map -o $@ $(NS_OBJS) $(OUT)/s_veneers.o -lgcc
	$(SIZE) $@

$(OUT)/ns_node.elf: $(NS_NODE_OBJS) $(OUT)/s_veneers.o $(TZM)/ns.ld
	$(CC) $(ARCH) -nostdlib -nostartfiles -Wl,--gc-sections \
		-Wl,-T,$(TZM)/ns.ld -Wl,--fatal-warnings \
		-Wl,-Map,$(OUT)/ns_node.map -o $@ $(NS_NODE_OBJS) $(OUT)/s_veneers.o -lgcc
	$(SIZE) $@
