/*
 * kho/test/dump.c - "Inspecting a handoff": emit, through the results channel,
 * every byte a kernel hands to the next one (kho.dump=1).
 *
 * DOC: the handoff dump
 *
 * Right before the kexec, kho_dump_emit() writes the root FDT, each
 * subsystem's FDT, the kho_data record, the scratch array, every chunk and
 * bitmap page of the preserved-memory list and the sender's own list of
 * preserved blocks as "kho_dump" records: pieces of named files, at most
 * DUMP_PIECE_MAX data bytes each as hex (so a line stays well below
 * JSON_LINE_MAX), runs of zero bytes as one "zero" record, text as "text".
 * Every piece carries its file's total size and its own offset, so the host
 * (tools/kho-dump.py) can tell a complete file from one with a gap.  A
 * final "kho_dump_end" record counts files and bytes.
 *
 * The dump only reads: it runs after the handoff is final and before the
 * CPUs are parked, allocates nothing and cannot change what is handed over.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include "kho_test_internal.h"
#include <kernel/io.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/tsc.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#define DUMP_PIECE_MAX		448		/* data bytes per hex record */
#define DUMP_TEXT_MAX		320		/* raw bytes per text record */
#define DUMP_NAME_MAX		64		/* "subtrees/<31 chars>.dtb" fits */
#define DUMP_SUBTREE_MAX	(1ULL << 20)	/* refuse a subtree blob over 1 MiB */

/* struct dump_ctx - what one dump has written so far. */
struct dump_ctx {
	u64 gen;
	u64 files;
	u64 bytes;
	u64 errors;
};

/* piece_begin - start the kho_dump record for the piece of @name at @off (file size @size). */
static void piece_begin(struct json_line *j, const struct dump_ctx *c, const char *name,
			u64 off, u64 size)
{
	json_begin(j, "kho_dump");
	json_u64(j, "gen", c->gen);
	json_str(j, "file", name);
	json_u64(j, "offset", off);
	json_u64(j, "size", size);
}

/*
 * piece_bytes - data bytes per hex record for a file called @name: the
 * line must hold the record's keys, the name, 20-digit numbers and twice
 * the data.  A multiple of 16, at most DUMP_PIECE_MAX.
 */
static u64 piece_bytes(const char *name)
{
	u64 fixed = 150 + strlen(name);
	u64 n = (JSON_LINE_MAX - fixed) / 2;

	n &= ~15ULL;
	return n < DUMP_PIECE_MAX ? n : DUMP_PIECE_MAX;
}

/* all_zero - are the @n bytes at @p zero? */
static bool all_zero(const u8 *p, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * dump_bytes - emit file @name: the @size bytes at @data, in hex pieces,
 * with runs of all-zero pieces folded into one "zero" record.
 */
static void dump_bytes(struct dump_ctx *c, const char *name, const void *data, u64 size)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * DUMP_PIECE_MAX + 1];
	const u8 *p = data;
	u64 per = piece_bytes(name);
	u64 off = 0;
	struct json_line j;

	while (off < size) {
		u64 n = size - off < per ? size - off : per;

		if (all_zero(p + off, n)) {
			u64 run = n;

			while (off + run < size) {
				u64 m = size - off - run < per ? size - off - run : per;

				if (!all_zero(p + off + run, m))
					break;
				run += m;
			}
			piece_begin(&j, c, name, off, size);
			json_u64(&j, "zero", run);
			json_end(&j);
			off += run;
			continue;
		}
		for (u64 i = 0; i < n; i++) {
			hex[2 * i] = digits[p[off + i] >> 4];
			hex[2 * i + 1] = digits[p[off + i] & 15];
		}
		hex[2 * n] = '\0';
		piece_begin(&j, c, name, off, size);
		json_str(&j, "hex", hex);
		json_end(&j);
		off += n;
	}
	if (!size) {		/* an empty file still exists */
		piece_begin(&j, c, name, 0, 0);
		json_u64(&j, "zero", 0);
		json_end(&j);
	}
	c->files++;
	c->bytes += size;
}

/* dump_page - emit the page at physical @phys as pages/0x<phys>.bin. */
static void dump_page(struct dump_ctx *c, u64 phys)
{
	char name[DUMP_NAME_MAX];

	snprintf(name, sizeof(name), "pages/0x%llx.bin", (unsigned long long)phys);
	dump_bytes(c, name, __va(phys), PAGE_SIZE);
}

/* subtree_name_ok - @s is 1..KHO_SUBTREE_NAME_MAX of [A-Za-z0-9,._+-], not "." or "..". */
static bool subtree_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > KHO_SUBTREE_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++) {
		char ch = *s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(",._+-", ch)))
			return false;
	}
	return true;
}

/*
 * dump_subtrees - for every child node of @fdt whose wire-format
 * properties name a blob: subtrees/<name>.dtb for an FDT, or
 * subtrees/<name>.bin (blob-size bytes) for any other kho-v4 blob.
 */
static void dump_subtrees(struct dump_ctx *c, const void *fdt)
{
	const struct kho_abi *abi = kho_abi_send();
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *nm = fdt_get_name(fdt, node, NULL);
		char name[DUMP_NAME_MAX];
		const void *blob;
		u64 phys, size;

		if (!nm || !subtree_name_ok(nm)) {
			pr_err("dump: subtree node with an unusable name skipped\n");
			c->errors++;
			continue;
		}
		if (abi->read_subtree(fdt, node, &phys, &size)) {
			pr_err("dump: subtree '%s' does not name its blob\n", nm);
			c->errors++;
			continue;
		}
		blob = __va(phys);
		if (phys && size && size <= DUMP_SUBTREE_MAX && fdt_check_header(blob)) {
			/* kho-v4 blobs need not be FDTs: blob-size bytes as they are */
			snprintf(name, sizeof(name), "subtrees/%s.bin", nm);
			dump_bytes(c, name, blob, size);
			continue;
		}
		if (!phys || fdt_check_header(blob) || fdt_totalsize(blob) > DUMP_SUBTREE_MAX) {
			pr_err("dump: subtree '%s' at 0x%llx is not a usable FDT\n", nm,
			       (unsigned long long)phys);
			c->errors++;
			continue;
		}
		snprintf(name, sizeof(name), "subtrees/%s.dtb", nm);
		dump_bytes(c, name, blob, fdt_totalsize(blob));
	}
}

/* dump_map_page - for_each_map_page callback: one page of the encoded map. */
static int dump_map_page(u64 phys, void *arg)
{
	dump_page(arg, phys);
	return 0;
}

/* dump_mem_map - emit every page of the encoded preserved-memory map at @map. */
static void dump_mem_map(struct dump_ctx *c, u64 map)
{
	if (kho_abi_send()->for_each_map_page(map, dump_map_page, c)) {
		pr_err("dump: preserved-memory map at 0x%llx is malformed; dumped what could be read\n",
		       (unsigned long long)map);
		c->errors++;
	}
}

/* struct text_ctx - preserved.txt, built in pieces (len only when counting). */
struct text_ctx {
	struct dump_ctx *c;
	u64 size;		/* total, from the counting pass */
	u64 off;		/* bytes emitted so far */
	char buf[DUMP_TEXT_MAX + 1];
	size_t len;
	bool counting;
};

/* text_flush - emit what @t holds as one "text" record. */
static void text_flush(struct text_ctx *t)
{
	struct json_line j;

	if (!t->len)
		return;
	t->buf[t->len] = '\0';
	piece_begin(&j, t->c, "preserved.txt", t->off, t->size);
	json_str(&j, "text", t->buf);
	json_end(&j);
	t->off += t->len;
	t->len = 0;
}

/* text_block - kho_for_each_preserved() callback: one "0x<phys> <order>" line. */
static int text_block(phys_addr_t phys, unsigned int order, void *arg)
{
	struct text_ctx *t = arg;
	char line[40];
	int n = snprintf(line, sizeof(line), "0x%llx %u\n", (unsigned long long)phys, order);

	if (t->counting) {
		t->size += (u64)n;
		return 0;
	}
	if (t->len + (size_t)n > DUMP_TEXT_MAX)
		text_flush(t);
	memcpy(t->buf + t->len, line, (size_t)n);
	t->len += (size_t)n;
	return 0;
}

/* dump_preserved - emit preserved.txt from the sender's own tracking. */
static void dump_preserved(struct dump_ctx *c)
{
	static struct text_ctx t;	/* big for a stack; one dump at a time */
	struct json_line j;

	memset(&t, 0, sizeof(t));
	t.c = c;
	t.counting = true;
	kho_for_each_preserved(text_block, &t);
	t.counting = false;
	kho_for_each_preserved(text_block, &t);
	text_flush(&t);
	if (t.off != t.size) {
		pr_err("dump: preserved.txt changed while dumping (%llu of %llu bytes)\n",
		       (unsigned long long)t.off, (unsigned long long)t.size);
		c->errors++;
	}
	if (!t.size) {
		piece_begin(&j, c, "preserved.txt", 0, 0);
		json_str(&j, "text", "");
		json_end(&j);
	}
	c->files++;
	c->bytes += t.size;
}

/* kho_dump_emit - see kho_dump.h. */
void kho_dump_emit(u64 gen, u64 fdt_phys, const struct kho_data *kd)
{
	struct dump_ctx c = { .gen = gen };
	u64 t0 = rdtsc();
	const void *fdt;
	struct json_line j;
	u64 scratch_bytes = (u64)kho_nr_scratch * sizeof(struct kho_scratch);

	if (!kho_cfg.dump)
		return;
	fdt = fdt_phys ? __va(fdt_phys) : NULL;
	if (!fdt || fdt_check_header(fdt) || fdt_totalsize(fdt) > KHO_FDT_SIZE) {
		pr_err("dump: root FDT at 0x%llx is not valid; dumping the rest\n",
		       (unsigned long long)fdt_phys);
		c.errors++;
		fdt = NULL;
	}
	if (fdt)
		dump_bytes(&c, "root.dtb", fdt, fdt_totalsize(fdt));
	dump_bytes(&c, "kho_data.bin", kd, sizeof(*kd));
	if (kd->scratch_size != scratch_bytes) {
		pr_err("dump: kho_data.scratch_size %llu, but %d scratch areas are in use\n",
		       (unsigned long long)kd->scratch_size, kho_nr_scratch);
		c.errors++;
	}
	dump_bytes(&c, "scratch.bin", kho_scratch, scratch_bytes);
	if (fdt) {
		const void *prop;
		int len;
		u64 map;

		dump_subtrees(&c, fdt);
		prop = fdt_getprop(fdt, 0, KHO_PROP_PRESERVED, &len);
		if (prop && len == sizeof(u64)) {
			memcpy(&map, prop, sizeof(map));
			dump_mem_map(&c, map);
		} else {
			pr_err("dump: root FDT has no 8-byte %s\n", KHO_PROP_PRESERVED);
			c.errors++;
		}
	}
	dump_preserved(&c);

	json_begin(&j, "kho_dump_end");
	json_u64(&j, "gen", gen);
	json_u64(&j, "files", c.files);
	json_u64(&j, "bytes", c.bytes);
	json_u64(&j, "errors", c.errors);
	json_u64(&j, "dump_ns", tsc_to_ns(rdtsc() - t0));
	json_end(&j);
	pr_info("dump: generation %llu handed over %llu files, %llu bytes (%llu errors)\n",
		(unsigned long long)gen, (unsigned long long)c.files,
		(unsigned long long)c.bytes, (unsigned long long)c.errors);
}
