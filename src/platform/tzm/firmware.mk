# firmware.mk - builds the tzm Secure images with arm-none-eabi-gcc
# (docs/tzm.md). Not part of the host build: CMake's `tzm-firmware` target
# and tests/check_tzm_qemu.sh call it as
#   make -f src/platform/tzm/firmware.mk SRC=<repo> OUT=<dir> MBEDTLS=<tree>
# where MBEDTLS is the tree scripts/mbedtls-src.sh unpacked from Debian's
# `mbedtls` source package. Output: $(OUT)/s_test.elf (+ .map, sizes).

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
	-I$(SRC)/src/common -I$(TZM) -I$(TZM)/secure -I$(MBEDTLS)/include
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

obj = $(OUT)/obj/$(notdir $(1:.c=.o))
S_OBJS    := $(foreach f,$(S_SRCS),$(call obj,$(f)))
TEST_OBJS := $(foreach f,$(TEST_SRCS),$(call obj,$(f)))
LIBC_OBJ  := $(OUT)/obj/libc.o

LDFLAGS := $(ARCH) -nostdlib -nostartfiles -Wl,--gc-sections \
	-Wl,-T,$(TZM)/secure.ld -Wl,--fatal-warnings

.PHONY: all
all: $(OUT)/s_test.elf

$(OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c $(TZM)/mbedtls_config.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MBEDTLS_WARN) -c $< -o $@

define compile_rule
$(call obj,$(1)): $(1) $(wildcard $(dir $(1))*.h) $(TZM)/mbedtls_config.h
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(WARN) -c $$< -o $$@
endef
$(foreach f,$(S_SRCS) $(TEST_SRCS),$(eval $(call compile_rule,$(f))))

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
