/*
 * kho/test/hooks.c - kho/test/'s one door into the KHO core: the struct
 * kho_hooks that init/generation.c registers (include/kho/kho_hooks.h).
 *
 * DOC: what the test machinery does inside the core
 *
 * Only the send path has a hook.  on_send runs in kho_fill_handoff() on
 * the finished handoff record: first the fault injector damages the
 * handoff as kho.corrupt= says (kho/test/corrupt.c), then the dump emits
 * it as it will leave, damage included, when kho.dump=1
 * (kho/test/dump.c).  A kind that cannot be applied stops the kexec.
 * The test clients need no hook: they preserve and restore through
 * include/kho/kho.h, driven by init/generation.c.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include "kho_test_internal.h"
#include <kernel/printk.h>

/* on_send - see struct kho_hooks: kho.corrupt=, then kho.dump=1. */
static int on_send(const struct kho_send_ctx *c)
{
	int err = kho_corrupt_apply(c);

	if (err) {
		pr_err("kho.corrupt=%s cannot be applied to this handoff (%d); no kexec\n",
		       kho_corrupt_names[kho_corrupt_cfg.kind], err);
		return err;
	}
	kho_dump_emit(c->gen, c->fdt_phys, c->kd);
	return 0;
}

const struct kho_hooks kho_test_hooks = {
	.on_send = on_send,
};
