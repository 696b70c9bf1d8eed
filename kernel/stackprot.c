/*
 * kernel/stackprot.c - the stack-protector ABI that Debian's libfdt.a uses.
 *
 * libfdt.a is built like any glibc userland object: functions with arrays
 * on the stack read a canary from %fs:0x28 on entry and compare it on exit,
 * calling __stack_chk_fail() on a mismatch.  The kernel itself is built
 * without the protector, so this file only has to give %fs a base where
 * offset 0x28 holds a random canary, and turn a mismatch into a panic.
 */
#include <kernel/io.h>
#include <kernel/exit.h>

struct fs_area {
	u64 unused[5];
	u64 stack_canary;	/* %fs:0x28, fixed by the x86-64 glibc ABI */
};

_Static_assert(__builtin_offsetof(struct fs_area, stack_canary) == 0x28, "%fs:0x28 canary");

static struct fs_area fs_area;

/* stackprot_init - set this CPU's FS base to the canary area and pick a canary. */
void stackprot_init(void)
{
	u64 c = rdtsc();

	c ^= c << 21 ^ (u64)(uintptr_t)&fs_area;
	fs_area.stack_canary = c & ~0xffULL;	/* low zero byte stops string overreads */
	wrmsr(MSR_FS_BASE, (u64)(uintptr_t)&fs_area);
}

/* __stack_chk_fail - called by protected code when its canary was overwritten. */
void __stack_chk_fail(void) __attribute__((noreturn));
void __stack_chk_fail(void)
{
	panic("stack protector: canary overwritten in %p",
	      __builtin_extract_return_addr(__builtin_return_address(0)));
}
