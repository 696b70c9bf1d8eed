; kernel/relocate.asm - the last code an old kernel runs: put the next
; kernel in place and enter it.
;
; kernel/kexec.c copies this code into a page of ordinary memory that no
; segment overwrites, with the segment list right after it, and calls it
; at its physical (identity-mapped) address with interrupts off and the
; other CPUs parked:
;     relocate(list_phys, entry_phys, bootinfo_phys)    (SysV: rdi, rsi, rdx)
; The list is struct kexec_segment {u64 dst, src, len} entries (src 0 =
; fill with zeroes) ended by len 0; offsets pinned in kernel/kexec.c.
; Paging stays on with the old kernel's page tables, whose identity map
; covers all RAM and which no segment overwrites.  The stub uses no stack.

%define SEG_DST   0
%define SEG_SRC   8
%define SEG_LEN   16
%define SEG_SIZE  24

bits 64
section .rodata.relocate progbits alloc noexec nowrite align=16

global relocate_start
global relocate_end

relocate_start:
	cli
	cld
	mov	r8, rdi			; segment cursor
	mov	r9, rsi			; entry
	mov	r10, rdx		; boot info
.next:
	mov	rcx, [r8 + SEG_LEN]
	test	rcx, rcx
	jz	.enter
	mov	rdi, [r8 + SEG_DST]
	mov	rsi, [r8 + SEG_SRC]
	test	rsi, rsi
	jz	.zero
	cmp	rsi, rdi
	je	.advance		; already in place (same ELF copy)
	rep	movsb
	jmp	.advance
.zero:
	xor	eax, eax
	rep	stosb
.advance:
	add	r8, SEG_SIZE
	jmp	.next
.enter:
	mov	rdi, r10		; the new kernel's %rdi: its boot info
	xor	ebp, ebp
	jmp	r9
	align	16
relocate_end:
