/*
 * kho/luo_make.c - kho.luo=make: kholab creates the LUO test set itself,
 * laid out as Linux 7.2's LUO and memfd handler lay theirs out, so that a
 * Linux's stage 2 (tools/linux-kho/luo_client.c) can retrieve it.
 *
 * DOC: the LUO kholab makes
 *
 * One luo_ser ("luo-v5", liveupdate_num 1), one session block, one file
 * block per session, an empty FLB page, and per memfd of
 * include/kholab/luo_spec.h a memfd_luo_ser page, a folio array in
 * order-0 pages behind a kho_vmalloc, and its folios: 2 MiB folios where
 * the spec asks for huge pages and whole 2 MiB fit, 4 KiB ones
 * elsewhere (taken two by two from order-1 blocks, so that a folio and
 * its neighbour are physically adjacent: kho.luo_corrupt=folio_large
 * needs that).  Every hole of the file is a zeroed folio, as Linux fills
 * holes when it preserves a memfd.  kho.luo_corrupt= then damages the
 * set in one place (luo_corrupt()).
 */
#define pr_fmt(fmt) "LUO: " fmt

#include <kho/luo_client.h>
#include <kho/kho.h>
#include <kholab/kho_abi.h>
#include <kholab/luo_spec.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <errno.h>
#include <string.h>

#define HUGE_ORDER	9
#define MAX_ARRAY_PAGES	8	/* 2048 folios: the test set needs 259 at most */

/* struct made_memfd - one memfd as made, for luo_corrupt(). */
struct made_memfd {
	const struct luo_spec_memfd *spec;
	struct memfd_luo_ser *ser;
	struct luo_file_ser *file;
	struct memfd_luo_folio_ser *array[MAX_ARRAY_PAGES];
};

static struct {
	struct luo_ser *ser;
	struct kho_block_header_ser *sessions;
	struct kho_block_header_ser *files[LUO_SPEC_SESSIONS];
	struct made_memfd memfd[LUO_SPEC_MEMFDS];
} made;

/* folio_entry - entry @k of memfd @m's folio array. */
static struct memfd_luo_folio_ser *folio_entry(struct made_memfd *m, u64 k)
{
	return &m->array[k / (PAGE_SIZE / sizeof(struct memfd_luo_folio_ser))]
			[k % (PAGE_SIZE / sizeof(struct memfd_luo_folio_ser))];
}

/* fill - write the pattern (or zeros) of file pages [@index, @index + 2^@order) into @p. */
static void fill(const struct luo_spec_memfd *spec, struct page *p, u64 index, unsigned int order)
{
	u64 *w = page_address(p);
	u64 off = index << PAGE_SHIFT, end = off + (PAGE_SIZE << order);

	for (u64 o = off; o < end; o += 8)
		*w++ = luo_spec_word(spec, o);
}

/* make_folios - allocate, fill and preserve every folio of @m; the number made, or -errno. */
static long make_folios(struct made_memfd *m)
{
	u64 npages = (m->spec->size + PAGE_SIZE - 1) >> PAGE_SHIFT, k = 0;
	struct page *pair = NULL;

	for (u64 index = 0; index < npages; k++) {
		unsigned int order = m->spec->huge && npages - index >= (1ULL << HUGE_ORDER) ? HUGE_ORDER : 0;
		struct page *p;

		if (k >= MAX_ARRAY_PAGES * (PAGE_SIZE / sizeof(struct memfd_luo_folio_ser)))
			return -E2BIG;
		if (order == 0 && pair) {
			p = pair + 1;		/* the second half of an order-1 block */
			pair = NULL;
		} else if (order == 0) {
			pair = kho_alloc_pages(1);
			p = pair;
		} else {
			p = kho_alloc_pages(order);
		}
		if (!p)
			return -ENOMEM;
		fill(m->spec, p, index, order);
		if (kho_preserve_folio(p, order))
			return -EEXIST;
		*folio_entry(m, k) = (struct memfd_luo_folio_ser){
			.pfn_flags = page_to_pfn(p) | ((u64)(MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE)
						       << MEMFD_LUO_PFN_BITS),
			.index = index };
		index += 1ULL << order;
	}
	return (long)k;
}

/* make_memfd - memfd @m: its folios, folio array, memfd_luo_ser and file entry in @blk. */
static int make_memfd(struct made_memfd *m, struct kho_block_header_ser *blk)
{
	u64 pieces[MAX_ARRAY_PAGES];
	struct kho_vmalloc desc = { 0 };
	u32 npieces;
	long nr;
	int err;

	for (u32 i = 0; i < MAX_ARRAY_PAGES; i++) {	/* allocated up front, preserved as needed */
		struct page *p = kho_alloc_pages(0);

		if (!p)
			return -ENOMEM;
		memset(page_address(p), 0, PAGE_SIZE);
		m->array[i] = page_address(p);
		pieces[i] = page_to_pfn(p) << PAGE_SHIFT;
	}
	nr = make_folios(m);
	if (nr < 0)
		return (int)nr;
	npieces = (u32)(((u64)nr * sizeof(struct memfd_luo_folio_ser) + PAGE_SIZE - 1) >> PAGE_SHIFT);
	for (u32 i = npieces; i < MAX_ARRAY_PAGES; i++)
		free_pages(virt_to_page(m->array[i]), 0);
	if (npieces) {
		err = kho_preserve_vmalloc(pieces, npieces, 0, &desc);
		if (err)
			return err;
	}
	m->ser = luo_new_page(true);
	if (!m->ser)
		return -ENOMEM;
	*m->ser = (struct memfd_luo_ser){
		.pos = luo_spec_pos(m->spec), .size = m->spec->size, .seals = m->spec->seals,
		.flags = 0, .nr_folios = (u64)nr,
		.folios = { desc.first, desc.total_pages, desc.flags, desc.order } };
	m->file = (struct luo_file_ser *)(blk + 1) + blk->count++;
	memcpy(m->file->compatible, MEMFD_LUO_COMPATIBLE, sizeof(MEMFD_LUO_COMPATIBLE));
	m->file->data = __pa(m->ser);
	m->file->token = m->spec->token;
	return 0;
}

/* make_set - the whole test set, preserved, not yet added as the "LUO" node. */
static int make_set(void)
{
	struct luo_flb_header_ser *flb;
	struct luo_session_ser *sess;
	int err;

	made.ser = luo_new_page(false);	/* kho_add_blob() preserves it */
	made.sessions = luo_new_page(true);
	flb = luo_new_page(true);
	if (!made.ser || !made.sessions || !flb)
		return -ENOMEM;
	flb->pgcnt = 1;
	memcpy(made.ser->compatible, LUO_COMPATIBLE, sizeof(LUO_COMPATIBLE));
	made.ser->liveupdate_num = 1;
	made.ser->sessions_pa = __pa(made.sessions);
	made.ser->flbs_pa = __pa(flb);
	sess = (struct luo_session_ser *)(made.sessions + 1);
	for (u32 s = 0; s < LUO_SPEC_SESSIONS; s++) {
		made.files[s] = luo_new_page(true);
		if (!made.files[s])
			return -ENOMEM;
		memcpy(sess[s].name, luo_spec_session_names[s], strlen(luo_spec_session_names[s]) + 1);
		sess[s].files = __pa(made.files[s]);
		made.sessions->count++;
	}
	for (u32 i = 0; i < LUO_SPEC_MEMFDS; i++) {
		struct made_memfd *m = &made.memfd[i];

		m->spec = &luo_spec_memfds[i];
		err = make_memfd(m, made.files[m->spec->session]);
		if (err)
			return err;
		sess[m->spec->session].file_count++;
	}
	return 0;
}

/* memfd_of - the made memfd with @token. */
static struct made_memfd *memfd_of(u64 token)
{
	for (u32 i = 0; i < LUO_SPEC_MEMFDS; i++)
		if (made.memfd[i].spec->token == token)
			return &made.memfd[i];
	return NULL;
}

/* folio_page - the struct page of folio @k of the memfd with @token. */
static struct page *folio_page(u64 token, u64 k)
{
	return pfn_to_page(folio_entry(memfd_of(token), k)->pfn_flags & MEMFD_LUO_PFN_MASK);
}

/*
 * luo_corrupt - kho.luo_corrupt=: damage the made set in exactly one place
 * (include/kho/luo_client.h lists them); 0 or what the KHO calls returned.
 */
static int luo_corrupt(void)
{
	struct luo_session_ser *sess = (struct luo_session_ser *)(made.sessions + 1);
	int err = 0;

	switch (luo_cfg.corrupt) {
	case LUO_CORRUPT_COMPAT:
		memcpy(made.ser->compatible, "luo-v4", 7);
		break;
	case LUO_CORRUPT_COUNT:
		made.sessions->count = LUO_SESSIONS_PER_BLOCK + 1;
		break;
	case LUO_CORRUPT_CYCLE:
		made.files[1]->next = __pa(made.files[1]);
		break;
	case LUO_CORRUPT_FILE_COUNT:
		sess[1].file_count++;
		break;
	case LUO_CORRUPT_FOLIO_UNPRESERVED:
		err = kho_unpreserve_folio(folio_page(0x22, 0), 0);
		break;
	case LUO_CORRUPT_FOLIO_SMALL:
		err = kho_unpreserve_folio(folio_page(0x13, 0), HUGE_ORDER);
		err = err ?: kho_preserve_folio(folio_page(0x13, 0), HUGE_ORDER - 1);
		break;
	case LUO_CORRUPT_FOLIO_LARGE:		/* folios 0 and 1 are the halves of one order-1 block */
		err = kho_unpreserve_folio(folio_page(0x21, 0), 0);
		err = err ?: kho_unpreserve_folio(folio_page(0x21, 1), 0);
		err = err ?: kho_preserve_folio(folio_page(0x21, 0), 1);
		break;
	case LUO_CORRUPT_SER_OUTSIDE:
		err = kho_unpreserve_folio(virt_to_page(memfd_of(0x12)->ser), 0);
		break;
	case LUO_CORRUPT_FILE_COMPAT:
		memcpy(memfd_of(0x23)->file->compatible, "memfd-v9", 9);
		break;
	default:
		return 0;
	}
	if (!err)
		pr_warn("kho.luo_corrupt=%s: the LUO handed over is damaged on purpose; the next kholab must refuse %s\n",
			luo_corrupt_names[luo_cfg.corrupt],
			!strcmp(luo_corrupt_drops(), "all") ? "all of it" : "one session");
	return err;
}

/* luo_make_send - see luo_client.h. */
int luo_make_send(u64 gen)
{
	int err;

	if (luo_relay_active()) {
		pr_err("kho.luo=make: a LUO arrived and is being handed on, and a handoff holds one \"LUO\" node; nothing is made\n");
		return -EEXIST;
	}
	err = make_set();
	err = err ?: luo_corrupt();
	err = err ?: kho_add_blob(LUO_NODE_NAME, made.ser, LUO_SER_SIZE);
	if (err) {
		pr_err("kho.luo=make: building the test set failed (%d); no \"LUO\" node is handed over\n", err);
		return err;
	}
	pr_info("generation %llu: made %u sessions, %zu memfds (the LUO test set) for the next kernel\n",
		(unsigned long long)gen, LUO_SPEC_SESSIONS, LUO_SPEC_MEMFDS);
	return 0;
}
