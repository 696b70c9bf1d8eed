; boot/bzimage/entry.asm - the first bytes of build/kholab.bzImage's
; protected-mode part, where an x86 boot-protocol loader (Linux's
; kexec_file_load, through purgatory) enters.
;
; Contract (the 64-bit boot protocol): 64-bit mode, paging on with an
; identity map of all RAM, interrupts off, CS/DS flat, %rsi = physical
; address of the boot_params page, no usable stack, CR4 with only PAE
; (SSE would fault).  The part is loaded at a 2 MiB aligned address A
; (kernel_alignment) and entered at A + 0x200.  Everything is addressed
; RIP-relative: A is not known when this is linked.
;
; It sets up its own stack, turns SSE on (the kernel's libfdt code may use
; it; UEFI leaves it on, purgatory does not) and calls bzimage_main(bp, A),
; which never returns.  The 32-bit entry at A + 0 is not supported.

bits 64
default rel

section .text.head progbits alloc exec nowrite align=16
global _payload_start
extern bzimage_main

_payload_start:
	; +0: the 32-bit entry (code32_start): not supported; stop.
	db	0xfa, 0xf4, 0xeb, 0xfd		; cli; hlt; jmp $-1 (same in 32-bit code)
	times	0x200 - ($ - _payload_start) db 0xcc

startup_64:					; +0x200
	cli
	cld
	lea	rsp, [adapter_stack_top]
	mov	rax, cr0
	and	rax, ~(1 << 2)			; EM off
	or	rax, (1 << 1)			; MP on
	mov	cr0, rax
	mov	rax, cr4
	or	rax, (1 << 9) | (1 << 10)	; OSFXSR, OSXMMEXCPT
	mov	cr4, rax
	mov	rdi, rsi			; boot_params
	lea	rsi, [_payload_start]		; A
	xor	ebp, ebp
	call	bzimage_main
.dead:
	cli
	hlt
	jmp	.dead

section .bss nobits alloc noexec write align=16
		resb	16384
adapter_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
