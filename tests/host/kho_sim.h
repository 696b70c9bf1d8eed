// SPDX-License-Identifier: MIT
/*
 * tests/host/kho_sim.h - the fixture shared by the KHO sender tests
 * (test_kho_preserve.c, test_kho_serialize.c, test_kho_fdt.c): simulated
 * RAM with struct pages, the shim's page pool for KHO's tracking pages,
 * and a collector for the blocks a walk reports.
 *
 * Include after <cmocka.h>, <kho/kho_internal.h> and "shim.h".
 */
#ifndef TESTS_HOST_KHO_SIM_H
#define TESTS_HOST_KHO_SIM_H

#include <errno.h>

#define KHO_SIM_BYTES		(256ULL << 20)		/* backed simulated RAM */
#define KHO_SIM_POOL_FIRST	PHYS_PFN(64ULL << 20)	/* the page pool: 64 MiB .. the end */

/* One preserved block as a walk reports it. */
struct kho_sim_blk {
	u64 phys;
	unsigned int order;
};

/* struct kho_sim_list - room for @max blocks at @blk, @n of them filled. */
struct kho_sim_list {
	struct kho_sim_blk *blk;
	int n, max;
};

/**
 * kho_sim_collect - a block callback (kho_for_each_preserved(), a wire
 * format's walker) appending to the struct kho_sim_list @arg.
 * Return: 0, or -E2BIG when the list is full.
 */
static inline int kho_sim_collect(u64 phys, unsigned int order, void *arg)
{
	struct kho_sim_list *l = arg;

	if (l->n == l->max)
		return -E2BIG;
	l->blk[l->n].phys = phys;
	l->blk[l->n++].order = order;
	return 0;
}

/**
 * kho_sim_group_setup - once per test program: KHO_SIM_BYTES of zeroed
 * simulated RAM and struct pages for pfns below @max_pfn; seeds shim_rand()
 * (printing the seed under @seed_name) unless @seed_name is NULL.
 * Return: 0, or -1 if the struct pages cannot be mapped.
 */
static inline int kho_sim_group_setup(const char *seed_name, u64 max_pfn)
{
	if (seed_name)
		shim_seed_init(seed_name);
	shim_phys_init(KHO_SIM_BYTES);
	return shim_vmemmap_init(max_pfn);
}

/*
 * kho_sim_setup - cmocka per-test setup: nothing preserved, the page pool
 * holding every pfn from KHO_SIM_POOL_FIRST to the end of simulated RAM,
 * an empty log.  Return: 0.
 */
static inline int kho_sim_setup(void **state)
{
	(void)state;
	kho_unpreserve_all();
	shim_page_pool_init(KHO_SIM_POOL_FIRST, PHYS_PFN(KHO_SIM_BYTES) - KHO_SIM_POOL_FIRST);
	shim_log_reset();
	return 0;
}

/*
 * kho_sim_teardown - cmocka per-test teardown: unpreserve everything; every
 * tracking page must then be back in the pool.
 * Return: 0, or -1 (the case fails) if a page is still held.
 */
static inline int kho_sim_teardown(void **state)
{
	(void)state;
	kho_unpreserve_all();
	return shim_page_pool_in_use() ? -1 : 0;
}

/**
 * kho_sim_run - run @tests[0..@n) as one group with @group_setup, every
 * case with @setup and @teardown as its fixtures (kho_sim_setup and
 * kho_sim_teardown, or a test's own that call them).
 * Return: the number of failed cases (as cmocka_run_group_tests).
 */
static inline int kho_sim_run(const struct CMUnitTest *tests, size_t n,
			      CMFixtureFunction group_setup, CMFixtureFunction setup,
			      CMFixtureFunction teardown)
{
	struct CMUnitTest run[n];

	for (size_t i = 0; i < n; i++) {
		run[i] = tests[i];
		run[i].setup_func = setup;
		run[i].teardown_func = teardown;
	}
	return _cmocka_run_group_tests("tests", run, n, group_setup, NULL);
}

#endif /* TESTS_HOST_KHO_SIM_H */
