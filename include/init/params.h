/*
 * init/params.h - the values of every boot parameter (init/params.c
 * holds the one table that defines them; docs/params.md describes them).
 */
#ifndef INIT_PARAMS_H
#define INIT_PARAMS_H

#include <kholab/types.h>

enum selftest_mode {
	SELFTEST_NONE,
	SELFTEST_FAULT,		/* page fault -> exception report -> fail */
	SELFTEST_PANIC,		/* panic() with formatted values -> fail */
	SELFTEST_HANG,		/* spin forever: the harness's timeout path */
	SELFTEST_TRIPLE,	/* triple fault: the harness's no-verdict path */
	SELFTEST_BUDDY,		/* buddy invariants + random alloc/free stress */
	SELFTEST_APFAULT,	/* page fault on CPU 1: reported like on CPU 0 */
	SELFTEST_GROW,		/* allocate past the early memory before SMP */
	SELFTEST_LOSTIPI,	/* hold back one wake-up IPI: waiting must resend it */
	SELFTEST_EARLYTOUCH,	/* write a deferred struct page before SMP: the check must fail */
	SELFTEST_BGALLOC,	/* allocate past the early memory while background init runs */
};

struct kernel_params {
	u64 loglevel;
	int selftest;		/* enum selftest_mode */
	u64 gens;		/* kexec generations to run in total */
	u64 smp_fail_cpu;	/* MADT index not sent IPIs; ~0 = none */
	u64 smp_timeout_ms;	/* wait per AP */
	int kexec_next;		/* enum kexec_next */
};


/* enum kexec_next - what the generation hands over to (kexec.next=). */
enum kexec_next { KEXEC_NEXT_SELF, KEXEC_NEXT_LINUX };

/* kexec.linux_cmdline=: words added to a Linux kernel's command line (init/kexec_linux.c). */
extern char kexec_linux_cmdline[256];

extern struct kernel_params kparams;

/**
 * kernel_params_parse - parse @cmdline into kparams, reporting unknown keys
 * and bad values.  Return: the number of problems reported.
 */
int kernel_params_parse(const char *cmdline);

#endif /* INIT_PARAMS_H */
