/* SPDX-License-Identifier: MIT */
/*
 * tools/linux-kho/luo_client.h - the rig's Live Update Orchestrator (LUO)
 * client, linked into /init (tools/linux-kho/init.c).
 *
 * Stage 1 preserves the test set of include/kholab/luo_spec.h through
 * /dev/liveupdate in the kernel that is about to kexec; stage 2 retrieves
 * it in the next kernel and checks every byte.  docs/interop.md describes
 * the words and what each stage checks.  Every line the client prints
 * starts with "kho-init: luo: ".
 */
#ifndef KHOLAB_LUO_CLIENT_H
#define KHOLAB_LUO_CLIENT_H

#include <stdarg.h>
#include <stddef.h>

/* What the command line asked of the client (kholab.luo*=). */
struct luo_words {
	int stage;		/* kholab.luo=1 or 2; 0: the client does not run */
	const char *skip;	/* kholab.luo_skip=NAME[,NAME...]: stage 1 leaves these out */
	const char *shmem;	/* kholab.luo_shmem=MODE: shmem_enabled for the huge memfds */
	const char *expect;	/* kholab.luo_expect=all|none|drop:NAME[,NAME...] */
};

/* luo_stage1 - preserve the test set; the fds stay open (in this process)
 * until the kexec.  Returns 0, or -1 with the reason in WHY. */
/*
 * init_vsay - print one console line: @prefix, then @fmt with @ap, then a
 * newline, in one write() (tools/linux-kho/init.c).
 */
void init_vsay(const char *prefix, const char *fmt, va_list ap);

int luo_stage1(const struct luo_words *w, char *why, size_t why_size);

/* luo_stage2 - retrieve and check the test set against w->expect.
 * Returns 0 (exactly the expected outcome; a summary in WHY) or -1 (the
 * first thing that was wrong in WHY; every one of them was printed). */
int luo_stage2(const struct luo_words *w, char *why, size_t why_size);

#endif /* KHOLAB_LUO_CLIENT_H */
