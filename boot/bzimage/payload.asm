; boot/bzimage/payload.asm - the kernel ELF file, carried whole inside
; build/kholab.bzImage: the adapter loads its PT_LOAD segments and hands
; the file itself to the kernel as its ELF copy (symbols, further kexecs).
; KHOLAB_ELF is the path, given on the NASM command line.

section .kernel_elf progbits alloc noexec nowrite align=4096
global _kernel_elf_start
global _kernel_elf_end
_kernel_elf_start:
	incbin	KHOLAB_ELF
_kernel_elf_end:

section .note.GNU-stack noalloc noexec nowrite progbits
