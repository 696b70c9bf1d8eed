; kernel/trampoline.asm - where an application processor starts.
;
; kernel/smp.c fills a page below 1 MiB with int3, copies this code to its
; start and the parameter block (struct trampoline_params) to
; TR_PARAMS_OFF, then sends INIT-SIPI-SIPI with that page's number.  The AP
; wakes in 16-bit real mode with CS = page << 8, IP = 0, and climbs:
;   real mode -> 32-bit protected mode (own GDT) -> PAE + long mode on the
;   kernel's page tables (CR3 must be below 4 GiB; its identity map covers
;   this page) -> 64-bit code here -> ap_start(cpu) at its kernel address.
; The code is position independent: it computes its base from CS and
; patches the GDT pointer and the two far-jump pointers itself.

%include "kernel/trampoline.inc"

section .rodata.trampoline progbits alloc noexec nowrite align=16

global trampoline_start
global trampoline_end

bits 16
trampoline_start:
	cli
	cld
	mov	ax, cs
	mov	ds, ax
	xor	ebx, ebx
	mov	bx, ax
	shl	ebx, 4				; ebx = linear base of this page

	; patch the GDT pointer and the far pointers with absolute addresses
	mov	word [TR_PARAMS_OFF + TR_P_GDTR_LIMIT], tr_gdt_end - tr_gdt - 1
	lea	eax, [ebx + (tr_gdt - trampoline_start)]
	mov	[TR_PARAMS_OFF + TR_P_GDTR_BASE], eax
	lea	eax, [ebx + (tr_pm32 - trampoline_start)]
	mov	[TR_PARAMS_OFF + TR_P_PM_PTR], eax
	mov	word [TR_PARAMS_OFF + TR_P_PM_PTR + 4], TR_SEL_CODE32
	lea	eax, [ebx + (tr_lm64 - trampoline_start)]
	mov	[TR_PARAMS_OFF + TR_P_LM_PTR], eax
	mov	word [TR_PARAMS_OFF + TR_P_LM_PTR + 4], TR_SEL_CODE64

	lgdt	[TR_PARAMS_OFF + TR_P_GDTR_LIMIT]
	mov	eax, cr0
	and	eax, ~0x60000000		; INIT left CD and NW set: caches on
	or	eax, 1				; CR0.PE
	mov	cr0, eax
	jmp	far dword [TR_PARAMS_OFF + TR_P_PM_PTR]

bits 32
tr_pm32:
	mov	ax, TR_SEL_DATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	eax, cr4
	or	eax, 1 << 5			; CR4.PAE
	mov	cr4, eax
	mov	eax, [ebx + TR_PARAMS_OFF + TR_P_CR3]
	mov	cr3, eax
	mov	ecx, 0xc0000080			; IA32_EFER
	rdmsr
	or	eax, 1 << 8			; EFER.LME
	wrmsr
	mov	eax, 0x80050033			; PG AM WP NE ET MP PE, caches on:
	mov	cr0, eax			; the boot CPU's CR0, not INIT's
	jmp	far dword [ebx + TR_PARAMS_OFF + TR_P_LM_PTR]

bits 64
tr_lm64:
	mov	eax, ebx			; zero-extends: rbx = page base
	mov	rbx, rax
	mov	dword [rbx + TR_PARAMS_OFF + TR_P_CHECKIN], TR_CHECKIN_MAGIC
	mov	rsp, [rbx + TR_PARAMS_OFF + TR_P_STACK]
	mov	rdi, [rbx + TR_PARAMS_OFF + TR_P_ARG]
	mov	rax, [rbx + TR_PARAMS_OFF + TR_P_ENTRY]
	xor	ebp, ebp
	push	rbp				; end of the frame-pointer chain
	jmp	rax				; ap_start(cpu), never returns

align 8
tr_gdt:
	dq	0
	dq	0x00cf9a000000ffff		; 0x08: 32-bit code
	dq	0x00cf92000000ffff		; 0x10: data
	dq	0x00af9a000000ffff		; 0x18: 64-bit code
tr_gdt_end:

	; the code must end before the parameter block (assembly fails otherwise)
	times TR_PARAMS_OFF - ($ - trampoline_start) db 0xcc
trampoline_end:
