/*
 * tests/host/test_bootinfo.c - the kernel's boot-info validation.
 *
 * SOURCES: kernel/bootinfo.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <kernel/boot.h>

static struct kholab_mmap_entry map[3] = {
	{ 0x0, 0x9f000, KHOLAB_MEM_USABLE, 7 },
	{ 0x100000, 0x3ff00000, KHOLAB_MEM_USABLE, 7 },
	{ 0xb0000000, 0x10000000, KHOLAB_MEM_RESERVED, 0 },
};

/* good_bi - a boot info that must validate. */
static struct kholab_bootinfo good_bi(void)
{
	struct kholab_bootinfo bi = {
		.magic = KHOLAB_BOOTINFO_MAGIC,
		.version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(struct kholab_bootinfo),
		.mmap_phys = 0x1000,
		.mmap_count = 3,
		.mmap_entry_size = sizeof(struct kholab_mmap_entry),
		.kernel_phys = 0x4000000,
		.cmdline_phys = 0x2000,
		.cmdline_len = 10,
	};
	return bi;
}

static void test_valid(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160] = "";

	(void)state;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), 0);
	assert_int_equal(bootinfo_check_map(map, 3, why, sizeof(why)), 0);
}

static void test_bad_magic_names_both(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160];

	(void)state;
	bi.magic = 0x1234;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad magic 0x1234"));
	assert_non_null(strstr(why, "expected 0x4f464e49424c484b"));
}

static void test_bad_version_names_both(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160];

	(void)state;
	bi.version = 99;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "bootinfo: version 99 not supported (this kernel speaks version 1)");
}

static void test_size_too_small(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160];

	(void)state;
	bi.size = 8;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "size 8 too small"));
}

static void test_bad_map_header(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160];

	(void)state;
	bi.mmap_entry_size = 16;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	bi = good_bi();
	bi.mmap_count = 0;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	bi.mmap_count = KHOLAB_MMAP_MAX + 1;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
}

static void test_cmdline_and_alignment(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160];

	(void)state;
	bi.cmdline_len = KHOLAB_CMDLINE_MAX;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	bi = good_bi();
	bi.kernel_phys = 0x4001000;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "2 MiB aligned"));
}

static void test_map_overlap_and_wrap(void **state)
{
	struct kholab_mmap_entry m[2] = {
		{ 0x100000, 0x200000, KHOLAB_MEM_USABLE, 7 },
		{ 0x200000, 0x1000, KHOLAB_MEM_USABLE, 7 },
	};
	char why[160];

	(void)state;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "overlap"));
	m[1].base = 0x300000;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), 0);
	m[1].size = ~0ULL;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "wraps"));
}

static void test_usable_bytes_counts_ram_types(void **state)
{
	struct kholab_mmap_entry m[4] = {
		{ 0x0, 0x1000, KHOLAB_MEM_USABLE, 7 },
		{ 0x1000, 0x2000, KHOLAB_MEM_KERNEL, 0x80000008 },
		{ 0x3000, 0x4000, KHOLAB_MEM_ACPI_NVS, 10 },
		{ 0x7000, 0x8000, KHOLAB_MEM_BOOTINFO, 0x8000000a },
	};
	struct kholab_bootinfo bi = good_bi();

	(void)state;
	bi.mmap_count = 4;
	assert_int_equal(bootinfo_usable_bytes(&bi, m), 0x1000 + 0x2000 + 0x8000);
	assert_string_equal(mem_type_name(KHOLAB_MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(mem_type_name(999), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_bad_magic_names_both),
		cmocka_unit_test(test_bad_version_names_both),
		cmocka_unit_test(test_size_too_small),
		cmocka_unit_test(test_bad_map_header),
		cmocka_unit_test(test_cmdline_and_alignment),
		cmocka_unit_test(test_map_overlap_and_wrap),
		cmocka_unit_test(test_usable_bytes_counts_ram_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
