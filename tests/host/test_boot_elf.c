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
#include "case_table.h"

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

/* One field written into a valid image: @len bytes, little-endian, at @off. */
struct img_patch {
	u32 off, len;
	u64 val;
};

#define EH(f, v)	{ offsetof(struct elf64_ehdr, f), sizeof(((struct elf64_ehdr *)0)->f), (v) }
#define PH(i, f, v)	{ 64 + (i) * 56 + offsetof(struct elf64_phdr, f),		\
			  sizeof(((struct elf64_phdr *)0)->f), (v) }
#define IDENT(i, v)	{ (i), 1, (v) }

/*
 * struct elf_reject - make_valid() with up to three fields changed, checked
 * as a file of @len bytes (0: FILE_SZ), must be refused with exactly @why.
 */
struct elf_reject {
	const char *name;
	u64 len;
	struct img_patch patch[3];
	const char *why;
};

static struct elf_reject elf_rejects[] = {
	{ .name = "test_file_too_small", .len = 63,
	  .why = "file too small for an ELF header" },
	{ .name = "test_bad_magic", .patch = { IDENT(1, 'X') }, .why = "bad ELF magic" },
	{ .name = "test_not_elfclass64", .patch = { IDENT(ELF_EI_CLASS, 1) },
	  .why = "not ELFCLASS64" },
	{ .name = "test_not_little_endian", .patch = { IDENT(ELF_EI_DATA, 2) },
	  .why = "not little endian" },
	{ .name = "test_unknown_elf_version", .patch = { EH(e_version, 2) },
	  .why = "unknown ELF version" },
	{ .name = "test_not_x86_64", .patch = { EH(e_machine, 3) },
	  .why = "machine is not x86-64" },
	{ .name = "test_not_et_exec", .patch = { EH(e_type, 3) },	/* ET_DYN */
	  .why = "not an executable (ET_EXEC)" },
	{ .name = "test_bad_phentsize", .patch = { EH(e_phentsize, 32) },
	  .why = "unexpected program header size" },
	{ .name = "test_phdrs_past_end", .patch = { EH(e_phoff, FILE_SZ - 56) },
	  .why = "program headers lie outside the file" },
	{ .name = "test_phdrs_offset_wraps", .patch = { EH(e_phoff, ~0ULL - 8) },
	  .why = "program headers lie outside the file" },
	{ .name = "test_no_phdrs", .patch = { EH(e_phnum, 0) }, .why = "no program headers" },
	{ .name = "test_segment_past_end", .patch = { PH(1, p_filesz, 0x1001) },
	  .why = "a PT_LOAD segment lies outside the file" },
	{ .name = "test_segment_offset_wraps",	/* offset + filesz wraps */
	  .patch = { PH(1, p_offset, ~0ULL - 0x10) },
	  .why = "a PT_LOAD segment lies outside the file" },
	{ .name = "test_filesz_above_memsz", .patch = { PH(1, p_memsz, 0x800) },
	  .why = "a PT_LOAD segment has p_filesz > p_memsz" },
	{ .name = "test_unaligned_base",	/* 1 MiB, not 2 MiB */
	  .patch = { PH(0, p_vaddr, BASE + 0x100000), PH(1, p_vaddr, BASE + 0x101000),
		     EH(e_entry, BASE + 0x100000) },
	  .why = "lowest PT_LOAD is not 2 MiB aligned" },
	{ .name = "test_overlap", .patch = { PH(1, p_vaddr, BASE + 0xfff) },
	  .why = "PT_LOAD segments overlap" },
	{ .name = "test_span_too_big",		/* ends 1 GiB + 4 KiB up */
	  .patch = { PH(1, p_memsz, 0x40000000) }, .why = "image spans more than 1 GiB" },
	{ .name = "test_segment_wraps",
	  .patch = { PH(1, p_vaddr, ~0ULL - 0xfff), PH(1, p_memsz, 0x2000) },
	  .why = "a PT_LOAD segment wraps the address space" },
	{ .name = "test_no_load", .patch = { PH(0, p_type, 4), PH(1, p_type, 6) },	/* NOTE, PHDR */
	  .why = "no PT_LOAD segment" },
	{ .name = "test_entry_in_data", .patch = { EH(e_entry, BASE + 0x1010) },	/* RW segment */
	  .why = "entry point is not inside an executable PT_LOAD" },
	{ .name = "test_entry_in_no_segment", .patch = { EH(e_entry, BASE + 0x100000) },
	  .why = "entry point is not inside an executable PT_LOAD" },
};

/* test_rejected - one elf_rejects[] row (in *state). */
static void test_rejected(void **state)
{
	const struct elf_reject *r = *state;
	struct elf_image out;
	struct img m;

	make_valid(&m);
	for (int i = 0; i < 3 && r->patch[i].len; i++)
		memcpy(m.bytes + r->patch[i].off, &r->patch[i].val, r->patch[i].len);
	assert_int_equal(elf_check(m.bytes, r->len ? r->len : FILE_SZ, &out), -ENOEXEC);
	assert_string_equal(out.reason, r->why);
}

int main(void)
{
	struct CMUnitTest tests[1 + ARRAY_SIZE(elf_rejects)] = {
		cmocka_unit_test(test_valid_image),
	};
	size_t n = CASE_TABLE_ADD(tests, 1, elf_rejects, test_rejected, NULL, NULL);

	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
