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
;
; Two interrupt stubs return instead: wake_stub (IPI_WAKE_VECTOR, the call
; that wakes a halted idle AP; it saves the registers the C ABI lets
; apic_eoi() clobber, signals end of interrupt and returns to the hlt it
; interrupted) and spurious_stub (the APIC's spurious vector, which takes
; no EOI).  Only an idle AP ever enables interrupts (kernel/smp.c).

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
extern apic_eoi

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

; The CPU pushed 5 qwords onto a 16-byte aligned stack; 9 more leave it
; aligned again for the call.
global wake_stub
wake_stub:
	push	rax
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	r8
	push	r9
	push	r10
	push	r11
	cld
	call	apic_eoi
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rax
	iretq

global spurious_stub
spurious_stub:
	iretq

section .rodata
global exception_stubs
align 8
exception_stubs:
%assign v 0
%rep 32
	dq	stub_ %+ v
%assign v v + 1
%endrep
