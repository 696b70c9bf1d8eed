/*
 * mm/memmap_check.c - checks that can fail: poison, exactly-once init,
 * the page accounting identity, and the buddy stress selftest.
 *
 * These run on every boot that asks for them (memmap_poison=1,
 * selftest=buddy) and always for accounting, so a strategy that skips a
 * page, initialises one twice, or frees a reserved one cannot pass.
 */
#define pr_fmt(fmt) "memmap_check: " fmt

#include <mm/memmap_check.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/memblock.h>
#include <mm/sparse.h>
#include <mm/deferred_bg.h>
#include <kernel/printk.h>
#include <kernel/random.h>
#include <string.h>
#include <errno.h>

bool (*memmap_noinit_taken)(u64 pfn);

/* page_has_poison - see memmap_check.h. */
bool page_has_poison(const struct page *p)
{
	const u64 *w = (const u64 *)p;

	for (size_t i = 0; i < sizeof(*p) / 8; i++)
		if (w[i] == MEMMAP_POISON64)
			return true;
	return false;
}

/*
 * struct noinit_cursor - walks the RSRV_NOINIT reservations in address
 * order alongside an ascending pfn loop.  Their struct pages belong to
 * their owner (KHO), which checks them itself when it restores them; the
 * generic checks must not read them, since they may legitimately be
 * uninitialised until then.
 */
struct noinit_cursor {
	struct memblock_region *r;
};

/* noinit_next - advance to the first NOINIT region ending after @pfn. */
static void noinit_next(struct noinit_cursor *c, u64 pfn)
{
	struct memblock_region *end = memblock.reserved.regions + memblock.reserved.cnt;

	while (c->r < end && (!(c->r->flags & MEMBLOCK_RSRV_NOINIT) ||
			      PFN_UP(c->r->base + c->r->size) <= pfn))
		c->r++;
}

/* in_noinit - true if @pfn (ascending across calls) is under a NOINIT reservation. */
static bool in_noinit(struct noinit_cursor *c, u64 pfn)
{
	noinit_next(c, pfn);
	return c->r < memblock.reserved.regions + memblock.reserved.cnt &&
	       PFN_DOWN(c->r->base) <= pfn;
}

/* memmap_check_poison - see memmap_check.h. */
int memmap_check_poison(void)
{
	u64 checked = 0, bad = 0, first_bad = 0, skipped = 0, left = 0, left_written = 0, first_left = 0;
	u32 first_count = 0;
	bool first_poison = false;
	struct noinit_cursor nc = { memblock.reserved.regions };

	for (u64 pfn = 0; pfn < ALIGN_UP(max_pfn, PAGES_PER_SECTION); pfn++) {
		struct page *p;

		if (!pfn_valid_section(pfn)) {
			pfn = ALIGN_UP(pfn + 1, PAGES_PER_SECTION) - 1;
			continue;
		}
		if (in_noinit(&nc, pfn)) {
			skipped++;
			continue;
		}
		p = pfn_to_page(pfn);
		if (deferred_pfn_left(pfn) && memblock_is_memory(PFN_PHYS(pfn))) {
			left++;		/* background init was stopped before it got here: */
			if (!page_all_poison(p) && !left_written++)	/* so nobody wrote it */
				first_left = pfn;
			continue;
		}
		checked++;
		if (page_has_poison(p) || p->init_count != 1) {
			if (!bad++) {
				first_bad = pfn;
				first_count = p->init_count;
				first_poison = page_has_poison(p);
			}
		}
	}
	if (left_written) {
		pr_err("%llu struct pages in sections background init never claimed were written; first pfn 0x%llx\n",
		       (unsigned long long)left_written, (unsigned long long)first_left);
		return -EINVAL;
	}
	if (bad) {
		pr_err("%llu of %llu struct pages are wrong; first pfn 0x%llx: %s, initialised %u times\n",
		       (unsigned long long)bad, (unsigned long long)checked,
		       (unsigned long long)first_bad, first_poison ? "still poisoned" : "no poison",
		       first_count == MEMMAP_POISON32 ? 0 : first_count);
		return -EINVAL;
	}
	pr_info("all %llu struct pages initialised exactly once, no poison left (%llu under RSRV_NOINIT left to their owner, %llu never reached by a stopped background init)\n",
		(unsigned long long)checked, (unsigned long long)skipped, (unsigned long long)left);
	return 0;
}

/* page_all_poison - see memmap_check.h. */
bool page_all_poison(const struct page *p)
{
	const u64 *w = (const u64 *)p;

	for (size_t i = 0; i < sizeof(*p) / 8; i++)
		if (w[i] != MEMMAP_POISON64)
			return false;
	return true;
}

/* memmap_check_deferred_poison - see memmap_check.h. */
int memmap_check_deferred_poison(u64 *checked)
{
	struct noinit_cursor nc = { memblock.reserved.regions };
	u64 s, e, bad = 0, first_bad = 0;
	int i, nid, first_nid = 0;

	*checked = 0;
	for_each_mem_pfn_range(i, NUMA_NO_NODE, &s, &e, &nid) {
		if (s < NODE_DATA(nid)->first_deferred_pfn)
			s = NODE_DATA(nid)->first_deferred_pfn;
		for (u64 pfn = s; pfn < e; pfn++) {
			if (in_noinit(&nc, pfn))
				continue;	/* the owner's (KHO): it may init them early */
			if (deferred_section_claimed(pfn_to_section_nr(pfn)))
				continue;	/* background mode: grown on demand */
			(*checked)++;
			if (!page_all_poison(pfn_to_page(pfn)) && !bad++) {
				first_bad = pfn;
				first_nid = nid;
			}
		}
	}
	if (bad) {
		pr_err("%llu of %llu deferred struct pages were written before SMP; first pfn 0x%llx (node %d, first_deferred_pfn 0x%llx)\n",
		       (unsigned long long)bad, (unsigned long long)*checked,
		       (unsigned long long)first_bad, first_nid,
		       (unsigned long long)NODE_DATA(first_nid)->first_deferred_pfn);
		return -EFAULT;
	}
	return 0;
}

/* count_range_pages - pages of [start, end) entirely inside it (page-granular). */
static u64 whole_pages(phys_addr_t start, phys_addr_t end)
{
	u64 s = PFN_UP(start), e = PFN_DOWN(end);

	return e > s ? e - s : 0;
}

/* left_pages - pages of [s, e) (one node's) that a stopped background init left. */
static u64 left_pages(u64 s, u64 e)
{
	u64 n = 0;

	while (s < e) {
		u64 next = ALIGN_UP(s + 1, PAGES_PER_SECTION);

		if (next > e)
			next = e;
		if (deferred_pfn_left(s))	/* a section is all on one side of the mark */
			n += next - s;
		s = next;
	}
	return n;
}

/* noinit_clip - @next, or the start of the next NOINIT region if that comes first. */
static u64 noinit_clip(const struct noinit_cursor *c, u64 next)
{
	if (c->r < memblock.reserved.regions + memblock.reserved.cnt &&
	    PFN_DOWN(c->r->base) < next)
		return PFN_DOWN(c->r->base);
	return next;
}

/* taken_pages - RSRV_NOINIT pages of node @nid that their owner took back. */
static u64 taken_pages(int nid)
{
	struct memblock_region *r;
	u64 n = 0;

	if (!memmap_noinit_taken)
		return 0;
	for_each_reserved_mem_region(r) {
		if (!(r->flags & MEMBLOCK_RSRV_NOINIT))
			continue;
		for (u64 pfn = PFN_DOWN(r->base); pfn < PFN_UP(r->base + r->size); pfn++)
			if (early_pfn_to_nid(pfn) == nid && memmap_noinit_taken(pfn))
				n++;
	}
	return n;
}

/* scan_node - classify every RAM pfn of @nid by its struct page. */
static void scan_node(int nid, struct mm_node_counts *c)
{
	u64 s, e;
	int i, rnid;
	struct noinit_cursor nc = { memblock.reserved.regions };

	for_each_mem_pfn_range(i, nid, &s, &e, &rnid) {
		for (u64 pfn = s; pfn < e;) {
			struct page *p = pfn_to_page(pfn);

			if (in_noinit(&nc, pfn)) {
				if (!memmap_noinit_taken || !memmap_noinit_taken(pfn)) {
					c->noinit++;	/* the owner's: not read here */
					pfn++;
					continue;
				}
				/* taken back by its owner: buddy's now, read it */
			} else if (deferred_pfn_left(pfn)) {	/* never initialised: not read */
				u64 next = ALIGN_UP(pfn + 1, PAGES_PER_SECTION);

				next = next < e ? next : e;	/* the rest of the section is left, */
				next = noinit_clip(&nc, next);	/* up to a NOINIT block in it */
				c->left += next - pfn;
				pfn = next;
				continue;
			}

			if (PageBuddy(p)) {
				u64 n = 1ULL << p->private;

				c->free += n;
				pfn += n;
				continue;
			}
			if (PageReserved(p))
				c->reserved++;
			else if (p->_refcount > 0 || p->compound_head & 1)
				c->allocated++;
			pfn++;
		}
	}
}

/* mm_check_accounting - see memmap_check.h. */
int mm_check_accounting(struct mm_node_counts *counts)
{
	struct mm_node_counts total = { 0 };
	int err = 0;

	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct mm_node_counts *c = &counts[nid];
		phys_addr_t start, end;
		u64 i, zone_free = 0, managed = 0;

		memset(c, 0, sizeof(*c));
		c->present = NODE_DATA(nid)->node_present_pages;
		for_each_free_mem_range(i, nid, MEMBLOCK_NONE, &start, &end, NULL) {
			c->memblock_free += whole_pages(start, end);
			c->left_free += left_pages(PFN_UP(start), PFN_DOWN(end));
		}
		scan_node(nid, c);
		c->taken = taken_pages(nid);
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			zone_free += NODE_DATA(nid)->node_zones[zt].free_pages;
			managed += NODE_DATA(nid)->node_zones[zt].managed_pages;
		}
		NODE_DATA(nid)->reserved_pages = c->reserved;

		if (c->present != c->free + c->reserved + c->noinit + c->allocated + c->left) {
			pr_err("node %d: present %llu != free %llu + reserved %llu + noinit %llu + allocated %llu + left %llu\n",
			       nid, (unsigned long long)c->present, (unsigned long long)c->free,
			       (unsigned long long)c->reserved, (unsigned long long)c->noinit,
			       (unsigned long long)c->allocated, (unsigned long long)c->left);
			err = -EINVAL;
		}
		if (c->free != zone_free) {
			pr_err("node %d: free blocks in the memmap hold %llu pages, zone counters say %llu\n",
			       nid, (unsigned long long)c->free, (unsigned long long)zone_free);
			err = -EINVAL;
		}
		if (managed != c->free + c->allocated) {
			pr_err("node %d: buddy manages %llu pages but %llu are free and %llu allocated\n",
			       nid, (unsigned long long)managed, (unsigned long long)c->free,
			       (unsigned long long)c->allocated);
			err = -EINVAL;
		}
		if (c->free + c->allocated + c->left_free != c->memblock_free + c->taken) {
			pr_err("node %d: buddy has %llu free + %llu allocated pages, %llu more were never initialised, memblock had %llu free, owners took back %llu\n",
			       nid, (unsigned long long)c->free, (unsigned long long)c->allocated,
			       (unsigned long long)c->left_free, (unsigned long long)c->memblock_free,
			       (unsigned long long)c->taken);
			err = -EINVAL;
		}
		total.present += c->present;
		total.free += c->free;
		total.reserved += c->reserved;
		total.noinit += c->noinit;
		total.allocated += c->allocated;
		total.left += c->left;
	}
	if (!err)
		pr_info("accounting holds: %llu present = %llu free + %llu reserved + %llu noinit + %llu allocated + %llu left uninitialised\n",
			(unsigned long long)total.present, (unsigned long long)total.free,
			(unsigned long long)total.reserved, (unsigned long long)total.noinit,
			(unsigned long long)total.allocated, (unsigned long long)total.left);
	return err;
}

#define STRESS_SLOTS	256
#define STRESS_ROUNDS	4096

const char *buddy_selftest_why = "";

/* struct buddy_totals - every zone's counters and free blocks, summed. */
struct buddy_totals {
	u64 allocs, frees;
	u64 blocks[MAX_PAGE_ORDER + 1];		/* free blocks of each order */
};

static void buddy_totals(struct buddy_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int n = 0; n < nr_online_nodes; n++)
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &NODE_DATA(n)->node_zones[zt];

			t->allocs += z->nr_allocs;
			t->frees += z->nr_frees;
			for (int o = 0; o <= MAX_PAGE_ORDER; o++)
				t->blocks[o] += z->free_area[o].nr_free;
		}
}

/*
 * buddy_selftest_did_work - after the stress: at least one allocation
 * succeeded, the zones counted every allocation and free, and freeing it
 * all merged the free lists back into the blocks of before (a selftest
 * that allocated nothing must not pass).  Returns 0 or -EINVAL, logged.
 */
static int buddy_selftest_did_work(const struct buddy_totals *before, u64 allocs, u64 fails)
{
	struct buddy_totals after;

	if (!allocs) {
		pr_err("buddy selftest: none of %llu allocations succeeded: alloc_pages() returned NULL every time although %llu pages are free\n",
		       (unsigned long long)fails, (unsigned long long)nr_free_pages());
		buddy_selftest_why = "no allocation succeeded: alloc_pages() returned NULL every time";
		return -EINVAL;
	}
	buddy_totals(&after);
	if (after.allocs - before->allocs < allocs || after.frees - before->frees < allocs) {
		pr_err("buddy selftest: %llu blocks allocated and freed, but the zones counted %llu allocations (nr_allocs) and %llu frees (nr_frees)\n",
		       (unsigned long long)allocs, (unsigned long long)(after.allocs - before->allocs),
		       (unsigned long long)(after.frees - before->frees));
		buddy_selftest_why = "the zones did not count every allocation and free (nr_allocs, nr_frees)";
		return -EINVAL;
	}
	for (int o = 0; o <= MAX_PAGE_ORDER; o++) {
		if (after.blocks[o] != before->blocks[o]) {
			pr_err("buddy selftest: all freed, but the free lists hold %llu blocks of order %d, %llu before: the freed blocks did not merge back\n",
			       (unsigned long long)after.blocks[o], o,
			       (unsigned long long)before->blocks[o]);
			buddy_selftest_why = "the freed blocks did not merge back";
			return -EINVAL;
		}
	}
	return 0;
}

/* buddy_selftest - see memmap_check.h. */
int buddy_selftest(u64 seed)
{
	static struct page *held[STRESS_SLOTS];
	static u8 held_order[STRESS_SLOTS];
	u64 before = nr_free_pages(), s = seed ? seed : 0x6b686f6c6162ULL;
	u64 allocs = 0, fails = 0, nblocks = 0;
	struct buddy_totals totals;
	int err;

	pr_info("buddy selftest: seed 0x%llx, %d rounds\n", (unsigned long long)s, STRESS_ROUNDS);
	buddy_selftest_why = "the free lists broke an invariant";
	err = buddy_check_invariants();
	if (err)
		return err;
	buddy_totals(&totals);
	memset(held, 0, sizeof(held));
	for (int round = 0; round < STRESS_ROUNDS; round++) {
		u64 r = xorshift64(&s);
		int slot = (int)(r % STRESS_SLOTS);

		if (held[slot]) {
			free_pages(held[slot], held_order[slot]);
			held[slot] = NULL;
		} else {
			unsigned int order = (unsigned int)((r >> 16) % (MAX_PAGE_ORDER + 1));
			int nid = (int)((r >> 32) % (u64)nr_online_nodes);

			held[slot] = alloc_pages(order, nid);
			held_order[slot] = (u8)order;
			if (held[slot]) {
				allocs++;
				memset(page_address(held[slot]), 0xa5, PAGE_SIZE);	/* touch it */
			} else {
				fails++;
			}
		}
		if (round % 1024 == 1023) {
			err = buddy_check_invariants();
			if (err)
				return err;
		}
	}
	for (int slot = 0; slot < STRESS_SLOTS; slot++)
		if (held[slot])
			free_pages(held[slot], held_order[slot]);
	err = buddy_check_invariants();
	if (err)
		return err;
	if (nr_free_pages() != before) {
		pr_err("buddy selftest: %llu free pages before, %llu after\n",
		       (unsigned long long)before, (unsigned long long)nr_free_pages());
		buddy_selftest_why = "all freed, but the free page count changed";
		return -EINVAL;
	}
	err = buddy_selftest_did_work(&totals, allocs, fails);
	if (err)
		return err;
	buddy_selftest_why = "";
	for (int o = 0; o <= MAX_PAGE_ORDER; o++)
		nblocks += totals.blocks[o];
	pr_info("buddy selftest passed: %llu allocations (%llu failed for lack of a block), all counted and merged back into the %llu free blocks of before, free count back to %llu\n",
		(unsigned long long)allocs, (unsigned long long)fails, (unsigned long long)nblocks,
		(unsigned long long)before);
	return 0;
}
