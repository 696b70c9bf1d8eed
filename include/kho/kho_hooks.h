/*
 * kho/kho_hooks.h - the one door between the KHO core (the files of kho/
 * itself) and the machinery that tests it (kho/test/): the points where
 * the core calls out, and what it tells the code it calls.
 *
 * DOC: KHO hooks
 *
 * The core knows nothing of the test clients, the fault injector
 * (kho.corrupt=) or the handoff dump (kho.dump=1).  Where one of them must
 * act inside a core operation, the core calls the struct kho_hooks
 * registered with kho_set_hooks(), if any; with none registered it does
 * exactly what a production kernel does.  init/generation.c registers
 * kho/test/'s hooks (kho_test_hooks, include/kho/kho_test.h) before
 * anything is handed over.  A hook that is NULL is not called.
 *
 *  on_send   kho_fill_handoff(), once the handoff record is written and
 *            before kexec copies it: the handoff as the next kernel will
 *            find it, still changeable (kho.corrupt=) and readable
 *            (kho.dump=1)
 */
#ifndef KHO_KHO_HOOKS_H
#define KHO_KHO_HOOKS_H

#include <kholab/types.h>
#include <kholab/kho_abi.h>

struct kho_abi;

/**
 * struct kho_send_ctx - a handoff that is final but not yet sent.
 * @abi:              its wire format (include/kho/kho_internal.h)
 * @gen:              this kernel's generation
 * @fdt_phys:         the root FDT (what kho_finalize() returned)
 * @kd:               the kho_data record, a staging copy the hook may change
 * @scratch:          the scratch array right after it (staging copy)
 * @nr_scratch:       its entries
 * @next_kernel_phys: where the next kernel will run
 * @handoff_phys:     where the next kernel will find the record
 * @phys_top:         end of RAM
 */
struct kho_send_ctx {
	const struct kho_abi *abi;
	u64 gen;
	u64 fdt_phys;
	struct kho_data *kd;
	struct kho_scratch *scratch;
	int nr_scratch;
	u64 next_kernel_phys;
	u64 handoff_phys;
	u64 phys_top;
};

/**
 * struct kho_hooks - what the core calls out to (DOC above).
 * @on_send: see the DOC.  Return: 0, or a negative errno, which abandons
 *           the kexec: kho_fill_handoff() returns it
 */
struct kho_hooks {
	int (*on_send)(const struct kho_send_ctx *c);
};

/* kho_set_hooks - from now on the core calls @h (NULL: no hooks). */
void kho_set_hooks(const struct kho_hooks *h);

#endif /* KHO_KHO_HOOKS_H */
