# boot/boot.mk - the UEFI loader, $(BUILD)/BOOTX64.EFI, built with GNU-EFI.
#
# GNU-EFI links a position-independent ELF shared object against its own
# crt0 and linker script; objcopy then rewrites it as a PE32+ EFI
# application.  Firmware calls use the Microsoft ABI directly
# (GNU_EFI_USE_MS_ABI), so uefi_call_wrapper is not needed.  The pure files
# (elf_check.c, memmap.c, config.c, cmdline.c) include no EFI headers and are
# also compiled by the host tests.

EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS := $(EFI_LIB)/elf_x86_64_efi.lds

BOOT_SRCS := $(wildcard boot/*.c)
BOOT_OBJS := $(BOOT_SRCS:%.c=$(BUILD)/%.o)

BOOT_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fpic -fshort-wchar -mno-red-zone -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-DGNU_EFI_USE_MS_ABI -maccumulate-outgoing-args \
	-isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
	-Iinclude -I. -MMD -MP

BOOT_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
	-T $(EFI_LDS) -L$(EFI_LIB)

$(BUILD)/boot/%.o: boot/%.c boot/boot.mk
	@mkdir -p $(dir $@)
	$(Q)echo "  EFICC   $<"
	$(Q)$(CC) $(BOOT_CFLAGS) -c $< -o $@

$(BUILD)/boot/loader.so: $(BOOT_OBJS) $(EFI_CRT0) $(EFI_LDS)
	$(Q)echo "  EFILD   $@"
	$(Q)$(LD) $(BOOT_LDFLAGS) $(EFI_CRT0) $(BOOT_OBJS) -o $@ -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/boot/loader.so
	$(Q)echo "  EFIAPP  $@"
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

.PHONY: boot
boot: $(BUILD)/BOOTX64.EFI
