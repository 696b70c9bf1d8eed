# tools/kholab.gdb - attach gdb to a kholab QEMU started with `make debug`
# (./run-qemu.sh --gdb), stop at the kernel's entry with symbols.
#
#   gdb -x tools/kholab.gdb
#
# The kernel is linked at 0xffffffff80000000 and entry.asm runs its first
# instructions at the physical load address; `make debug` pins that address
# to 0x4000000 (kholab.cfg load_addr=0x4000000), so _start can be broken on
# physically.  The symbol file is loaded twice: at the link address (all of
# C) and shifted to the physical load address (entry.asm before paging).
set pagination off
set confirm off
set architecture i386:x86-64
file build/kholab.elf
add-symbol-file build/kholab.elf -o -0xffffffff7c000000
target remote localhost:1234
# _start at its physical address (identity mapped, before our page tables)
hbreak *0x4000000
# the C entry, at its link address
hbreak start_kernel
continue
