/*
 * kho/state.c - KHO's state in one place: the kho.* configuration, the
 * scratch areas of this generation, what was received from the previous
 * kernel, the per-boot facts the results events report, and the hooks
 * the core calls out to (include/kho/kho_hooks.h).
 *
 * DOC: KHO state
 *
 * kho_cfg is filled in by the command line (init/params.c) before any
 * KHO code runs.  kho_scratch[] is written once per boot, either by
 * kho_populate() from the handoff or by kho_reserve_scratch() on a cold
 * boot, and read by kexec.  kho_in holds a handoff only once
 * kho/validate.c has accepted all of it; until then, and after any
 * rejection, it is empty, so no other file ever sees half-checked data.
 */
#include <kho/kho_internal.h>
#include <mm/memblock.h>
#include <string.h>

struct kho_config kho_cfg = {
	.enabled = true,
	.deferred = KHO_DEFERRED_DESERIALIZE,
	.scratch_scale = 200,
	.test_mem = 64ULL << 20,
	.test = KHO_TEST_BOTH,
	.test_linux_mem = 8ULL << 20,	/* test_kho.max_mem's default */
	.nr_abi = 1,			/* abi[0] = 0: the first format of kho/abi.c, kho-v4 */
};

struct kho_scratch kho_scratch[KHO_MAX_SCRATCH];
int kho_nr_scratch;
struct kho_boot_stats kho_stats;
struct kho_scratch kho_scratch_free[KHO_MAX_SCRATCH_FREE];
int kho_nr_scratch_free;
struct kho_received kho_in;
const struct kho_hooks *kho_hooks;

static const char *const mode_names[] = { "off", "unsafe", "deserialize", "restore" };

/* kho_mode_name - see kho_config.h. */
const char *kho_mode_name(void)
{
	return mode_names[kho_cfg.deferred];
}

/* kho_set_hooks - see kho_hooks.h. */
void kho_set_hooks(const struct kho_hooks *h)
{
	kho_hooks = h;
}

/* kho_is_revived - see kho.h. */
bool kho_is_revived(void)
{
	return kho_in.revived;
}

/* kho_rejected_reason - see kho.h. */
const char *kho_rejected_reason(void)
{
	return kho_stats.rejected;
}

/* kho_handoff_refused - see kho.h. */
bool kho_handoff_refused(void)
{
	return kho_stats.record_found && kho_stats.rejected;
}

/* kho_received_fdt - see kho_internal.h. */
const void *kho_received_fdt(void)
{
	return kho_in.revived ? kho_in.root_fdt : NULL;
}

/* kho_received_blocks - see kho_internal.h. */
struct kho_block *kho_received_blocks(u64 *n)
{
	*n = kho_in.nr_blocks;
	return kho_in.blocks;
}

/* kho_forget_received - see kho_internal.h: also the scratch copied from it. */
void kho_forget_received(void)
{
	if (kho_in.table_phys)
		memblock_phys_free(kho_in.table_phys, kho_in.cap * sizeof(struct kho_block));
	kho_in.blocks = NULL;
	kho_in.table_phys = 0;
	kho_in.cap = 0;
	kho_in.nr_blocks = 0;
	kho_in.map_phys = 0;
	kho_in.root_fdt = NULL;
	kho_in.abi = NULL;
	kho_in.revived = false;
	kho_stats.sender[0] = 0;
	kho_stats.kexec_count = 0;
	kho_nr_scratch = 0;
	memset(kho_scratch, 0, sizeof(kho_scratch));
}

#ifdef KHOLAB_HOST_TEST
/* kho_reset_for_test - see kho_internal.h. */
void kho_reset_for_test(void)
{
	kho_forget_received();
	memset(&kho_stats, 0, sizeof(kho_stats));
}
#endif
