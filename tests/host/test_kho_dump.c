/*
 * tests/host/test_kho_dump.c - decode a KHO handoff dump (run-qemu.sh
 * --kho-dump DIR, then DIR/gen<G>) with hosted libfdt and check it against
 * the wire format its root FDT names (kho-v1 or kho-v4) and against the
 * sender's own list of preserved blocks.
 *
 *   build/host/test_kho_dump DIR/gen0   check a real dump; exit 0 ok, 1 not
 *   build/host/test_kho_dump            cmocka self-test: a synthetic dump
 *                                       of each format passes, and each
 *                                       defect planted in a copy of it is
 *                                       caught
 *
 * What is checked (docs/kho-dump.md):
 *  - root.dtb: a whole valid FDT (fdt_check_full), no memory reservations,
 *    compatible exactly "kho-v1" or "kho-v4", preserved-memory-map 8 bytes
 *    (native little-endian);
 *  - kho-v1: the chunk list from preserved-memory-map: every chunk and
 *    bitmap a dumped 4096-byte page, hdr.order <= 10 and ascending along
 *    the list, num_elms <= 255, phys_start aligned to what one bitmap
 *    covers and ascending per order, hdr.next 0 or a dumped page; the
 *    bitmaps decoded to (phys_start + bit * (4096 << order), order);
 *  - kho-v4: the radix tree from preserved-memory-map (never 0): the root
 *    and every table and leaf a dumped, page-aligned 4096-byte page, only
 *    root entries 0..3 used, no page reached twice; every leaf bit decoded
 *    to key = (leaf prefix << 15) | bit, key != 0, order = 52 - the key's
 *    highest bit <= 10 (what kholab sends), phys = the bits below it
 *    << (12 + order);
 *  - both: the decoded blocks equal preserved.txt exactly, no two blocks
 *    overlap; no page of the map is below 1 MiB, in a scratch area or in a
 *    preserved block; no dumped page is left unreached;
 *  - each root child node: kho-v1 an 8-byte "fdt" property and a dumped
 *    subtrees/<name>.dtb that is a valid FDT; kho-v4 8-byte
 *    "preserved-data" and "blob-size" (non-zero) and either
 *    subtrees/<name>.dtb (a valid FDT) or subtrees/<name>.bin, of exactly
 *    blob-size bytes (the blob's length); the blob's pages
 *    preserved; no dumped subtree without a node.  kho-v4 handoffs carry a
 *    "kexec-metadata" blob: version 1, at least 73 bytes, a NUL-terminated
 *    release, kexec_count >= 1;
 *  - kho_data.bin = {fdt_addr, 4096, scratch_addr, scratch_size} with
 *    scratch_size = size of scratch.bin, 16 bytes per entry, at least 3
 *    entries, each page aligned (kho-v4: 4 MiB aligned in address and
 *    size); the root FDT page is preserved; no preserved block lies in a
 *    scratch area.
 *
 * LDLIBS: -lfdt
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libfdt.h>

#include <kholab/kho_abi.h>
#include <kholab/bootinfo.h>
#include "shim.h"
#include "case_table.h"

#define DUMP_PAGE	4096
#define MAX_PAGES	65536
#define MAX_BLOCKS	(1u << 20)

/* struct blk - one preserved block. */
struct blk {
	u64 phys;
	u32 order;
};

/* struct check - one dump being checked: what failed first, and counts. */
struct check {
	const char *dir;
	int failures;
	char first[512];
	bool quiet;
	bool v4;			/* root.dtb says kho-v4 */
	u64 chunks, bitmaps;		/* kho-v1 */
	u64 tables, leaves;		/* kho-v4 (the root counts as a table) */
	u64 subtrees, blocks, scratch;
};

/* defect - record one failure (the first one is kept for the caller). */
static void __attribute__((format(printf, 2, 3))) defect(struct check *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->failures++)
		snprintf(c->first, sizeof(c->first), "%s", msg);
	if (!c->quiet)
		fprintf(stderr, "kho-dump-check: FAIL: %s: %s\n", c->dir, msg);
}

/*
 * read_file - read @dir/@name into a new buffer (*@len bytes).
 * Return: the buffer (free it), or NULL if it cannot be read.
 */
static u8 *read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	u8 *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* le64 - the little-endian u64 at @p (x86-64 native order, spelled out). */
static u64 le64(const void *p)
{
	const u8 *b = p;
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* le32 - the little-endian u32 at @p. */
static u32 le32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

/* struct pageset - the dumped pages/0x<phys>.bin, and which were reached. */
struct pageset {
	u64 *phys;
	bool *used;
	size_t n;
};

/* cmp_u64 - qsort order for u64. */
static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* load_pages - list @dir/pages; 0, or -1 after defect() for a stray name. */
static int load_pages(struct check *c, struct pageset *ps)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	ps->phys = calloc(MAX_PAGES, sizeof(*ps->phys));
	ps->used = calloc(MAX_PAGES, sizeof(*ps->used));
	ps->n = 0;
	if (!ps->phys || !ps->used)
		return -1;
	snprintf(path, sizeof(path), "%s/pages", c->dir);
	d = opendir(path);
	if (!d)
		return 0;		/* nothing preserved: no pages */
	while ((de = readdir(d))) {
		unsigned long long v;
		char tail[8];

		if (de->d_name[0] == '.')
			continue;
		if (sscanf(de->d_name, "0x%llx%7s", &v, tail) != 2 || strcmp(tail, ".bin") ||
		    ps->n == MAX_PAGES) {
			defect(c, "pages/%s: not a pages/0x<phys>.bin name", de->d_name);
			continue;
		}
		ps->phys[ps->n++] = v;
	}
	closedir(d);
	qsort(ps->phys, ps->n, sizeof(*ps->phys), cmp_u64);
	return 0;
}

/*
 * get_page - the dumped page at @phys (4096 bytes, to free), marking it
 * used; NULL after defect() when @phys is not page aligned, was not
 * dumped, is not one page, or was reached before (a cycle, or a page
 * shared by two parts of the map).
 */
static u8 *get_page(struct check *c, struct pageset *ps, u64 phys, const char *what)
{
	u64 *hit = bsearch(&phys, ps->phys, ps->n, sizeof(*ps->phys), cmp_u64);
	char name[64];
	size_t len;
	u8 *p;

	if (phys & (DUMP_PAGE - 1)) {
		defect(c, "%s 0x%llx is not page aligned", what, (unsigned long long)phys);
		return NULL;
	}
	if (!hit) {
		defect(c, "%s 0x%llx: no pages/0x%llx.bin in the dump", what,
		     (unsigned long long)phys, (unsigned long long)phys);
		return NULL;
	}
	if (ps->used[hit - ps->phys]) {
		defect(c, "%s 0x%llx is reached twice from preserved-memory-map", what,
		       (unsigned long long)phys);
		return NULL;
	}
	ps->used[hit - ps->phys] = true;
	snprintf(name, sizeof(name), "pages/0x%llx.bin", (unsigned long long)phys);
	p = read_file(c->dir, name, &len);
	if (!p || len != DUMP_PAGE) {
		defect(c, "%s: %zu bytes, a page is %d", name, p ? len : 0, DUMP_PAGE);
		free(p);
		return NULL;
	}
	return p;
}

/* cmp_blk - order of kho_for_each_preserved(): by order, then address. */
static int cmp_blk(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* cmp_blk_addr - by address. */
static int cmp_blk_addr(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* add_block - append (@phys, @order) to @out (*@n); false after defect() when full. */
static bool add_block(struct check *c, struct blk *out, u64 *n, u64 phys, u32 order)
{
	if (*n == MAX_BLOCKS) {
		defect(c, "more than %u preserved blocks", MAX_BLOCKS);
		return false;
	}
	out[*n].phys = phys;
	out[(*n)++].order = order;
	return true;
}

/*
 * walk_chunks - decode the kho-v1 chunk list from @first into @out (*@n
 * blocks).  Every defect is reported through defect().
 */
static void walk_chunks(struct check *c, struct pageset *ps, u64 first, struct blk *out, u64 *n)
{
	u64 phys = first, last_start[KHO_MAX_ORDER + 1];
	bool seen_order[KHO_MAX_ORDER + 1] = { false };
	int prev_order = -1;

	while (phys) {
		u8 *pg = get_page(c, ps, phys, "chunk");
		u64 next;
		u32 order, elms;

		if (!pg)
			return;
		c->chunks++;
		next = le64(pg + offsetof(struct khoser_mem_chunk_hdr, next));
		order = le32(pg + offsetof(struct khoser_mem_chunk_hdr, order));
		elms = le32(pg + offsetof(struct khoser_mem_chunk_hdr, num_elms));
		if (order > KHO_MAX_ORDER) {
			defect(c, "chunk 0x%llx: order %u > %d", (unsigned long long)phys, order,
			     KHO_MAX_ORDER);
			free(pg);
			return;
		}
		if ((int)order < prev_order)
			defect(c, "chunk 0x%llx: order %u after order %d (orders must ascend)",
			     (unsigned long long)phys, order, prev_order);
		prev_order = (int)order;
		if (elms > KHOSER_BITMAP_SIZE) {
			defect(c, "chunk 0x%llx: num_elms %u > %zu", (unsigned long long)phys, elms,
			     (size_t)KHOSER_BITMAP_SIZE);
			elms = KHOSER_BITMAP_SIZE;
		}
		for (u32 i = 0; i < elms; i++) {
			const u8 *e = pg + offsetof(struct khoser_mem_chunk, bitmaps) +
				      i * sizeof(struct khoser_mem_bitmap_ptr);
			u64 start = le64(e + offsetof(struct khoser_mem_bitmap_ptr, phys_start));
			u64 bmp = le64(e + offsetof(struct khoser_mem_bitmap_ptr, bitmap));
			u64 span = (u64)PRESERVE_BITS * (DUMP_PAGE << order);
			u8 *bits;

			if (start % span)
				defect(c, "chunk 0x%llx bitmap %u: phys_start 0x%llx is not a multiple of 0x%llx (order %u)",
				     (unsigned long long)phys, i, (unsigned long long)start,
				     (unsigned long long)span, order);
			if (seen_order[order] && start <= last_start[order])
				defect(c, "chunk 0x%llx bitmap %u: phys_start 0x%llx not above the previous order-%u bitmap's 0x%llx",
				     (unsigned long long)phys, i, (unsigned long long)start, order,
				     (unsigned long long)last_start[order]);
			seen_order[order] = true;
			last_start[order] = start;
			bits = get_page(c, ps, bmp, "bitmap");
			if (!bits)
				continue;
			c->bitmaps++;
			for (u32 b = 0; b < PRESERVE_BITS; b++)
				if (bits[b / 8] & (1u << (b % 8)) &&
				    !add_block(c, out, n, start + (u64)b * (DUMP_PAGE << order), order))
					break;
			free(bits);
		}
		free(pg);
		phys = next;
	}
}

/* walk_leaf - decode every set bit of the kho-v4 leaf @bits of key prefix @prefix. */
static void walk_leaf(struct check *c, u64 leaf, const u8 *bits, u64 prefix, struct blk *out,
		      u64 *n)
{
	for (u32 b = 0; b < KHO_V4_LEAF_BITS; b++) {
		u64 key = prefix << KHO_V4_LEAF_SHIFT | b;
		u32 order;

		if (!(bits[b / 8] & (1u << (b % 8))))
			continue;
		if (!key) {
			defect(c, "leaf 0x%llx bit 0: key 0 has no order bit", (unsigned long long)leaf);
			continue;
		}
		order = KHO_V4_ORDER0_BIT - (63u - (u32)__builtin_clzll(key));
		if (order > KHO_MAX_ORDER) {
			defect(c, "leaf 0x%llx bit %u: key 0x%llx is of order %u, above the %d kholab sends",
			       (unsigned long long)leaf, b, (unsigned long long)key, order, KHO_MAX_ORDER);
			continue;
		}
		/* the order bit falls off the top */
		if (!add_block(c, out, n, key << (12 + order), order))
			return;
	}
}

/*
 * walk_table - the kho-v4 table at @phys of @level (KHO_V4_LEVELS = the
 * root, 0 = a leaf) whose keys start with @prefix (key >> 15): every child,
 * entries ascending, decoded into @out (*@n).
 */
static void walk_table(struct check *c, struct pageset *ps, u64 phys, int level, u64 prefix,
		       struct blk *out, u64 *n)
{
	u8 *pg = get_page(c, ps, phys, !level ? "leaf" : level == KHO_V4_LEVELS ? "radix root" :
				       "table");

	if (!pg)
		return;
	if (!level) {
		c->leaves++;
		walk_leaf(c, phys, pg, prefix, out, n);
		free(pg);
		return;
	}
	c->tables++;
	for (u32 i = 0; i < KHO_V4_TABLE_ENTRIES; i++) {
		u64 child = le64(pg + 8 * i);

		if (!child)
			continue;
		if (level == KHO_V4_LEVELS && i > 3) {
			defect(c, "radix root 0x%llx entry %u is set: keys of 2^53 and more",
			       (unsigned long long)phys, i);
			continue;
		}
		walk_table(c, ps, child, level - 1,
			   prefix | (u64)i << (KHO_V4_TABLE_SHIFT * (level - 1)), out, n);
	}
	free(pg);
}

/* walk_tree - decode the kho-v4 radix tree at @root into @out (*@n blocks). */
static void walk_tree(struct check *c, struct pageset *ps, u64 root, struct blk *out, u64 *n)
{
	if (!root)
		defect(c, "root.dtb: preserved-memory-map is 0 (kho-v4 needs a radix root)");
	else
		walk_table(c, ps, root, KHO_V4_LEVELS, 0, out, n);
}

/*
 * read_preserved - parse preserved.txt ("0x<phys> <order>" lines) into
 * @out (*@n).  Return: 0, or -1 after defect().
 */
static int read_preserved(struct check *c, struct blk *out, u64 *n)
{
	size_t len;
	u8 *txt = read_file(c->dir, "preserved.txt", &len);
	char *line, *save = NULL;
	u64 lineno = 0;

	*n = 0;
	if (!txt) {
		defect(c, "preserved.txt is missing");
		return -1;
	}
	txt[len] = '\0';
	if (len && txt[len - 1] != '\n')
		defect(c, "preserved.txt does not end with a newline (truncated?)");
	for (line = strtok_r((char *)txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long phys;
		unsigned int order;
		int used = 0;

		lineno++;
		if (sscanf(line, "0x%llx %u%n", &phys, &order, &used) != 2 ||
		    line[used] != '\0' || order > KHO_MAX_ORDER || *n == MAX_BLOCKS) {
			defect(c, "preserved.txt:%llu: '%.60s' is not '0x<phys> <order 0..10>'",
			     (unsigned long long)lineno, line);
			continue;
		}
		out[*n].phys = phys;
		out[(*n)++].order = order;
	}
	free(txt);
	return 0;
}

/* in_blocks - the block of @b (@n, by address) that holds byte @p, or NULL. */
static const struct blk *in_blocks(const struct blk *b, u64 n, u64 p)
{
	for (u64 i = 0; i < n; i++)
		if (p >= b[i].phys && p < b[i].phys + ((u64)DUMP_PAGE << b[i].order))
			return &b[i];
	return NULL;
}

/* covered - is every page of [@phys, @phys + @len) inside one of @b (by address)? */
static bool covered(const struct blk *b, u64 n, u64 phys, u64 len)
{
	for (u64 p = phys & ~(u64)(DUMP_PAGE - 1); p < phys + len; p += DUMP_PAGE)
		if (!in_blocks(b, n, p))
			return false;
	return true;
}

/* compare_blocks - the decoded map (@walked) against preserved.txt (@listed), both sorted by cmp_blk. */
static void compare_blocks(struct check *c, const struct blk *walked, u64 nwalked,
			   const struct blk *listed, u64 nlisted)
{
	const char *map = c->v4 ? "the radix tree's leaves" : "the bitmaps";
	u64 i;

	for (i = 0; i < nwalked && i < nlisted; i++)
		if (cmp_blk(&walked[i], &listed[i]))
			break;
	if (i == nwalked && i == nlisted)
		return;
	if (i < nwalked && (i == nlisted || cmp_blk(&walked[i], &listed[i]) < 0))
		defect(c, "%s preserve 0x%llx order %u, preserved.txt does not (%llu blocks in the map, %llu listed)",
		       map, (unsigned long long)walked[i].phys, walked[i].order,
		       (unsigned long long)nwalked, (unsigned long long)nlisted);
	else
		defect(c, "preserved.txt lists 0x%llx order %u, %s do not (%llu blocks in the map, %llu listed)",
		       (unsigned long long)listed[i].phys, listed[i].order, map,
		       (unsigned long long)nwalked, (unsigned long long)nlisted);
}

/* scratch_of - the scratch area of @scr (@slen bytes) holding byte @p, or -1. */
static long scratch_of(const u8 *scr, size_t slen, u64 p)
{
	for (size_t e = 0; scr && e + sizeof(struct kho_scratch) <= slen; e += sizeof(struct kho_scratch)) {
		u64 a = le64(scr + e), sz = le64(scr + e + 8);

		if (p >= a && p - a < sz)
			return (long)(e / sizeof(struct kho_scratch));
	}
	return -1;
}

/*
 * check_map_pages - every page reached from preserved-memory-map is one the
 * receiver may read while it allocates from scratch only: above 1 MiB, in
 * no scratch area, and no preserved block; every dumped page was reached.
 */
static void check_map_pages(struct check *c, const struct pageset *ps, const struct blk *byaddr,
			    u64 nblk, const u8 *scr, size_t slen)
{
	for (size_t i = 0; i < ps->n; i++) {
		u64 p = ps->phys[i];
		const struct blk *b = in_blocks(byaddr, nblk, p);

		if (!ps->used[i])
			defect(c, "pages/0x%llx.bin: not reached from preserved-memory-map",
			       (unsigned long long)p);
		else if (p < (1ULL << 20))
			defect(c, "map page 0x%llx is below 1 MiB (scratch on x86)", (unsigned long long)p);
		else if (scratch_of(scr, slen, p) >= 0)
			defect(c, "map page 0x%llx lies in scratch[%ld]", (unsigned long long)p,
			       scratch_of(scr, slen, p));
		else if (b)
			defect(c, "map page 0x%llx lies in the preserved block 0x%llx (order %u)",
			       (unsigned long long)p, (unsigned long long)b->phys, b->order);
	}
}

/*
 * check_metadata - the kexec-metadata blob @m of @len bytes (blob-size
 * @size): version 1, 73 bytes at least, a NUL-terminated release, a
 * kexec_count of at least 1.
 */
static void check_metadata(struct check *c, const u8 *m, size_t len, u64 size)
{
	const size_t want = sizeof(struct kho_kexec_metadata);

	if (len < want || size < want) {
		defect(c, "kexec-metadata: %zu bytes, blob-size %llu; the blob is %zu", len,
		       (unsigned long long)size, want);
		return;
	}
	if (le32(m + offsetof(struct kho_kexec_metadata, version)) != KHO_KEXEC_METADATA_VERSION)
		defect(c, "kexec-metadata: version %u, want %d",
		       le32(m + offsetof(struct kho_kexec_metadata, version)),
		       KHO_KEXEC_METADATA_VERSION);
	else if (!memchr(m + offsetof(struct kho_kexec_metadata, previous_release), 0,
			 sizeof(((struct kho_kexec_metadata *)0)->previous_release)))
		defect(c, "kexec-metadata: the release string is not NUL-terminated");
	else if (!le32(m + offsetof(struct kho_kexec_metadata, kexec_count)))
		defect(c, "kexec-metadata: kexec_count 0 (the first kexec counts 1)");
}

/*
 * read_blob_prop - @c's format's blob address (*@phys) and, for kho-v4,
 * blob-size (*@size; 0 for kho-v1) of node @node called @nm.
 * Return: 0, or -1 after defect().
 */
static int read_blob_prop(struct check *c, const void *fdt, int node, const char *nm, u64 *phys,
			  u64 *size)
{
	const char *pn = c->v4 ? KHO_V4_PROP_DATA : KHO_PROP_SUBTREE_FDT;
	int len, slen;
	const void *p = fdt_getprop(fdt, node, pn, &len);
	const void *s = fdt_getprop(fdt, node, KHO_V4_PROP_SIZE, &slen);

	if (!p || len != 8) {
		defect(c, "root.dtb: node '%s': %s property %s (want 8 bytes)", nm, pn,
		       p ? "has the wrong length" : "is missing");
		return -1;
	}
	*phys = le64(p);
	*size = 0;
	if (!c->v4)
		return 0;
	if (!s || slen != 8 || !le64(s)) {
		defect(c, "root.dtb: node '%s': %s %s (want 8 bytes, non-zero)", nm,
		       KHO_V4_PROP_SIZE, !s ? "is missing" : slen != 8 ? "has the wrong length" : "is 0");
		return -1;
	}
	*size = le64(s);
	return 0;
}

/*
 * check_blob - one subtree's dumped blob: @file of @flen bytes for node
 * @nm at @phys, blob-size @size (kho-v4; 0 for kho-v1).  A .dtb must be a
 * whole valid FDT; under kho-v4 either file is exactly blob-size bytes;
 * the blob's pages must be preserved.
 */
static void check_blob(struct check *c, const char *nm, const char *file, const u8 *blob,
		       size_t flen, u64 phys, u64 size, const struct blk *byaddr, u64 nblk)
{
	bool dtb = strstr(file, ".dtb") != NULL;

	if (dtb && (flen < sizeof(struct fdt_header) || fdt_check_full(blob, flen) ||
		    fdt_totalsize(blob) != flen))
		defect(c, "%s: not a valid FDT of %zu bytes", file, flen);
	else if (c->v4 && flen != size)
		defect(c, "%s: %zu bytes, blob-size says %llu", file, flen, (unsigned long long)size);
	else if (!phys || (phys & (DUMP_PAGE - 1)))
		defect(c, "root.dtb: node '%s': blob at 0x%llx is not a page address", nm,
		       (unsigned long long)phys);
	else if (!covered(byaddr, nblk, phys, size ? size : flen))
		defect(c, "%s at 0x%llx: its pages are not all preserved", file,
		       (unsigned long long)phys);
	else if (!strcmp(nm, KHO_KEXEC_METADATA_NAME))
		check_metadata(c, blob, flen, size);
}

/* check_subtrees - every child node of @fdt against subtrees/. */
static void check_subtrees(struct check *c, const void *fdt, const struct blk *byaddr, u64 nblk)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int node;

	if (c->v4 && fdt_subnode_offset(fdt, 0, KHO_KEXEC_METADATA_NAME) < 0)
		defect(c, "root.dtb: no %s node (every kho-v4 handoff carries one)",
		       KHO_KEXEC_METADATA_NAME);
	fdt_for_each_subnode(node, fdt, 0) {
		const char *nm = fdt_get_name(fdt, node, NULL);
		char dtb[128], bin[128];
		size_t dlen = 0, blen = 0;
		u8 *bd, *bb;
		u64 phys, size;

		c->subtrees++;
		if (read_blob_prop(c, fdt, node, nm, &phys, &size))
			continue;
		snprintf(dtb, sizeof(dtb), "subtrees/%s.dtb", nm);
		snprintf(bin, sizeof(bin), "subtrees/%s.bin", nm);
		bd = read_file(c->dir, dtb, &dlen);
		bb = c->v4 ? read_file(c->dir, bin, &blen) : NULL;
		if (!bd && !bb)
			defect(c, "root.dtb: node '%s' (blob 0x%llx): %s is not in the dump", nm,
			       (unsigned long long)phys, c->v4 ? "neither .dtb nor .bin" : dtb);
		else if (bd && bb)
			defect(c, "root.dtb: node '%s': both %s and %s are in the dump", nm, dtb, bin);
		else
			check_blob(c, nm, bd ? dtb : bin, bd ? bd : bb, bd ? dlen : blen, phys, size,
				   byaddr, nblk);
		free(bd);
		free(bb);
	}
	snprintf(path, sizeof(path), "%s/subtrees", c->dir);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char nm[256];
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (l < 5 || l - 4 >= sizeof(nm) ||
		    (strcmp(de->d_name + l - 4, ".dtb") && (!c->v4 || strcmp(de->d_name + l - 4, ".bin")))) {
			defect(c, "subtrees/%s: not a <name>.dtb%s", de->d_name, c->v4 ? " or <name>.bin" : "");
			continue;
		}
		memcpy(nm, de->d_name, l - 4);
		nm[l - 4] = '\0';
		if (fdt_subnode_offset(fdt, 0, nm) < 0)
			defect(c, "subtrees/%s: root.dtb has no node '%s'", de->d_name, nm);
	}
	closedir(d);
}

/*
 * check_root - root.dtb: a whole valid FDT with a compatible this checker
 * knows (sets @c->v4) and an 8-byte preserved-memory-map (*@map).
 * Return: false after defect() when the rest cannot be checked against it.
 */
static bool check_root(struct check *c, const u8 *root, size_t rlen, u64 *map)
{
	int len;
	const char *compat;
	const void *pm;

	if (rlen < sizeof(struct fdt_header) || rlen > KHO_FDT_SIZE ||
	    fdt_check_full(root, rlen) || fdt_totalsize(root) != rlen) {
		defect(c, "root.dtb: not a valid FDT of %zu bytes (libfdt: %s)", rlen,
		     rlen >= sizeof(struct fdt_header) ? fdt_strerror(fdt_check_full(root, rlen)) :
							  "too short");
		return false;
	}
	if (fdt_num_mem_rsv(root) != 0 || fdt_boot_cpuid_phys(root) != 0)
		defect(c, "root.dtb: memory reservations or boot_cpuid_phys set");
	compat = fdt_getprop(root, 0, "compatible", &len);
	c->v4 = compat && len == sizeof(KHO_V4_COMPATIBLE) &&
		!memcmp(compat, KHO_V4_COMPATIBLE, sizeof(KHO_V4_COMPATIBLE));
	if (!c->v4 && (!compat || len != sizeof(KHO_FDT_COMPATIBLE) ||
		       memcmp(compat, KHO_FDT_COMPATIBLE, sizeof(KHO_FDT_COMPATIBLE)))) {
		defect(c, "root.dtb: compatible is not exactly \"%s\" or \"%s\"", KHO_V4_COMPATIBLE,
		       KHO_FDT_COMPATIBLE);
		return false;
	}
	pm = fdt_getprop(root, 0, KHO_PROP_PRESERVED, &len);
	if (!pm || len != 8) {
		defect(c, "root.dtb: %s %s (want 8 bytes)", KHO_PROP_PRESERVED,
		     pm ? "has the wrong length" : "is missing");
		return false;
	}
	*map = le64(pm);
	return true;
}

/* check_record - kho_data.bin against scratch.bin and the preserved blocks (by address). */
static void check_record(struct check *c, const u8 *kd, size_t klen, const u8 *scr, size_t slen,
			 const struct blk *listed, u64 nlisted)
{
	const u64 align = c->v4 ? 4ULL << 20 : DUMP_PAGE;

	if (!kd || klen != sizeof(struct kho_data)) {
		defect(c, "kho_data.bin: %s (want %zu bytes)", kd ? "wrong size" : "missing",
		     sizeof(struct kho_data));
	} else {
		u64 fdt_addr = le64(kd + offsetof(struct kho_data, fdt_addr));
		u64 fdt_size = le64(kd + offsetof(struct kho_data, fdt_size));
		u64 s_addr = le64(kd + offsetof(struct kho_data, scratch_addr));
		u64 s_size = le64(kd + offsetof(struct kho_data, scratch_size));

		if (!fdt_addr || (fdt_addr & (DUMP_PAGE - 1)))
			defect(c, "kho_data.fdt_addr 0x%llx is not a page address",
			     (unsigned long long)fdt_addr);
		else if (!covered(listed, nlisted, fdt_addr, DUMP_PAGE))
			defect(c, "kho_data.fdt_addr 0x%llx: the root FDT page is not preserved",
			     (unsigned long long)fdt_addr);
		if (fdt_size != KHO_FDT_SIZE)
			defect(c, "kho_data.fdt_size %llu, want %d", (unsigned long long)fdt_size,
			     KHO_FDT_SIZE);
		if (!s_addr)
			defect(c, "kho_data.scratch_addr is 0");
		if (!scr)
			defect(c, "scratch.bin is missing");
		else if (s_size != slen || slen % sizeof(struct kho_scratch) ||
			 slen < 3 * sizeof(struct kho_scratch))
			defect(c, "kho_data.scratch_size %llu vs scratch.bin %zu bytes (want equal, 16 per entry, >= 3 entries)",
			     (unsigned long long)s_size, slen);
	}
	for (size_t e = 0; scr && e + sizeof(struct kho_scratch) <= slen; e += sizeof(struct kho_scratch)) {
		u64 a = le64(scr + e), sz = le64(scr + e + 8);

		c->scratch++;
		if (!sz || (a | sz) & (align - 1)) {
			defect(c, "scratch[%zu] = [0x%llx, +0x%llx) is empty or not %s aligned",
			     e / sizeof(struct kho_scratch), (unsigned long long)a, (unsigned long long)sz,
			     c->v4 ? "4 MiB" : "page");
			continue;
		}
		for (u64 i = 0; i < nlisted; i++) {
			u64 bs = listed[i].phys, be = bs + ((u64)DUMP_PAGE << listed[i].order);

			if (bs < a + sz && a < be) {
				defect(c, "preserved block 0x%llx (order %u) lies in scratch[%zu] [0x%llx, 0x%llx)",
				     (unsigned long long)bs, listed[i].order,
				     e / sizeof(struct kho_scratch), (unsigned long long)a,
				     (unsigned long long)(a + sz));
				break;
			}
		}
	}
}

/*
 * check_dump - check the dump in @c->dir (see the top of this file).
 * Return: the number of failures (0: the dump is consistent).
 */
static int check_dump(struct check *c)
{
	struct pageset ps = { 0 };
	struct blk *walked = calloc(MAX_BLOCKS, sizeof(*walked));
	struct blk *listed = calloc(MAX_BLOCKS, sizeof(*listed));
	u64 nwalked = 0, nlisted = 0, map = 0;
	size_t rlen = 0, klen = 0, slen = 0;
	u8 *root = read_file(c->dir, "root.dtb", &rlen);
	u8 *kd = read_file(c->dir, "kho_data.bin", &klen);
	u8 *scr = read_file(c->dir, "scratch.bin", &slen);
	bool root_ok = false;

	if (!walked || !listed || load_pages(c, &ps)) {
		defect(c, "out of memory");
	} else {
		if (!root)
			defect(c, "root.dtb is missing");
		else
			root_ok = check_root(c, root, rlen, &map);
		if (root_ok && c->v4)
			walk_tree(c, &ps, map, walked, &nwalked);
		else if (root_ok)
			walk_chunks(c, &ps, map, walked, &nwalked);
		read_preserved(c, listed, &nlisted);
		c->blocks = nlisted;
		qsort(listed, nlisted, sizeof(*listed), cmp_blk_addr);
		for (u64 i = 1; i < nlisted; i++)
			if (listed[i - 1].phys + ((u64)DUMP_PAGE << listed[i - 1].order) > listed[i].phys) {
				defect(c, "preserved blocks 0x%llx (order %u) and 0x%llx overlap",
				     (unsigned long long)listed[i - 1].phys, listed[i - 1].order,
				     (unsigned long long)listed[i].phys);
				break;
			}
		if (root_ok) {
			check_map_pages(c, &ps, listed, nlisted, scr, slen);
			qsort(walked, nwalked, sizeof(*walked), cmp_blk);
			qsort(listed, nlisted, sizeof(*listed), cmp_blk);
			compare_blocks(c, walked, nwalked, listed, nlisted);
			qsort(listed, nlisted, sizeof(*listed), cmp_blk_addr);
			check_subtrees(c, root, listed, nlisted);
		}
		check_record(c, kd, klen, scr, slen, listed, nlisted);
	}
	free(root);
	free(kd);
	free(scr);
	free(walked);
	free(listed);
	free(ps.phys);
	free(ps.used);
	return c->failures;
}

/* ------------------------------------------------------------ self-test */

#define T_FDT		0x1000000ULL	/* root FDT page */
#define T_SUB		0x1001000ULL	/* subtree blob page */
#define T_META		0x1002000ULL	/* kho-v4: the kexec-metadata blob's page */
#define T_CHUNK0	0x2000000ULL	/* kho-v1: order-0 chunk */
#define T_CHUNK3	0x2001000ULL	/* kho-v1: order-3 chunk */
#define T_BMP0		0x2002000ULL
#define T_BMP3		0x2003000ULL
#define T_TREE		0x2000000ULL	/* kho-v4: the radix root, then tables and leaves */
#define T_META_SIZE	73

static char tdir[64];
static u64 sub_size;		/* bytes of subtrees/kho_test.dtb, make_common() */

/* put_file - write @len bytes to tdir/@name. */
static void put_file(const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* patch - overwrite @len bytes at @off of tdir/@name. */
static void patch(const char *name, long off, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* subtree_node - a child node @name naming the blob at @phys in the root's format. */
static void subtree_node(u8 *buf, const char *name, bool v4, u64 phys, u64 size, int size_len)
{
	assert_int_equal(fdt_begin_node(buf, name), 0);
	if (v4) {
		assert_int_equal(fdt_property(buf, KHO_V4_PROP_DATA, &phys, sizeof(phys)), 0);
		if (size_len)
			assert_int_equal(fdt_property(buf, KHO_V4_PROP_SIZE, &size, size_len), 0);
	} else {
		assert_int_equal(fdt_property(buf, KHO_PROP_SUBTREE_FDT, &phys, sizeof(phys)), 0);
	}
	assert_int_equal(fdt_end_node(buf), 0);
}

/*
 * struct root_variant - root.dtb built with @compat, a preserved-memory-map
 * of @map_len bytes holding @map, and (kho-v4) a kexec-metadata node with
 * a @meta_len-byte blob-size of @meta_size (no node when @meta_len < 0);
 * the first failure must contain @expect.
 */
struct root_variant {
	const char *name;
	const char *compat;
	u64 map;
	int map_len;
	u64 meta_size;
	int meta_len;
	const char *expect;
};

/* build_root - root.dtb as @v says, with the subtree node kho_test; its size. */
static size_t build_root(u8 *buf, const struct root_variant *v)
{
	bool v4 = !strcmp(v->compat, KHO_V4_COMPATIBLE);

	assert_int_equal(fdt_create(buf, DUMP_PAGE), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", v->compat), 0);
	assert_int_equal(fdt_property(buf, KHO_PROP_PRESERVED, &v->map, v->map_len), 0);
	subtree_node(buf, "kho_test", v4, T_SUB, sub_size, 8);
	if (v4 && v->meta_len >= 0)
		subtree_node(buf, KHO_KEXEC_METADATA_NAME, true, T_META, v->meta_size, v->meta_len);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);
	return fdt_totalsize(buf);
}

/* put_root - write root.dtb as @v says. */
static void put_root(const struct root_variant *v)
{
	u8 buf[DUMP_PAGE];

	put_file("root.dtb", buf, build_root(buf, v));
}

/*
 * make_common - a fresh tdir with what both formats share: the subtree
 * blob kho_test.dtb, kho_data.bin, scratch.bin (4 MiB aligned) and
 * preserved.txt listing @txt.
 */
static void make_common(const char *txt)
{
	static u8 sub[DUMP_PAGE];
	struct kho_data kd = { T_FDT, KHO_FDT_SIZE, 0x3000000, 3 * sizeof(struct kho_scratch) };
	struct kho_scratch scr[3] = { { 0x400000, 0x400000 }, { 0x10000000, 0x8000000 },
				      { 0x20000000, 0x1000000 } };
	char path[256];

	snprintf(tdir, sizeof(tdir), "/tmp/kho-dump-test.XXXXXX");
	assert_non_null(mkdtemp(tdir));
	snprintf(path, sizeof(path), "%s/pages", tdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/subtrees", tdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(fdt_create_empty_tree(sub, DUMP_PAGE), 0);
	assert_int_equal(fdt_setprop_string(sub, 0, "compatible", "kholab-test-v1"), 0);
	assert_int_equal(fdt_pack(sub), 0);
	sub_size = fdt_totalsize(sub);
	put_file("subtrees/kho_test.dtb", sub, sub_size);
	put_file("preserved.txt", txt, strlen(txt));
	put_file("kho_data.bin", &kd, sizeof(kd));
	put_file("scratch.bin", scr, sizeof(scr));
}

/* set_bit - set bit @b of the page @bits. */
static void set_bit(u8 *bits, u64 b)
{
	bits[b / 8] |= (u8)(1u << (b % 8));
}

static const struct root_variant v1_root = { "v1", KHO_FDT_COMPATIBLE, T_CHUNK0, 8, 0, -1, NULL };
static const struct root_variant v4_root = { "v4", KHO_V4_COMPATIBLE, T_TREE, 8, T_META_SIZE, 8, NULL };

/*
 * make_dump - write a consistent kho-v1 dump into a fresh tdir.  Preserved:
 * order 0 {T_FDT, T_SUB, 0x5000000} (the root FDT and subtree pages among
 * them), order 3 {0x6000000, 0x6008000}; one chunk per order.
 */
static int make_dump(void **state)
{
	static struct khoser_mem_chunk c0, c3;
	static u8 b0[DUMP_PAGE], b3[DUMP_PAGE];

	(void)state;
	make_common("0x1000000 0\n0x1001000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n");
	put_root(&v1_root);
	/* order 0: bitmap covering [0, 128 MiB); order 3: [0, 1 GiB) */
	memset(&c0, 0, sizeof(c0));
	memset(&c3, 0, sizeof(c3));
	memset(b0, 0, sizeof(b0));
	memset(b3, 0, sizeof(b3));
	c0.hdr = (struct khoser_mem_chunk_hdr){ T_CHUNK3, 0, 1 };
	c0.bitmaps[0] = (struct khoser_mem_bitmap_ptr){ 0, T_BMP0 };
	c3.hdr = (struct khoser_mem_chunk_hdr){ 0, 3, 1 };
	c3.bitmaps[0] = (struct khoser_mem_bitmap_ptr){ 0, T_BMP3 };
	for (u64 p = T_FDT >> 12; p <= T_SUB >> 12; p++)
		set_bit(b0, p);
	set_bit(b0, 0x5000000 >> 12);
	set_bit(b3, 0x6000000 >> 15);
	set_bit(b3, 0x6008000 >> 15);
	put_file("pages/0x2000000.bin", &c0, sizeof(c0));
	put_file("pages/0x2001000.bin", &c3, sizeof(c3));
	put_file("pages/0x2002000.bin", b0, sizeof(b0));
	put_file("pages/0x2003000.bin", b3, sizeof(b3));
	return 0;
}

/* struct tree - a kho-v4 radix tree being built: pages at T_TREE + i * 4096. */
struct tree {
	u64 page[16][KHO_V4_TABLE_ENTRIES];
	int n;
};

/* tree_child - entry @i of page @t, a new page when empty; the child's index. */
static int tree_child(struct tree *t, int page, unsigned int i)
{
	if (!t->page[page][i]) {
		assert_true(t->n < 16);
		t->page[page][i] = T_TREE + (u64)t->n++ * DUMP_PAGE;
	}
	return (int)((t->page[page][i] - T_TREE) / DUMP_PAGE);
}

/* tree_add - add the block of 2^@order pages at @phys to @t, as the sender does. */
static void tree_add(struct tree *t, u64 phys, unsigned int order)
{
	u64 key = (1ULL << (KHO_V4_ORDER0_BIT - order)) | phys >> (12 + order);
	int page = 0;

	for (int level = KHO_V4_LEVELS; level >= 1; level--)
		page = tree_child(t, page, (unsigned int)(key >> kho_v4_level_shift(level)) &
					   (KHO_V4_TABLE_ENTRIES - 1));
	set_bit((u8 *)t->page[page], key & (KHO_V4_LEAF_BITS - 1));
}

/*
 * put_tree - write the radix tree of the blocks of make_dump() and the
 * kexec-metadata page T_META, plus a block of 2^@order pages at @extra
 * when @extra is not 0, as pages/ at T_TREE on.  Return: its page count.
 */
static int put_tree(u64 extra, unsigned int order)
{
	static struct tree t;
	char name[64];

	memset(&t, 0, sizeof(t));
	t.n = 1;			/* page 0: the root */
	tree_add(&t, T_FDT, 0);
	tree_add(&t, T_SUB, 0);
	tree_add(&t, T_META, 0);
	tree_add(&t, 0x5000000, 0);
	tree_add(&t, 0x6000000, 3);
	tree_add(&t, 0x6008000, 3);
	if (extra)
		tree_add(&t, extra, order);
	for (int i = 0; i < t.n; i++) {
		snprintf(name, sizeof(name), "pages/0x%llx.bin", T_TREE + (unsigned long long)i * DUMP_PAGE);
		put_file(name, t.page[i], DUMP_PAGE);
	}
	return t.n;
}

/*
 * make_dump_v4 - write a consistent kho-v4 dump into a fresh tdir: the
 * blocks of make_dump() and the kexec-metadata page T_META, in a radix
 * tree of one root, 8 tables (two paths: order 0 through root entry 2,
 * order 3 through entry 0) and 2 leaves: pages/0x2000000.bin (the root)
 * to pages/0x200a000.bin, the order-0 path 0x2001000..0x2004000 and its
 * leaf 0x2005000.
 */
static int make_dump_v4(void **state)
{
	u8 meta[T_META_SIZE] = { 0 };

	(void)state;
	make_common("0x1000000 0\n0x1001000 0\n0x1002000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n");
	put_root(&v4_root);
	assert_int_equal(put_tree(0, 0), 11);
	meta[offsetof(struct kho_kexec_metadata, version)] = KHO_KEXEC_METADATA_VERSION;
	memcpy(meta + offsetof(struct kho_kexec_metadata, previous_release), "kholab 0.5.0", 12);
	meta[offsetof(struct kho_kexec_metadata, kexec_count)] = 1;
	put_file("subtrees/kexec-metadata.bin", meta, sizeof(meta));
	return 0;
}

/* rm_dump - remove tdir. */
static int rm_dump(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	return system(cmd);
}

/*
 * expect - check tdir; @needle NULL: it must pass with @blocks blocks and
 * @maps pages of map (chunks + bitmaps, or tables + leaves), else the
 * first failure must contain @needle.
 */
static void expect(const char *needle, u64 blocks, u64 maps)
{
	struct check c = { .dir = tdir, .quiet = true };

	check_dump(&c);
	if (!needle) {
		if (c.failures)
			fail_msg("good dump rejected: %s", c.first);
		assert_int_equal(c.blocks, blocks);
		assert_int_equal(c.chunks + c.bitmaps + c.tables + c.leaves, maps);
		return;
	}
	if (!c.failures)
		fail_msg("defect not caught (wanted '%s')", needle);
	if (!strstr(c.first, needle))
		fail_msg("first failure '%s' does not mention '%s'", c.first, needle);
}

/*
 * struct dump_patch - a defect planted by overwriting @len (<= 16) bytes
 * at @off of tdir/@file with @val (little-endian, as the dump is); the
 * check's first failure must contain @expect.
 */
struct dump_patch {
	const char *name;
	const char *file;
	long off;
	u64 val[2];
	size_t len;
	const char *expect;
};

static struct dump_patch dump_patches[] = {
	{ "test_bitmap_bit_flipped", "pages/0x2002000.bin", 0, { 0x80 }, 1,
	  "bitmaps preserve 0x7000 order 0" },	/* pfn 7 -> 0x7000, order 0 */
	{ "test_bitmap_bit_cleared", "pages/0x2002000.bin", (0x5000000 >> 12) / 8, { 0 }, 1,
	  "preserved.txt lists 0x5000000 order 0" },
	{ "test_orders_descend", "pages/0x2000000.bin",
	  offsetof(struct khoser_mem_chunk_hdr, order), { 5 }, 4, "orders must ascend" },
	{ "test_num_elms", "pages/0x2000000.bin",
	  offsetof(struct khoser_mem_chunk_hdr, num_elms), { 256 }, 4, "num_elms 256" },
	{ "test_next_missing", "pages/0x2000000.bin",
	  offsetof(struct khoser_mem_chunk_hdr, next), { 0x7000000 }, 8,
	  "chunk 0x7000000: no pages/0x7000000.bin" },
	{ "test_chunk_cycle", "pages/0x2001000.bin",
	  offsetof(struct khoser_mem_chunk_hdr, next), { T_CHUNK0 }, 8,
	  "chunk 0x2000000 is reached twice" },
	{ "test_scratch_size", "kho_data.bin", offsetof(struct kho_data, scratch_size),
	  { 2 * sizeof(struct kho_scratch) }, 8, "kho_data.scratch_size 32 vs scratch.bin 48" },
	{ "test_fdt_size", "kho_data.bin", offsetof(struct kho_data, fdt_size), { 8192 }, 8,
	  "kho_data.fdt_size 8192" },
	{ "test_scratch_overlap", "scratch.bin", 0, { 0x6000000, 0x200000 },
	  sizeof(struct kho_scratch), "lies in scratch[0]" },
	{ "test_map_page_in_scratch", "scratch.bin", 0, { 0x2000000, 0x1000 },
	  sizeof(struct kho_scratch), "map page 0x2000000 lies in scratch[0]" },
	{ "test_phys_start_misaligned", "pages/0x2000000.bin",
	  offsetof(struct khoser_mem_chunk, bitmaps), { 0x1000 }, 8, "is not a multiple of" },
};

/*
 * The kho-v4 dump's pages: 0x2000000 the root (entry 0 -> order 3 at
 * 0x2006000, entry 2 -> order 0 at 0x2001000), 0x2001000..0x2004000 the
 * order-0 tables, 0x2005000 its leaf (key prefix 1 << 37, bit = pfn).
 */
static struct dump_patch v4_patches[] = {
	{ "test_v4_leaf_bit_flipped", "pages/0x2005000.bin", 0, { 0x80 }, 1,
	  "the radix tree's leaves preserve 0x7000 order 0" },
	{ "test_v4_leaf_bit_cleared", "pages/0x2005000.bin", (0x5000000 >> 12) / 8, { 0 }, 1,
	  "preserved.txt lists 0x5000000 order 0" },
	{ "test_v4_root_entry_4", "pages/0x2000000.bin", 4 * 8, { 0x2001000 }, 8,
	  "entry 4 is set: keys of 2^53" },
	{ "test_v4_table_unaligned", "pages/0x2000000.bin", 2 * 8, { 0x2001008 }, 8,
	  "table 0x2001008 is not page aligned" },
	{ "test_v4_table_missing", "pages/0x2000000.bin", 2 * 8, { 0x7000000 }, 8,
	  "table 0x7000000: no pages/0x7000000.bin" },
	{ "test_v4_table_twice", "pages/0x2000000.bin", 3 * 8, { 0x2001000 }, 8,
	  "table 0x2001000 is reached twice" },
	{ "test_v4_metadata_version", "subtrees/kexec-metadata.bin", 0, { 2 }, 4,
	  "kexec-metadata: version 2" },
	{ "test_v4_metadata_count", "subtrees/kexec-metadata.bin",
	  offsetof(struct kho_kexec_metadata, kexec_count), { 0 }, 4, "kexec_count 0" },
	{ "test_v4_scratch_unaligned", "scratch.bin", 0, { 0x200000, 0x200000 },
	  sizeof(struct kho_scratch), "not 4 MiB aligned" },
	{ "test_v4_map_page_in_scratch", "scratch.bin", 16, { 0x1c00000, 0x800000 },
	  sizeof(struct kho_scratch), "map page 0x2000000 lies in scratch[1]" },
};

/* test_patched - plant one dump_patches[] / v4_patches[] row (in *state) and expect it caught. */
static void test_patched(void **state)
{
	const struct dump_patch *p = *state;

	patch(p->file, p->off, p->val, p->len);
	expect(p->expect, 0, 0);
}

static struct root_variant root_variants[] = {
	{ "test_root_compat", "kho-v2", T_CHUNK0, 8, 0, -1, "compatible is not exactly" },
	{ "test_map_len", KHO_FDT_COMPATIBLE, T_CHUNK0, 4, 0, -1,
	  "preserved-memory-map has the wrong length" },
	/* the order-0 chunk is skipped */
	{ "test_map_points_elsewhere", KHO_FDT_COMPATIBLE, T_CHUNK3, 8, 0, -1,
	  "pages/0x2000000.bin: not reached" },
	/* a kho-v1 dump under a kho-v4 root: chunk 0x2000000 read as the radix root */
	{ "test_v1_pages_as_v4", KHO_V4_COMPATIBLE, T_CHUNK0, 8, T_META_SIZE, 8,
	  "is not page aligned" },
};

static struct root_variant v4_root_variants[] = {
	{ "test_v4_root_compat", "kho-v2", T_TREE, 8, T_META_SIZE, 8, "compatible is not exactly" },
	{ "test_v4_map_zero", KHO_V4_COMPATIBLE, 0, 8, T_META_SIZE, 8,
	  "preserved-memory-map is 0 (kho-v4 needs a radix root)" },
	{ "test_v4_as_v1", KHO_FDT_COMPATIBLE, T_TREE, 8, 0, -1,
	  "not reached from preserved-memory-map" },
	{ "test_v4_blob_size_missing", KHO_V4_COMPATIBLE, T_TREE, 8, T_META_SIZE, 0,
	  "node 'kexec-metadata': blob-size is missing" },
	{ "test_v4_blob_size_short", KHO_V4_COMPATIBLE, T_TREE, 8, T_META_SIZE, 4,
	  "blob-size has the wrong length" },
	{ "test_v4_blob_size_differs", KHO_V4_COMPATIBLE, T_TREE, 8, 40, 8,
	  "subtrees/kexec-metadata.bin: 73 bytes, blob-size says 40" },
	{ "test_v4_no_metadata", KHO_V4_COMPATIBLE, T_TREE, 8, T_META_SIZE, -1,
	  "no kexec-metadata node" },
};

/* test_root_variant - write one root_variants[] row (in *state) and expect it caught. */
static void test_root_variant(void **state)
{
	put_root(*state);
	expect(((const struct root_variant *)*state)->expect, 0, 0);
}

static void test_good(void **state)
{
	(void)state;
	expect(NULL, 5, 4);
}

static void test_good_v4(void **state)
{
	(void)state;
	expect(NULL, 6, 11);
}

static void test_root_byte(void **state)
{
	size_t len;
	u8 *r = read_file(tdir, "root.dtb", &len);
	long off;
	u8 v;

	(void)state;
	assert_non_null(r);
	off = (long)fdt_off_dt_struct(r) + 3;	/* the first structure token */
	v = r[off] ^ 0x40;
	free(r);
	patch("root.dtb", off, &v, 1);
	expect("root.dtb: not a valid FDT", 0, 0);
}

static void test_preserved_extra(void **state)
{
	const char *txt = "0x1000000 0\n0x1001000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n0x9000000 1\n";

	(void)state;
	put_file("preserved.txt", txt, strlen(txt));
	expect("preserved.txt lists 0x9000000 order 1", 0, 0);
}

static void test_subtree_missing(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/subtrees/kho_test.dtb", tdir);
	assert_int_equal(unlink(path), 0);
	expect("subtrees/kho_test.dtb is not in the dump", 0, 0);
}

static void test_subtree_unpreserved(void **state)
{
	u8 v = 0x01;		/* keep pfn 0x1000 (root FDT), drop 0x1001 (subtree) */
	const char *txt = "0x1000000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n";

	(void)state;
	patch("pages/0x2002000.bin", (T_FDT >> 12) / 8, &v, 1);
	put_file("preserved.txt", txt, strlen(txt));
	expect("its pages are not all preserved", 0, 0);
}

static void test_stray_page(void **state)
{
	u8 z[DUMP_PAGE] = { 0 };

	(void)state;
	put_file("pages/0x4000000.bin", z, sizeof(z));
	expect("pages/0x4000000.bin: not reached", 0, 0);
}

/* test_v4_both_blobs - a subtree dumped as both .dtb and .bin. */
static void test_v4_both_blobs(void **state)
{
	u8 z[T_META_SIZE] = { 0 };

	(void)state;
	put_file("subtrees/kho_test.bin", z, sizeof(z));
	expect("both subtrees/kho_test.dtb and subtrees/kho_test.bin", 0, 0);
}

/* test_v4_order_large - a block of order 11 (key 1 << 41 | ...): kholab sends 10 at most. */
static void test_v4_order_large(void **state)
{
	(void)state;
	put_tree(0x8000000, 11);
	expect("key 0x20000000010 is of order 11, above the 10 kholab sends", 0, 0);
}

#define DT(fn)	cmocka_unit_test_setup_teardown(fn, make_dump, rm_dump)
#define DT4(fn)	cmocka_unit_test_setup_teardown(fn, make_dump_v4, rm_dump)

int main(int argc, char **argv)
{
	struct CMUnitTest tests[10 + ARRAY_SIZE(dump_patches) + ARRAY_SIZE(v4_patches) +
				ARRAY_SIZE(root_variants) + ARRAY_SIZE(v4_root_variants)] = {
		DT(test_good),
		DT(test_root_byte),
		DT(test_preserved_extra),
		DT(test_subtree_missing),
		DT(test_subtree_unpreserved),
		DT(test_stray_page),
		DT4(test_good_v4),
		DT4(test_stray_page),
		DT4(test_v4_both_blobs),
		DT4(test_v4_order_large),
	};
	size_t n = CASE_TABLE_ADD(tests, 10, dump_patches, test_patched, make_dump, rm_dump);

	n = CASE_TABLE_ADD(tests, n, v4_patches, test_patched, make_dump_v4, rm_dump);
	n = CASE_TABLE_ADD(tests, n, root_variants, test_root_variant, make_dump, rm_dump);
	n = CASE_TABLE_ADD(tests, n, v4_root_variants, test_root_variant, make_dump_v4, rm_dump);
	if (argc == 2 && argv[1][0] != '-') {
		struct check c = { .dir = argv[1] };
		struct stat st;

		if (stat(argv[1], &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "kho-dump-check: %s is not a directory\n", argv[1]);
			return 2;
		}
		if (check_dump(&c)) {
			fprintf(stderr, "kho-dump-check: %s: %d problem(s); first: %s\n",
				argv[1], c.failures, c.first);
			return 1;
		}
		if (c.v4)
			printf("kho-dump-check: %s: ok: root FDT kho-v4, %llu subtree(s), a radix tree of %llu table(s) and %llu leaf page(s), %llu preserved blocks match preserved.txt, %llu scratch areas\n",
			       argv[1], (unsigned long long)c.subtrees, (unsigned long long)c.tables,
			       (unsigned long long)c.leaves, (unsigned long long)c.blocks,
			       (unsigned long long)c.scratch);
		else
			printf("kho-dump-check: %s: ok: root FDT kho-v1, %llu subtree(s), %llu chunk(s), %llu bitmap(s), %llu preserved blocks match preserved.txt, %llu scratch areas\n",
			       argv[1], (unsigned long long)c.subtrees, (unsigned long long)c.chunks,
			       (unsigned long long)c.bitmaps, (unsigned long long)c.blocks,
			       (unsigned long long)c.scratch);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [DUMP_DIR/gen<G>]\n", argv[0]);
		return 2;
	}
	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
