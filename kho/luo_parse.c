/*
 * kho/luo_parse.c - checking an incoming LUO: the node, luo_ser, the
 * block chains of sessions and files.
 *
 * DOC: what kholab checks in a LUO handoff
 *
 * Nothing is trusted.  Every page LUO's metadata lives in (luo_ser, each
 * session and file block, the FLB page, each memfd_luo_ser and kho_vmalloc
 * chunk) must be the first page of a block of the incoming KHO tree at
 * order 0, as Linux preserves them; a block chain must have 1 to
 * LUO_*_PER_BLOCK entries per block, no loop, at most LUO_MAX_BLOCKS
 * blocks; session names must be 1-63 characters and unique, a session's
 * file entries must add up to its file_count, each file's handler must be
 * "memfd-v2" with a token no other file of the session has.  The memfd
 * itself is checked in kho/luo_memfd.c.  A fault at the top (node,
 * luo_ser, the session chain, the FLB page) makes all of LUO unusable;
 * one below a session entry spoils that session only.
 */
#include <kho/luo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

const char *const luo_err_names[LUO_E_NR] = {
	[LUO_OK] = "ok",
	[LUO_E_NODE] = "node",
	[LUO_E_COMPAT] = "compat",
	[LUO_E_CHAIN] = "chain",
	[LUO_E_CYCLE] = "cycle",
	[LUO_E_COUNT] = "count",
	[LUO_E_LIMIT] = "limit",
	[LUO_E_NAME] = "name",
	[LUO_E_FILE_COUNT] = "file_count",
	[LUO_E_FILE_COMPAT] = "file_compat",
	[LUO_E_TOKEN] = "token",
	[LUO_E_SER_OUTSIDE] = "ser_outside",
	[LUO_E_MEMFD] = "memfd",
	[LUO_E_VMALLOC] = "vmalloc",
	[LUO_E_FOLIO_UNPRESERVED] = "folio_unpreserved",
	[LUO_E_FOLIO_SMALL] = "folio_small",
	[LUO_E_FOLIO_LARGE] = "folio_large",
	[LUO_E_FOLIO_INDEX] = "folio_index",
	[LUO_E_SHARED] = "shared",
	[LUO_E_FLB] = "flb",
	[LUO_E_CONTENT] = "content",
	[LUO_E_FOLIO_FLAGS] = "folio_flags",
};

#define PAGE_BYTES 4096ULL

/* luo_fail - see luo.h. */
int luo_fail(struct luo_fault *f, int err, u64 pa, const char *fmt, ...)
{
	va_list ap;

	f->err = err;
	f->pa = pa;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * page_object - the object at @pa must start a preserved block of order
 * 0; map its page.  NULL with @f filled (@err, naming @what) otherwise.
 */
static const void *page_object(const struct luo_mem *m, u64 pa, int err, const char *what,
			       struct luo_fault *f)
{
	u64 head;
	unsigned int order;
	const void *p;

	if (pa == 0 || pa % PAGE_BYTES) {
		luo_fail(f, err, pa, "%s at 0x%llx is not the start of a page", what, (unsigned long long)pa);
		return NULL;
	}
	if (m->block(m->ctx, pa, &head, &order)) {
		luo_fail(f, err, pa, "%s at 0x%llx lies in no preserved block of the KHO tree", what,
			 (unsigned long long)pa);
		return NULL;
	}
	if (head != pa || order != 0) {
		luo_fail(f, err, pa, "%s at 0x%llx is inside the preserved block 0x%llx of order %u, not an order-0 block of its own",
			 what, (unsigned long long)pa, (unsigned long long)head, order);
		return NULL;
	}
	p = m->map(m->ctx, pa, PAGE_BYTES);
	if (!p)
		luo_fail(f, err, pa, "%s at 0x%llx is not in RAM", what, (unsigned long long)pa);
	return p;
}

/* report - hand an object to ops->object(); -EEXIST from it becomes LUO_E_SHARED. */
static int report(const struct luo_walk_ops *ops, enum luo_obj kind, u64 pa, unsigned int order,
		  struct luo_fault *f)
{
	int r;

	if (!ops || !ops->object)
		return 0;
	r = ops->object(ops->arg, kind, pa, order);
	if (r == -EEXIST)
		return luo_fail(f, LUO_E_SHARED, pa, "the block at 0x%llx (order %u) is used by two LUO objects",
				(unsigned long long)pa, order);
	return r;
}

/* chain_block - one block of a chain: a preserved order-0 page with 1..@per entries. */
static const struct kho_block_header_ser *chain_block(const struct luo_mem *m, u64 pa, u64 per,
						      const char *what, struct luo_fault *f)
{
	const struct kho_block_header_ser *b = page_object(m, pa, LUO_E_CHAIN, what, f);

	if (b && (b->count == 0 || b->count > per)) {
		luo_fail(f, LUO_E_COUNT, pa, "%s at 0x%llx says it holds %llu entries; a block holds 1 to %llu",
			 what, (unsigned long long)pa, (unsigned long long)b->count, (unsigned long long)per);
		return NULL;
	}
	return b;
}

/*
 * walk_chain - check the block chain that starts at @head (0: empty), each
 * block holding up to @per entries, and report its blocks as @kind.  A
 * loop is found the way Floyd's tortoise and hare find one: a second
 * pointer steps once every two blocks and is met by the first.  That
 * happens only after the first pointer went round the loop once, so with
 * ops the chain is checked whole before any block is reported: a loop is
 * a cycle, not a block reported twice (LUO_E_SHARED).
 *
 * Return: 0 with the totals in @nblocks and @nentries, or -EINVAL.
 */
static int walk_chain(const struct luo_mem *m, u64 head, u64 per, const char *what,
		      const struct luo_walk_ops *ops, enum luo_obj kind, u64 *nblocks, u64 *nentries,
		      struct luo_fault *f)
{
	u64 pa = head, slow = head, n = 0, entries = 0;
	int r;

	if (ops && ops->object) {
		r = walk_chain(m, head, per, what, NULL, kind, nblocks, nentries, f);
		if (r)
			return r;
	}
	while (pa) {
		const struct kho_block_header_ser *b = chain_block(m, pa, per, what, f);

		if (!b)
			return -EINVAL;
		if (++n > LUO_MAX_BLOCKS)
			return luo_fail(f, LUO_E_CYCLE, head, "the %s chain from 0x%llx is longer than %d blocks",
					what, (unsigned long long)head, LUO_MAX_BLOCKS);
		r = report(ops, kind, pa, 0, f);
		if (r)
			return r;
		entries += b->count;
		pa = b->next;
		if (n % 2 == 0)		/* the tortoise: a block already checked */
			slow = ((const struct kho_block_header_ser *)m->map(m->ctx, slow, PAGE_BYTES))->next;
		if (pa && pa == slow)
			return luo_fail(f, LUO_E_CYCLE, pa, "the %s chain from 0x%llx loops back to 0x%llx",
					what, (unsigned long long)head, (unsigned long long)pa);
	}
	*nblocks = n;
	*nentries = entries;
	return 0;
}

/* check_flb - the FLB page: preserved, one page, no entry (kholab cannot know what an FLB's data is). */
static int check_flb(const struct luo_mem *m, u64 pa, struct luo_fault *f)
{
	const struct luo_flb_header_ser *h;

	if (pa == 0)
		return 0;
	h = page_object(m, pa, LUO_E_FLB, "the FLB page", f);
	if (!h)
		return -EINVAL;
	if (h->pgcnt != 1)
		return luo_fail(f, LUO_E_FLB, pa, "the FLB page at 0x%llx says it spans %llu pages; Linux writes 1",
				(unsigned long long)pa, (unsigned long long)h->pgcnt);
	if (h->count)
		return luo_fail(f, LUO_E_FLB, pa, "the FLB page at 0x%llx lists %llu FLB objects; kholab cannot tell what their data points to, so it cannot hand them on",
				(unsigned long long)pa, (unsigned long long)h->count);
	return 0;
}

/* luo_parse_top - see luo.h. */
int luo_parse_top(const struct luo_mem *m, u64 ser_pa, u64 blob_size, struct luo_top *t,
		  struct luo_fault *f)
{
	static const char want[LUO_COMPAT_LEN] = LUO_COMPATIBLE;
	const struct luo_ser *s;
	char got[LUO_COMPAT_LEN + 1];
	int r;

	memset(t, 0, sizeof(*t));
	if (blob_size < LUO_SER_SIZE)
		return luo_fail(f, LUO_E_NODE, ser_pa, "the \"LUO\" node's blob-size is %llu; luo_ser needs %d",
				(unsigned long long)blob_size, LUO_SER_SIZE);
	s = page_object(m, ser_pa, LUO_E_NODE, "luo_ser", f);
	if (!s)
		return -EINVAL;
	if (memcmp(s->compatible, want, LUO_COMPAT_LEN)) {
		for (int i = 0; i < LUO_COMPAT_LEN; i++)
			got[i] = s->compatible[i] >= 0x20 && s->compatible[i] < 0x7f ? s->compatible[i] :
				 s->compatible[i] ? '?' : 0;
		got[LUO_COMPAT_LEN] = 0;
		return luo_fail(f, LUO_E_COMPAT, ser_pa, "luo_ser at 0x%llx is \"%s\", not \"%s\"",
				(unsigned long long)ser_pa, got, LUO_COMPATIBLE);
	}
	r = walk_chain(m, s->sessions_pa, LUO_SESSIONS_PER_BLOCK, "session block", NULL,
		       LUO_OBJ_SESSION_BLOCK, &t->nr_session_blocks, &t->nr_sessions, f);
	if (r)
		return r;
	r = check_flb(m, s->flbs_pa, f);
	if (r)
		return r;
	t->ser = s;
	t->ser_pa = ser_pa;
	return 0;
}

/* luo_walk_top - see luo.h. */
int luo_walk_top(const struct luo_mem *m, const struct luo_top *t, const struct luo_walk_ops *ops,
		 struct luo_fault *f)
{
	u64 nb, ne;
	int r = report(ops, LUO_OBJ_SER, t->ser_pa, 0, f);

	r = r ?: walk_chain(m, t->ser->sessions_pa, LUO_SESSIONS_PER_BLOCK, "session block", ops,
			    LUO_OBJ_SESSION_BLOCK, &nb, &ne, f);
	if (!r && t->ser->flbs_pa)
		r = report(ops, LUO_OBJ_FLB, t->ser->flbs_pa, 0, f);
	return r;
}

/* luo_session_first - see luo.h. */
const struct luo_session_ser *luo_session_first(struct luo_session_it *it, const struct luo_mem *m,
						const struct luo_top *t)
{
	it->m = m;
	it->block_pa = t->ser->sessions_pa;
	it->blk = it->block_pa ? m->map(m->ctx, it->block_pa, PAGE_BYTES) : NULL;
	it->in_block = 0;
	it->index = 0;
	return it->blk ? (const struct luo_session_ser *)(it->blk + 1) : NULL;
}

/* luo_session_next - see luo.h (the chain was checked by luo_parse_top()). */
const struct luo_session_ser *luo_session_next(struct luo_session_it *it)
{
	if (!it->blk)
		return NULL;
	it->index++;
	if (++it->in_block >= it->blk->count) {
		it->block_pa = it->blk->next;
		it->blk = it->block_pa ? it->m->map(it->m->ctx, it->block_pa, PAGE_BYTES) : NULL;
		it->in_block = 0;
		if (!it->blk)
			return NULL;
	}
	return (const struct luo_session_ser *)(it->blk + 1) + it->in_block;
}

/* name_len - length of a NUL-terminated name in @n bytes, or @n if unterminated. */
static u64 name_len(const char *s, u64 n)
{
	u64 i = 0;

	while (i < n && s[i])
		i++;
	return i;
}

/* check_name - session @s's name: 1-63 characters and not the name of an earlier session. */
static int check_name(const struct luo_mem *m, const struct luo_top *t, const struct luo_session_ser *s,
		      u64 idx, struct luo_fault *f)
{
	struct luo_session_it it;
	const struct luo_session_ser *o = luo_session_first(&it, m, t);
	u64 len = name_len(s->name, LUO_NAME_LEN);

	if (len == 0 || len >= LUO_NAME_LEN)
		return luo_fail(f, LUO_E_NAME, it.block_pa, "session %llu's name is %s", (unsigned long long)idx,
				len ? "not terminated within 64 bytes" : "empty");
	for (u64 i = 0; o && i < idx; i++, o = luo_session_next(&it))
		if (!strncmp(o->name, s->name, LUO_NAME_LEN))
			return luo_fail(f, LUO_E_NAME, 0, "session %llu is named \"%s\", like session %llu",
					(unsigned long long)idx, s->name, (unsigned long long)i);
	return 0;
}

/* file_at - the @i-th file entry of the chain from @head (checked already). */
static const struct luo_file_ser *file_at(const struct luo_mem *m, u64 head, u64 i)
{
	const struct kho_block_header_ser *b = m->map(m->ctx, head, PAGE_BYTES);

	while (i >= b->count) {
		i -= b->count;
		b = m->map(m->ctx, b->next, PAGE_BYTES);
	}
	return (const struct luo_file_ser *)(b + 1) + i;
}

/* check_file - one file entry: "memfd-v2" and a token not used before in the session. */
static int check_file(const struct luo_mem *m, const struct luo_session_ser *s, u64 i,
		      const struct luo_file_ser *fl, struct luo_fault *f)
{
	static const char want[] = MEMFD_LUO_COMPATIBLE;
	u64 len = name_len(fl->compatible, LUO_FILE_COMPAT_LEN);
	const struct kho_block_header_ser *b;

	if (len >= LUO_FILE_COMPAT_LEN || len != sizeof(want) - 1 || memcmp(fl->compatible, want, len))
		return luo_fail(f, LUO_E_FILE_COMPAT, fl->data,
				"file %llu (token 0x%llx) of session \"%s\" has handler \"%.*s\"; kholab knows only \"%s\"",
				(unsigned long long)i, (unsigned long long)fl->token, s->name, (int)len,
				fl->compatible, MEMFD_LUO_COMPATIBLE);
	/* one pass over the files before it (file_at() for each would be cubic in a 4096-file session) */
	b = m->map(m->ctx, s->files, PAGE_BYTES);
	for (u64 j = 0, k = 0; j < i; j++, k++) {
		if (k == b->count) {
			b = m->map(m->ctx, b->next, PAGE_BYTES);
			k = 0;
		}
		if (((const struct luo_file_ser *)(b + 1))[k].token == fl->token)
			return luo_fail(f, LUO_E_TOKEN, fl->data, "files %llu and %llu of session \"%s\" share token 0x%llx",
					(unsigned long long)j, (unsigned long long)i, s->name,
					(unsigned long long)fl->token);
	}
	return 0;
}

/* luo_check_session - see luo.h. */
int luo_check_session(const struct luo_mem *m, const struct luo_top *t, const struct luo_session_ser *s,
		      u64 idx, const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	u64 nb = 0, ne = 0;
	int r;

	if (idx >= LUO_MAX_SESSIONS)
		return luo_fail(f, LUO_E_LIMIT, 0, "session %llu (\"%.*s\"): kholab relays the first %d sessions only",
				(unsigned long long)idx, LUO_NAME_LEN - 1, s->name, LUO_MAX_SESSIONS);
	r = check_name(m, t, s, idx, f);

	r = r ?: walk_chain(m, s->files, LUO_FILES_PER_BLOCK, "file block", ops, LUO_OBJ_FILE_BLOCK,
			    &nb, &ne, f);
	if (r)
		return r;
	if (ne != s->file_count)
		return luo_fail(f, LUO_E_FILE_COUNT, s->files,
				"session \"%s\" says it has %llu files; its file blocks hold %llu",
				s->name, (unsigned long long)s->file_count, (unsigned long long)ne);
	if (ne > LUO_MAX_FILES)
		return luo_fail(f, LUO_E_LIMIT, s->files, "session \"%s\" has %llu files; kholab relays at most %d",
				s->name, (unsigned long long)ne, LUO_MAX_FILES);
	if (c) {
		c->sessions++;
		c->objects += nb;
		c->object_bytes += nb * PAGE_BYTES;
	}
	for (u64 i = 0; i < ne; i++) {
		const struct luo_file_ser *fl = file_at(m, s->files, i);

		r = check_file(m, s, i, fl, f);
		r = r ?: luo_check_memfd(m, s->name, fl, ops, c, f);
		if (r)
			return r;
		if (c)
			c->files++;
	}
	return 0;
}
