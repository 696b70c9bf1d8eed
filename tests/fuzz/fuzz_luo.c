// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_luo.c - libFuzzer harness over the LUO parser
 * (kho/luo_parse.c, kho/luo_memfd.c), compiled as in the kernel plus
 * -DKHOLAB_HOST_TEST, run the way kho/luo.c runs it: luo_parse_top(),
 * luo_walk_top(), then luo_check_session() on every session, claiming each
 * block reported (a second claim is -EEXIST, as in the kernel).
 *
 * Simulated memory: RAM at RAM_BASE (256 KiB to 8 MiB, the input says), a
 * table of preserved blocks (pa, order) anywhere in a 16 MiB window from
 * RAM_BASE, so some lie in no RAM.  map() hands out a fresh heap copy of
 * exactly [pa, pa + len) (cached per (pa, len) for the input), so a read
 * of even one byte past what the parser mapped is an ASan report; it
 * returns NULL for anything not wholly in RAM.
 *
 * Input format (little-endian, zeros past the end; docs/robustness.md
 * "Fuzzing the LUO parser"):
 *
 *   u8  ram        RAM = 64 * (1 + ram % 32) pages
 *   u8  nblk       nblk % (MAX_BLK + 1) block records follow
 *   u32 ser_off    luo_ser at RAM_BASE + ser_off
 *   u16 blob_size  the "LUO" node's blob-size
 *   nblk x { u16 pfn; u8 order; }
 *                  a block at RAM_BASE + (pfn % WINDOW_PAGES) pages, of
 *                  order % (MAX_ORDER + 1), aligned down to its order;
 *                  a block overlapping one before it (in address order) is dropped
 *   then records to the end: { u16 pfn; u16 len; u8 data[len]; }
 *                  written at RAM_BASE + (pfn % WINDOW_PAGES) pages; bytes
 *                  outside RAM are dropped, RAM not written reads as zero
 *
 * The oracle (abort() = a finding), besides ASan and UBSan:
 *  - every object() is a preserved block exactly (head and order) lying
 *    wholly in RAM, of order 0 for every kind but ARRAY and FOLIO,
 *    luo_ser's at the node's address; every folio() follows object() for
 *    its block, in file order: each at the page the one before ended, at
 *    an index aligned to its order, below the file's page count; an
 *    accepted memfd's folios cover its whole file;
 *  - a refusal is -EINVAL with an error code of the parser's (not
 *    LUO_E_CONTENT) and a non-empty, terminated why;
 *  - luo_walk_top() after an accepted top fails only as shared; the
 *    session iterator yields nr_sessions entries (at most 51 per block);
 *  - each session is checked without ops, then with them: the same verdict,
 *    except that the claims may refuse as shared what the first accepted;
 *    a refusal without ops is the same code with them, or shared;
 *  - an accepted session's counts equal what object() and folio() saw.
 *
 * FUZZ_LUO_VERBOSE=1 prints each input's verdict: the top's, then each
 * session's (build/fuzz/fuzz_luo FILE... to replay some).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <kho/luo.h>

#define PG		4096ULL
#define RAM_BASE	(1ULL << 30)
#define MAX_RAM_PAGES	2048			/* 8 MiB */
#define WINDOW_PAGES	4096			/* blocks and records: 16 MiB from RAM_BASE */
#define MAX_BLK		128
#define MAX_ORDER	10
#define CACHE_SLOTS	(1U << 16)
#define COPY_CAP	(256ULL << 20)		/* past this, map() returns RAM itself */

static u8 ram[MAX_RAM_PAGES * PG] __attribute__((aligned(4096)));
static u64 ram_bytes;
static u8 dirty[MAX_RAM_PAGES];

static struct blk {
	u64 pa;
	unsigned int order;
	bool claimed;
	enum luo_obj kind;
} blk[MAX_BLK];
static int nblk;

static u64 ser_pa;
static bool verbose;

#define FAIL(...) do {						\
	fprintf(stderr, "fuzz_luo: INVARIANT: " __VA_ARGS__);	\
	fputc('\n', stderr);					\
	abort();						\
} while (0)

/* ---- input ---- */

struct reader {
	const u8 *p;
	size_t left;
};

static u64 get(struct reader *r, unsigned int bytes)
{
	u64 v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		u64 b = 0;

		if (r->left) {
			b = *r->p++;
			r->left--;
		}
		v |= b << (8 * i);
	}
	return v;
}

static bool in_ram(u64 pa, u64 len)
{
	return len && pa + len >= pa && pa >= RAM_BASE && pa + len <= RAM_BASE + ram_bytes;
}

/* ---- map(): exact-size copies ---- */

static struct copy {
	u64 pa, len;
	void *p;
} cache[CACHE_SLOTS];
static u32 cache_used[CACHE_SLOTS / 2];
static u32 ncache;
static u64 copied;

static const void *fz_map(void *ctx, u64 pa, u64 len)
{
	u32 h;

	(void)ctx;
	if (!in_ram(pa, len))
		return NULL;
	if (ncache >= CACHE_SLOTS / 2 || copied + len > COPY_CAP)
		return ram + (pa - RAM_BASE);
	h = (u32)((pa * 0x9e3779b97f4a7c15ULL ^ len * 0xbf58476d1ce4e5b9ULL) >> 48) & (CACHE_SLOTS - 1);
	for (;; h = (h + 1) & (CACHE_SLOTS - 1)) {
		struct copy *c = &cache[h];

		if (c->p && c->pa == pa && c->len == len)
			return c->p;
		if (!c->p) {
			c->p = malloc(len);
			if (!c->p)
				abort();
			memcpy(c->p, ram + (pa - RAM_BASE), len);
			c->pa = pa;
			c->len = len;
			cache_used[ncache++] = h;
			copied += len;
			return c->p;
		}
	}
}

/* ---- block() ---- */

static int find_blk(u64 pa)
{
	int lo = 0, hi = nblk;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (blk[mid].pa + (PG << blk[mid].order) <= pa)
			lo = mid + 1;
		else if (blk[mid].pa > pa)
			hi = mid;
		else
			return mid;
	}
	return -1;
}

static int fz_block(void *ctx, u64 pa, u64 *head, unsigned int *order)
{
	int i = find_blk(pa);

	(void)ctx;
	if (i < 0)
		return -ENOENT;
	*head = blk[i].pa;
	*order = blk[i].order;
	return 0;
}

static const struct luo_mem mem = { fz_map, fz_block, NULL };

/* ---- the ops and their oracle ---- */

static const char *const kind_names[LUO_OBJ_NR] = {
	"ser", "session block", "flb", "file block", "memfd", "chunk", "array", "folio"
};

/* what object() and folio() saw in the session being checked */
static struct {
	u64 objects, object_bytes, memfds, folios, folio_bytes;
	u64 cur_ser, npages, expected;		/* the memfd folio() is in */
	bool any;
} seen;

/* exact_block - the block that starts at @pa with @order, in RAM; aborts otherwise. */
static struct blk *exact_block(const char *what, u64 pa, unsigned int order)
{
	int i = find_blk(pa);

	if (i < 0 || blk[i].pa != pa || blk[i].order != order)
		FAIL("%s 0x%llx order %u is not a preserved block (%s)", what, (unsigned long long)pa, order,
		     i < 0 ? "none there" : "another head or order");
	if (!in_ram(pa, PG << order))
		FAIL("%s 0x%llx order %u is not in RAM", what, (unsigned long long)pa, order);
	return &blk[i];
}

static int fz_object(void *arg, enum luo_obj kind, u64 pa, unsigned int order)
{
	struct blk *b;

	(void)arg;
	if ((unsigned int)kind >= LUO_OBJ_NR)
		FAIL("object kind %d", kind);
	b = exact_block(kind_names[kind], pa, order);
	if (kind != LUO_OBJ_ARRAY && kind != LUO_OBJ_FOLIO && order != 0)
		FAIL("%s 0x%llx reported at order %u", kind_names[kind], (unsigned long long)pa, order);
	if (kind == LUO_OBJ_SER && pa != ser_pa)
		FAIL("luo_ser reported at 0x%llx, the node says 0x%llx", (unsigned long long)pa,
		     (unsigned long long)ser_pa);
	if (b->claimed)
		return -EEXIST;
	b->claimed = true;
	b->kind = kind;
	if (kind == LUO_OBJ_FOLIO) {
		seen.folios++;
		seen.folio_bytes += PG << order;
	} else {
		seen.objects++;
		seen.object_bytes += PG << order;
		seen.memfds += kind == LUO_OBJ_MEMFD;
	}
	return 0;
}

static volatile u64 sink;

/* memfd_done - the memfd folio() was in is complete: its folios must cover its file. */
static void memfd_done(void)
{
	if (seen.any && seen.expected < seen.npages)
		FAIL("memfd 0x%llx accepted with pages %llu-%llu in no folio", (unsigned long long)seen.cur_ser,
		     (unsigned long long)seen.expected, (unsigned long long)seen.npages - 1);
	seen.any = false;
}

static int fz_folio(void *arg, const struct luo_memfd_view *v, u64 pa, u64 index, unsigned int order)
{
	struct blk *b = exact_block("folio", pa, order);
	const u8 *p;
	u64 sum = 0;

	(void)arg;
	if (!b->claimed || b->kind != LUO_OBJ_FOLIO)
		FAIL("folio 0x%llx reported before object() claimed it", (unsigned long long)pa);
	if (!seen.any || v->ser_pa != seen.cur_ser) {
		memfd_done();			/* the walk went on: the memfd before was accepted */
		seen.any = true;
		seen.cur_ser = v->ser_pa;
		seen.npages = (v->ser->size + PG - 1) / PG;
		seen.expected = 0;
	}
	if (index != seen.expected || index % (1ULL << order) || index >= seen.npages)
		FAIL("memfd 0x%llx: folio at file page %llu order %u; expected page %llu of %llu",
		     (unsigned long long)v->ser_pa, (unsigned long long)index, order,
		     (unsigned long long)seen.expected, (unsigned long long)seen.npages);
	seen.expected = index + (1ULL << order);
	p = fz_map(NULL, pa, PG << order);
	if (!p)
		FAIL("folio 0x%llx order %u cannot be read", (unsigned long long)pa, order);
	for (u64 i = 0; i < PG << order; i += 64)
		sum += p[i] + p[i + 63];
	sink += sum;
	return 0;
}

static const struct luo_walk_ops ops = { fz_object, fz_folio, NULL };

/* check_fault - a refusal: -EINVAL, a parser's code, a why. */
static void check_fault(const char *where, int r, const struct luo_fault *f)
{
	if (r != -EINVAL)
		FAIL("%s returned %d", where, r);
	if (f->err <= LUO_OK || f->err >= LUO_E_NR || f->err == LUO_E_CONTENT)
		FAIL("%s: error code %d", where, f->err);
	if (!memchr(f->why, 0, sizeof(f->why)) || !f->why[0])
		FAIL("%s: why empty or unterminated", where);
}

/* check_session - one session, as kho/luo.c checks it, against the same check without ops. */
static void check_session(const struct luo_top *t, const struct luo_session_ser *s, u64 idx)
{
	struct luo_counts c0 = { 0 }, c1 = { 0 };
	struct luo_fault f0 = { 0 }, f1 = { 0 };
	int r0, r1;

	r0 = luo_check_session(&mem, t, s, idx, NULL, &c0, &f0);
	if (r0)
		check_fault("luo_check_session without ops", r0, &f0);
	memset(&seen, 0, sizeof(seen));
	r1 = luo_check_session(&mem, t, s, idx, &ops, &c1, &f1);
	if (r1)
		check_fault("luo_check_session", r1, &f1);
	if (!r0 && r1 && f1.err != LUO_E_SHARED)
		FAIL("session %llu: accepted without ops, refused with them as %s: %s", (unsigned long long)idx,
		     luo_err_names[f1.err], f1.why);
	if (r0 && !r1)
		FAIL("session %llu: refused without ops (%s: %s), accepted with them", (unsigned long long)idx,
		     luo_err_names[f0.err], f0.why);
	if (r0 && r1 && f1.err != f0.err && f1.err != LUO_E_SHARED)
		FAIL("session %llu: refused as %s without ops, as %s with them", (unsigned long long)idx,
		     luo_err_names[f0.err], luo_err_names[f1.err]);
	if (verbose && r1)
		fprintf(stderr, "fuzz_luo: session %llu refused (%s): %s\n", (unsigned long long)idx,
			luo_err_names[f1.err], f1.why);
	if (r1)
		return;
	if (verbose)
		fprintf(stderr, "fuzz_luo: session %llu \"%.*s\" accepted: %llu memfds, %llu folios (%llu KiB), %llu objects\n",
			(unsigned long long)idx, LUO_NAME_LEN - 1, s->name, (unsigned long long)c1.memfds,
			(unsigned long long)c1.folios, (unsigned long long)(c1.folio_bytes >> 10),
			(unsigned long long)c1.objects);
	memfd_done();
	if (memcmp(&c0, &c1, sizeof(c0)))
		FAIL("session %llu: counts differ with and without ops", (unsigned long long)idx);
	if (c1.sessions != 1 || c1.objects != seen.objects || c1.object_bytes != seen.object_bytes ||
	    c1.memfds != seen.memfds || c1.files != c1.memfds || c1.folios != seen.folios ||
	    c1.folio_bytes != seen.folio_bytes)
		FAIL("session %llu: counts %llu objects (%llu B), %llu memfds, %llu files, %llu folios (%llu B); ops saw %llu (%llu B), %llu, %llu (%llu B)",
		     (unsigned long long)idx, (unsigned long long)c1.objects, (unsigned long long)c1.object_bytes,
		     (unsigned long long)c1.memfds, (unsigned long long)c1.files, (unsigned long long)c1.folios,
		     (unsigned long long)c1.folio_bytes, (unsigned long long)seen.objects,
		     (unsigned long long)seen.object_bytes, (unsigned long long)seen.memfds,
		     (unsigned long long)seen.folios, (unsigned long long)seen.folio_bytes);
}

/* ---- one input ---- */

static void reset(void)
{
	for (u32 i = 0; i < ncache; i++) {
		free(cache[cache_used[i]].p);
		cache[cache_used[i]].p = NULL;
	}
	ncache = 0;
	copied = 0;
	for (u64 p = 0; p < MAX_RAM_PAGES; p++)
		if (dirty[p]) {
			memset(ram + p * PG, 0, PG);
			dirty[p] = 0;
		}
	nblk = 0;
}

/* load - the blocks (sorted, overlaps dropped) and the RAM contents from the input. */
static void load(struct reader *r, u64 *blob_size)
{
	struct blk in[MAX_BLK];
	int n;

	ram_bytes = 64 * (1 + get(r, 1) % 32) * PG;
	n = (int)(get(r, 1) % (MAX_BLK + 1));
	ser_pa = RAM_BASE + get(r, 4);
	*blob_size = get(r, 2);
	for (int i = 0; i < n; i++) {
		u64 pfn = get(r, 2) % WINDOW_PAGES;
		unsigned int order = get(r, 1) % (MAX_ORDER + 1);

		in[i] = (struct blk){ RAM_BASE + (pfn & ~((1ULL << order) - 1)) * PG, order, false, 0 };
	}
	for (int i = 1; i < n; i++)			/* insertion sort by address */
		for (int j = i; j > 0 && in[j - 1].pa > in[j].pa; j--) {
			struct blk t = in[j];

			in[j] = in[j - 1];
			in[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		if (!nblk || blk[nblk - 1].pa + (PG << blk[nblk - 1].order) <= in[i].pa)
			blk[nblk++] = in[i];
	while (r->left) {
		u64 at = (get(r, 2) % WINDOW_PAGES) * PG, len = get(r, 2);

		for (u64 i = 0; i < len && r->left; i++, at++) {
			u8 b = (u8)get(r, 1);

			if (at < ram_bytes) {
				ram[at] = b;
				dirty[at / PG] = 1;
			}
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("FUZZ_LUO_VERBOSE");

	(void)argc;
	(void)argv;
	verbose = v && *v && *v != '0';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = { data, size };
	struct luo_session_it it;
	const struct luo_session_ser *s;
	struct luo_top t;
	struct luo_fault f = { 0 };
	u64 blob_size, i = 0;
	int r;

	load(&rd, &blob_size);
	r = luo_parse_top(&mem, ser_pa, blob_size, &t, &f);
	if (r) {
		check_fault("luo_parse_top", r, &f);
		if (verbose)
			fprintf(stderr, "fuzz_luo: top refused (%s): %s\n", luo_err_names[f.err], f.why);
		goto out;
	}
	if (verbose)
		fprintf(stderr, "fuzz_luo: top accepted: %llu sessions in %llu blocks\n",
			(unsigned long long)t.nr_sessions, (unsigned long long)t.nr_session_blocks);
	if (t.ser_pa != ser_pa || !t.ser || t.nr_sessions > (u64)LUO_MAX_BLOCKS * LUO_SESSIONS_PER_BLOCK ||
	    t.nr_session_blocks > LUO_MAX_BLOCKS || t.nr_session_blocks > t.nr_sessions ||
	    (t.nr_sessions && !t.nr_session_blocks))
		FAIL("accepted top: ser 0x%llx, %llu sessions in %llu blocks", (unsigned long long)t.ser_pa,
		     (unsigned long long)t.nr_sessions, (unsigned long long)t.nr_session_blocks);
	r = luo_walk_top(&mem, &t, &ops, &f);
	if (r) {
		check_fault("luo_walk_top", r, &f);
		if (f.err != LUO_E_SHARED)
			FAIL("luo_walk_top refused an accepted top as %s: %s", luo_err_names[f.err], f.why);
		goto out;
	}
	for (s = luo_session_first(&it, &mem, &t); s; s = luo_session_next(&it), i++) {
		if (i >= t.nr_sessions)
			FAIL("the iterator yields more than %llu sessions", (unsigned long long)t.nr_sessions);
		check_session(&t, s, i);
	}
	if (i != t.nr_sessions)
		FAIL("the iterator yields %llu of %llu sessions", (unsigned long long)i,
		     (unsigned long long)t.nr_sessions);
out:
	reset();
	return 0;
}
