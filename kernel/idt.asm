; kernel/idt.asm - CPU exception entry stubs.
;
; Each of the 32 architectural vectors gets a stub that pushes a dummy error
; code when the CPU does not push one, then the vector number, and jumps to
; a common path that saves every general-purpose register in the layout of
; struct trap_frame (include/kernel/traps.h, offsets static_assert'ed in
; kernel/traps.c against the TF_* values below) and calls
; trap_handler(frame).  The handler never returns for exceptions: kholab
; reports and exits.  exception_stubs[] lists the stub addresses for
; kernel/traps.c to put in the IDT.

%define TF_R15      0
%define TF_RAX      14 * 8
%define TF_VECTOR   15 * 8
%define TF_ERROR    16 * 8
%define TF_RIP      17 * 8
%define TF_SIZE     22 * 8

bits 64
default rel
section .text

extern trap_handler

%macro STUB_NOERR 1
stub_%1:
	push	0
	push	%1
	jmp	trap_common
%endmacro

%macro STUB_ERR 1
stub_%1:
	push	%1
	jmp	trap_common
%endmacro

; Vectors 8, 10-14, 17, 21, 29, 30 push an error code.
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	STUB_ERR v
%else
	STUB_NOERR v
%endif
%assign v v + 1
%endrep

trap_common:
	push	rax
	push	rbx
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	rbp
	push	r8
	push	r9
	push	r10
	push	r11
	push	r12
	push	r13
	push	r14
	push	r15
	mov	rdi, rsp
	cld
	and	rsp, -16
	call	trap_handler
.dead:
	cli
	hlt
	jmp	.dead

section .rodata
global exception_stubs
align 8
exception_stubs:
%assign v 0
%rep 32
	dq	stub_ %+ v
%assign v v + 1
%endrep
