# boot/pvh/pvh.mk - the PVH front door, linked into $(BUILD)/kholab.elf:
# the ELF note and 32-bit entry (boot/pvh/entry.asm) and the adapter that
# turns hvm_start_info into the boot info (boot/adapter/pvh.c with
# boot/adapter/common.c and boot/elf_check.c).
#
# The adapter runs at physical addresses before the kernel maps itself, so
# its C objects are built -fpie and the build refuses any of them that
# still holds an absolute relocation in a loaded section; everything else
# in the kernel is -mcmodel=kernel.  docs/boot.md describes the boot.

PVH_DIR := $(BUILD)/pvh
PVH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fpie -fvisibility=hidden -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude -I. -MMD -MP
PVH_OBJS := $(PVH_DIR)/entry.asm.o $(PVH_DIR)/pvh.o $(PVH_DIR)/common.o $(PVH_DIR)/elf_check.o

# pvh_cc SRC OBJ: compile, then refuse absolute relocations outside .debug*
# (tools/abs_relocs.py, the same check tools/mkbzimage.py makes).
define pvh_cc
	@mkdir -p $(dir $(2))
	$(Q)echo "  PVHCC   $(1)"
	$(Q)$(CC) $(PVH_CFLAGS) -c $(1) -o $(2)
	$(Q)python3 tools/abs_relocs.py $(2) >&2 || { rm -f $(2); exit 1; }
endef

$(PVH_DIR)/%.o: boot/adapter/%.c boot/pvh/pvh.mk tools/abs_relocs.py
	$(call pvh_cc,$<,$@)

$(PVH_DIR)/elf_check.o: boot/elf_check.c boot/pvh/pvh.mk tools/abs_relocs.py
	$(call pvh_cc,$<,$@)

$(PVH_DIR)/entry.asm.o: boot/pvh/entry.asm include/kholab/entry.inc
	@mkdir -p $(dir $@)
	$(Q)echo "  NASM    $<"
	$(Q)$(NASM) -f elf64 -g -F dwarf -Iinclude/ -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/kholab.elf: $(PVH_OBJS)
