/*
 * tests/host/test_kho_dump.c - decode a KHO handoff dump (run-qemu.sh
 * --kho-dump DIR, then DIR/gen<G>) with hosted libfdt and check it against
 * the kho-v1 ABI and against the sender's own list of preserved blocks.
 *
 *   build/host/test_kho_dump DIR/gen0   check a real dump; exit 0 ok, 1 not
 *   build/host/test_kho_dump            cmocka self-test: a synthetic dump
 *                                       passes, and each defect planted in
 *                                       a copy of it is caught
 *
 * What is checked (docs/kho-dump.md):
 *  - root.dtb: a whole valid FDT (fdt_check_full), no memory reservations,
 *    compatible exactly "kho-v1", preserved-memory-map 8 bytes (native
 *    little-endian) and equal to the first chunk's address;
 *  - each root child node: an 8-byte "fdt" property, a dumped
 *    subtrees/<name>.dtb that is a valid FDT, and preserved pages under it;
 *    no dumped subtree without a node;
 *  - the chunk list: every chunk and bitmap a dumped 4096-byte page,
 *    hdr.order <= 10 and ascending along the list, num_elms <= 255, one
 *    order per chunk, phys_start aligned to what one bitmap covers and
 *    ascending per order, hdr.next 0 or a dumped page, no unreferenced page;
 *  - the bitmaps decoded to (phys_start + bit * (4096 << order), order)
 *    equal preserved.txt exactly, and no two blocks overlap;
 *  - kho_data.bin = {fdt_addr, 4096, scratch_addr, scratch_size} with
 *    scratch_size = size of scratch.bin, 16 bytes per entry, at least 3
 *    entries; the root FDT page is preserved; no preserved block lies in a
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
	u64 chunks, bitmaps, subtrees, blocks, scratch;
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
 * used; NULL after defect() when it was not dumped or is not one page.
 */
static u8 *get_page(struct check *c, struct pageset *ps, u64 phys, const char *what)
{
	u64 *hit = bsearch(&phys, ps->phys, ps->n, sizeof(*ps->phys), cmp_u64);
	char name[64];
	size_t len;
	u8 *p;

	if (!hit) {
		defect(c, "%s 0x%llx: no pages/0x%llx.bin in the dump", what,
		     (unsigned long long)phys, (unsigned long long)phys);
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

/*
 * walk_chunks - decode the chunk list from @first into @out (*@n blocks).
 * Every defect is reported through defect().
 */
static void walk_chunks(struct check *c, struct pageset *ps, u64 first, struct blk *out, u64 *n)
{
	u64 phys = first, last_start[KHO_MAX_ORDER + 1];
	bool seen_order[KHO_MAX_ORDER + 1] = { false };
	int prev_order = -1;

	*n = 0;
	while (phys) {
		u8 *pg;
		u64 next;
		u32 order, elms;

		if (c->chunks > ps->n) {
			defect(c, "chunk list longer than the dumped pages: a cycle at 0x%llx",
			     (unsigned long long)phys);
			return;
		}
		if (phys & (DUMP_PAGE - 1)) {
			defect(c, "chunk 0x%llx is not page aligned", (unsigned long long)phys);
			return;
		}
		pg = get_page(c, ps, phys, "chunk");
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
			if (bmp & (DUMP_PAGE - 1)) {
				defect(c, "chunk 0x%llx bitmap %u at 0x%llx is not page aligned",
				     (unsigned long long)phys, i, (unsigned long long)bmp);
				continue;
			}
			bits = get_page(c, ps, bmp, "bitmap");
			if (!bits)
				continue;
			c->bitmaps++;
			for (u32 b = 0; b < PRESERVE_BITS; b++) {
				if (!(bits[b / 8] & (1u << (b % 8))))
					continue;
				if (*n == MAX_BLOCKS) {
					defect(c, "more than %u preserved blocks", MAX_BLOCKS);
					break;
				}
				out[*n].phys = start + (u64)b * (DUMP_PAGE << order);
				out[(*n)++].order = order;
			}
			free(bits);
		}
		if (next && (next & (DUMP_PAGE - 1)))
			defect(c, "chunk 0x%llx: next 0x%llx is not page aligned",
			     (unsigned long long)phys, (unsigned long long)next);
		free(pg);
		phys = next & (DUMP_PAGE - 1) ? 0 : next;
	}
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

/* covered - is every page of [@phys, @phys + @len) inside one of @b (by address)? */
static bool covered(const struct blk *b, u64 n, u64 phys, u64 len)
{
	for (u64 p = phys & ~(u64)(DUMP_PAGE - 1); p < phys + len; p += DUMP_PAGE) {
		bool in = false;

		for (u64 i = 0; i < n && !in; i++)
			in = p >= b[i].phys && p < b[i].phys + ((u64)DUMP_PAGE << b[i].order);
		if (!in)
			return false;
	}
	return true;
}

/* check_subtrees - every child node of @fdt against subtrees/. */
static void check_subtrees(struct check *c, const void *fdt, const struct blk *byaddr, u64 nblk)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *nm = fdt_get_name(fdt, node, NULL);
		int len;
		const void *prop = fdt_getprop(fdt, node, KHO_PROP_SUBTREE_FDT, &len);
		char file[128];
		size_t flen;
		u8 *blob;
		u64 phys;

		c->subtrees++;
		if (!prop || len != 8) {
			defect(c, "root.dtb: node '%s': fdt property %s (want 8 bytes)", nm,
			     prop ? "has the wrong length" : "is missing");
			continue;
		}
		phys = le64(prop);
		snprintf(file, sizeof(file), "subtrees/%s.dtb", nm);
		blob = read_file(c->dir, file, &flen);
		if (!blob) {
			defect(c, "root.dtb: node '%s' (fdt 0x%llx): %s is not in the dump", nm,
			     (unsigned long long)phys, file);
			continue;
		}
		if (flen < sizeof(struct fdt_header) || fdt_check_full(blob, flen) ||
		    fdt_totalsize(blob) != flen)
			defect(c, "%s: not a valid FDT of %zu bytes", file, flen);
		else if (!phys || (phys & (DUMP_PAGE - 1)))
			defect(c, "root.dtb: node '%s': fdt 0x%llx is not a page address", nm,
			     (unsigned long long)phys);
		else if (!covered(byaddr, nblk, phys, flen))
			defect(c, "%s at 0x%llx: its pages are not all preserved", file,
			     (unsigned long long)phys);
		free(blob);
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
		if (l < 5 || strcmp(de->d_name + l - 4, ".dtb") || l - 4 >= sizeof(nm)) {
			defect(c, "subtrees/%s: not a <name>.dtb", de->d_name);
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

	if (!walked || !listed)
		defect(c, "out of memory");

	/* root.dtb */
	if (!root) {
		defect(c, "root.dtb is missing");
	} else if (rlen < sizeof(struct fdt_header) || rlen > KHO_FDT_SIZE ||
		   fdt_check_full(root, rlen) || fdt_totalsize(root) != rlen) {
		defect(c, "root.dtb: not a valid FDT of %zu bytes (libfdt: %s)", rlen,
		     rlen >= sizeof(struct fdt_header) ? fdt_strerror(fdt_check_full(root, rlen)) :
							  "too short");
		free(root);
		root = NULL;
	} else {
		int len;
		const char *compat = fdt_getprop(root, 0, "compatible", &len);
		const void *pm = fdt_getprop(root, 0, KHO_PROP_PRESERVED, &len);

		if (fdt_num_mem_rsv(root) != 0 || fdt_boot_cpuid_phys(root) != 0)
			defect(c, "root.dtb: memory reservations or boot_cpuid_phys set");
		compat = fdt_getprop(root, 0, "compatible", &len);
		if (!compat || len != sizeof(KHO_FDT_COMPATIBLE) ||
		    memcmp(compat, KHO_FDT_COMPATIBLE, sizeof(KHO_FDT_COMPATIBLE)))
			defect(c, "root.dtb: compatible is not exactly \"%s\"", KHO_FDT_COMPATIBLE);
		pm = fdt_getprop(root, 0, KHO_PROP_PRESERVED, &len);
		if (!pm || len != 8)
			defect(c, "root.dtb: %s %s (want 8 bytes)", KHO_PROP_PRESERVED,
			     pm ? "has the wrong length" : "is missing");
		else
			map = le64(pm);
	}

	/* the chunk list and preserved.txt */
	if (walked && listed && load_pages(c, &ps) == 0) {
		if (root)
			walk_chunks(c, &ps, map, walked, &nwalked);
		read_preserved(c, listed, &nlisted);
		for (size_t i = 0; i < ps.n; i++)
			if (!ps.used[i] && root)
				defect(c, "pages/0x%llx.bin: not reached from the chunk list",
				     (unsigned long long)ps.phys[i]);
		qsort(walked, nwalked, sizeof(*walked), cmp_blk);
		qsort(listed, nlisted, sizeof(*listed), cmp_blk);
		c->blocks = nlisted;
		if (root) {
			u64 i;

			for (i = 0; i < nwalked && i < nlisted; i++)
				if (cmp_blk(&walked[i], &listed[i]))
					break;
			if (i < nwalked || i < nlisted) {
				if (i < nwalked && (i == nlisted || cmp_blk(&walked[i], &listed[i]) < 0))
					defect(c, "bitmaps preserve 0x%llx order %u, preserved.txt does not (%llu blocks in bitmaps, %llu listed)",
					     (unsigned long long)walked[i].phys, walked[i].order,
					     (unsigned long long)nwalked, (unsigned long long)nlisted);
				else
					defect(c, "preserved.txt lists 0x%llx order %u, the bitmaps do not (%llu blocks in bitmaps, %llu listed)",
					     (unsigned long long)listed[i].phys, listed[i].order,
					     (unsigned long long)nwalked, (unsigned long long)nlisted);
			}
		}
		qsort(listed, nlisted, sizeof(*listed), cmp_blk_addr);
		for (u64 i = 1; i < nlisted; i++)
			if (listed[i - 1].phys + ((u64)DUMP_PAGE << listed[i - 1].order) > listed[i].phys) {
				defect(c, "preserved blocks 0x%llx (order %u) and 0x%llx overlap",
				     (unsigned long long)listed[i - 1].phys, listed[i - 1].order,
				     (unsigned long long)listed[i].phys);
				break;
			}
	}
	if (root)
		check_subtrees(c, root, listed, nlisted);

	/* kho_data.bin and scratch.bin */
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
		if (!sz || (a | sz) & (DUMP_PAGE - 1)) {
			defect(c, "scratch[%zu] = [0x%llx, +0x%llx) is empty or not page aligned",
			     e / sizeof(struct kho_scratch), (unsigned long long)a, (unsigned long long)sz);
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
#define T_CHUNK0	0x2000000ULL	/* order-0 chunk */
#define T_CHUNK3	0x2001000ULL	/* order-3 chunk */
#define T_BMP0		0x2002000ULL
#define T_BMP3		0x2003000ULL

static char tdir[64];

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

/* build_root - a kho-v1 root FDT; @compat, @map and the subtree node as given. */
static size_t build_root(u8 *buf, const char *compat, u64 map, int map_len, bool sub)
{
	assert_int_equal(fdt_create(buf, DUMP_PAGE), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", compat), 0);
	assert_int_equal(fdt_property(buf, KHO_PROP_PRESERVED, &map, map_len), 0);
	if (sub) {
		u64 p = T_SUB;

		assert_int_equal(fdt_begin_node(buf, "kho_test"), 0);
		assert_int_equal(fdt_property(buf, KHO_PROP_SUBTREE_FDT, &p, sizeof(p)), 0);
		assert_int_equal(fdt_end_node(buf), 0);
	}
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);
	return fdt_totalsize(buf);
}

/*
 * make_dump - write a consistent dump into a fresh tdir.  Preserved:
 * order 0 {T_FDT, T_SUB, 0x5000000} (the root FDT and subtree pages among
 * them), order 3 {0x6000000, 0x6008000}; one chunk per order.
 */
static int make_dump(void **state)
{
	static u8 root[DUMP_PAGE], sub[DUMP_PAGE];
	static struct khoser_mem_chunk c0, c3;
	static u8 b0[DUMP_PAGE], b3[DUMP_PAGE];
	struct kho_data kd = { T_FDT, KHO_FDT_SIZE, 0x3000000, 3 * sizeof(struct kho_scratch) };
	struct kho_scratch scr[3] = { { 0x100000, 0x400000 }, { 0x10000000, 0x8000000 },
				      { 0x20000000, 0x1000000 } };
	const char *txt = "0x1000000 0\n0x1001000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n";
	char path[256];

	(void)state;
	snprintf(tdir, sizeof(tdir), "/tmp/kho-dump-test.XXXXXX");
	assert_non_null(mkdtemp(tdir));
	snprintf(path, sizeof(path), "%s/pages", tdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/subtrees", tdir);
	assert_int_equal(mkdir(path, 0755), 0);

	put_file("root.dtb", root, build_root(root, KHO_FDT_COMPATIBLE, T_CHUNK0, 8, true));
	assert_int_equal(fdt_create_empty_tree(sub, DUMP_PAGE), 0);
	assert_int_equal(fdt_setprop_string(sub, 0, "compatible", "kholab-test-v1"), 0);
	assert_int_equal(fdt_pack(sub), 0);
	put_file("subtrees/kho_test.dtb", sub, fdt_totalsize(sub));

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
		b0[p / 8] |= (u8)(1u << (p % 8));
	b0[(0x5000000 >> 12) / 8] |= (u8)(1u << ((0x5000000 >> 12) % 8));
	b3[(0x6000000 >> 15) / 8] |= (u8)(1u << ((0x6000000 >> 15) % 8));
	b3[(0x6008000 >> 15) / 8] |= (u8)(1u << ((0x6008000 >> 15) % 8));
	put_file("pages/0x2000000.bin", &c0, sizeof(c0));
	put_file("pages/0x2001000.bin", &c3, sizeof(c3));
	put_file("pages/0x2002000.bin", b0, sizeof(b0));
	put_file("pages/0x2003000.bin", b3, sizeof(b3));
	put_file("preserved.txt", txt, strlen(txt));
	put_file("kho_data.bin", &kd, sizeof(kd));
	put_file("scratch.bin", scr, sizeof(scr));
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

/* expect - check tdir; @needle NULL: must pass, else the first failure contains it. */
static void expect(const char *needle)
{
	struct check c = { .dir = tdir, .quiet = true };

	check_dump(&c);
	if (!needle) {
		if (c.failures)
			fail_msg("good dump rejected: %s", c.first);
		assert_int_equal(c.blocks, 5);
		assert_int_equal(c.chunks, 2);
		assert_int_equal(c.bitmaps, 2);
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
	{ "test_scratch_size", "kho_data.bin", offsetof(struct kho_data, scratch_size),
	  { 2 * sizeof(struct kho_scratch) }, 8, "kho_data.scratch_size 32 vs scratch.bin 48" },
	{ "test_fdt_size", "kho_data.bin", offsetof(struct kho_data, fdt_size), { 8192 }, 8,
	  "kho_data.fdt_size 8192" },
	{ "test_scratch_overlap", "scratch.bin", 0, { 0x6000000, 0x200000 },
	  sizeof(struct kho_scratch), "lies in scratch[0]" },
	{ "test_phys_start_misaligned", "pages/0x2000000.bin",
	  offsetof(struct khoser_mem_chunk, bitmaps), { 0x1000 }, 8, "is not a multiple of" },
};

/* test_patched - plant one dump_patches[] row (in *state) and expect it caught. */
static void test_patched(void **state)
{
	const struct dump_patch *p = *state;

	patch(p->file, p->off, p->val, p->len);
	expect(p->expect);
}

/*
 * struct root_variant - root.dtb rebuilt with @compat, a preserved-memory-map
 * of @map_len bytes holding @map; the first failure must contain @expect.
 */
struct root_variant {
	const char *name;
	const char *compat;
	u64 map;
	int map_len;
	const char *expect;
};

static struct root_variant root_variants[] = {
	{ "test_root_compat", "kho-v2", T_CHUNK0, 8, "compatible is not exactly" },
	{ "test_map_len", KHO_FDT_COMPATIBLE, T_CHUNK0, 4,
	  "preserved-memory-map has the wrong length" },
	/* the order-0 chunk is skipped */
	{ "test_map_points_elsewhere", KHO_FDT_COMPATIBLE, T_CHUNK3, 8,
	  "pages/0x2000000.bin: not reached" },
};

/* test_root_variant - write one root_variants[] row (in *state) and expect it caught. */
static void test_root_variant(void **state)
{
	const struct root_variant *v = *state;
	u8 buf[DUMP_PAGE];

	put_file("root.dtb", buf, build_root(buf, v->compat, v->map, v->map_len, true));
	expect(v->expect);
}

static void test_good(void **state)
{
	(void)state;
	expect(NULL);
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
	expect("root.dtb: not a valid FDT");
}

static void test_preserved_extra(void **state)
{
	const char *txt = "0x1000000 0\n0x1001000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n0x9000000 1\n";

	(void)state;
	put_file("preserved.txt", txt, strlen(txt));
	expect("preserved.txt lists 0x9000000 order 1");
}

static void test_subtree_missing(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/subtrees/kho_test.dtb", tdir);
	assert_int_equal(unlink(path), 0);
	expect("subtrees/kho_test.dtb is not in the dump");
}

static void test_subtree_unpreserved(void **state)
{
	u8 v = 0x01;		/* keep pfn 0x1000 (root FDT), drop 0x1001 (subtree) */
	const char *txt = "0x1000000 0\n0x5000000 0\n0x6000000 3\n0x6008000 3\n";

	(void)state;
	patch("pages/0x2002000.bin", (T_FDT >> 12) / 8, &v, 1);
	put_file("preserved.txt", txt, strlen(txt));
	expect("its pages are not all preserved");
}

static void test_stray_page(void **state)
{
	u8 z[DUMP_PAGE] = { 0 };

	(void)state;
	put_file("pages/0x4000000.bin", z, sizeof(z));
	expect("pages/0x4000000.bin: not reached");
}

#define DT(fn)	cmocka_unit_test_setup_teardown(fn, make_dump, rm_dump)

int main(int argc, char **argv)
{
	struct CMUnitTest tests[6 + ARRAY_SIZE(dump_patches) + ARRAY_SIZE(root_variants)] = {
		DT(test_good),
		DT(test_root_byte),
		DT(test_preserved_extra),
		DT(test_subtree_missing),
		DT(test_subtree_unpreserved),
		DT(test_stray_page),
	};
	size_t n = CASE_TABLE_ADD(tests, 6, dump_patches, test_patched, make_dump, rm_dump);

	n = CASE_TABLE_ADD(tests, n, root_variants, test_root_variant, make_dump, rm_dump);
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
