; boot/pvh/entry.asm - the PVH front door of build/kholab.elf: the ELF note
; that names the 32-bit entry, and that entry up to the C adapter.
;
; Contract (the PVH boot protocol, include/kholab/hvm_start_info.h): the
; loader put every PT_LOAD at its p_paddr, i.e. the image at
; KERNEL_LOAD_PHYS, and enters pvh_start in 32-bit protected mode, paging
; off, flat segments, interrupts off, %ebx = physical address of the
; struct hvm_start_info, no stack.
;
; This code is linked with the kernel at KERNEL_VIRT but runs at physical
; addresses: in 32-bit code every address is PHYS(symbol), a link-time
; constant; in 64-bit code everything is RIP-relative.  It loads a GDT of
; its own, builds an identity map of the first 4 GiB with 2 MiB pages (the
; image, the start-of-day block, the command line and the modules all lie
; there: QEMU and Xen keep them below 4 GiB), turns on PAE, long mode,
; paging and SSE, and calls pvh_main(start_info) (boot/adapter/pvh.c),
; which never returns.  Its page tables and stack are in .bss; the kernel's
; own entry replaces them before it touches .bss.

%include "kholab/entry.inc"

%define PHYS(x)		((x) - KERNEL_VIRT + KERNEL_LOAD_PHYS)
%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define PVH_CS		0x08
%define PVH_DS		0x10
%define IDENT_GIB	4			; identity map: 0 .. 4 GiB
%define MSR_EFER	0xc0000080
%define EFER_LME	(1 << 8)
%define CR0_PE		(1 << 0)
%define CR0_MP		(1 << 1)
%define CR0_EM		(1 << 2)
%define CR0_PG		(1 << 31)
%define CR4_PAE		(1 << 5)
%define CR4_OSFXSR	(1 << 9)
%define CR4_OSXMMEXCPT	(1 << 10)

extern pvh_main

; linker.ld checks that it placed the image where this file assumes.
global pvh_load_phys
pvh_load_phys	equ KERNEL_LOAD_PHYS

section .note.pvh progbits alloc noexec nowrite align=4
	dd	4				; n_namesz: "Xen" and its NUL
	dd	8				; n_descsz
	dd	XEN_ELFNOTE_PHYS32_ENTRY	; n_type
	db	"Xen", 0
	dq	PHYS(pvh_start)			; the descriptor: the entry

section .text.pvh progbits alloc exec nowrite align=16
bits 32
global pvh_start:function (pvh_end - pvh_start)
pvh_start:
	cli
	cld
	mov	esi, ebx			; keep start_info for pvh_main
	lgdt	[PHYS(pvh_gdt_ptr)]
	mov	eax, PVH_DS
	mov	ds, eax
	mov	es, eax
	mov	ss, eax
	mov	fs, eax
	mov	gs, eax
	mov	esp, PHYS(pvh_stack_top)

	; Zero the tables: PML4, one PDPT, IDENT_GIB page directories.
	mov	edi, PHYS(pvh_pml4)
	mov	ecx, (2 + IDENT_GIB) * 4096 / 4
	xor	eax, eax
	rep	stosd

	mov	dword [PHYS(pvh_pml4)], PHYS(pvh_pdpt) + PTE_P + PTE_W

	mov	edi, PHYS(pvh_pdpt)		; PDPT[g] -> PD g
	mov	eax, PHYS(pvh_pd) + PTE_P + PTE_W
	mov	ecx, IDENT_GIB
.pdpt:	mov	[edi], eax
	add	eax, 4096
	add	edi, 8
	loop	.pdpt

	mov	edi, PHYS(pvh_pd)		; PD entries: 2 MiB pages, 0 .. 4 GiB
	mov	eax, PTE_P | PTE_W | PTE_PS
	mov	ecx, IDENT_GIB * 512
.pd:	mov	[edi], eax
	add	eax, 0x200000
	add	edi, 8
	loop	.pd

	mov	eax, cr4
	or	eax, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT
	mov	cr4, eax
	mov	eax, PHYS(pvh_pml4)
	mov	cr3, eax
	mov	ecx, MSR_EFER
	rdmsr
	or	eax, EFER_LME
	wrmsr
	mov	eax, cr0
	and	eax, ~CR0_EM
	or	eax, CR0_PE | CR0_MP | CR0_PG
	mov	cr0, eax
	jmp	PVH_CS:PHYS(pvh_long)

bits 64
default rel
pvh_long:
	xor	eax, eax
	mov	ds, eax
	mov	es, eax
	mov	ss, eax
	lea	rsp, [pvh_stack_top]
	mov	edi, esi			; pvh_main(start_info)
	xor	ebp, ebp
	call	pvh_main
.dead:
	cli
	hlt
	jmp	.dead
pvh_end:

; The accessed bits are set already, so that loading a selector never
; writes to the image (pvh.c compares the image with its ELF copy).
section .rodata
align 16
pvh_gdt:
	dq	0
	dq	0x00af9b000000ffff		; 0x08: 64-bit code, accessed
	dq	0x00cf93000000ffff		; 0x10: flat data, accessed
pvh_gdt_ptr:
	dw	pvh_gdt_ptr - pvh_gdt - 1
	dd	PHYS(pvh_gdt)

section .bss nobits alloc noexec write align=4096
pvh_pml4:	resb 4096
pvh_pdpt:	resb 4096
pvh_pd:		resb 4096 * IDENT_GIB
		resb 16384
pvh_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
