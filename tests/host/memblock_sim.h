// SPDX-License-Identifier: MIT
/*
 * tests/host/memblock_sim.h - the fixture shared by the memblock host tests
 * (test_memblock_*.c, test_memory_map.c): 1 GiB of simulated physical
 * memory, memblock emptied, the printk capture cleared, before every case.
 *
 *	struct CMUnitTest tests[] = { cmocka_unit_test(test_a), ... };
 *	return memblock_sim_run(tests, ARRAY_SIZE(tests));
 *
 * Include after <cmocka.h>, <mm/memblock.h> and "shim.h".
 */
#ifndef TESTS_HOST_MEMBLOCK_SIM_H
#define TESTS_HOST_MEMBLOCK_SIM_H

#define SZ_1M			0x100000ULL
#define MEMBLOCK_SIM_BYTES	(1ULL << 30)

/*
 * memblock_sim_setup - cmocka per-test setup: fresh zeroed simulated RAM
 * of MEMBLOCK_SIM_BYTES, memblock back to its empty static arrays, an
 * empty log.
 * Return: 0.
 */
static inline int memblock_sim_setup(void **state)
{
	(void)state;
	shim_phys_init(MEMBLOCK_SIM_BYTES);
	memblock_reset_for_test();
	shim_log_reset();
	return 0;
}

/**
 * memblock_sim_run - run @tests[0..@n) as one group, each case with
 * memblock_sim_setup() as its setup.
 * Return: the number of failed cases (as cmocka_run_group_tests).
 */
static inline int memblock_sim_run(const struct CMUnitTest *tests, size_t n)
{
	struct CMUnitTest run[n];

	for (size_t i = 0; i < n; i++) {
		run[i] = tests[i];
		run[i].setup_func = memblock_sim_setup;
	}
	return _cmocka_run_group_tests("tests", run, n, NULL, NULL);
}

#endif /* TESTS_HOST_MEMBLOCK_SIM_H */
