; tests/pvh/forge.asm - a PVH kernel that hands kholab a broken start-of-day
; block, to show that boot/adapter/pvh.c refuses it with a clear message.
;
; The ELF built from it (tests/pvh/forge.mk) carries kholab's own image,
; flat, at KERNEL_LOAD_PHYS, and this stub at FORGE_BASE; its PVH note names
; the stub.  QEMU's PVH loader enters the stub like any PVH kernel (32-bit,
; paging off, %ebx = hvm_start_info).  The stub copies the block, breaks one
; thing in the copy (FORGE_MAGIC: the magic; FORGE_MEMMAP: the memory map
; entry count, set to 0) and jumps to kholab's PVH entry, KHOLAB_PVH_ENTRY,
; with %ebx = the copy.  Nothing else differs from a real direct boot.

%include "kholab/entry.inc"

%define FORGE_BASE		0x800000
%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define SI_MAGIC		0		; struct hvm_start_info offsets
%define SI_MEMMAP_ENTRIES	48
%define SI_BYTES		56

section .note.pvh progbits alloc noexec nowrite align=4
	dd	4, 8, XEN_ELFNOTE_PHYS32_ENTRY
	db	"Xen", 0
	dq	forge_start

section .text progbits alloc exec write align=16
bits 32
global forge_start
forge_start:
	cli
	cld
	mov	esi, ebx
	mov	edi, forged
	mov	ecx, SI_BYTES / 4
	rep	movsd
%ifdef FORGE_MAGIC
	xor	dword [forged + SI_MAGIC], 0x00ff0000
%elifdef FORGE_MEMMAP
	mov	dword [forged + SI_MEMMAP_ENTRIES], 0
%else
%error "define FORGE_MAGIC or FORGE_MEMMAP"
%endif
	mov	ebx, forged
	mov	eax, KHOLAB_PVH_ENTRY
	jmp	eax

align 8
forged:	times SI_BYTES db 0

section .kholab progbits alloc exec write align=4096
	incbin	KHOLAB_BIN

section .note.GNU-stack noalloc noexec nowrite progbits
