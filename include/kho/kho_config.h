/*
 * kho/kho_config.h - the kho.* boot switches (init/params.c sets them).
 *
 * DOC: KHO configuration
 *
 * Every KHO strategy is built into every kernel; these values, filled in
 * from the command line before any KHO code runs, choose between them.
 * The variable itself lives in kho/state.c with the rest of KHO's state.
 */
#ifndef KHO_KHO_CONFIG_H
#define KHO_KHO_CONFIG_H

#include <kholab/types.h>

/*
 * enum kho_deferred_mode - how a KHO boot copes with deferred struct page
 * init (kho.deferred=; docs/kho.md has one command per mode).
 */
enum kho_deferred_mode {
	KHO_DEFERRED_OFF,		/* no deferred init on a KHO boot (Linux before the fix) */
	KHO_DEFERRED_UNSAFE,		/* the bug: marker written into never-initialised pages */
	KHO_DEFERRED_DESERIALIZE,	/* init at deserialize: deferred pages of blocks first */
	KHO_DEFERRED_RESTORE,		/* init at restore: all block pages after SMP */
};

/* enum kho_test_client - which test clients run (kho.test=). */
enum kho_test_client { KHO_TEST_KHOLAB, KHO_TEST_LINUX, KHO_TEST_BOTH };

/* Longest kho.abi= list: generation g writes entry min(g, n - 1). */
#define KHO_ABI_LIST_MAX	8

/* enum kho_test_mode - what the test client preserves (kho.test_mode=). */
enum kho_test_mode { KHO_TEST_RANDOM, KHO_TEST_EDGES, KHO_TEST_EMPTY };

/* enum kho_test_shape - the sizes of the folios it preserves (kho.test_shape=). */
enum kho_test_shape {
	KHO_SHAPE_RANDOM,	/* random orders 0..10, every byte written */
	KHO_SHAPE_VM,		/* a hypervisor's: 2 MiB folios, a tail of 4 KiB pages, part written */
};

/*
 * enum kho_test_root_fdt - where the sender's root FDT page goes, and
 * whether it is preserved (kho.test_root_fdt=; docs/interop.md "Linux 7.3
 * as receiver").  The last one is a demonstration of a careless sender,
 * never a way to run.
 */
enum kho_test_root_fdt {
	KHO_ROOT_FDT_ANY,		/* wherever buddy gives it; preserved */
	KHO_ROOT_FDT_ALONE,		/* alone at the top of an otherwise empty 1 GiB block; preserved */
	KHO_ROOT_FDT_UNPRESERVED,	/* the same place, not preserved */
};

struct kho_config {
	bool enabled;			/* kho=on|off */
	int deferred;			/* enum kho_deferred_mode (kho.deferred=) */
	u64 scratch_scale;		/* percent (kho_scratch=N%), default 200 */
	u64 scratch_lowmem, scratch_global, scratch_pernode;	/* kho_scratch=L,G,N */
	char scratch_arg[64];		/* raw kho_scratch= value */
	u64 test_mem;			/* kho.test_mem= bytes */
	u64 test_seed;			/* kho.test_seed= (0: from the TSC) */
	bool dump;			/* kho.dump=1: emit the handoff as results records */
	int test_mode;			/* enum kho_test_mode (kho.test_mode=) */
	int test_shape;			/* enum kho_test_shape (kho.test_shape=) */
	int memmap;			/* enum kho_memmap_mode (kho.memmap=) */
	bool test_busy;			/* kho.test_busy=1: APs busy when kexec starts */
	int test;			/* enum kho_test_client (kho.test=) */
	u64 test_linux_mem;		/* kho.test_linux_mem= bytes (test_kho's max_mem) */
	bool test_relay;		/* kho.test_relay=1: hand on the test_kho data received */
	bool refuse;			/* kho.refuse=1: refuse a sound handoff (tests the verdict) */
	int test_root_fdt;		/* enum kho_test_root_fdt (kho.test_root_fdt=) */
	char abi_arg[48];		/* raw kho.abi= value */
	u8 abi[KHO_ABI_LIST_MAX];	/* wire format written by generation g: abi[min(g, nr_abi - 1)] */
	u8 nr_abi;
};

extern struct kho_config kho_cfg;

/* kho_parse_scratch_arg - apply kho_scratch= (N% or L,G,N); 0 or -EINVAL. */
int kho_parse_scratch_arg(const char *arg);

/* kho_parse_abi_arg - apply kho.abi= (v4, v1 or a comma list); 0 or -EINVAL. */
int kho_parse_abi_arg(const char *arg);

/* kho_mode_name - the kho.deferred= mode as a word: "off", "unsafe", ... */
const char *kho_mode_name(void);

#endif /* KHO_KHO_CONFIG_H */
