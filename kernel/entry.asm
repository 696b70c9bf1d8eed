; kernel/entry.asm - the first instructions of the kernel.
;
; Contract: entered in 64-bit long mode with paging on and an identity map
; of at least the image and the boot info (UEFI leaves one; so will the
; kexec relocation stub), interrupts off, %rdi = physical address of the
; struct kholab_bootinfo.  The image may sit at any 2 MiB aligned physical
; address, so until paging is ours everything is addressed RIP-relative.
;
; It builds three mappings with 2 MiB pages in page tables carried in .bss:
;   PML4[511] -> KERNEL_VIRT .. + image size   = the image, wherever it is
;   PML4[273] -> PAGE_OFFSET .. + N GiB        = direct map of RAM
;   PML4[0]   -> the same tables as PML4[273]  = identity map, so the
;                instruction after "mov cr3" is still mapped
; where N = max(4, phys_top in GiB) capped at DIRECT_MAP_MAX_GIB.  Then it
; jumps to the link address, switches to the boot stack and calls
; start_kernel(bootinfo_phys, kernel_phys, entry_tsc), where entry_tsc is
; the TSC read by the very first instruction: time zero of every figure
; the kernel reports (kernel/timeline.c).

%include "kholab/entry.inc"

bits 64
default rel

section .text.entry progbits alloc exec nowrite align=16
global _start:function (_start_end - _start)
extern start_kernel
extern _kernel_end

_start:
	rdtsc					; time zero: before anything else
	shl	rdx, 32
	or	rax, rdx
	mov	r15, rax			; r15 = entry TSC, kept to the call
	cli
	cld
	mov	r12, rdi			; boot info (physical)
	lea	r13, [_start]			; where we run = physical base
	mov	rax, _start
	mov	r14, r13
	sub	r14, rax			; r14 = phys - virt for the image

	; Zero our page tables: the kexec path may not zero .bss for us.
	lea	rdi, [pt_begin]
	lea	rcx, [pt_end]
	sub	rcx, rdi
	shr	rcx, 3
	xor	eax, eax
	rep	stosq

	; Image: PD_kernel[i] = phys_base + i * 2 MiB, for the whole image.
	mov	rcx, _kernel_end
	mov	rax, _start
	sub	rcx, rax
	add	rcx, 0x1fffff
	shr	rcx, 21				; number of 2 MiB pages
	lea	rdi, [pd_kernel]
	mov	rax, r13
	or	rax, PTE_P | PTE_W | PTE_PS
.map_kernel:
	mov	[rdi], rax
	add	rax, 0x200000
	add	rdi, 8
	dec	rcx
	jnz	.map_kernel

	lea	rax, [pd_kernel]
	or	rax, PTE_P | PTE_W
	lea	rdi, [pdpt_kernel]
	mov	[rdi + KERNEL_PDPT_INDEX * 8], rax
	or	rdi, PTE_P | PTE_W
	lea	rsi, [pml4]
	mov	[rsi + KERNEL_PML4_INDEX * 8], rdi

	; Direct map size in GiB: from boot info phys_top if the magic is
	; right (start_kernel rejects a bad boot info with a proper message).
	mov	rcx, DIRECT_MAP_MIN_GIB
	mov	rax, BI_MAGIC
	cmp	[r12 + BI_OFF_MAGIC], rax
	jne	.have_size
	mov	rax, [r12 + BI_OFF_PHYS_TOP]
	add	rax, (1 << 30) - 1
	shr	rax, 30
	cmp	rax, rcx
	jbe	.have_size
	mov	rcx, rax
	cmp	rcx, DIRECT_MAP_MAX_GIB
	jbe	.have_size
	mov	rcx, DIRECT_MAP_MAX_GIB
.have_size:
	mov	[direct_map_gib], rcx		; RIP-relative: same memory either way

	; PD pages for the direct map: pd_direct[g][j] = g GiB + j * 2 MiB.
	lea	rdi, [pd_direct]
	xor	eax, eax
	or	rax, PTE_P | PTE_W | PTE_PS
	mov	rdx, rcx
	shl	rdx, 9				; GiB * 512 entries
.map_direct:
	mov	[rdi], rax
	add	rax, 0x200000
	add	rdi, 8
	dec	rdx
	jnz	.map_direct

	; pdpt_direct[g] -> pd_direct[g]
	lea	rdi, [pdpt_direct]
	lea	rax, [pd_direct]
	or	rax, PTE_P | PTE_W
.map_pdpt:
	mov	[rdi], rax
	add	rax, 4096
	add	rdi, 8
	dec	rcx
	jnz	.map_pdpt

	lea	rax, [pdpt_direct]
	or	rax, PTE_P | PTE_W
	lea	rsi, [pml4]
	mov	[rsi + PAGE_OFFSET_PML4_INDEX * 8], rax
	mov	[rsi], rax			; temporary identity map
	mov	cr3, rsi

	; Continue at the link address.
	mov	rax, .high
	jmp	rax
.high:
	lea	rsp, [boot_stack_top]
	xor	ebp, ebp
	push	rbp				; terminate frame-pointer chains
	mov	rbp, rsp
	sub	rsp, 8				; SysV: rsp = 8 (mod 16) at function entry
	mov	rdi, r12			; start_kernel(bootinfo_phys,
	mov	rsi, r13			;              kernel_phys,
	mov	rdx, r15			;              entry_tsc)
	call	start_kernel
.dead:
	cli
	hlt
	jmp	.dead
_start_end:

section .data
global direct_map_gib
align 8
direct_map_gib:	dq 0			; GiB of RAM the direct map covers

section .bss nobits alloc noexec write align=4096
global boot_pml4
global boot_stack_bottom
global boot_stack_top
pt_begin:
boot_pml4:
pml4:		resb 4096
pdpt_kernel:	resb 4096
pd_kernel:	resb 4096
pdpt_direct:	resb 4096
pd_direct:	resb 4096 * DIRECT_MAP_MAX_GIB
pt_end:
boot_stack_bottom:
		resb BOOT_STACK_SIZE
boot_stack_top:
