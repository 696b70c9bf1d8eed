/*
 * kernel/mm_boot.c - the memory part of start_kernel(): it calls into mm/
 * (and, at two fixed points, kho/) in the order docs/architecture.md
 * explains, times each step and reports them as the "memmap" event.
 */
#define pr_fmt(fmt) "kholab: " fmt

#include <kernel/mm_boot.h>
#include <kernel/boot.h>
#include <kernel/exit.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <mm/memblock.h>
#include <mm/paging.h>
#include <mm/sparse.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/memmap_check.h>
#include <mm/deferred.h>
#include <kho/kho_boot.h>

int smp_reserve_trampoline(void);

static struct mm_node_counts node_counts[MAX_NUMNODES];

/* What the memory steps measured, for the "memmap" results event. */
static struct {
	long sections;
	u64 floor_ns, early_ns, free_ns, deferred_ns;
	u64 early_pages, deferred_pages;
	struct deferred_node_stats nodes[MAX_NUMNODES];
} mmstat;

/*
 * mm_init - from memblock to buddy on the boot CPU: page tables, the
 * sparse memmap, node and zone sizes, the early part of memmap init and
 * the hand-over.  With memmap_init=deferred most of the highest zone's
 * struct pages wait for mm_init_late(); buddy grows on demand meanwhile.
 */
void mm_init(void)
{
	u64 t0;
	int err;

	err = paging_init();			/* mm/paging.c: direct map of all RAM */
	if (err)
		panic("no memory for the kernel page tables (%d)", err);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	mmstat.sections = sparse_init(memmap_poison, &mmstat.floor_ns);	/* mm/sparse.c */
	if (mmstat.sections < 0)
		panic("no memory for the memmap (%ld)", mmstat.sections);
	free_area_init();			/* mm/mm_init.c: node and zone sizes */
	deferred_setup();			/* mm/deferred.c: first_deferred_pfn */

	t0 = rdtsc();
	mmstat.early_pages = memmap_init();	/* struct pages below first_deferred_pfn */
	mmstat.early_ns = tsc_to_ns(rdtsc() - t0);
	smp_reserve_trampoline();		/* kernel/smp.c: a page below 1 MiB for APs */
	kho_reserve_scratch();			/* kho/scratch.c: cold boot: for the next kernel */
	kho_deserialize();			/* kho/deserialize.c: KHO boot: preserved blocks */
	t0 = rdtsc();
	memblock_free_all();			/* reserved -> PageReserved, free -> buddy */
	mmstat.free_ns = tsc_to_ns(rdtsc() - t0);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED)
		page_alloc_grow = deferred_grow_zone;	/* buddy may grow before SMP */
	pr_info("memmap: %llu struct pages initialised early in %llu us (store floor for all: %llu us), hand-over in %llu us\n",
		(unsigned long long)mmstat.early_pages, (unsigned long long)(mmstat.early_ns / 1000),
		(unsigned long long)(mmstat.floor_ns / 1000),
		(unsigned long long)(mmstat.free_ns / 1000));
}

/* emit_memmap_event - the "memmap" results line (docs/results.md). */
static void emit_memmap_event(int threads)
{
	static const char *const names[] = { "eager", "deferred" };
	u64 total = 0, free = 0, reserved = 0, allocated = 0;
	struct json_line j;

	for (int n = 0; n < nr_online_nodes; n++) {
		total += node_counts[n].present;
		free += node_counts[n].free;
		reserved += node_counts[n].reserved + node_counts[n].noinit;
		allocated += node_counts[n].allocated;
	}
	json_begin(&j, "memmap");
	json_u64(&j, "gen", kholab_generation);
	json_str(&j, "strategy", names[deferred_cfg.strategy]);
	json_u64(&j, "threads", (u64)threads);
	json_u64(&j, "pages_total", total);
	json_u64(&j, "pages_free", free);
	json_u64(&j, "pages_reserved", reserved);
	json_u64(&j, "pages_allocated", allocated);
	json_u64(&j, "sections_present", (u64)mmstat.sections);
	json_u64(&j, "early_pages", mmstat.early_pages);
	json_u64(&j, "deferred_pages", mmstat.deferred_pages);
	json_u64(&j, "grown_pages", deferred_grown_pages());
	json_array_begin(&j, "nodes");
	for (int n = 0; n < nr_online_nodes; n++) {
		struct pglist_data *pgdat = NODE_DATA(n);

		json_object_begin(&j, NULL);
		json_u64(&j, "nid", (u64)n);
		json_u64(&j, "present_pages", node_counts[n].present);
		json_u64(&j, "free_pages", node_counts[n].free);
		json_u64(&j, "reserved_pages", node_counts[n].reserved + node_counts[n].noinit);
		json_u64(&j, "allocated_pages", node_counts[n].allocated);
		json_u64(&j, "deferred_pages", mmstat.nodes[n].pages);
		json_u64(&j, "deferred_ns", mmstat.nodes[n].ns);
		json_u64(&j, "threads", (u64)mmstat.nodes[n].threads);
		json_u64(&j, "zone_lock_contended", (u64)pgdat->node_zones[ZONE_DMA32].lock.contended +
			 pgdat->node_zones[ZONE_NORMAL].lock.contended);
		json_array_begin(&j, "cpus");
		for (u32 c = 0; c < pgdat->nr_cpus; c++)
			json_u64(&j, NULL, pgdat->cpus[c]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "init_ns", mmstat.early_ns + mmstat.deferred_ns);
	json_u64(&j, "early_ns", mmstat.early_ns);
	json_u64(&j, "free_ns", mmstat.free_ns);
	json_u64(&j, "deferred_ns", mmstat.deferred_ns);
	json_u64(&j, "store_floor_ns", mmstat.floor_ns);
	json_bool(&j, "poison_checked", memmap_poison);
	json_end(&j);
}

/*
 * mm_init_late - after SMP: the deferred struct pages on all CPUs, then
 * the checks that need every struct page initialised, then the report.
 */
void mm_init_late(void)
{
	int threads = 1;

	if (deferred_cfg.strategy == MEMMAP_DEFERRED) {
		mmstat.deferred_ns = page_alloc_init_late(mmstat.nodes);	/* mm/deferred.c */
		threads = 0;
		for (int n = 0; n < nr_online_nodes; n++) {
			mmstat.deferred_pages += mmstat.nodes[n].pages;
			threads += mmstat.nodes[n].threads;
		}
	}
	kho_init_late();			/* kho.deferred=restore: preserved pages, all CPUs */
	if (mm_check_accounting(node_counts))	/* mm/memmap_check.c */
		panic("page accounting does not add up after memmap init");
	if (memmap_poison && memmap_check_poison())
		panic("memmap poison check failed: struct pages missed or initialised twice");
	emit_memmap_event(threads);
}

