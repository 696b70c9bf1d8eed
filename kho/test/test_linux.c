/*
 * kho/test/test_linux.c - Linux's test_kho protocol, as a second test client:
 * what a Linux kernel with CONFIG_TEST_KEXEC_HANDOVER preserves, and the
 * check it makes after a kexec, so that kholab and Linux can judge each
 * other's handoffs the same way.
 *
 * DOC: the test_kho protocol
 *
 * Sender: folios of random order 0..10 until kho.test_linux_mem is used
 * (when the next folio would not fit, the largest order below the rest is
 * taken), each filled with random bytes, the 32-bit csum_partial() chained
 * over them in list order from 0.  Their "phys | order" entries go into a
 * page array preserved as kho_vmalloc (kho/vmalloc.c); the folios are
 * preserved one block each.  The subtree "kho_test" is an FDT:
 *     / { compatible = "kho-test-v1"; magic = <u32 0x4b484f21>;
 *         data { nr_folios = <u32>; folios_info = <kho_vmalloc>; csum = <u32>; }; };
 * kept, as Linux keeps it, in a folio of order get_order(nr_folios * 8 +
 * 4096) (order 1 up to 512 folios) preserved whole as one block.
 * Receiver: restore the array, then each folio in order, check its order,
 * chain the checksum, and print "test_kho: KHO restore succeeded" when it
 * matches, "test_kho: KHO restore failed" otherwise.  It also takes the
 * FDT's folio back and says its order against Linux's rule; another order
 * is accepted (Linux's receiver never looks), one too small for the FDT
 * is not.  With kho.test_relay=1
 * a receiver keeps what arrived and hands the same folios, folios_info
 * pages and checksum on to the next kernel instead of making new ones.  Like kholab's own
 * client, the folios are placed on every node and on both sides of
 * first_deferred_pfn, where kho.deferred=unsafe loses them.
 */
#define pr_fmt(fmt) "test_kho: " fmt

#include "kho_test_internal.h"
#include <mm/page_alloc.h>
#include <kernel/checksum.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kernel/layout.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

#define LINUX_TEST_SUBTREE	"kho_test"
#define LINUX_TEST_COMPATIBLE	"kho-test-v1"
#define LINUX_TEST_MAGIC	0x4b484f21U		/* "KHO!" */
#define MAX_LINUX_FOLIOS	4096
#define INFO_PAGES		(MAX_LINUX_FOLIOS * 8 / PAGE_SIZE)

static u64 info_pages[INFO_PAGES];	/* the folios_info array's pages */

/* struct relay - what arrived, kept for kho.test_relay=1: the same folios handed on. */
struct relay {
	bool ok;			/* restored and verified */
	u32 nr, npages, csum;
};
static struct relay relay;

/* get_order_of - the smallest order whose block holds @bytes (Linux's get_order()). */
static unsigned int get_order_of(u64 bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* info_entry - entry @i of the folios_info array kept in @pages. */
static u64 *info_entry(const u64 *pages, u64 i)
{
	return (u64 *)__va(pages[i / (PAGE_SIZE / 8)]) + i % (PAGE_SIZE / 8);
}

/* ---- sender ---- */

/*
 * make_folios - Linux's allocation loop: random orders, filled, summed,
 * preserved, listed in @pages.  Return: folios made, or a negative errno.
 */
static long make_folios(u64 seed, u32 *csum)
{
	u64 budget = ALIGN_UP(kho_cfg.test_linux_mem, PAGE_SIZE), used = 0, s = seed;
	long n = 0;

	*csum = 0;
	while (used < budget && n < MAX_LINUX_FOLIOS) {
		unsigned int order = (unsigned int)(kho_test_rand(&s) % 11);
		struct page *p;
		u64 phys, *w;

		if (used + (PAGE_SIZE << order) > budget) {
			order = get_order_of(budget - used);
			order -= order > 0;
		}
		p = kho_test_alloc_folio(order, (int)(n % nr_online_nodes),
					 (int)((n / nr_online_nodes) % 3));
		if (!p)
			return -ENOMEM;
		phys = page_to_pfn(p) << PAGE_SHIFT;
		w = page_address(p);
		for (u64 i = 0; i < (PAGE_SIZE << order) / 8; i++)
			w[i] = kho_test_rand(&s);
		*csum = csum_partial(w, PAGE_SIZE << order, *csum);
		if (kho_preserve_folio(p, order)) {
			free_pages(p, order);
			return -EEXIST;
		}
		*info_entry(info_pages, (u64)n++) = phys | order;
		used += PAGE_SIZE << order;
	}
	return n;
}

/* alloc_info - zeroed pages for @n folios_info entries. */
static int alloc_info(u32 *npages)
{
	*npages = 0;
	for (u32 i = 0; i < INFO_PAGES; i++) {
		struct page *p = kho_alloc_pages(0);

		if (!p)
			return -ENOMEM;
		memset(page_address(p), 0, PAGE_SIZE);
		info_pages[i] = page_to_pfn(p) << PAGE_SHIFT;
	}
	*npages = INFO_PAGES;
	return 0;
}

/* linux_fdt_order - the order of the folio Linux's test_kho keeps its FDT in, for @nr folios. */
static unsigned int linux_fdt_order(u32 nr)
{
	return get_order_of((u64)nr * 8 + PAGE_SIZE);
}

/*
 * build_fdt - the kho_test FDT in a folio of Linux's order, added as a
 * subtree with that folio preserved whole: one block of that order, the
 * key Linux's sender makes.  Return: 0, -ENOMEM, -ENOSPC (libfdt) or the
 * subtree's error (the folio is freed on any error).
 */
static int build_fdt(u32 nr, const struct kho_vmalloc *info, u32 csum)
{
	unsigned int order = linux_fdt_order(nr);
	int err;
	void *fdt = kho_test_fdt_begin(order, LINUX_TEST_COMPATIBLE, &err);

	if (!fdt)
		return -ENOMEM;
	err = err ?: fdt_property(fdt, "magic", &(u32){ LINUX_TEST_MAGIC }, 4);
	err = err ?: fdt_begin_node(fdt, "data");
	err = err ?: fdt_property(fdt, "nr_folios", &nr, 4);
	err = err ?: fdt_property(fdt, "folios_info", info, sizeof(*info));
	err = err ?: fdt_property(fdt, "csum", &csum, 4);
	err = err ?: fdt_end_node(fdt);		/* "data" */
	err = err ?: fdt_end_node(fdt);		/* the root */
	err = err ?: fdt_finish(fdt);
	if (err) {
		pr_err("building the %s FDT failed: %s; no test_kho data handed over\n",
		       LINUX_TEST_SUBTREE, fdt_strerror(err));
		err = -ENOSPC;
	} else {
		err = kho_add_subtree_folio(LINUX_TEST_SUBTREE, fdt, order);
	}
	if (err)
		free_pages(virt_to_page(fdt), order);
	return err;
}

/*
 * preserve_relay - kho.test_relay=1: hand on the folios, their folios_info
 * pages and the checksum that arrived, untouched, so the next kernel checks
 * the sum the first one computed.
 */
static int preserve_relay(u64 gen)
{
	struct kho_vmalloc info;
	int err = 0;

	for (u32 i = 0; i < relay.nr && !err; i++) {
		u64 e = *info_entry(info_pages, i);

		err = kho_preserve_folio(pfn_to_page(PHYS_PFN(e & ~0xfffULL)), (unsigned int)(e & 0xfff));
	}
	err = err ?: kho_preserve_vmalloc(info_pages, relay.npages, 0, &info);
	err = err ?: build_fdt(relay.nr, &info, relay.csum);
	if (!err)
		pr_info("generation %llu: relaying the %u folios that arrived, csum 0x%08x\n",
			(unsigned long long)gen, relay.nr, relay.csum);
	return err;
}

/* kho_test_linux_preserve - see kho_test.h. */
int kho_test_linux_preserve(u64 gen, u64 seed)
{
	struct kho_vmalloc info;
	u32 csum, npages;
	long n;
	int err;

	if (kho_cfg.test_relay && relay.ok)
		return preserve_relay(gen);

	err = alloc_info(&npages);
	if (err)
		return err;
	n = make_folios(seed ^ 0x6c696e7578ULL, &csum);
	if (n < 0)
		return (int)n;
	npages = (u32)(((u64)n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	for (u32 i = npages; i < INFO_PAGES; i++)	/* keep only the pages in use */
		free_pages(pfn_to_page(PHYS_PFN(info_pages[i])), 0);
	err = kho_preserve_vmalloc(info_pages, npages, 0, &info);
	err = err ?: build_fdt((u32)n, &info, csum);
	if (err)
		return err;
	pr_info("generation %llu: preserved %ld folios for test_kho, csum 0x%08x\n",
		(unsigned long long)gen, n, csum);
	return 0;
}

/* ---- receiver ---- */

/* read_fdt - the kho_test FDT at @phys, Linux's checks; fills @nr, @info, @csum. */
static int read_fdt(u64 phys, u32 *nr, struct kho_vmalloc *info, u32 *csum)
{
	const void *fdt = __va(phys), *p;
	int node, len;

	if (fdt_check_header(fdt) || fdt_path_offset(fdt, "/") < 0 ||
	    fdt_node_check_compatible(fdt, 0, LINUX_TEST_COMPATIBLE))
		return -EINVAL;
	p = fdt_getprop(fdt, 0, "magic", &len);
	if (!p || len != 4 || memcmp(p, &(u32){ LINUX_TEST_MAGIC }, 4))
		return -EINVAL;
	node = fdt_subnode_offset(fdt, 0, "data");
	if (node < 0)
		return -EINVAL;
	p = fdt_getprop(fdt, node, "nr_folios", &len);
	if (!p || len != 4)
		return -EINVAL;
	memcpy(nr, p, 4);
	p = fdt_getprop(fdt, node, "csum", &len);
	if (!p || len != 4)
		return -EINVAL;
	memcpy(csum, p, 4);
	p = fdt_getprop(fdt, node, "folios_info", &len);
	if (!p || len != sizeof(*info))
		return -EINVAL;
	memcpy(info, p, sizeof(*info));
	return 0;
}

/* verify_folios - restore each folio in list order and chain the checksum. */
static u32 verify_folios(const u64 *pages, u32 nr, struct kho_test_linux_result *r)
{
	u32 sum = 0;

	for (u32 i = 0; i < nr; i++) {
		u64 e = *info_entry(pages, i), phys = e & ~0xfffULL;
		unsigned int order = (unsigned int)(e & 0xfff);
		struct page *p = kho_restore_folio(phys);

		if (!p)
			break;
		if ((PageHead(p) ? p->private : 0) != order) {
			pr_err("folio 0x%llx came back as order %llu, want %u\n",
			       (unsigned long long)phys,
			       (unsigned long long)(PageHead(p) ? p->private : 0), order);
			break;
		}
		sum = csum_partial(page_address(p), PAGE_SIZE << order, sum);
		r->restored++;
		if (!kho_cfg.test_relay)
			free_pages(p, order);
	}
	return sum;
}

/*
 * take_fdt - take back the folio the kho_test FDT at @phys heads (Linux's
 * receiver leaves it reserved for good; this one frees it once read).
 * Return: its order, or -1 when @phys heads no preserved block (logged:
 * Linux reads the FDT in place without asking, and so does this one).
 */
static int take_fdt(u64 phys)
{
	struct page *p = (phys & (PAGE_SIZE - 1)) ? NULL : kho_restore_folio(phys);

	if (!p) {
		pr_warn("the kho_test FDT at 0x%llx heads no preserved block it could take back; reading it in place\n",
			(unsigned long long)phys);
		return -1;
	}
	return PageHead(p) ? (int)p->private : 0;
}

/*
 * fdt_order_ok - the FDT's folio (order @order from take_fdt(), -1: not
 * known) against Linux's rule for @nr folios: it must hold the FDT; any
 * order that does is accepted, since Linux's receiver never looks, and
 * the line says whether it is the one Linux's sender uses.  Return: false
 * (logged) when the FDT runs past it.
 */
static bool fdt_order_ok(u64 phys, int order, u32 nr)
{
	u32 size = fdt_totalsize(__va(phys));
	unsigned int want = linux_fdt_order(nr);

	if (order < 0)
		return true;
	if (size > PAGE_SIZE << order) {
		pr_err("the kho_test FDT of %u bytes runs past its order-%d block\n", size, order);
		return false;
	}
	if ((unsigned int)order == want)
		pr_info("kho_test FDT in a preserved order-%d block, as Linux keeps it for %u folios\n",
			order, nr);
	else
		pr_info("kho_test FDT in a preserved order-%d block; Linux keeps it at order %u for %u folios (accepted: the FDT fits)\n",
			order, want, nr);
	return true;
}

/*
 * read_subtree - the kho_test subtree at @phys: its folio taken back,
 * the FDT read (Linux's checks) and its folio's order checked, the folio
 * freed.  Fills @r's counts and @info.  Return: 0 or -EINVAL.
 */
static int read_subtree(u64 phys, struct kho_test_linux_result *r, struct kho_vmalloc *info)
{
	int order = take_fdt(phys);
	int err = read_fdt(phys, &r->nr_folios, info, &r->csum_want);

	if (!err && !fdt_order_ok(phys, order, r->nr_folios))
		err = -EINVAL;
	if (order >= 0 && order <= KHO_MAX_ORDER)	/* everything needed is copied out */
		free_pages(pfn_to_page(PHYS_PFN(phys)), (unsigned int)order);
	return err;
}

/* kho_test_linux_restore - see kho_test.h. */
int kho_test_linux_restore(u64 gen, struct kho_test_linux_result *r)
{
	struct kho_vmalloc info;
	u64 phys;
	u32 npieces;
	int err;

	memset(r, 0, sizeof(*r));
	err = kho_retrieve_subtree(LINUX_TEST_SUBTREE, &phys, NULL);
	if (err == -ENOENT)
		return 0;		/* nothing handed over: Linux would preserve now */
	r->found = true;
	if (err || read_subtree(phys, r, &info) ||
	    (u64)info.total_pages * (PAGE_SIZE / 8) < r->nr_folios || info.order ||
	    info.total_pages > INFO_PAGES ||
	    kho_restore_vmalloc(&info, info_pages, INFO_PAGES, &npieces)) {
		pr_err("the kho_test subtree or its folios_info is not usable\n");
	} else {
		r->csum_got = verify_folios(info_pages, r->nr_folios, r);
		r->ok = r->restored == r->nr_folios && r->csum_got == r->csum_want;
		if (kho_cfg.test_relay && r->ok)	/* keep them to hand on */
			relay = (struct relay){ true, r->nr_folios, npieces, r->csum_want };
		else
			for (u32 i = 0; i < npieces; i++)
				free_pages(pfn_to_page(PHYS_PFN(info_pages[i])), 0);
	}
	if (r->ok)
		pr_info("KHO restore succeeded\n");
	else
		pr_err("KHO restore failed\n");
	pr_info("generation %llu: %u of %u folios restored, csum 0x%08x, want 0x%08x\n",
		(unsigned long long)gen, r->restored, r->nr_folios, r->csum_got, r->csum_want);
	return r->ok ? 0 : -EIO;
}
