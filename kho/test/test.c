/*
 * kho/test/test.c - the KHO test client: what Linux's test_kho does, across
 * any number of kexec generations.
 *
 * DOC: KHO test client
 *
 * Every generation first restores and verifies what the previous one
 * preserved, then (unless it is the last) preserves a fresh set:
 *  - folios of random order 0..10, seeded (the seed is logged), filled
 *    with a pseudo-random stream derived from the seed and their address,
 *    each checksummed, up to kho.test_mem bytes, placed on purpose on every
 *    node and on both sides of the node's first_deferred_pfn (low memory
 *    whose struct pages are initialised early, and the deferred range where
 *    kho.deferred=unsafe loses them) as well as wherever buddy likes;
 *  - a ledger page kept from generation 0 on, to which every generation
 *    appends a record: it must arrive intact after N generations;
 *  - a sub-FDT "kholab-test-v1" (magic, generation, seed, count, the
 *    {phys | order} array, the checksums, the ledger address) added as
 *    subtree KHOLAB_TEST_SUBTREE.
 */
#define pr_fmt(fmt) "kho_test: " fmt

#include "kho_test_internal.h"
#include <kho/kho_memmap.h>
#include <mm/page_alloc.h>
#include <mm/memblock.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kernel/layout.h>
#include <kernel/smp.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

#define TEST_COMPATIBLE		"kholab-test-v1"
#define KHOLAB_TEST_SUBTREE	"kholab_test"
#define TEST_MAGIC		0x6b686f2d74657374ULL	/* "kho-test" */
#define LEDGER_MAGIC		0x6c65646765722121ULL	/* "ledger!!" */
#define MAX_FOLIOS		8000		/* kho.test_shape=random */

/* Every folio, the ledger, the sub-FDT's blocks and the root FDT page must
 * fit what the receiver can check; edges mode adds at most 6 per node. */
_Static_assert(MAX_FOLIOS + 64 <= KHO_MAX_BLOCKS, "the receiver can take every folio");
_Static_assert(KHO_TEST_MAX_FOLIOS + 64 + 6 * MAX_NUMNODES <= KHO_MAX_BLOCKS,
	       "the receiver can take every folio of the vm shape");

struct ledger_entry {
	u64 gen, seed, folios, csum;
};

struct ledger {
	u64 magic;
	u64 count;
	struct ledger_entry e[(PAGE_SIZE - 16) / sizeof(struct ledger_entry)];
};

_Static_assert(sizeof(struct ledger) <= PAGE_SIZE, "the ledger is one page");

static struct ledger *ledger;		/* restored or created, preserved again */
static struct kho_test_tables tabs;	/* while preserving: phys | order, checksums */
#define folio_tab	(tabs.folio)
#define csum_tab	(tabs.csum)

/* kho_test_rand - see kho_test.h: xorshift64*. */
u64 kho_test_rand(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* kho_test_folio_stream - see kho_test_internal.h. */
u64 kho_test_folio_stream(u64 seed, phys_addr_t phys, unsigned int order, bool fill)
{
	u64 *w = __va(phys), s = seed ^ (phys * 0x9e3779b97f4a7c15ULL) ^ 1, h = 0xcbf29ce484222325ULL;
	u64 words = (PAGE_SIZE << order) / 8;

	for (u64 i = 0; i < words; i++) {
		u64 v;

		if (fill)
			w[i] = kho_test_rand(&s);
		v = w[i];
		h = (h ^ v) * 0x100000001b3ULL;
	}
	return h;
}

/* emit_restore_event - the per-generation "kho_restore" results line. */
static void emit_restore_event(u64 gen, const struct kho_test_result *r)
{
	struct json_line j;

	json_begin(&j, "kho_restore");
	json_u64(&j, "gen", gen);
	json_str(&j, "strategy", kho_mode_name());
	json_bool(&j, "revived", kho_is_revived());
	if (kho_stats.rejected) {
		json_str(&j, "rejected", kho_stats.rejected);
		json_u64(&j, "rejected_addr", kho_stats.rejected_addr);
	}
	json_u64(&j, "folios", r->folios);
	json_u64(&j, "bytes", r->bytes);
	json_u64(&j, "restored", r->restored);
	json_u64(&j, "mismatches", r->mismatches);
	json_u64(&j, "lost", r->lost);
	json_u64(&j, "blocks_received", kho_stats.blocks);
	json_u64(&j, "deserialize_ns", kho_stats.deserialize_ns);
	json_u64(&j, "pages_inited_at_deserialize", kho_stats.pages_inited_early);
	json_u64(&j, "pages_inited_after_smp", kho_stats.pages_inited_late);
	json_u64(&j, "late_init_ns", kho_stats.late_ns);
	json_u64(&j, "restore_ns", r->restore_ns);
	json_u64(&j, "late_init_cpus", kho_stats.late_cpus);
	json_str(&j, "shape", kho_cfg.test_shape == KHO_SHAPE_VM ? "vm" : "random");
	json_u64(&j, "verify_ns", r->verify_ns);
	json_u64(&j, "verify_cpus", r->verify_cpus);
	json_u64(&j, "folios_written", r->written);
	json_str(&j, "memmap", kho_cfg.memmap == KHO_MEMMAP_HANDOVER ? "handover" : "init");
	json_u64(&j, "memmap_adopted_sections", kho_memmap_stats.adopted_sections);
	json_u64(&j, "memmap_adopted_blocks", kho_memmap_stats.adopted_blocks);
	json_u64(&j, "memmap_fallbacks", kho_memmap_stats.fallbacks);
	json_u64(&j, "memmap_check_ns", kho_memmap_stats.check_ns);
	if (kho_memmap_stats.refused)
		json_str(&j, "memmap_refused", kho_memmap_stats.refused);
	json_u64(&j, "ledger_entries", r->ledger_entries);
	json_str(&j, "abi", kho_in.abi ? kho_in.abi->compatible : "none");
	json_str(&j, "sender", kho_stats.sender);
	json_u64(&j, "kexec_count", kho_stats.kexec_count);
	json_bool(&j, "linux_found", r->linux.found);
	json_bool(&j, "linux_ok", r->linux.ok);
	json_u64(&j, "linux_folios", r->linux.nr_folios);
	json_u64(&j, "linux_restored", r->linux.restored);
	json_end(&j);
}

/* get_u64 - a u64 property of node 0 in native byte order; -EINVAL if absent or mis-sized. */
static int get_u64(const void *fdt, const char *name, u64 *v)
{
	int len;
	const void *p = fdt_getprop(fdt, 0, name, &len);

	if (!p || len != 8)
		return -EINVAL;
	memcpy(v, p, 8);
	return 0;
}

/* restore_ledger - take the ledger page back and check its history. */
static int restore_ledger(u64 gen, u64 phys, struct kho_test_result *r)
{
	struct page *p = kho_restore_pages(phys, 1);

	if (!p)
		return -EIO;
	ledger = page_address(p);
	if (ledger->magic != LEDGER_MAGIC || ledger->count != gen) {
		pr_err("ledger at 0x%llx: magic 0x%llx, %llu entries; want %llu\n",
		       (unsigned long long)phys, (unsigned long long)ledger->magic,
		       (unsigned long long)ledger->count, (unsigned long long)gen);
		return -EIO;
	}
	for (u64 i = 0; i < ledger->count; i++)
		if (ledger->e[i].gen != i) {
			pr_err("ledger entry %llu says generation %llu\n", (unsigned long long)i,
			       (unsigned long long)ledger->e[i].gen);
			return -EIO;
		}
	r->ledger_entries = ledger->count;
	return 0;
}

/* read_test_fdt - check the sub-FDT at @sub and read it into @t; -EIO if inconsistent. */
static int read_test_fdt(u64 sub, u64 gen, struct test_fdt *t)
{
	const void *fdt = __va(sub);
	int flen, clen;

	if (fdt_check_header(fdt) || fdt_node_check_compatible(fdt, 0, TEST_COMPATIBLE)) {
		pr_err("the kho_test sub-FDT at 0x%llx is not a valid %s tree\n",
		       (unsigned long long)sub, TEST_COMPATIBLE);
		return -EIO;
	}
	if (get_u64(fdt, "fill_every", &t->fill_every))
		t->fill_every = 0;	/* kho.test_shape=random: every folio written */
	t->folios = fdt_getprop(fdt, 0, "folios", &flen);
	t->csums = fdt_getprop(fdt, 0, "csums", &clen);
	if (get_u64(fdt, "magic", &t->magic) || t->magic != TEST_MAGIC ||
	    get_u64(fdt, "generation", &t->gen) || t->gen + 1 != gen ||
	    get_u64(fdt, "seed", &t->seed) || get_u64(fdt, "count", &t->count) ||
	    get_u64(fdt, "ledger", &t->ledger) || !t->folios || !t->csums ||
	    (u64)flen != t->count * 8 || (u64)clen != t->count * 8) {
		pr_err("the kho_test sub-FDT is inconsistent (magic 0x%llx, generation %llu, count %llu)\n",
		       (unsigned long long)t->magic, (unsigned long long)t->gen,
		       (unsigned long long)t->count);
		return -EIO;
	}
	return 0;
}

/* verify_folio - restore folio @i of @t and compare order, refcount and contents. */
static void verify_folio(const struct test_fdt *t, u64 i, struct kho_test_result *r)
{
	u64 e, want;
	phys_addr_t phys;
	unsigned int order;
	struct page *p;

	memcpy(&e, &t->folios[i], 8);
	memcpy(&want, &t->csums[i], 8);
	phys = e & ~(PAGE_SIZE - 1);
	order = (unsigned int)(e & (PAGE_SIZE - 1));
	r->bytes += PAGE_SIZE << order;
	p = kho_restore_folio(phys);
	if (!p)
		return;		/* lost (counted by KHO) or never preserved (logged) */
	if ((order && (!PageHead(p) || p->private != order)) || p->_refcount != 1) {
		pr_err("folio 0x%llx came back as order %llu refcount %d, want order %u\n",
		       (unsigned long long)phys, (unsigned long long)(PageHead(p) ? p->private : 0),
		       p->_refcount, order);
		r->mismatches++;
	} else if (kho_test_folio_stream(t->seed, phys, order, false) != want) {
		pr_err("folio 0x%llx (order %u): contents changed\n", (unsigned long long)phys, order);
		r->mismatches++;
	} else {
		r->restored++;
	}
	free_pages(p, order);
}

/* check_refusals - the API must refuse a second restore and a never-preserved address. */
static void check_refusals(const struct test_fdt *t, struct kho_test_result *r)
{
	u64 e0;

	if (!t->count || !r->restored)
		return;
	memcpy(&e0, &t->folios[0], 8);
	if (kho_restore_folio(e0 & ~(PAGE_SIZE - 1))) {
		pr_err("a folio could be restored twice\n");
		r->mismatches++;
	}
	if (kho_restore_folio(kernel_phys_base)) {	/* our own image: never preserved */
		pr_err("an address that was never preserved was restored\n");
		r->mismatches++;
	}
}

/* restore_empty - kho.test_mode=empty: nothing was preserved, so nothing may arrive. */
static int restore_empty(u64 gen)
{
	u64 sub;

	if (!kho_retrieve_subtree(KHOLAB_TEST_SUBTREE, &sub, NULL) ||
	    !kho_retrieve_subtree("kho_test", &sub, NULL)) {
		pr_err("kho.test_mode=empty, yet a test client's subtree arrived\n");
		return -EIO;
	}
	pr_info("generation %llu: empty handoff received as sent (%llu blocks: the root FDT)\n",
		(unsigned long long)gen, (unsigned long long)kho_stats.blocks);
	return 0;
}

/* restore_all - the sub-FDT, every folio and the ledger; -EIO if anything is off. */
static int restore_all(u64 gen, struct kho_test_result *r)
{
	struct test_fdt t;
	u64 sub;
	int err = 0;

	if (kho_retrieve_subtree(KHOLAB_TEST_SUBTREE, &sub, NULL)) {
		pr_err("generation %llu: no kho_test subtree was handed over\n", (unsigned long long)gen);
		return -EIO;
	}
	r->found = true;
	if (read_test_fdt(sub, gen, &t))
		return -EIO;
	if (!kho_restore_pages(sub, ALIGN_UP(fdt_totalsize(__va(sub)), PAGE_SIZE) >> PAGE_SHIFT)) {
		/* its bytes are intact; only its struct pages are not: go on, count the rest */
		pr_err("the kho_test sub-FDT at 0x%llx cannot be restored; reading it anyway to count the damage\n",
		       (unsigned long long)sub);
		err = -EIO;
	}
	r->folios = t.count;
	if (t.fill_every)
		kho_test_verify_vm(&t, r);	/* kho/test/vm_shape.c: on every CPU */
	else
		for (u64 i = 0; i < t.count; i++)
			verify_folio(&t, i, r);
	if (restore_ledger(gen, t.ledger, r))
		r->mismatches++;
	check_refusals(&t, r);
	if (r->restored != t.count || r->mismatches || kho_lost_count())
		err = -EIO;
	pr_info("generation %llu: %llu of %llu folios (%llu MiB) restored intact, %llu mismatched, %llu lost; ledger has %llu entries\n",
		(unsigned long long)gen, (unsigned long long)r->restored, (unsigned long long)t.count,
		(unsigned long long)(r->bytes >> 20), (unsigned long long)r->mismatches,
		(unsigned long long)kho_lost_count(), (unsigned long long)r->ledger_entries);
	return err;
}

/* kho_test_restore - see kho_test.h. */
int kho_test_restore(u64 gen, struct kho_test_result *r)
{
	u64 t0 = rdtsc();
	bool kholab = kho_cfg.test != KHO_TEST_LINUX, linux = kho_cfg.test != KHO_TEST_KHOLAB;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (gen && !kho_stats.rejected) {	/* else: cold boot, or a refused handoff */
		if (linux && kho_test_linux_restore(gen, &r->linux))
			err = -EIO;
		if (kho_cfg.test_mode == KHO_TEST_EMPTY)
			err = err ?: restore_empty(gen);
		else if (kholab && restore_all(gen, r))
			err = -EIO;
		if (linux && kho_cfg.test_mode != KHO_TEST_EMPTY && !r->linux.found) {
			pr_err("generation %llu: no kho_test subtree for the test_kho protocol\n",
			       (unsigned long long)gen);
			err = -EIO;
		}
	}
	r->lost = kho_lost_count();
	r->restore_ns = tsc_to_ns(rdtsc() - t0);
	emit_restore_event(gen, r);
	return err;
}

/* kho_test_alloc_folio - see kho_test.h. */
struct page *kho_test_alloc_folio(unsigned int order, int nid, int kind)
{
	struct pglist_data *pgdat = NODE_DATA(nid);
	u64 start = pgdat->node_start_pfn, end = start + pgdat->node_spanned_pages;
	u64 split = pgdat->deferred_start_pfn;
	struct page *p = NULL;

	if (start < PHYS_PFN(1ULL << 20))
		start = PHYS_PFN(1ULL << 20);	/* below 1 MiB is scratch */
	if (split > end)
		split = end;
	if (kind == 0 && split > start)		/* early-initialised memory */
		p = alloc_pages_range(order, nid, start, split);
	else if (kind == 1 && split < end)	/* the deferred range */
		p = alloc_pages_range(order, nid, split, end);
	if (!p)					/* anywhere on the node above 1 MiB */
		p = alloc_pages_range(order, nid, start, end);
	return p;
}

/*
 * preserve_edges - kho.test_mode=edges: order-0 folios exactly at the
 * places where off-by-one bugs live, when that page is free: each node's
 * first and last pfn (above 1 MiB), both sides of a section boundary,
 * first_deferred_pfn itself and the pfn just below it.  A target
 * that is not free (reserved, or holding the memmap) is reported and
 * skipped.  Returns the number of folios added at *@n.
 */
static u64 preserve_edges(u64 seed, u64 *n)
{
	u64 added = 0;

	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 start = pgdat->node_start_pfn, end = start + pgdat->node_spanned_pages;
		u64 fdp = pgdat->deferred_start_pfn;
		u64 sec = ALIGN_UP(start + 1, PAGES_PER_SECTION) + PAGES_PER_SECTION;
		u64 targets[] = { start, end - 1, sec - 1, sec, fdp, fdp - 1 };
		const char *what[] = { "first pfn", "last pfn", "last pfn of a section",
				       "first pfn of a section", "first_deferred_pfn",
				       "first_deferred_pfn - 1" };

		for (size_t t = 0; t < ARRAY_SIZE(targets) && *n < tabs.cap; t++) {
			u64 pfn = targets[t];
			struct page *p;

			if (pfn < PHYS_PFN(1ULL << 20) || pfn >= end || pfn < start)
				continue;	/* below 1 MiB, or no deferred range on this node */
			p = alloc_pages_range(0, nid, pfn, pfn + 1);
			if (!p) {
				pr_info("edges: node %d %s 0x%llx is not free; skipped\n", nid, what[t],
					(unsigned long long)pfn);
				continue;
			}
			csum_tab[*n] = kho_test_folio_stream(seed, PFN_PHYS(pfn), 0, true);
			if (kho_preserve_folio(p, 0)) {
				free_pages(p, 0);
				continue;
			}
			folio_tab[(*n)++] = PFN_PHYS(pfn);
			added++;
			pr_info("edges: node %d %s: preserved pfn 0x%llx\n", nid, what[t],
				(unsigned long long)pfn);
		}
	}
	return added;
}

/* busy_spin - keep a CPU busy for 200 ms (kho.test_busy). */
static void busy_spin(void *unused)
{
	u64 t0 = rdtsc();

	(void)unused;
	while (tsc_to_ns(rdtsc() - t0) < 200000000ULL)
		cpu_relax();
}

/* kho_test_make_busy - see kho_test.h. */
void kho_test_make_busy(void)
{
	int n = 0;

	for (int cpu = 1; cpu < nr_cpus_online(); cpu++)
		n += smp_call_on_cpu_async(cpu, busy_spin, NULL) == 0;
	pr_info("kho.test_busy: %d CPUs busy for 200 ms while the kexec starts\n", n);
}

/*
 * preserve_random - folios of random order until kho.test_mem is used up,
 * node by node and by turns early-initialised, deferred and anywhere.
 * Adds at *@n, from @budget bytes already used.  Return: 0 or an errno.
 */
static int preserve_random(u64 seed, u64 *n, u64 *budget, u64 *csum_all)
{
	u64 s = seed;

	while (*n < tabs.cap) {
		unsigned int order = (unsigned int)(kho_test_rand(&s) % (MAX_PAGE_ORDER + 1));
		int nid = (int)(*n % (u64)nr_online_nodes);
		struct page *p;
		phys_addr_t phys;
		int err;

		if (*budget + (PAGE_SIZE << order) > kho_cfg.test_mem) {
			if (!order)
				break;
			continue;	/* a smaller order may still fit */
		}
		p = kho_test_alloc_folio(order, nid, (int)((*n / (u64)nr_online_nodes) % 3));
		if (!p)
			break;
		phys = page_to_pfn(p) << PAGE_SHIFT;
		err = kho_test_keep(&tabs, n, p, order,
				    kho_test_folio_stream(seed, phys, order, true), csum_all);
		if (err)
			return err;
		*budget += PAGE_SIZE << order;
	}
	return 0;
}

/* preserve_ledger - create the ledger (generation 0) or extend it, and preserve it. */
static int preserve_ledger(u64 gen, u64 seed, u64 n, u64 csum_all)
{
	if (!ledger) {
		struct page *lp = kho_alloc_pages(0);

		if (!lp)
			return -ENOMEM;
		ledger = page_address(lp);
		memset(ledger, 0, PAGE_SIZE);
		ledger->magic = LEDGER_MAGIC;
	}
	if (ledger->count >= ARRAY_SIZE(ledger->e))
		return -ENOSPC;
	ledger->e[ledger->count++] = (struct ledger_entry){ gen, seed, n, csum_all };
	return kho_preserve_pages(virt_to_page(ledger), 1);
}

/* kho_test_fdt_begin - see kho_test_internal.h. */
void *kho_test_fdt_begin(unsigned int order, const char *compatible, int *err)
{
	struct page *p = kho_alloc_pages(order);
	void *fdt;

	if (!p)
		return NULL;
	fdt = page_address(p);
	*err = fdt_create(fdt, (int)(PAGE_SIZE << order));
	*err = *err ?: fdt_finish_reservemap(fdt);
	*err = *err ?: fdt_begin_node(fdt, "");
	*err = *err ?: fdt_property_string(fdt, "compatible", compatible);
	return fdt;
}

/* kho_test_fdt_end - see kho_test_internal.h. */
int kho_test_fdt_end(void *fdt, unsigned int order, int err, const char *name)
{
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		pr_err("building the %s FDT failed: %s\n", name, fdt_strerror(err));
		free_pages(virt_to_page(fdt), order);
		return -ENOSPC;
	}
	return kho_add_subtree(name, fdt);
}

/* add_test_fdt - build the kho_test sub-FDT for @n folios and add it as a subtree. */
static int add_test_fdt(u64 gen, u64 seed, u64 n, u64 fill_every)
{
	u64 fdt_bytes = 4096 + n * 16 + 512;
	unsigned int fdt_order = 0;
	void *fdt;
	int err;

	while ((PAGE_SIZE << fdt_order) < fdt_bytes)
		fdt_order++;
	fdt = kho_test_fdt_begin(fdt_order, TEST_COMPATIBLE, &err);
	if (!fdt)
		return -ENOMEM;
	err = err ?: fdt_property(fdt, "magic", &(u64){ TEST_MAGIC }, 8);
	err = err ?: fdt_property(fdt, "generation", &gen, 8);
	err = err ?: fdt_property(fdt, "seed", &seed, 8);
	err = err ?: fdt_property(fdt, "count", &n, 8);
	err = err ?: fdt_property(fdt, "ledger", &(u64){ __pa(ledger) }, 8);
	err = err ?: fdt_property(fdt, "folios", folio_tab, (int)(n * 8));
	err = err ?: fdt_property(fdt, "csums", csum_tab, (int)(n * 8));
	if (fill_every)		/* vm shape: csum 0 marks a folio left unwritten (zero) */
		err = err ?: fdt_property(fdt, "fill_every", &fill_every, 8);
	return kho_test_fdt_end(fdt, fdt_order, err, KHOLAB_TEST_SUBTREE);
}

/* kho_test_preserve - see kho_test.h. */
int kho_test_preserve(u64 gen)
{
	u64 seed = kho_cfg.test_seed ? kho_cfg.test_seed + gen : rdtsc() | 1;
	u64 n = 0, csum_all = 0, budget = 0, fill_every = 0;
	bool vm = kho_cfg.test_shape == KHO_SHAPE_VM;
	int err;

	if (kho_cfg.test_mode == KHO_TEST_EMPTY) {
		pr_info("generation %llu: kho.test_mode=empty: preserving nothing\n",
			(unsigned long long)gen);
		return 0;
	}
	if (kho_cfg.test != KHO_TEST_KHOLAB) {
		err = kho_test_linux_preserve(gen, seed);
		if (err)
			return err;
	}
	if (kho_cfg.test == KHO_TEST_LINUX)
		return 0;
	err = kho_test_tables_get(&tabs, vm ? kho_test_vm_folios(kho_cfg.test_mem) + 6 * MAX_NUMNODES
					   : MAX_FOLIOS);
	if (err)
		return err;
	if (kho_cfg.test_mode == KHO_TEST_EDGES)
		budget += preserve_edges(seed, &n) * PAGE_SIZE;
	pr_info("generation %llu: preserving up to %llu MiB of %s folios, seed 0x%llx\n",
		(unsigned long long)gen, (unsigned long long)(kho_cfg.test_mem >> 20),
		vm ? "vm-shaped" : "random", (unsigned long long)seed);
	if (vm)
		err = kho_test_preserve_vm(seed, &tabs, &n, &budget, &csum_all, &fill_every);
	else
		err = preserve_random(seed, &n, &budget, &csum_all);
	err = err ?: preserve_ledger(gen, seed, n, csum_all);
	err = err ?: add_test_fdt(gen, seed, n, fill_every);
	kho_test_tables_put(&tabs);
	if (err)
		return err;
	pr_info("generation %llu: preserved %llu folios (%llu MiB) and the ledger (%llu entries)\n",
		(unsigned long long)gen, (unsigned long long)n, (unsigned long long)(budget >> 20),
		(unsigned long long)ledger->count);
	return 0;
}

/* kho_test_keep - see kho_test_internal.h. */
int kho_test_keep(struct kho_test_tables *t, u64 *n, struct page *p, unsigned int order,
		  u64 csum, u64 *csum_all)
{
	phys_addr_t phys = PFN_PHYS(page_to_pfn(p));
	int err = kho_preserve_folio(p, order);

	if (err) {
		pr_err("preserving folio 0x%llx order %u failed (%d)\n", (unsigned long long)phys,
		       order, err);
		free_pages(p, order);
		return err;
	}
	t->folio[*n] = phys | order;
	t->csum[(*n)++] = csum;
	*csum_all ^= csum;
	return 0;
}

/* kho_test_tables_get - see kho_test_internal.h. */
int kho_test_tables_get(struct kho_test_tables *t, u64 cap)
{
	unsigned int order = 0;
	struct page *f, *c;

	while ((PAGE_SIZE << order) < cap * 8 && order < MAX_PAGE_ORDER)
		order++;
	f = alloc_pages(order, NUMA_NO_NODE);
	c = f ? alloc_pages(order, NUMA_NO_NODE) : NULL;
	if (!c) {
		if (f)
			free_pages(f, order);
		pr_err("no %llu KiB for the folio tables\n", (unsigned long long)((PAGE_SIZE << order) >> 9));
		return -ENOMEM;
	}
	t->folio = page_address(f);
	t->csum = page_address(c);
	t->order = order;
	t->cap = (PAGE_SIZE << order) / 8 < cap ? (PAGE_SIZE << order) / 8 : cap;
	return 0;
}

/* kho_test_tables_put - see kho_test_internal.h. */
void kho_test_tables_put(struct kho_test_tables *t)
{
	if (t->folio) {
		free_pages(virt_to_page(t->folio), t->order);
		free_pages(virt_to_page(t->csum), t->order);
	}
	memset(t, 0, sizeof(*t));
}
