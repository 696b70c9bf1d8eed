; kernel/relocate.asm - the last code an old kernel runs: put the next
; kernel in place and enter it.
;
; init/kexec.c copies this code into a page of ordinary memory that no
; segment overwrites, with the segment list right after it, and calls it
; at its physical (identity-mapped) address with interrupts off and the
; other CPUs parked:
;     relocate(list_phys, entry_phys, arg_phys, mode)   (SysV: rdi, rsi, rdx, rcx)
; mode 0 enters kholab: %rdi = arg (its boot info).  mode 1 enters Linux's
; 64-bit boot protocol: the GDT below (0x10 flat 64-bit code, 0x18 flat
; data) loaded and the segment registers reloaded from it, %rsi = arg
; (boot_params), every other register 0.
; The list is struct kexec_segment {u64 dst, src, len} entries (src 0 =
; fill with zeroes) ended by len 0; offsets pinned in init/kexec.c.
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
	mov	r10, rdx		; boot info / boot_params
	mov	r11, rcx		; mode
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
	test	r11, r11
	jnz	.linux
	mov	rdi, r10		; the new kernel's %rdi: its boot info
	xor	ebp, ebp
	jmp	r9
.linux:
	lea	rax, [rel gdt]
	mov	[rel gdtr + 2], rax
	lgdt	[rel gdtr]
	push	0x10
	lea	rax, [rel .cs_loaded]
	push	rax
	o64 retf			; CS = 0x10
.cs_loaded:
	mov	eax, 0x18
	mov	ds, eax
	mov	es, eax
	mov	ss, eax
	mov	fs, eax
	mov	gs, eax
	mov	rsi, r10		; boot_params
	xor	eax, eax
	xor	ebx, ebx
	xor	ecx, ecx
	xor	edx, edx
	xor	edi, edi
	xor	ebp, ebp
	xor	r8d, r8d
	xor	r10d, r10d
	xor	r11d, r11d
	jmp	r9
	align	16
gdt:
	dq	0			; 0x00 null
	dq	0			; 0x08 unused
	dq	0x00af9a000000ffff	; 0x10 code: present, DPL 0, L=1
	dq	0x00cf92000000ffff	; 0x18 data: present, writable
gdtr:
	dw	4 * 8 - 1
	dq	0			; base, filled in at run time
	align	16
relocate_end:
