# kernel/kernel.mk - the freestanding kernel: init/, kho/, mm/, kernel/ and libfdt.
#
# Code model: -mcmodel=kernel.  The image is linked at 0xffffffff80000000
# (linker.ld) and entry.asm maps that address to wherever the loader put it,
# so the same ELF runs at any 2 MiB aligned physical address.  Debian's
# libfdt.a is non-PIC code using PC32 relocations, which fits in the top
# 2 GiB next to ours.  The PVH entry and its adapter (boot/pvh/pvh.mk,
# PVH_OBJS) are linked in too.  It expects glibc's stack-protector canary at %fs:0x28;
# kernel/stackprot.c provides that slot and __stack_chk_fail.

KERNEL_SRCS := $(wildcard init/*.c kernel/*.c kernel/lib/*.c mm/*.c kho/*.c kho/test/*.c)
KERNEL_ASMS := $(wildcard kernel/*.asm)
KERNEL_OBJS := $(KERNEL_SRCS:%.c=$(BUILD)/%.o) $(KERNEL_ASMS:%.asm=$(BUILD)/%.asm.o)
LIBFDT_A := /usr/lib/x86_64-linux-gnu/libfdt.a

KERNEL_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Iinclude/libc -I. -idirafter /usr/include \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-ffunction-sections -fdata-sections -MMD -MP

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Dependencies come from a separate -M pass: NASM 2.16's -MD, given while
# assembling, leaves the %include files (kholab/entry.inc) out of the .d,
# so editing entry.inc left a stale entry.asm.o behind.
$(BUILD)/%.asm.o: %.asm kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(Q)echo "  NASM    $<"
	$(Q)$(NASM) -f elf64 -Iinclude/ -M -MT $@ -MF $(@:.o=.d) -MP $<
	$(Q)$(NASM) -f elf64 -g -F dwarf -Iinclude/ $< -o $@

$(BUILD)/kholab.elf: $(KERNEL_OBJS) linker.ld $(LIBFDT_A)
	$(Q)echo "  LD      $@"
	$(Q)$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T linker.ld -o $@ $(KERNEL_OBJS) $(PVH_OBJS) $(LIBFDT_A) -Map=$(BUILD)/kholab.map

# kholab/entry.inc (NASM %defines) as C #defines with an ENTRY_ prefix, so
# init/main.c can static_assert that both languages agree.
$(BUILD)/gen/entry_inc.h: include/kholab/entry.inc
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^%define[[:space:]]\+\([A-Z0-9_]\+\)[[:space:]]\+\([0-9a-fA-Fx]\+\).*/#define ENTRY_\1 \2ULL/p' $< > $@

$(BUILD)/init/main.o: $(BUILD)/gen/entry_inc.h
KERNEL_CFLAGS += -I$(BUILD)/gen

# kernel/trampoline.inc the same way (TR_ prefix + the %define name).
$(BUILD)/gen/trampoline_inc.h: kernel/trampoline.inc
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^%define[[:space:]]\+\([A-Z0-9_]\+\)[[:space:]]\+\([0-9a-fA-Fx]\+\).*/#define TR_\1 \2ULL/p' $< > $@

$(BUILD)/kernel/smp.o: $(BUILD)/gen/trampoline_inc.h
