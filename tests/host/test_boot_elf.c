/*
 * tests/host/test_boot_elf.c - elf_check(): one valid kernel image and one
 * hand-broken image per rejection reason.
 *
 * SOURCES: boot/elf_check.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "boot/elf_check.h"

#define BASE	0xffffffff80000000ULL
#define FILE_SZ	0x3000

/* A small image: two PT_LOADs (text RX at BASE, data RW + bss after it). */
struct img {
	union {
		u8 bytes[FILE_SZ];
		u64 align;
	};
};

static struct elf64_ehdr *eh(struct img *m)
{
	return (struct elf64_ehdr *)m->bytes;
}

static struct elf64_phdr *ph(struct img *m, int i)
{
	return (struct elf64_phdr *)(m->bytes + 64 + i * 56);
}

/* Fill @m with a valid two-segment kernel. */
static void make_valid(struct img *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(eh(m)->e_ident, "\x7f" "ELF", 4);
	eh(m)->e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	eh(m)->e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
	eh(m)->e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
	eh(m)->e_type = ELF_ET_EXEC;
	eh(m)->e_machine = ELF_EM_X86_64;
	eh(m)->e_version = ELF_EV_CURRENT;
	eh(m)->e_entry = BASE + 0x10;
	eh(m)->e_phoff = 64;
	eh(m)->e_ehsize = 64;
	eh(m)->e_phentsize = 56;
	eh(m)->e_phnum = 2;
	*ph(m, 0) = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = 5,
		.p_offset = 0x1000, .p_vaddr = BASE, .p_filesz = 0x1000,
		.p_memsz = 0x1000 };
	*ph(m, 1) = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = 6,
		.p_offset = 0x2000, .p_vaddr = BASE + 0x1000, .p_filesz = 0x1000,
		.p_memsz = 0x5000 };
}

/* Expect elf_check to refuse @m with exactly @why. */
static void expect_reject(struct img *m, u64 len, const char *why)
{
	struct elf_image out;

	assert_int_equal(elf_check(m->bytes, len, &out), -ENOEXEC);
	assert_string_equal(out.reason, why);
}

static void test_valid_image(void **state)
{
	struct img m;
	struct elf_image out;

	(void)state;
	make_valid(&m);
	assert_int_equal(elf_check(m.bytes, FILE_SZ, &out), 0);
	assert_true(out.lowest_vaddr == BASE);
	assert_int_equal(out.span, 0x6000);
	assert_int_equal(out.entry_off, 0x10);
	assert_int_equal(out.phnum, 2);
	assert_null(out.reason);
}

static void test_header_rejects(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	expect_reject(&m, 63, "file too small for an ELF header");
	m.bytes[1] = 'X';
	expect_reject(&m, FILE_SZ, "bad ELF magic");
	make_valid(&m);
	m.bytes[ELF_EI_CLASS] = 1;
	expect_reject(&m, FILE_SZ, "not ELFCLASS64");
	make_valid(&m);
	m.bytes[ELF_EI_DATA] = 2;
	expect_reject(&m, FILE_SZ, "not little endian");
	make_valid(&m);
	eh(&m)->e_version = 2;
	expect_reject(&m, FILE_SZ, "unknown ELF version");
	make_valid(&m);
	eh(&m)->e_machine = 3;
	expect_reject(&m, FILE_SZ, "machine is not x86-64");
	make_valid(&m);
	eh(&m)->e_type = 3;	/* ET_DYN */
	expect_reject(&m, FILE_SZ, "not an executable (ET_EXEC)");
	make_valid(&m);
	eh(&m)->e_phentsize = 32;
	expect_reject(&m, FILE_SZ, "unexpected program header size");
}

static void test_phdrs_outside_file(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	eh(&m)->e_phoff = FILE_SZ - 56;
	expect_reject(&m, FILE_SZ, "program headers lie outside the file");
	eh(&m)->e_phoff = ~0ULL - 8;	/* would wrap */
	expect_reject(&m, FILE_SZ, "program headers lie outside the file");
	make_valid(&m);
	eh(&m)->e_phnum = 0;
	expect_reject(&m, FILE_SZ, "no program headers");
}

static void test_segment_outside_file(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 1)->p_filesz = 0x1001;
	expect_reject(&m, FILE_SZ, "a PT_LOAD segment lies outside the file");
	make_valid(&m);
	ph(&m, 1)->p_offset = ~0ULL - 0x10;	/* offset + filesz wraps */
	expect_reject(&m, FILE_SZ, "a PT_LOAD segment lies outside the file");
}

static void test_filesz_above_memsz(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 1)->p_memsz = 0x800;
	expect_reject(&m, FILE_SZ, "a PT_LOAD segment has p_filesz > p_memsz");
}

static void test_unaligned_base(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 0)->p_vaddr = BASE + 0x100000;	/* 1 MiB, not 2 MiB */
	ph(&m, 1)->p_vaddr = BASE + 0x101000;
	eh(&m)->e_entry = ph(&m, 0)->p_vaddr;
	expect_reject(&m, FILE_SZ, "lowest PT_LOAD is not 2 MiB aligned");
}

static void test_overlap(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 1)->p_vaddr = BASE + 0xfff;
	expect_reject(&m, FILE_SZ, "PT_LOAD segments overlap");
}

static void test_span_too_big(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 1)->p_memsz = 0x40000000;	/* ends 1 GiB + 4 KiB up */
	expect_reject(&m, FILE_SZ, "image spans more than 1 GiB");
	make_valid(&m);
	ph(&m, 1)->p_vaddr = ~0ULL - 0xfff;
	ph(&m, 1)->p_memsz = 0x2000;
	expect_reject(&m, FILE_SZ, "a PT_LOAD segment wraps the address space");
}

static void test_no_load(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	ph(&m, 0)->p_type = 4;	/* PT_NOTE */
	ph(&m, 1)->p_type = 6;	/* PT_PHDR */
	expect_reject(&m, FILE_SZ, "no PT_LOAD segment");
}

static void test_bad_entry(void **state)
{
	struct img m;

	(void)state;
	make_valid(&m);
	eh(&m)->e_entry = BASE + 0x1010;	/* in the RW data segment */
	expect_reject(&m, FILE_SZ,
		      "entry point is not inside an executable PT_LOAD");
	eh(&m)->e_entry = BASE + 0x100000;	/* in no segment */
	expect_reject(&m, FILE_SZ,
		      "entry point is not inside an executable PT_LOAD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_phdrs_outside_file),
		cmocka_unit_test(test_segment_outside_file),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_unaligned_base),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_span_too_big),
		cmocka_unit_test(test_no_load),
		cmocka_unit_test(test_bad_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
