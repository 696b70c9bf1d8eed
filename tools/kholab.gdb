# tools/kholab.gdb - attach gdb to a kholab QEMU started with `make debug`
# (./run-qemu.sh --gdb), stop at the kernel's entry with symbols.
#
#   gdb -x tools/kholab.gdb
#
# The kernel is linked at 0xffffffff80000000 and entry.asm runs its first
# instructions at the physical load address.  run-qemu.sh --gdb prints the
# exact command, which sets two convenience variables first:
#   $kholab_phys  the physical load address: 0x4000000 for a UEFI boot
#                 (--gdb pins load_addr=0x4000000), 0x1000000 (KERNEL_LOAD_PHYS)
#                 for --boot direct; default 0x4000000
#   $kholab_elf   the kernel image; default "build/kholab.elf"
#   $kholab_port  the gdb stub's port (KHOLAB_GDB_PORT); default 1234
# The symbol file is loaded twice: at the link address (all of C) and
# shifted to the physical load address (entry.asm before paging).
set pagination off
set confirm off
set architecture i386:x86-64
if $_isvoid($kholab_phys)
  set $kholab_phys = 0x4000000
end
if $_isvoid($kholab_elf)
  set $kholab_elf = "build/kholab.elf"
end
if $_isvoid($kholab_port)
  set $kholab_port = 1234
end
eval "file %s", $kholab_elf
eval "add-symbol-file %s -o 0x%lx", $kholab_elf, $kholab_phys - 0xffffffff80000000
eval "target remote localhost:%d", $kholab_port
# _start at its physical address (identity mapped, before our page tables)
hbreak *$kholab_phys
# the C entry, at its link address
hbreak start_kernel
continue
