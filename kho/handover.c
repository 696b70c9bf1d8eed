/*
 * kho/handover.c - the last steps of a generation that hands over: freeze
 * what is preserved into the wire format (kho_finalize()), then write the
 * record the next kernel finds in its boot info (kho_fill_handoff()).
 *
 * DOC: the handoff record
 *
 * Linux passes KHO to the next kernel on x86 as a setup_data entry of type
 * SETUP_KEXEC_KHO (10) whose payload is struct kho_data: the root FDT's
 * address and size and the scratch array's address and size.  kholab uses
 * the same payload in its own versioned boot info (struct kholab_handoff,
 * include/kholab/bootinfo.h) and puts the scratch array right after it,
 * so the whole record is one piece of memory inside the next kernel's
 * boot info.  init/kexec.c decides where that is; this file decides
 * what is in it.  A registered on_send hook (include/kho/kho_hooks.h)
 * sees the finished record last, and may stop the kexec.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kholab/version.h>
#include <kholab/layout.h>
#include <mm/memblock.h>
#include <mm/page_alloc.h>
#include <kernel/printk.h>
#include <kernel/list.h>
#include <string.h>
#include <errno.h>

_Static_assert(KHO_HANDOFF_MAX_SCRATCH >= KHO_MAX_SCRATCH, "room for every scratch area");

/*
 * add_metadata - the kexec-metadata blob, for a format that carries one
 * (KHO_ABI_METADATA): this release and the count of kexecs in the chain
 * (one more than the sender of this boot said, or than this kholab
 * chain's generation when nobody said).  Return: the blob's page, or NULL
 * (logged) when it could not be added.
 */
static struct page *add_metadata(void)
{
	struct kho_kexec_metadata *m = kho_page_alloc();
	struct page *p;

	if (!m)
		return NULL;
	p = virt_to_page(m);
	m->version = KHO_KEXEC_METADATA_VERSION;
	memcpy(m->previous_release, KHOLAB_RELEASE, sizeof(KHOLAB_RELEASE));
	m->kexec_count = (kho_stats.kexec_count ? kho_stats.kexec_count : (u32)kho_stats.gen) + 1;
	if (kho_add_blob(KHO_KEXEC_METADATA_NAME, m, sizeof(*m))) {
		free_pages(p, 0);
		return NULL;
	}
	return p;
}

/*
 * DOC: where the root FDT goes (kho.test_root_fdt=)
 *
 * The next kernel reads the root FDT late: a kholab receiver through the
 * whole boot, Linux in kho_init() and whenever a subsystem looks up its
 * subtree.  So the page is preserved, as Linux's sender preserves its
 * own, like every blob a subtree names (kho_build_root_fdt() refuses a
 * blob that is not).  That matters most for a Linux 7.3 receiver, which
 * turns every 1 GiB block of RAM holding no preserved page and no radix
 * tree page into scratch and allocates its memmap there, top down: a
 * page nothing preserves in such a block is overwritten before Linux
 * reads it.  kho.test_root_fdt=alone puts the page at the top of the
 * highest such block, where that allocation starts, so that the page's
 * own preservation is what keeps the block busy; =alone-unpreserved does
 * the same without preserving it, a demonstration of a careless sender
 * (docs/interop.md, "Linux 7.3 as receiver").
 */
#define GIB		(1ULL << 30)
#define WINDOW		(2ULL << 20)	/* the top-down search steps by a vmemmap block */

static u64 busy[DIRECT_MAP_MAX_GIB / 64];	/* 1 GiB blocks holding something of the handoff */

/* mark_busy - the 1 GiB blocks [@phys, @phys + @size) touches. */
static void mark_busy(u64 phys, u64 size)
{
	for (u64 b = phys / GIB; b <= (phys + size - 1) / GIB && b < DIRECT_MAP_MAX_GIB; b++)
		busy[b / 64] |= 1ULL << (b % 64);
}

/* busy_block - kho_for_each_preserved() callback: mark the block's GiBs. */
static int busy_block(phys_addr_t phys, unsigned int order, void *arg)
{
	(void)arg;
	mark_busy(phys, PAGE_SIZE << order);
	return 0;
}

/*
 * top_free_page - the highest free page of 1 GiB block @b that a 2 MiB
 * window search finds, from buddy on any node.  Return: the page, or
 * NULL when the block has none above 1 MiB.
 */
static struct page *top_free_page(u64 b)
{
	u64 lo = b * GIB < KHO_MIN_PRESERVE_PHYS ? KHO_MIN_PRESERVE_PHYS : b * GIB;
	u64 top = memblock_end_of_DRAM() < (b + 1) * GIB ? memblock_end_of_DRAM() : (b + 1) * GIB;

	for (u64 hi = top; hi > lo; hi -= hi - lo < WINDOW ? hi - lo : WINDOW) {
		u64 w = hi - lo < WINDOW ? lo : hi - WINDOW;

		for (int nid = 0; nid < nr_online_nodes; nid++) {
			struct page *p = alloc_pages_range(0, nid, PHYS_PFN(w), PHYS_PFN(hi));

			if (p)
				return p;
		}
	}
	return NULL;
}

/*
 * alloc_alone - kho.test_root_fdt=alone*: a page at the top of the
 * highest 1 GiB block below DIRECT_MAP_MAX_GIB that holds no preserved
 * block, no tracking bitmap (a radix leaf to be), no scratch area, and a
 * free page.  *@block gets the block's address.  Return: the page, or
 * NULL (logged).
 */
static struct page *alloc_alone(u64 *block)
{
	u64 end = memblock_end_of_DRAM();

	memset(busy, 0, sizeof(busy));
	kho_for_each_preserved(busy_block, NULL);
	kho_track_lock();
	for (unsigned int order = 0; order <= KHO_MAX_ORDER; order++)
		for (struct kho_table_page *t = kho_order_table(order); t; t = t->next)
			for (u32 i = 0; i < t->count; i++)
				mark_busy(__pa(t->ent[i].bits), PAGE_SIZE);
	kho_track_unlock();
	for (int s = 0; s < kho_nr_scratch; s++)
		if (kho_scratch[s].size)
			mark_busy(kho_scratch[s].addr, kho_scratch[s].size);
	if (end > (u64)DIRECT_MAP_MAX_GIB * GIB)
		end = (u64)DIRECT_MAP_MAX_GIB * GIB;
	for (u64 b = end ? (end - 1) / GIB + 1 : 0; b-- > 0;) {
		struct page *p;

		if (busy[b / 64] & (1ULL << (b % 64)))
			continue;
		p = top_free_page(b);
		if (p) {
			*block = b * GIB;
			return p;
		}
	}
	pr_err("kho.test_root_fdt=%s: no 1 GiB block of RAM is free of the handoff; give the machine more RAM\n",
	       kho_cfg.test_root_fdt == KHO_ROOT_FDT_ALONE ? "alone" : "alone-unpreserved");
	return NULL;
}

/*
 * fence - take every free page of [@lo, @hi) out of buddy, onto
 * @held[order] through their struct pages (the pages themselves are not
 * touched: QEMU would fault in 2 MiB of host memory for each), so that
 * nothing the encoder allocates meanwhile (radix tables, a new leaf)
 * lands in the block the root FDT is to have alone.
 */
static void fence(u64 lo, u64 hi, struct list_head *held)
{
	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		INIT_LIST_HEAD(&held[order]);
		for (int nid = 0; nid < nr_online_nodes; nid++) {
			struct page *p;

			while ((p = alloc_pages_range((unsigned int)order, nid, PHYS_PFN(lo), PHYS_PFN(hi))))
				list_add(&p->lru, &held[order]);
		}
	}
}

/* unfence - give back every block fence() put on @held. */
static void unfence(struct list_head *held)
{
	for (int order = 0; order <= MAX_PAGE_ORDER; order++) {
		while (!list_empty(&held[order])) {
			struct page *p = list_first_entry(&held[order], struct page, lru);

			list_del(&p->lru);
			free_pages(p, (unsigned int)order);
		}
	}
}

/* struct alone_check - what check_alone() looks for in one block, and what it found. */
struct alone_check {
	u64 block, fdt;
	u64 found;
	const char *what;
};

/* other_block - kho_for_each_preserved() callback: a block in the GiB other than the root FDT. */
static int other_block(phys_addr_t phys, unsigned int order, void *arg)
{
	struct alone_check *c = arg;

	if (phys == c->fdt || phys + (PAGE_SIZE << order) <= c->block || phys >= c->block + GIB)
		return 0;
	c->found = phys;
	c->what = "a preserved block";
	return 1;
}

/* map_page_in - for_each_map_page() callback: a page of the encoded map in the GiB. */
static int map_page_in(u64 phys, void *arg)
{
	struct alone_check *c = arg;

	if (phys < c->block || phys >= c->block + GIB)
		return 0;
	c->found = phys;
	c->what = "a page of the preserved-memory map";
	return 1;
}

/*
 * check_alone - after encoding: the root FDT at @fdt is the only thing of
 * the handoff in the 1 GiB block at @block (a map page allocated since
 * alloc_alone() chose it could have landed there).  Says where it lies.
 * Return: 0, or -EAGAIN (logged) when the hazard the switch builds is
 * not there.
 */
static int check_alone(const struct kho_abi *abi, u64 map, u64 fdt, u64 block, bool kept)
{
	struct alone_check c = { .block = block, .fdt = fdt };
	const char *mode = kept ? "alone" : "alone-unpreserved";

	if (!kho_for_each_preserved(other_block, &c))
		abi->for_each_map_page(map, map_page_in, &c);
	if (c.what) {
		pr_err("kho.test_root_fdt=%s: the 1 GiB block at 0x%llx also holds %s at 0x%llx, so the root FDT is not alone there; no handover\n",
		       mode, (unsigned long long)block, c.what, (unsigned long long)c.found);
		return -EAGAIN;
	}
	pr_info("kho.test_root_fdt=%s: root FDT at 0x%llx, alone in the 1 GiB block [0x%llx, 0x%llx): no other preserved page, no radix tree page there; %s\n",
		mode, (unsigned long long)fdt, (unsigned long long)block,
		(unsigned long long)(block + GIB),
		kept ? "preserved, so a Linux 7.3 receiver keeps the block busy" :
		       "NOT preserved (a demonstration): a Linux 7.3 receiver makes the block scratch and may allocate over it");
	return 0;
}

/* kho_finalize - see kho_boot.h. */
int kho_finalize(u64 *fdt_phys)
{
	const struct kho_abi *abi = kho_abi_send();
	bool keep = kho_cfg.test_root_fdt != KHO_ROOT_FDT_UNPRESERVED;
	bool alone = kho_cfg.test_root_fdt != KHO_ROOT_FDT_ANY;
	struct page *p, *meta = NULL;
	struct list_head held[MAX_PAGE_ORDER + 1];
	u64 map = 0, block = 0;
	int err = -ENOMEM;

	/* the metadata first: kho.test_root_fdt=alone places the root FDT by what is preserved */
	if (abi->flags & KHO_ABI_METADATA) {
		meta = add_metadata();
		if (!meta)
			goto err_out;
	}
	p = alone ? alloc_alone(&block) : kho_alloc_meta_pages(0);
	if (!p)
		goto err_meta;
	if (alone)
		fence(block, block + GIB, held);
	err = keep ? kho_preserve_folio(p, 0) : 0;	/* the next kernel must not reuse it */
	err = err ?: abi->encode_mem(&map);
	if (alone)
		unfence(held);
	if (err)
		goto err_unpreserve;
	if (alone)
		err = check_alone(abi, map, page_to_pfn(p) << PAGE_SHIFT, block, keep);
	memset(page_address(p), 0, PAGE_SIZE);
	err = err ?: kho_build_root_fdt(page_address(p), map);
	if (err)
		goto err_map;
	*fdt_phys = page_to_pfn(p) << PAGE_SHIFT;
	pr_info("%s handover ready: %llu blocks (%llu MiB) preserved, root FDT at 0x%llx, memory map at 0x%llx\n",
		abi->compatible, (unsigned long long)kho_preserved_blocks(),
		(unsigned long long)(kho_preserved_bytes() >> 20),
		(unsigned long long)*fdt_phys, (unsigned long long)map);
	return 0;

err_map:
	abi->free_mem(map);
err_unpreserve:
	if (keep)
		kho_unpreserve_folio(p, 0);	/* -ENOENT when preserving it was what failed */
	free_pages(p, 0);
err_meta:
	if (meta) {
		kho_remove_subtree(page_address(meta));
		free_pages(meta, 0);
	}
err_out:
	pr_err("could not build the handover (%d); no kexec\n", err);
	return err;
}

/* kho_fill_handoff - see kho_boot.h. */
int kho_fill_handoff(void *buf, u64 fdt_phys, const struct kho_handoff_target *t)
{
	struct kholab_handoff *h = buf;
	struct kho_data *kd = (struct kho_data *)h->data;
	struct kho_scratch *scratch = (struct kho_scratch *)(kd + 1);
	u64 scratch_off = (u64)((u8 *)scratch - (u8 *)buf);

	if (kho_nr_scratch < 3)
		return -ENODEV;
	memset(buf, 0, KHO_HANDOFF_BYTES);
	h->next = 0;
	h->type = KHOLAB_HANDOFF_KHO;
	h->len = sizeof(struct kho_data);
	kd->fdt_addr = fdt_phys;
	kd->fdt_size = KHO_FDT_SIZE;
	kd->scratch_addr = t->record_phys + scratch_off;
	kd->scratch_size = (u64)kho_nr_scratch * sizeof(struct kho_scratch);
	memcpy(scratch, kho_scratch, kd->scratch_size);

	if (!kho_hooks || !kho_hooks->on_send)
		return 0;
	return kho_hooks->on_send(&(struct kho_send_ctx){
		.abi = kho_abi_send(),
		.gen = t->gen,
		.fdt_phys = fdt_phys,
		.kd = kd,
		.scratch = scratch,
		.nr_scratch = kho_nr_scratch,
		.next_kernel_phys = t->next_kernel_phys,
		.handoff_phys = t->record_phys,
		.phys_top = t->phys_top,
	});
}
