// SPDX-License-Identifier: MIT
/*
 * tests/host/test_luo.c - the LUO parser (kho/luo_parse.c, kho/luo_memfd.c)
 * over simulated physical memory, on the host.
 *
 * The simulation: RAM_BYTES of RAM at RAM_BASE (an aligned host buffer)
 * and a sorted table of preserved blocks (pa, order) that block()
 * searches, as the kernel searches its incoming KHO blocks; map() gives
 * RAM and nothing else.  A second window, SYNTH_BASE, holds block chains
 * of any length with no RAM behind them: map() makes each block page up
 * when asked (next, count, zeroed entries), so a chain of 10001 blocks
 * costs no memory.
 *
 * build() lays out a LUO as Linux's LUO and memfd handler do: luo_ser,
 * one session block, an empty FLB page, one file block per session, per
 * memfd a memfd_luo_ser page, a kho_vmalloc (chunk page, pieces of its
 * order) holding the folio array, and the folios at their orders (0, 1
 * and 9), each page's first and last word from luo_pattern() up to the
 * file's size and zero past it.  Every page is a block of its own, at the
 * order Linux gives it.
 *
 * run() checks the layout the way kho/luo.c does (luo_parse_top(),
 * luo_walk_top(), luo_check_session() for every session, claiming each
 * reported block: a second claim is -EEXIST), and each session once more
 * without ops.  The tests:
 *
 *  - the default set is accepted: the counts, every preserved block
 *    reported exactly once at its order and nothing else, every folio's
 *    bytes as written, folio() called in file order;
 *  - edge cases Linux can write are accepted (no session, no FLB, a
 *    session without files, 52 sessions over two blocks, a 63-character
 *    name, a piece split into smaller blocks, a chunk list with an empty
 *    chunk, the last 2 MiB folio reaching past EOF, 4096 sessions, 4096
 *    files);
 *  - two folios swapped in the array pass every structural check and
 *    only their bytes tell (what kho/luo.c's content pass is for);
 *  - one fault per row of fault_cases[], refused with exactly its
 *    enum luo_err code (at the top, or in the one session it damages,
 *    the others accepted) and a non-empty why.
 *
 * SOURCES: kho/luo_parse.c kho/luo_memfd.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <cmocka.h>

#include <kho/luo.h>
#include <kholab/kho_abi.h>
#include <kholab/luo_spec.h>
#include "case_table.h"

#define PG		4096ULL
#define KIB		1024ULL
#define MIB		(1024ULL * 1024ULL)
#define RAM_BASE	(4ULL << 30)		/* RAM: [4 GiB, 4 GiB + 8 MiB) */
#define RAM_BYTES	(8 * MIB)
#define HUGE_POOL	(RAM_BASE + 4 * MIB)	/* order >= 9 blocks from here, the rest below */
#define SYNTH_BASE	(16ULL << 30)		/* made-up block chains, no RAM */
#define MAX_BLOCKS	2048
#define FOLIO_FLAGS	((u64)(MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE) << MEMFD_LUO_PFN_BITS)

/* ---- simulated memory ---- */

static u8 *ram;

static struct sim_block {
	u64 pa;
	unsigned int order;
} blocks[MAX_BLOCKS];
static int nblocks;

/* synth - a chain of n order-0 blocks at SYNTH_BASE, per entries each but the last (last). */
static struct synth_chain {
	u64 n, per, last;
} synth;
static u8 synth_page[8][PG];
static unsigned int synth_turn;

static u64 bytes_of(unsigned int order)
{
	return PG << order;
}

static bool in_synth(u64 pa)
{
	return synth.n && pa >= SYNTH_BASE && pa < SYNTH_BASE + synth.n * PG;
}

/* find_block - the index of the block holding @pa, or -1. */
static int find_block(u64 pa)
{
	int lo = 0, hi = nblocks;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (blocks[mid].pa + bytes_of(blocks[mid].order) <= pa)
			lo = mid + 1;
		else if (blocks[mid].pa > pa)
			hi = mid;
		else
			return mid;
	}
	return -1;
}

/* add_block - preserve [pa, pa + 2^order pages): aligned, clear of every other block. */
static void add_block(u64 pa, unsigned int order)
{
	int i = 0;

	assert_int_equal(pa % bytes_of(order), 0);
	assert_true(nblocks < MAX_BLOCKS);
	while (i < nblocks && blocks[i].pa < pa)
		i++;
	if (i > 0)
		assert_true(blocks[i - 1].pa + bytes_of(blocks[i - 1].order) <= pa);
	if (i < nblocks)
		assert_true(pa + bytes_of(order) <= blocks[i].pa);
	memmove(&blocks[i + 1], &blocks[i], (nblocks - i) * sizeof(blocks[0]));
	blocks[i] = (struct sim_block){ pa, order };
	nblocks++;
}

/* del_block - unpreserve the block that starts at @pa. */
static void del_block(u64 pa)
{
	int i = find_block(pa);

	assert_true(i >= 0);
	assert_true(blocks[i].pa == pa);
	memmove(&blocks[i], &blocks[i + 1], (nblocks - i - 1) * sizeof(blocks[0]));
	nblocks--;
}

/* set_order - the block at @pa is preserved at @order instead. */
static void set_order(u64 pa, unsigned int order)
{
	del_block(pa);
	add_block(pa, order);
}

static const void *sim_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (len == 0 || pa + len < pa)
		return NULL;
	if (pa >= RAM_BASE && pa + len <= RAM_BASE + RAM_BYTES)
		return ram + (pa - RAM_BASE);
	if (in_synth(pa) && in_synth(pa + len - 1) && pa / PG == (pa + len - 1) / PG) {
		u64 i = (pa - SYNTH_BASE) / PG;
		u8 *p = synth_page[synth_turn++ % 8];
		struct kho_block_header_ser *h = (void *)p;

		memset(p, 0, PG);
		h->next = i + 1 < synth.n ? SYNTH_BASE + (i + 1) * PG : 0;
		h->count = i + 1 < synth.n ? synth.per : synth.last;
		return p + pa % PG;
	}
	return NULL;
}

static int sim_block(void *ctx, u64 pa, u64 *head, unsigned int *order)
{
	int i;

	(void)ctx;
	if (in_synth(pa)) {
		*head = pa & ~(PG - 1);
		*order = 0;
		return 0;
	}
	i = find_block(pa);
	if (i < 0)
		return -ENOENT;
	*head = blocks[i].pa;
	*order = blocks[i].order;
	return 0;
}

static const struct luo_mem mem = { sim_map, sim_block, NULL };

static void *va(u64 pa)
{
	assert_true(pa >= RAM_BASE && pa < RAM_BASE + RAM_BYTES);
	return ram + (pa - RAM_BASE);
}

/* ---- the builder ---- */

static u64 meta_next, huge_next;

/* take - 2^@order pages of RAM, naturally aligned, preserved as one block if @keep. */
static u64 take(unsigned int order, bool keep)
{
	u64 *next = order >= 9 ? &huge_next : &meta_next;
	u64 pa = (*next + bytes_of(order) - 1) & ~(bytes_of(order) - 1);

	*next = pa + bytes_of(order);
	assert_true(*next <= (order >= 9 ? RAM_BASE + RAM_BYTES : HUGE_POOL));
	if (keep)
		add_block(pa, order);
	return pa;
}

#define MAX_S	4
#define MAX_M	6
#define MAX_F	320

struct run {
	unsigned int order;
	int n;
};

/* struct mspec - a memfd to build: its folios are runs of n folios of one order, in file order. */
struct mspec {
	u64 token, size;
	u32 seals;
	unsigned int vm_order;			/* the folio array's pieces */
	struct run runs[3];
};

struct sspec {
	const char *name;
	int nm;
	struct mspec m[MAX_M];
};

struct lmemfd {
	u64 token, size;
	u64 ser_pa, chunk_pa, array_pa;
	struct memfd_luo_ser *ser;
	struct kho_vmalloc_chunk *chunk;
	struct memfd_luo_folio_ser *fe;		/* the array, contiguous */
	unsigned int npieces;
	int nf;
	u64 folio_pa[MAX_F];
	unsigned int folio_order[MAX_F];
};

struct lsess {
	struct luo_session_ser *ser;
	u64 fblk_pa;
	struct kho_block_header_ser *fblk;
	struct luo_file_ser *files;
	int nm;
	struct lmemfd m[MAX_M];
};

static struct layout {
	u64 ser_pa, sblk_pa, flb_pa;
	struct luo_ser *ser;
	struct kho_block_header_ser *sblk;
	struct luo_session_ser *sess;		/* the entries of sblk */
	struct luo_flb_header_ser *flb;
	int ns;
	struct lsess s[MAX_S];
} L;

static u64 blob_size = LUO_SER_SIZE;

/*
 * The pattern: the first and the last word of every file page hold
 * luo_pattern() inside the file and zero past it (every word would make
 * each of the hundred builds fill and check 2 MiB under ASan), enough to
 * tell every page of a file from every other.
 */
static u64 pattern_word(u64 token, u64 size, u64 off)
{
	return off < size ? luo_pattern(0, token, off) : 0;
}

/* fill_folio - file pages [@index, @index + 2^@order) of memfd @token (@size bytes) into @pa. */
static void fill_folio(u64 pa, u64 token, u64 size, u64 index, unsigned int order)
{
	u64 *w = va(pa);

	for (u64 p = 0; p < 1ULL << order; p++) {
		u64 off = (index + p) * PG;

		w[p * PG / 8] = pattern_word(token, size, off);
		w[(p + 1) * PG / 8 - 1] = pattern_word(token, size, off + PG - 8);
	}
}

static void build_memfd(struct lmemfd *lm, const struct mspec *ms)
{
	u64 index = 0;

	memset(lm, 0, sizeof(*lm));
	lm->token = ms->token;
	lm->size = ms->size;
	lm->ser_pa = take(0, true);
	lm->ser = va(lm->ser_pa);
	lm->ser->pos = ms->size / 3;
	lm->ser->size = ms->size;
	lm->ser->seals = ms->seals;
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < ms->runs[r].n; i++) {
			unsigned int order = ms->runs[r].order;

			assert_true(lm->nf < MAX_F);
			lm->folio_pa[lm->nf] = take(order, true);
			lm->folio_order[lm->nf++] = order;
			fill_folio(lm->folio_pa[lm->nf - 1], ms->token, ms->size, index, order);
			index += 1ULL << order;
		}
	lm->ser->nr_folios = lm->nf;
	if (lm->nf == 0)
		return;				/* an all-zero kho_vmalloc */
	lm->chunk_pa = take(0, true);
	lm->chunk = va(lm->chunk_pa);
	lm->npieces = (lm->nf * sizeof(struct memfd_luo_folio_ser) + bytes_of(ms->vm_order) - 1) /
		      bytes_of(ms->vm_order);
	for (unsigned int p = 0; p < lm->npieces; p++) {
		lm->chunk->phys[p] = take(ms->vm_order, true);
		if (p)
			assert_true(lm->chunk->phys[p] == lm->chunk->phys[p - 1] + bytes_of(ms->vm_order));
	}
	lm->array_pa = lm->chunk->phys[0];
	lm->fe = va(lm->array_pa);
	index = 0;
	for (int k = 0; k < lm->nf; k++) {
		lm->fe[k].pfn_flags = lm->folio_pa[k] / PG | FOLIO_FLAGS;
		lm->fe[k].index = index;
		index += 1ULL << lm->folio_order[k];
	}
	lm->ser->folios = (struct kho_vmalloc_ser){ lm->chunk_pa, lm->npieces << ms->vm_order,
						    KHO_VMALLOC_ALLOC, ms->vm_order };
}

/* build - a fresh world holding the LUO of sessions @ss. */
static void build(const struct sspec *ss, int ns)
{
	memset(ram, 0, RAM_BYTES);
	memset(&L, 0, sizeof(L));
	memset(&synth, 0, sizeof(synth));
	nblocks = 0;
	blob_size = LUO_SER_SIZE;
	meta_next = RAM_BASE;
	huge_next = HUGE_POOL;

	L.ser_pa = take(0, true);
	L.ser = va(L.ser_pa);
	memcpy(L.ser->compatible, LUO_COMPATIBLE, sizeof(LUO_COMPATIBLE));
	L.ser->liveupdate_num = 3;
	L.sblk_pa = take(0, true);
	L.sblk = va(L.sblk_pa);
	L.sess = (struct luo_session_ser *)(L.sblk + 1);
	L.sblk->count = ns;
	L.ser->sessions_pa = ns ? L.sblk_pa : 0;
	L.flb_pa = take(0, true);
	L.flb = va(L.flb_pa);
	L.flb->pgcnt = 1;
	L.ser->flbs_pa = L.flb_pa;
	L.ns = ns;
	for (int i = 0; i < ns; i++) {
		struct lsess *ls = &L.s[i];

		ls->ser = &L.sess[i];
		snprintf(ls->ser->name, LUO_NAME_LEN, "%s", ss[i].name);
		ls->nm = ss[i].nm;
		ls->ser->file_count = ss[i].nm;
		if (!ss[i].nm)
			continue;
		ls->fblk_pa = take(0, true);
		ls->fblk = va(ls->fblk_pa);
		ls->fblk->count = ss[i].nm;
		ls->files = (struct luo_file_ser *)(ls->fblk + 1);
		ls->ser->files = ls->fblk_pa;
		for (int j = 0; j < ss[i].nm; j++) {
			build_memfd(&ls->m[j], &ss[i].m[j]);
			memcpy(ls->files[j].compatible, MEMFD_LUO_COMPATIBLE, sizeof(MEMFD_LUO_COMPATIBLE));
			ls->files[j].data = ls->m[j].ser_pa;
			ls->files[j].token = ss[i].m[j].token;
		}
	}
}

/*
 * The default set: alpha has a 0-byte memfd (no folio), a 4 KiB one and
 * a 2 MiB + 4 KiB one (an order-9 folio, then an order-0 one); beta a
 * sealed 12 KiB one, a 300-page one whose array takes two order-0 pieces,
 * and a 16 KiB one of two order-1 folios whose array is one order-1 piece.
 */
static const struct sspec default_set[] = {
	{ "alpha", 3, {
		{ 0x11, 0, 0, 0, { { 0, 0 } } },
		{ 0x12, 4 * KIB, 0, 0, { { 0, 1 } } },
		{ 0x13, 2 * MIB + 4 * KIB, 0, 0, { { 9, 1 }, { 0, 1 } } } } },
	{ "beta", 3, {
		{ 0x21, 12 * KIB, LUO_SEAL_SEAL | LUO_SEAL_SHRINK | LUO_SEAL_GROW | LUO_SEAL_WRITE, 0, { { 0, 3 } } },
		{ 0x22, 300 * PG, 0, 0, { { 0, 300 } } },
		{ 0x23, 16 * KIB, 0, 0, { { 1, 2 } } } } },
};

#define M(si, mi)	(&L.s[si].m[mi])

static void build_default(void)
{
	build(default_set, 2);
}

/* ---- running the parser ---- */

#define MAX_SEEN	(MAX_BLOCKS + 64)

static struct seen {
	enum luo_obj kind;
	u64 pa;
	unsigned int order;
} seen[MAX_SEEN];
static int nseen;

/* folio order check: the last memfd folio() saw and where its next folio must start */
static struct {
	u64 ser_pa, next_index, calls, bad_words, misplaced;
} fo;

static int claim(void *arg, enum luo_obj kind, u64 pa, unsigned int order)
{
	(void)arg;
	assert_true(kind < LUO_OBJ_NR);
	for (int i = 0; i < nseen; i++)
		if (seen[i].pa == pa)
			return -EEXIST;
	assert_true(nseen < MAX_SEEN);
	seen[nseen++] = (struct seen){ kind, pa, order };
	return 0;
}

static int on_folio(void *arg, const struct luo_memfd_view *v, u64 pa, u64 index, unsigned int order)
{
	const u64 *w = sim_map(NULL, pa, bytes_of(order));

	(void)arg;
	assert_non_null(w);
	if (v->ser_pa != fo.ser_pa)
		fo.ser_pa = v->ser_pa, fo.next_index = 0;
	if (index != fo.next_index || index % (1ULL << order))
		fo.misplaced++;
	fo.next_index = index + (1ULL << order);
	for (u64 p = 0; p < 1ULL << order; p++) {
		u64 off = (index + p) * PG;

		fo.bad_words += w[p * PG / 8] != pattern_word(v->token, v->ser->size, off);
		fo.bad_words += w[(p + 1) * PG / 8 - 1] != pattern_word(v->token, v->ser->size, off + PG - 8);
	}
	fo.calls++;
	return 0;
}

static const struct luo_walk_ops ops = { claim, on_folio, NULL };

#define MAX_OUT	(LUO_MAX_SESSIONS + 1)

/* struct outcome - what run() found: the top's verdict, then each session's, with and without ops. */
static struct outcome {
	int top;
	struct luo_fault ftop;
	struct luo_top t;
	u64 nsess;
	int err[MAX_OUT], err_noops[MAX_OUT];
	struct luo_fault f[MAX_OUT];
	struct luo_counts c;			/* the accepted sessions' */
} o;

static void run(void)
{
	struct luo_session_it it;
	const struct luo_session_ser *s;
	struct luo_fault f = { 0 };

	memset(&o, 0, sizeof(o));
	memset(&fo, 0, sizeof(fo));
	fo.ser_pa = ~0ULL;
	nseen = 0;
	if (luo_parse_top(&mem, L.ser_pa, blob_size, &o.t, &f)) {
		o.top = f.err;
		o.ftop = f;
		return;
	}
	assert_true(o.t.ser_pa == L.ser_pa);
	if (luo_walk_top(&mem, &o.t, &ops, &f)) {
		o.top = f.err;
		o.ftop = f;
		return;
	}
	for (s = luo_session_first(&it, &mem, &o.t); s; s = luo_session_next(&it), o.nsess++) {
		struct luo_counts c0 = { 0 }, c1 = { 0 };
		struct luo_fault f0 = { 0 }, f1 = { 0 };
		int r0, r1;

		assert_true(o.nsess < MAX_OUT);
		r0 = luo_check_session(&mem, &o.t, s, o.nsess, NULL, &c0, &f0);
		r1 = luo_check_session(&mem, &o.t, s, o.nsess, &ops, &c1, &f1);
		if (r0)
			assert_int_equal(r0, -EINVAL);
		if (r1)
			assert_int_equal(r1, -EINVAL);
		o.err_noops[o.nsess] = r0 ? f0.err : LUO_OK;
		o.err[o.nsess] = r1 ? f1.err : LUO_OK;
		o.f[o.nsess] = r1 ? f1 : f0;
		if (!r1) {
			assert_memory_equal(&c0, &c1, sizeof(c0));
			o.c.sessions += c1.sessions;
			o.c.files += c1.files;
			o.c.memfds += c1.memfds;
			o.c.folios += c1.folios;
			o.c.folio_bytes += c1.folio_bytes;
			o.c.objects += c1.objects;
			o.c.object_bytes += c1.object_bytes;
		}
	}
	assert_true(o.nsess == o.t.nr_sessions);
}

static const char *err_name(int err)
{
	return err >= 0 && err < LUO_E_NR ? luo_err_names[err] : "?";
}

/* expect_top - the top level is refused with @err. */
static void expect_top(int err)
{
	run();
	if (o.top != err)
		print_message("top: want %s, got %s: %s\n", err_name(err), err_name(o.top), o.ftop.why);
	assert_int_equal(o.top, err);
	assert_true(o.ftop.why[0] != 0);
	assert_non_null(memchr(o.ftop.why, 0, sizeof(o.ftop.why)));
}

/*
 * expect_session - the top is accepted and every session but @idx too;
 * session @idx is refused with @err (LUO_OK: accepted too).  A block
 * used twice shows only through the claims, so the check without ops
 * accepts a session refused as shared.
 */
static void expect_session(u64 idx, int err)
{
	run();
	if (o.top)
		print_message("top refused: %s: %s\n", err_name(o.top), o.ftop.why);
	assert_int_equal(o.top, LUO_OK);
	assert_true(idx < o.nsess || err == LUO_OK);
	for (u64 i = 0; i < o.nsess; i++) {
		int want = i == idx ? err : LUO_OK;

		if (o.err[i] != want)
			print_message("session %llu: want %s, got %s: %s\n", (unsigned long long)i, err_name(want),
				      err_name(o.err[i]), o.f[i].why);
		assert_int_equal(o.err[i], want);
		assert_int_equal(o.err_noops[i], want == LUO_E_SHARED ? LUO_OK : want);
		if (want != LUO_OK) {
			assert_true(o.f[i].why[0] != 0);
			assert_non_null(memchr(o.f[i].why, 0, sizeof(o.f[i].why)));
		}
	}
	if (err == LUO_OK) {
		assert_int_equal(fo.bad_words, 0);
		assert_int_equal(fo.misplaced, 0);
	}
}

/* ---- the accepted sets ---- */

static int setup_default(void **state)
{
	(void)state;
	build_default();
	return 0;
}

/* seen_block - the block at @pa was reported once, at its order. */
static bool seen_block(u64 pa, unsigned int order)
{
	int n = 0;

	for (int i = 0; i < nseen; i++)
		if (seen[i].pa == pa) {
			if (seen[i].order != order)
				return false;
			n++;
		}
	return n == 1;
}

static void test_valid_set(void **state)
{
	u64 folios = 0, folio_bytes = 0, objects = 0, object_bytes = 0;
	int kinds[LUO_OBJ_NR] = { 0 };

	(void)state;
	expect_session(0, LUO_OK);
	assert_int_equal(o.t.nr_sessions, 2);
	assert_int_equal(o.t.nr_session_blocks, 1);
	assert_int_equal(o.t.ser->liveupdate_num, 3);
	assert_int_equal(o.c.sessions, 2);
	assert_int_equal(o.c.files, 6);
	assert_int_equal(o.c.memfds, 6);
	assert_int_equal(o.c.folios, 308);
	/* 2 file blocks, 6 memfd pages, 5 chunks, 6 array blocks (one of order 1) */
	assert_int_equal(o.c.objects, 19);
	assert_int_equal(o.c.object_bytes, 19 * PG);
	assert_int_equal(o.c.folio_bytes, 4 * KIB + 2 * MIB + 4 * KIB + 12 * KIB + 300 * PG + 16 * KIB);
	assert_int_equal(fo.calls, 308);

	/* the same from the layout, and every block once at its order, nothing else */
	for (int s = 0; s < L.ns; s++) {
		for (int i = 0; i < L.s[s].nm; i++) {
			const struct lmemfd *lm = M(s, i);

			for (int k = 0; k < lm->nf; k++) {
				folios++;
				folio_bytes += bytes_of(lm->folio_order[k]);
				assert_true(seen_block(lm->folio_pa[k], lm->folio_order[k]));
			}
		}
	}
	assert_int_equal(folios, o.c.folios);
	assert_int_equal(folio_bytes, o.c.folio_bytes);
	for (int i = 0; i < nblocks; i++) {
		assert_true(seen_block(blocks[i].pa, blocks[i].order));
		object_bytes += bytes_of(blocks[i].order);
	}
	assert_int_equal(nseen, nblocks);
	for (int i = 0; i < nseen; i++)
		kinds[seen[i].kind]++;
	assert_int_equal(kinds[LUO_OBJ_SER], 1);
	assert_int_equal(kinds[LUO_OBJ_SESSION_BLOCK], 1);
	assert_int_equal(kinds[LUO_OBJ_FLB], 1);
	assert_int_equal(kinds[LUO_OBJ_FILE_BLOCK], 2);
	assert_int_equal(kinds[LUO_OBJ_MEMFD], 6);
	assert_int_equal(kinds[LUO_OBJ_CHUNK], 5);
	assert_int_equal(kinds[LUO_OBJ_ARRAY], 6);
	assert_int_equal(kinds[LUO_OBJ_FOLIO], 308);
	objects = nseen - kinds[LUO_OBJ_FOLIO] - 3;
	assert_int_equal(objects, o.c.objects);
	assert_int_equal(object_bytes, o.c.object_bytes + o.c.folio_bytes + 3 * PG);
	for (int i = 0; i < nseen; i++)
		if (seen[i].kind == LUO_OBJ_SER)
			assert_true(seen[i].pa == L.ser_pa);
}

/* test_valid_noops - luo_check_memfd() alone, with counts and no ops, on each memfd. */
static void test_valid_memfd_alone(void **state)
{
	struct luo_counts c = { 0 };
	struct luo_fault f = { 0 };

	(void)state;
	for (int s = 0; s < L.ns; s++)
		for (int i = 0; i < L.s[s].nm; i++)
			assert_int_equal(luo_check_memfd(&mem, L.s[s].ser->name, &L.s[s].files[i], NULL, &c, &f), 0);
	assert_int_equal(c.memfds, 6);
	assert_int_equal(c.folios, 308);
	assert_int_equal(f.err, LUO_OK);
}

static void test_err_names(void **state)
{
	(void)state;
	for (int i = 0; i < LUO_E_NR; i++) {
		assert_non_null(luo_err_names[i]);
		assert_true(luo_err_names[i][0] != 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(luo_err_names[i], luo_err_names[j]);
	}
}

static void test_no_session_no_flb(void **state)
{
	(void)state;
	build(default_set, 0);
	L.ser->flbs_pa = 0;
	del_block(L.flb_pa);
	del_block(L.sblk_pa);
	expect_session(0, LUO_OK);
	assert_int_equal(o.t.nr_sessions, 0);
	assert_int_equal(o.t.nr_session_blocks, 0);
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].kind, LUO_OBJ_SER);
}

static void test_blob_size_large(void **state)
{
	(void)state;
	blob_size = PG;
	expect_session(0, LUO_OK);
	blob_size = LUO_SER_SIZE;
	expect_session(0, LUO_OK);
}

static void test_session_without_files(void **state)
{
	static const struct sspec set[] = { { "empty", 0, { { 0 } } }, { "also-empty", 0, { { 0 } } } };

	(void)state;
	build(set, 2);
	expect_session(0, LUO_OK);
	assert_int_equal(o.c.sessions, 2);
	assert_int_equal(o.c.files, 0);
	assert_int_equal(o.c.objects, 0);
}

/* 52 sessions: a full block of 51, then a second block of 1; names s00..s51. */
static void test_two_session_blocks(void **state)
{
	u64 b2 = take(0, true);
	struct kho_block_header_ser *h2 = va(b2);
	struct luo_session_ser *e2 = (void *)(h2 + 1);

	(void)state;
	L.sblk->count = LUO_SESSIONS_PER_BLOCK;
	L.sblk->next = b2;
	for (u64 i = 2; i < LUO_SESSIONS_PER_BLOCK; i++)
		snprintf(L.sess[i].name, LUO_NAME_LEN, "s%02llu", (unsigned long long)i);
	h2->count = 1;
	snprintf(e2[0].name, LUO_NAME_LEN, "s51");
	expect_session(0, LUO_OK);
	assert_int_equal(o.t.nr_sessions, 52);
	assert_int_equal(o.t.nr_session_blocks, 2);
	assert_int_equal(o.c.sessions, 52);
	assert_true(seen_block(b2, 0));
	/* the last session's name is compared with all 51 before it */
	snprintf(e2[0].name, LUO_NAME_LEN, "s50");
	expect_session(51, LUO_E_NAME);
}

static void test_name_63_chars(void **state)
{
	(void)state;
	memset(L.s[1].ser->name, 'n', LUO_NAME_LEN - 1);
	L.s[1].ser->name[LUO_NAME_LEN - 1] = 0;
	expect_session(0, LUO_OK);
}

/* a piece of the folio array preserved as smaller blocks is accepted (and each is reported) */
static void test_piece_split(void **state)
{
	static const struct sspec set[] = {
		{ "order1", 1, { { 0x51, 16 * KIB, 0, 1, { { 1, 2 } } } } },
	};

	(void)state;
	build(set, 1);				/* memfd's vcalloc() array is never of order 1 */
	expect_session(0, LUO_E_VMALLOC);
}

/*
 * the folio array's two pieces in two chunks, and all in the second after
 * an empty first chunk (Linux reads both; kholab allows one chunk more
 * than the pieces need, and no more: a guard against loops)
 */
static void test_chunks(void **state)
{
	struct lmemfd *lm = M(1, 1);
	u64 c2 = take(0, true);
	struct kho_vmalloc_chunk *ch2 = va(c2);

	(void)state;
	assert_int_equal(lm->npieces, 2);
	ch2->phys[0] = lm->chunk->phys[1];
	lm->chunk->phys[1] = 0;
	lm->chunk->next = c2;
	expect_session(0, LUO_OK);
	assert_true(seen_block(c2, 0));

	ch2->phys[1] = ch2->phys[0];		/* empty chunk, then both pieces */
	ch2->phys[0] = lm->chunk->phys[0];
	lm->chunk->phys[0] = 0;
	expect_session(0, LUO_OK);
	assert_true(seen_block(lm->chunk_pa, 0));

	ch2->next = take(0, true);		/* a third, empty chunk: one more than 2 pieces need */
	expect_session(1, LUO_E_VMALLOC);
}

/*
 * an empty chunk between two full ones, in an array big enough for the
 * loop guard to allow it (512 pieces: 130817 folio entries, all naming
 * one page, which only the claims would refuse): the reader must step
 * over the empty chunk as the check does
 */
static void test_empty_chunk_mid_array(void **state)
{
	const u64 nf = 511 * (PG / sizeof(struct memfd_luo_folio_ser)) + 1, npieces = 512;
	struct lmemfd *lm = M(0, 0);
	u64 folio = take(0, true), a = take(0, true), e = take(0, true), b = take(0, true), p0 = 0;
	struct kho_vmalloc_chunk *ca = va(a), *ce = va(e), *cb = va(b);
	struct memfd_luo_folio_ser *fe;
	struct luo_walk_ops fops = { NULL, on_folio, NULL };
	struct luo_counts c = { 0 };
	struct luo_fault f = { 0 };

	(void)state;
	for (u64 i = 0; i < npieces; i++) {
		u64 pa = take(0, true);

		if (i == 0)
			p0 = pa;
		assert_true(pa == p0 + i * PG);
		if (i == 0)
			ca->phys[0] = pa;
		else
			cb->phys[i - 1] = pa;
	}
	ca->next = e;
	ce->next = b;
	fe = va(p0);
	for (u64 k = 0; k < nf; k++)
		fe[k] = (struct memfd_luo_folio_ser){ folio / PG | FOLIO_FLAGS, k };
	lm->ser->size = nf * PG;
	lm->ser->nr_folios = nf;
	lm->ser->folios = (struct kho_vmalloc_ser){ a, npieces, KHO_VMALLOC_ALLOC, 0 };
	memset(&fo, 0, sizeof(fo));
	fo.ser_pa = ~0ULL;
	assert_int_equal(luo_check_memfd(&mem, "alpha", &L.s[0].files[0], &fops, &c, &f), 0);
	assert_int_equal(c.folios, nf);
	assert_int_equal(c.objects, 1 + 3 + npieces);
	assert_int_equal(fo.calls, nf);
	assert_int_equal(fo.misplaced, 0);
	/* with the claims, the second folio naming the page is refused */
	expect_session(0, LUO_E_SHARED);
}

/* shmem may back a file's tail with a whole 2 MiB folio: the last folio reaches past EOF */
static void test_last_huge_folio_past_eof(void **state)
{
	static const struct sspec set[] = {
		{ "tail", 2, {
			{ 0x31, 2 * MIB + 4 * KIB, LUO_SEAL_GROW, 0, { { 9, 2 } } },
			{ 0x32, 12 * KIB, 0, 0, { { 1, 2 } } } } },
	};

	(void)state;
	build(set, 1);
	expect_session(0, LUO_OK);
	assert_int_equal(o.c.folios, 4);
	assert_int_equal(o.c.folio_bytes, 4 * MIB + 16 * KIB);
	assert_int_equal(fo.calls, 4);
}

/* a last folio may reach past EOF, but shmem makes none above order 9 (2 MiB) */
static void test_last_folio_above_pmd_order(void **state)
{
	static const struct sspec set[] = {
		{ "big", 1, { { 0x41, 4 * KIB, 0, 0, { { 10, 1 } } } } },
	};

	(void)state;
	build(set, 1);
	expect_session(0, LUO_E_FOLIO_LARGE);
}

/*
 * two folios of a memfd swapped in its array: every structural check
 * passes (both are order-0 blocks, in file order), only the bytes differ,
 * which folio() sees (kho/luo.c's pass 3 checks them against the test set)
 */
static void test_swapped_folios_only_content(void **state)
{
	struct lmemfd *lm = M(1, 0);
	u64 t = lm->fe[0].pfn_flags;

	(void)state;
	lm->fe[0].pfn_flags = lm->fe[1].pfn_flags;
	lm->fe[1].pfn_flags = t;
	run();
	assert_int_equal(o.top, LUO_OK);
	assert_int_equal(o.err[0], LUO_OK);
	assert_int_equal(o.err[1], LUO_OK);
	assert_int_equal(fo.misplaced, 0);
	assert_int_equal(fo.bad_words, 4);	/* first and last word of both pages */
}

/*
 * 4096 sessions are relayed; a 4097th is refused on its own (a made-up
 * chain: only the refused entry's name is read, for the message)
 */
static void test_session_limit(void **state)
{
	struct luo_session_it it;
	const struct luo_session_ser *s;
	struct luo_fault f = { 0 };
	u64 i = 0;

	(void)state;
	synth = (struct synth_chain){ 81, LUO_SESSIONS_PER_BLOCK, 4096 - 80 * LUO_SESSIONS_PER_BLOCK };
	L.ser->sessions_pa = SYNTH_BASE;
	assert_int_equal(luo_parse_top(&mem, L.ser_pa, blob_size, &o.t, &o.ftop), 0);
	assert_int_equal(o.t.nr_sessions, 4096);
	assert_int_equal(o.t.nr_session_blocks, 81);
	synth.last++;
	assert_int_equal(luo_parse_top(&mem, L.ser_pa, blob_size, &o.t, &o.ftop), 0);
	assert_int_equal(o.t.nr_sessions, 4097);
	for (s = luo_session_first(&it, &mem, &o.t); s && i < LUO_MAX_SESSIONS; s = luo_session_next(&it))
		i++;
	assert_non_null(s);
	assert_int_equal(luo_check_session(&mem, &o.t, s, i, NULL, NULL, &f), -EINVAL);
	assert_int_equal(f.err, LUO_E_LIMIT);
	assert_true(f.why[0] != 0);
}

/* a chain of 10000 blocks is walked to its end, 10001 is not */
static void test_chain_10000(void **state)
{
	(void)state;
	synth = (struct synth_chain){ LUO_MAX_BLOCKS, 1, 1 };
	L.ser->sessions_pa = SYNTH_BASE;
	assert_int_equal(luo_parse_top(&mem, L.ser_pa, blob_size, &o.t, &o.ftop), 0);
	assert_int_equal(o.t.nr_sessions, LUO_MAX_BLOCKS);
	synth.n++;
	expect_top(LUO_E_CYCLE);
	synth.n = 60000;
	expect_top(LUO_E_CYCLE);
}

/* a session with 4096 files is checked, 4097 are too many */
static void test_file_limit(void **state)
{
	u64 nb = (LUO_MAX_FILES + LUO_FILES_PER_BLOCK - 1) / LUO_FILES_PER_BLOCK, first = 0, prev = 0;
	struct timespec t0, t1;
	struct luo_session_it it;
	const struct luo_session_ser *s;
	struct luo_fault f = { 0 };
	double secs;

	(void)state;
	for (u64 b = 0, k = 0; b < nb; b++) {
		u64 pa = take(0, true);
		struct kho_block_header_ser *h = va(pa);
		struct luo_file_ser *e = (void *)(h + 1);

		h->count = b + 1 < nb ? LUO_FILES_PER_BLOCK : LUO_MAX_FILES - (nb - 1) * LUO_FILES_PER_BLOCK;
		for (u64 i = 0; i < h->count; i++, k++) {
			memcpy(e[i].compatible, MEMFD_LUO_COMPATIBLE, sizeof(MEMFD_LUO_COMPATIBLE));
			e[i].data = M(0, 0)->ser_pa;	/* one empty memfd for all: no ops, no claims */
			e[i].token = 0x1000 + k;
		}
		if (prev)
			((struct kho_block_header_ser *)va(prev))->next = pa;
		else
			first = pa;
		prev = pa;
	}
	L.s[0].ser->files = first;
	L.s[0].ser->file_count = LUO_MAX_FILES;
	assert_int_equal(luo_parse_top(&mem, L.ser_pa, blob_size, &o.t, &f), 0);
	s = luo_session_first(&it, &mem, &o.t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(luo_check_session(&mem, &o.t, s, 0, NULL, NULL, &f), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("4096 files checked in %.3f s\n", secs);
	assert_true(secs < 5);

	((struct luo_file_ser *)((u8 *)va(prev) + sizeof(struct kho_block_header_ser)))[0].token = 0x1000;
	assert_int_equal(luo_check_session(&mem, &o.t, s, 0, NULL, NULL, &f), -EINVAL);
	assert_int_equal(f.err, LUO_E_TOKEN);

	synth = (struct synth_chain){ nb, LUO_FILES_PER_BLOCK, LUO_MAX_FILES + 1 - (nb - 1) * LUO_FILES_PER_BLOCK };
	L.s[0].ser->files = SYNTH_BASE;
	L.s[0].ser->file_count = LUO_MAX_FILES + 1;
	assert_int_equal(luo_check_session(&mem, &o.t, s, 0, NULL, NULL, &f), -EINVAL);
	assert_int_equal(f.err, LUO_E_LIMIT);
	assert_true(f.why[0] != 0);
}

/* ---- faults: one per row ---- */

/* relocate_ser - luo_ser moves to @pa (preserved by the caller), the same bytes. */
static void relocate_ser(u64 pa)
{
	memcpy(va(pa), L.ser, PG);
	L.ser_pa = pa;
	L.ser = va(pa);
}

/* relocate_folios - folios @k..@k+@n-1 of @lm move, together, into one new block of @order. */
static void relocate_folios(struct lmemfd *lm, int k, int n, unsigned int order)
{
	u64 pa = take(order, true), at = pa;

	for (int i = k; i < k + n; i++) {
		memcpy(va(at), va(lm->folio_pa[i]), bytes_of(lm->folio_order[i]));
		del_block(lm->folio_pa[i]);
		lm->folio_pa[i] = at;
		lm->fe[i].pfn_flags = at / PG | FOLIO_FLAGS;
		at += bytes_of(lm->folio_order[i]);
	}
}

/* outside_ram - a preserved order-@order block with no RAM behind it. */
static u64 outside_ram(unsigned int order)
{
	u64 pa = RAM_BASE + RAM_BYTES + 4 * MIB;

	add_block(pa, order);
	return pa;
}

/* the top level */
static void d_compat(void) { memcpy(L.ser->compatible, "luo-v4", 7); }
static void d_compat_long(void) { memcpy(L.ser->compatible, "luo-v5x\xff", 8); }
static void d_blob_31(void) { blob_size = LUO_SER_SIZE - 1; }
static void d_blob_0(void) { blob_size = 0; }
static void d_ser_unpreserved(void) { del_block(L.ser_pa); }
static void d_ser_order1(void) { relocate_ser(take(1, true)); }
static void d_ser_in_block(void) { u64 pa = take(1, true); relocate_ser(pa + PG); }
static void d_ser_misaligned(void) { L.ser_pa += 32; }
static void d_ser_zero(void) { L.ser_pa = 0; }
static void d_ser_no_ram(void) { L.ser_pa = outside_ram(0); }
static void d_sblk_count0(void) { L.sblk->count = 0; }
static void d_sblk_count52(void) { L.sblk->count = LUO_SESSIONS_PER_BLOCK + 1; }
static void d_sblk_count_huge(void) { L.sblk->count = ~0ULL; }
static void d_sblk_unpreserved(void) { del_block(L.sblk_pa); }
static void d_sblk_misaligned(void) { L.ser->sessions_pa += 16; }
static void d_sblk_order1(void) { u64 pa = take(1, true); memcpy(va(pa), L.sblk, PG); L.ser->sessions_pa = pa; }
static void d_sblk_no_ram(void) { L.ser->sessions_pa = outside_ram(0); }
static void d_sblk_self(void) { L.sblk->next = L.sblk_pa; }

/* a second and third block with one session each, for the loops */
static u64 extra_sblk(const char *name)
{
	u64 pa = take(0, true);
	struct kho_block_header_ser *h = va(pa);

	h->count = 1;
	snprintf(((struct luo_session_ser *)(h + 1))->name, LUO_NAME_LEN, "%s", name);
	return pa;
}

static void d_sblk_loop2(void)
{
	u64 b = extra_sblk("gamma");

	L.sblk->next = b;
	((struct kho_block_header_ser *)va(b))->next = L.sblk_pa;
}

static void d_sblk_loop_tail(void)
{
	u64 b = extra_sblk("gamma"), c = extra_sblk("delta");

	L.sblk->next = b;
	((struct kho_block_header_ser *)va(b))->next = c;
	((struct kho_block_header_ser *)va(c))->next = b;
}

static void d_flb_entries(void) { L.flb->count = 1; }
static void d_flb_pgcnt(void) { L.flb->pgcnt = 2; }
static void d_flb_unpreserved(void) { del_block(L.flb_pa); }
static void d_flb_misaligned(void) { L.ser->flbs_pa += 8; }

/* session names */
static void d_name_empty(void) { L.s[0].ser->name[0] = 0; }
static void d_name_unterminated(void) { memset(L.s[0].ser->name, 'x', LUO_NAME_LEN); }
static void d_name_dup(void) { strcpy(L.s[1].ser->name, "alpha"); }

/* the file chain and its entries */
static void d_file_count_more(void) { L.s[0].ser->file_count = 4; }
static void d_file_count_less(void) { L.s[1].ser->file_count = 2; }
static void d_file_count_nochain(void) { L.s[0].ser->files = 0; }
static void d_fblk_count0(void) { L.s[0].fblk->count = 0; }
static void d_fblk_count64(void) { L.s[1].fblk->count = LUO_FILES_PER_BLOCK + 1; }
static void d_fblk_unpreserved(void) { del_block(L.s[1].fblk_pa); }
static void d_fblk_misaligned(void) { L.s[1].ser->files += 64; }
static void d_fblk_self(void) { L.s[1].fblk->next = L.s[1].fblk_pa; }
static void d_fblk_loop2(void)
{
	u64 b = take(0, true);
	struct kho_block_header_ser *h = va(b);

	memcpy(h, L.s[1].fblk, PG);		/* the same three files again, then back */
	h->next = L.s[1].fblk_pa;
	L.s[1].fblk->next = b;
}
static void d_file_compat(void) { memcpy(L.s[1].files[1].compatible, "memfd-v1", 8); }
static void d_file_compat_long(void) { strcpy(L.s[1].files[1].compatible, "memfd-v2x"); }
static void d_file_compat_empty(void) { memset(L.s[0].files[0].compatible, 0, LUO_FILE_COMPAT_LEN); }
static void d_file_compat_unterm(void) { memset(L.s[1].files[2].compatible, 'm', LUO_FILE_COMPAT_LEN); }
static void d_token_dup(void) { L.s[1].files[2].token = L.s[1].files[0].token; }

/* the memfd_luo_ser page */
static void d_ser_out_unpreserved(void) { del_block(M(0, 1)->ser_pa); }
static void d_ser_out_misaligned(void) { L.s[0].files[1].data += 8; }
static void d_ser_out_zero(void) { L.s[0].files[1].data = 0; }
static void d_ser_out_no_ram(void) { L.s[1].files[0].data = outside_ram(0); }
static void d_ser_out_order1(void)
{
	u64 pa = take(1, true);

	memcpy(va(pa), M(0, 1)->ser, PG);
	L.s[0].files[1].data = pa;
}
static void d_ser_out_in_block(void)
{
	u64 pa = take(1, true);

	memcpy(va(pa + PG), M(0, 1)->ser, PG);
	L.s[0].files[1].data = pa + PG;
}
static void d_ser_is_folio(void) { L.s[0].files[1].data = M(0, 2)->folio_pa[0] + PG; }
static void d_seals(void) { M(1, 0)->ser->seals |= 0x40; }
static void d_flags(void) { M(1, 0)->ser->flags = 1; }
static void d_size_no_folio(void) { M(0, 1)->ser->nr_folios = 0; }
static void d_folios_past_pages(void) { M(0, 1)->ser->nr_folios = 2; }
static void d_size_huge(void) { M(0, 1)->ser->size = 1ULL << 51; }
static void d_size_wraps(void) { M(0, 1)->ser->size = ~0ULL; }

/* the folio array's kho_vmalloc */
static void d_vm_on_empty(void) { M(0, 0)->ser->folios.first = M(0, 1)->chunk_pa; }
static void d_vm_on_empty_pages(void) { M(0, 0)->ser->folios.total_pages = 1; }
static void d_vm_no_alloc(void) { M(0, 1)->ser->folios.flags = KHO_VMALLOC_HUGE; }
static void d_vm_flag(void) { M(0, 1)->ser->folios.flags |= 0x4; }
static void d_vm_order(void) { M(0, 1)->ser->folios.order = 19; }
static void d_vm_total0(void) { M(0, 1)->ser->folios.total_pages = 0; }
static void d_vm_total_odd(void) { M(1, 2)->ser->folios.total_pages = 3; }
static void d_vm_total_more(void) { M(1, 1)->ser->folios.total_pages = 3; }
static void d_vm_total_less(void) { M(1, 1)->ser->folios.total_pages = 1; }
static void d_vm_total_far(void) { M(0, 1)->ser->folios.total_pages = 3; }
static void d_vm_extra_piece(void)
{
	M(0, 1)->chunk->phys[1] = take(0, true);
}
static void d_vm_chunk_unpreserved(void) { del_block(M(0, 2)->chunk_pa); }
static void d_vm_chunk_misaligned(void) { M(0, 2)->ser->folios.first += 8; }
static void d_vm_chunk_no_ram(void) { M(0, 2)->ser->folios.first = outside_ram(0); }
static void d_vm_chunk_order1(void)
{
	u64 pa = take(1, true);

	memcpy(va(pa), M(0, 2)->chunk, PG);
	M(0, 2)->ser->folios.first = pa;
}
static void d_vm_chunk_self(void) { M(0, 2)->chunk->next = M(0, 2)->chunk_pa; }
static void d_vm_chunk_loop2(void)
{
	u64 c = take(0, true);

	memcpy(va(c), M(0, 2)->chunk, PG);	/* the same piece again, then back */
	((struct kho_vmalloc_chunk *)va(c))->next = M(0, 2)->chunk_pa;
	M(0, 2)->chunk->next = c;
	M(0, 2)->ser->folios.total_pages = 2;	/* room for the pieces of both */
}
static void d_vm_chunk_loop_empty(void)
{
	u64 c = take(0, true);

	M(1, 1)->chunk->next = c;		/* an empty chunk pointing back at the first */
	((struct kho_vmalloc_chunk *)va(c))->next = M(1, 1)->chunk_pa;
}
static void d_vm_piece_unpreserved(void) { del_block(M(0, 1)->array_pa); }
static void d_vm_piece_misaligned(void) { M(1, 2)->chunk->phys[0] += PG; }
static void d_vm_piece_in_block(void)
{
	u64 pa = take(1, true);

	memcpy(va(pa + PG), va(M(0, 1)->array_pa), PG);
	M(0, 1)->chunk->phys[0] = pa + PG;
}
static void d_vm_piece_larger(void)
{
	u64 pa = take(1, true);

	memcpy(va(pa), va(M(0, 1)->array_pa), PG);
	M(0, 1)->chunk->phys[0] = pa;		/* a one-page piece in an order-1 block */
}
static void d_vm_piece_no_ram(void) { M(0, 1)->chunk->phys[0] = outside_ram(0); }
static void d_vm_piece_wraps(void) { M(0, 1)->chunk->phys[0] = 0ULL - PG; }

/* folios */
static void d_folio_unpreserved(void) { del_block(M(0, 1)->folio_pa[0]); }
static void d_folio_no_ram(void) { M(0, 1)->fe[0].pfn_flags = outside_ram(0) / PG; }
static void d_folio_inside_other(void) { M(0, 1)->fe[0].pfn_flags = (M(0, 2)->folio_pa[0] + PG) / PG; }
static void d_folio_pfn_zero(void) { M(1, 0)->fe[1].pfn_flags = FOLIO_FLAGS; }
static void d_folio_small_gap(void) { set_order(M(0, 2)->folio_pa[0], 8); }
static void d_folio_small_last(void) { set_order(M(1, 2)->folio_pa[1], 0); }
static void d_folio_large_overlap(void) { relocate_folios(M(1, 0), 0, 1, 1); }
static void d_folio_large_swallow(void) { relocate_folios(M(1, 0), 0, 2, 1); }
static void d_folio_large_misaligned(void) { relocate_folios(M(1, 0), 1, 1, 1); }
static void d_folio_past_eof(void) { M(1, 2)->ser->size = 8 * KIB; }
static void d_folio_order(void) { M(1, 0)->fe[2].index = 0; }
static void d_folio_repeat(void) { M(1, 0)->fe[1].index = 0; }
static void d_folio_hole(void) { M(1, 0)->ser->size = 16 * KIB; M(1, 0)->fe[2].index = 3; }
static void d_folio_first(void) { M(0, 1)->fe[0].index = 1; M(0, 1)->ser->size = 8 * KIB; }
static void d_folio_too_few(void) { M(1, 1)->ser->size += PG; }

/* one block, two objects */
static void d_shared_ser(void) { L.s[1].files[0].data = M(0, 1)->ser_pa; }
static void d_shared_ser_same_session(void) { L.s[1].files[1].data = M(1, 0)->ser_pa; }
static void d_shared_fblk(void) { L.s[1].ser->files = L.s[0].fblk_pa; }
static void d_shared_folio(void) { M(1, 0)->fe[0].pfn_flags = M(0, 1)->folio_pa[0] / PG | FOLIO_FLAGS; }
static void d_shared_folio_twice(void) { M(1, 0)->fe[1].pfn_flags = M(1, 0)->fe[0].pfn_flags; }
static void d_shared_chunk(void) { M(0, 1)->ser->folios.first = M(1, 0)->chunk_pa; }
static void d_shared_array(void) { M(0, 1)->chunk->phys[0] = M(1, 0)->array_pa; }
static void d_folio_flags_zero(void) { M(0, 1)->fe[0].pfn_flags &= MEMFD_LUO_PFN_MASK; }
static void d_folio_flags_no_dirty(void)
{
	M(1, 1)->fe[3].pfn_flags = (M(1, 1)->fe[3].pfn_flags & MEMFD_LUO_PFN_MASK) |
				   ((u64)MEMFD_LUO_FOLIO_UPTODATE << MEMFD_LUO_PFN_BITS);
}
static void d_vm_huge_flag(void) { M(1, 1)->ser->folios.flags |= KHO_VMALLOC_HUGE; }
static void d_shared_ser_as_folio(void) { M(0, 1)->fe[0].pfn_flags = M(1, 0)->ser_pa / PG | FOLIO_FLAGS; }

#define TOP	(~0ULL)

static const struct fault_case {
	const char *name;
	void (*damage)(void);
	u64 session;			/* TOP: all of LUO refused */
	int err;
} fault_cases[] = {
	{ "top_compat_v4", d_compat, TOP, LUO_E_COMPAT },
	{ "top_compat_8_bytes", d_compat_long, TOP, LUO_E_COMPAT },
	{ "top_blob_size_31", d_blob_31, TOP, LUO_E_NODE },
	{ "top_blob_size_0", d_blob_0, TOP, LUO_E_NODE },
	{ "top_ser_unpreserved", d_ser_unpreserved, TOP, LUO_E_NODE },
	{ "top_ser_order_1", d_ser_order1, TOP, LUO_E_NODE },
	{ "top_ser_inside_block", d_ser_in_block, TOP, LUO_E_NODE },
	{ "top_ser_misaligned", d_ser_misaligned, TOP, LUO_E_NODE },
	{ "top_ser_zero", d_ser_zero, TOP, LUO_E_NODE },
	{ "top_ser_not_ram", d_ser_no_ram, TOP, LUO_E_NODE },
	{ "top_session_block_count_0", d_sblk_count0, TOP, LUO_E_COUNT },
	{ "top_session_block_count_52", d_sblk_count52, TOP, LUO_E_COUNT },
	{ "top_session_block_count_max", d_sblk_count_huge, TOP, LUO_E_COUNT },
	{ "top_session_block_unpreserved", d_sblk_unpreserved, TOP, LUO_E_CHAIN },
	{ "top_session_block_misaligned", d_sblk_misaligned, TOP, LUO_E_CHAIN },
	{ "top_session_block_order_1", d_sblk_order1, TOP, LUO_E_CHAIN },
	{ "top_session_block_not_ram", d_sblk_no_ram, TOP, LUO_E_CHAIN },
	{ "top_session_chain_self", d_sblk_self, TOP, LUO_E_CYCLE },
	{ "top_session_chain_loop_2", d_sblk_loop2, TOP, LUO_E_CYCLE },
	{ "top_session_chain_tail_loop", d_sblk_loop_tail, TOP, LUO_E_CYCLE },
	{ "top_flb_entries", d_flb_entries, TOP, LUO_E_FLB },
	{ "top_flb_pgcnt_2", d_flb_pgcnt, TOP, LUO_E_FLB },
	{ "top_flb_unpreserved", d_flb_unpreserved, TOP, LUO_E_FLB },
	{ "top_flb_misaligned", d_flb_misaligned, TOP, LUO_E_FLB },

	{ "name_empty", d_name_empty, 0, LUO_E_NAME },
	{ "name_unterminated", d_name_unterminated, 0, LUO_E_NAME },
	{ "name_duplicate", d_name_dup, 1, LUO_E_NAME },
	{ "file_count_more", d_file_count_more, 0, LUO_E_FILE_COUNT },
	{ "file_count_less", d_file_count_less, 1, LUO_E_FILE_COUNT },
	{ "file_count_no_chain", d_file_count_nochain, 0, LUO_E_FILE_COUNT },
	{ "file_block_count_0", d_fblk_count0, 0, LUO_E_COUNT },
	{ "file_block_count_64", d_fblk_count64, 1, LUO_E_COUNT },
	{ "file_block_unpreserved", d_fblk_unpreserved, 1, LUO_E_CHAIN },
	{ "file_block_misaligned", d_fblk_misaligned, 1, LUO_E_CHAIN },
	{ "file_chain_self", d_fblk_self, 1, LUO_E_CYCLE },
	{ "file_chain_loop_2", d_fblk_loop2, 1, LUO_E_CYCLE },
	{ "file_compat_memfd_v1", d_file_compat, 1, LUO_E_FILE_COMPAT },
	{ "file_compat_longer", d_file_compat_long, 1, LUO_E_FILE_COMPAT },
	{ "file_compat_empty", d_file_compat_empty, 0, LUO_E_FILE_COMPAT },
	{ "file_compat_unterminated", d_file_compat_unterm, 1, LUO_E_FILE_COMPAT },
	{ "token_duplicate", d_token_dup, 1, LUO_E_TOKEN },

	{ "memfd_ser_unpreserved", d_ser_out_unpreserved, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_misaligned", d_ser_out_misaligned, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_zero", d_ser_out_zero, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_not_ram", d_ser_out_no_ram, 1, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_order_1", d_ser_out_order1, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_inside_block", d_ser_out_in_block, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_ser_inside_folio", d_ser_is_folio, 0, LUO_E_SER_OUTSIDE },
	{ "memfd_seals", d_seals, 1, LUO_E_MEMFD },
	{ "memfd_flags", d_flags, 1, LUO_E_MEMFD },
	{ "memfd_size_without_folios", d_size_no_folio, 0, LUO_E_MEMFD },
	{ "memfd_more_folios_than_pages", d_folios_past_pages, 0, LUO_E_MEMFD },
	{ "memfd_size_2_pib", d_size_huge, 0, LUO_E_MEMFD },
	{ "memfd_size_wraps", d_size_wraps, 0, LUO_E_MEMFD },

	{ "vmalloc_no_folio_but_chunk", d_vm_on_empty, 0, LUO_E_VMALLOC },
	{ "vmalloc_no_folio_but_pages", d_vm_on_empty_pages, 0, LUO_E_VMALLOC },
	{ "vmalloc_flags_no_alloc", d_vm_no_alloc, 0, LUO_E_VMALLOC },
	{ "vmalloc_flags_unknown", d_vm_flag, 0, LUO_E_VMALLOC },
	{ "vmalloc_order_19", d_vm_order, 0, LUO_E_VMALLOC },
	{ "vmalloc_total_pages_0", d_vm_total0, 0, LUO_E_VMALLOC },
	{ "vmalloc_total_pages_not_pieces", d_vm_total_odd, 1, LUO_E_VMALLOC },
	{ "vmalloc_pieces_fewer_than_total", d_vm_total_more, 1, LUO_E_VMALLOC },
	{ "vmalloc_array_too_small", d_vm_total_less, 1, LUO_E_VMALLOC },
	{ "vmalloc_array_too_large", d_vm_total_far, 0, LUO_E_VMALLOC },
	{ "vmalloc_pieces_more_than_total", d_vm_extra_piece, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_unpreserved", d_vm_chunk_unpreserved, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_misaligned", d_vm_chunk_misaligned, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_not_ram", d_vm_chunk_no_ram, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_order_1", d_vm_chunk_order1, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_self", d_vm_chunk_self, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_loop_2", d_vm_chunk_loop2, 0, LUO_E_VMALLOC },
	{ "vmalloc_chunk_loop_empty", d_vm_chunk_loop_empty, 1, LUO_E_VMALLOC },
	{ "vmalloc_piece_unpreserved", d_vm_piece_unpreserved, 0, LUO_E_VMALLOC },
	{ "vmalloc_piece_misaligned", d_vm_piece_misaligned, 1, LUO_E_VMALLOC },
	{ "vmalloc_piece_inside_block", d_vm_piece_in_block, 0, LUO_E_VMALLOC },
	{ "vmalloc_piece_in_larger_block", d_vm_piece_larger, 0, LUO_E_VMALLOC },
	{ "vmalloc_piece_not_ram", d_vm_piece_no_ram, 0, LUO_E_VMALLOC },
	{ "vmalloc_piece_wraps", d_vm_piece_wraps, 0, LUO_E_VMALLOC },

	{ "folio_unpreserved", d_folio_unpreserved, 0, LUO_E_FOLIO_UNPRESERVED },
	{ "folio_not_ram", d_folio_no_ram, 0, LUO_E_FOLIO_UNPRESERVED },
	{ "folio_inside_other_block", d_folio_inside_other, 0, LUO_E_FOLIO_UNPRESERVED },
	{ "folio_pfn_0", d_folio_pfn_zero, 1, LUO_E_FOLIO_UNPRESERVED },
	{ "folio_smaller_gap", d_folio_small_gap, 0, LUO_E_FOLIO_SMALL },
	{ "folio_smaller_last", d_folio_small_last, 1, LUO_E_FOLIO_SMALL },
	{ "folio_larger_overlap", d_folio_large_overlap, 1, LUO_E_FOLIO_LARGE },
	{ "folio_larger_swallows_next", d_folio_large_swallow, 1, LUO_E_FOLIO_LARGE },
	{ "folio_larger_misaligned_index", d_folio_large_misaligned, 1, LUO_E_FOLIO_LARGE },
	{ "folio_past_eof", d_folio_past_eof, 1, LUO_E_FOLIO_INDEX },
	{ "folio_out_of_order", d_folio_order, 1, LUO_E_FOLIO_INDEX },
	{ "folio_index_repeated", d_folio_repeat, 1, LUO_E_FOLIO_INDEX },
	{ "folio_index_hole", d_folio_hole, 1, LUO_E_FOLIO_SMALL },
	{ "folio_first_not_page_0", d_folio_first, 0, LUO_E_FOLIO_INDEX },
	{ "folio_file_not_covered", d_folio_too_few, 1, LUO_E_FOLIO_SMALL },

	{ "shared_memfd_ser", d_shared_ser, 1, LUO_E_SHARED },
	{ "shared_memfd_ser_in_session", d_shared_ser_same_session, 1, LUO_E_SHARED },
	{ "shared_file_block", d_shared_fblk, 1, LUO_E_SHARED },
	{ "shared_folio", d_shared_folio, 1, LUO_E_SHARED },
	{ "shared_folio_in_memfd", d_shared_folio_twice, 1, LUO_E_SHARED },
	{ "shared_chunk", d_shared_chunk, 1, LUO_E_SHARED },
	{ "shared_array_piece", d_shared_array, 1, LUO_E_SHARED },
	{ "shared_memfd_ser_as_folio", d_shared_ser_as_folio, 1, LUO_E_SHARED },
	{ "folio_flags_zero", d_folio_flags_zero, 0, LUO_E_FOLIO_FLAGS },
	{ "folio_flags_not_dirty", d_folio_flags_no_dirty, 1, LUO_E_FOLIO_FLAGS },
	{ "vmalloc_huge_flag", d_vm_huge_flag, 1, LUO_E_VMALLOC },
};

static void test_fault(void **state)
{
	const struct fault_case *c = *state;

	build_default();
	c->damage();
	if (c->session == TOP)
		expect_top(c->err);
	else
		expect_session(c->session, c->err);
}

/*
 * relocate_folios() keeps a memfd valid when each folio gets a block of
 * its own order: the larger-order rows fail because of the order, not the move.
 */
static void test_relocate_keeps_valid(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++)
		relocate_folios(M(1, 0), k, 1, 0);
	for (int k = 0; k < 2; k++)
		relocate_folios(M(1, 2), k, 1, 1);
	expect_session(0, LUO_OK);
	relocate_folios(M(1, 2), 0, 2, 2);	/* two order-1 folios in one order-2 block */
	expect_session(1, LUO_E_FOLIO_LARGE);
}

int main(void)
{
	struct CMUnitTest tests[32 + ARRAY_SIZE(fault_cases)] = {
		cmocka_unit_test(test_err_names),
		cmocka_unit_test_setup(test_valid_set, setup_default),
		cmocka_unit_test_setup(test_valid_memfd_alone, setup_default),
		cmocka_unit_test_setup(test_no_session_no_flb, setup_default),
		cmocka_unit_test_setup(test_blob_size_large, setup_default),
		cmocka_unit_test_setup(test_session_without_files, setup_default),
		cmocka_unit_test_setup(test_two_session_blocks, setup_default),
		cmocka_unit_test_setup(test_name_63_chars, setup_default),
		cmocka_unit_test_setup(test_piece_split, setup_default),
		cmocka_unit_test_setup(test_chunks, setup_default),
		cmocka_unit_test_setup(test_empty_chunk_mid_array, setup_default),
		cmocka_unit_test_setup(test_last_huge_folio_past_eof, setup_default),
		cmocka_unit_test_setup(test_last_folio_above_pmd_order, setup_default),
		cmocka_unit_test_setup(test_swapped_folios_only_content, setup_default),
		cmocka_unit_test_setup(test_session_limit, setup_default),
		cmocka_unit_test_setup(test_chain_10000, setup_default),
		cmocka_unit_test_setup(test_file_limit, setup_default),
		cmocka_unit_test_setup(test_relocate_keeps_valid, setup_default),
	};
	size_t n = 17;
	int r;

	ram = aligned_alloc(2 * MIB, RAM_BYTES);
	if (!ram)
		return 1;
	n = CASE_TABLE_ADD(tests, n, fault_cases, test_fault, NULL, NULL);
	r = CASE_TABLE_RUN(tests, n, NULL, NULL);
	free(ram);
	return r;
}
