# tests/pvh/forge.mk - the PVH forge fixtures, $(BUILD)/pvh-forge-magic.elf
# and $(BUILD)/pvh-forge-memmap.elf (tests/pvh/forge.asm): kholab's image
# behind a stub that breaks the hvm_start_info it passes on.  The scenarios
# pvh-bad-magic and pvh-bad-memmap boot them (kernel = @pvh-forge-...).

PVH_FORGES := $(BUILD)/pvh-forge-magic.elf $(BUILD)/pvh-forge-memmap.elf

# kholab's loadable bytes, flat from KERNEL_LOAD_PHYS (objcopy uses p_paddr).
$(BUILD)/pvh-forge/kholab.bin: $(BUILD)/kholab.elf
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) -O binary $< $@

# The physical address of kholab's PVH entry, read from its note.
$(BUILD)/pvh-forge/%.o: tests/pvh/forge.asm $(BUILD)/pvh-forge/kholab.bin include/kholab/entry.inc
	$(Q)echo "  NASM    $@"
	$(Q)entry=$$(readelf -nW $(BUILD)/kholab.elf | awk '/description data:/ { \
		v = ""; for (i = NF; i > NF - 8; i--) v = v $$i; print "0x" v; exit }'); \
	[ -n "$$entry" ] || { echo "forge.mk: no PVH note in $(BUILD)/kholab.elf" >&2; exit 1; }; \
	$(NASM) -f elf64 -Iinclude/ -DFORGE_$(shell echo $* | tr a-z A-Z) \
		-DKHOLAB_PVH_ENTRY=$$entry -DKHOLAB_BIN='"$(BUILD)/pvh-forge/kholab.bin"' $< -o $@

$(BUILD)/pvh-forge-%.elf: $(BUILD)/pvh-forge/%.o tests/pvh/forge.ld
	$(Q)echo "  LD      $@"
	$(Q)$(LD) -nostdlib -z noexecstack --no-warn-rwx-segments -T tests/pvh/forge.ld -o $@ $<

all: $(PVH_FORGES)
