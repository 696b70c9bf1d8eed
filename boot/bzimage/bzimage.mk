# boot/bzimage/bzimage.mk - build/kholab.bzImage: the kernel behind an x86
# boot-protocol header, for loaders that speak it (Linux's kexec_file_load).
#
# The protected-mode part (entry.asm, the adapter boot/adapter/bzimage.c
# with boot/adapter/common.c, the kernel ELF carried whole) is linked
# position independent at 0 and flattened with objcopy; tools/mkbzimage.py puts the setup header in front and computes
# init_size.  docs/interop.md describes the image.

BZ_DIR := $(BUILD)/bzimage
BZ_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fpie -fvisibility=hidden -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude -I. -MMD -MP
BZ_OBJS := $(BZ_DIR)/entry.o $(BZ_DIR)/payload.o $(BZ_DIR)/bzimage.o $(BZ_DIR)/common.o \
	$(BZ_DIR)/elf_check.o

$(BZ_DIR)/%.o: boot/adapter/%.c boot/bzimage/bzimage.mk
	@mkdir -p $(dir $@)
	$(Q)echo "  BZCC    $<"
	$(Q)$(CC) $(BZ_CFLAGS) -c $< -o $@

$(BZ_DIR)/elf_check.o: boot/elf_check.c boot/bzimage/bzimage.mk
	@mkdir -p $(dir $@)
	$(Q)echo "  BZCC    $<"
	$(Q)$(CC) $(BZ_CFLAGS) -c $< -o $@

$(BZ_DIR)/entry.o: boot/bzimage/entry.asm
	@mkdir -p $(dir $@)
	$(Q)echo "  NASM    $<"
	$(Q)$(NASM) -f elf64 $< -o $@

$(BZ_DIR)/payload.o: boot/bzimage/payload.asm $(BUILD)/kholab.elf
	@mkdir -p $(dir $@)
	$(Q)echo "  NASM    $<"
	$(Q)$(NASM) -f elf64 -DKHOLAB_ELF='"$(BUILD)/kholab.elf"' $< -o $@

$(BZ_DIR)/payload.elf: $(BZ_OBJS) boot/bzimage/bzimage.ld
	$(Q)echo "  LD      $@"
	$(Q)$(LD) -nostdlib -q -z noexecstack --no-warn-rwx-segments -T boot/bzimage/bzimage.ld \
		-o $@ $(BZ_OBJS)

$(BUILD)/kholab.bzImage: $(BZ_DIR)/payload.elf tools/mkbzimage.py tools/abs_relocs.py $(BUILD)/kholab.elf
	$(Q)echo "  BZIMAGE $@"
	$(Q)python3 tools/mkbzimage.py $(BZ_DIR)/payload.elf $(BUILD)/kholab.elf $@

-include $(BZ_DIR)/*.d
