/*
 * init/mm_boot.c - the figures of the memory steps start_kernel() runs:
 * their timings, the log lines that summarise them, the checks that close
 * them and the "memmap" results event (docs/results.md).
 */
#define pr_fmt(fmt) "kholab: " fmt

#include <init/mm_boot.h>
#include <kernel/boot.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/exit.h>
#include <mm/memmap_check.h>
#include <mm/mm_init.h>
#include <mm/memblock.h>
#include <mm/sparse.h>
#include <mm/deferred_bg.h>
#include <mm/page_alloc.h>
#include <kernel/timeline.h>

struct mm_boot_stats mm_boot = { .threads = 1 };

static struct mm_node_counts node_counts[MAX_NUMNODES];

/* mm_boot_ns_since - see mm_boot.h. */
u64 mm_boot_ns_since(u64 t0)
{
	return tsc_to_ns(rdtsc() - t0);
}

/* mm_report_early - see mm_boot.h. */
void mm_report_early(void)
{
	pr_info("memmap: %llu struct pages initialised early in %llu us, hand-over in %llu us\n",
		(unsigned long long)mm_boot.early_pages, (unsigned long long)(mm_boot.early_ns / 1000),
		(unsigned long long)(mm_boot.free_ns / 1000));
}

/*
 * noinit_overlaps - true if a RSRV_NOINIT reservation overlaps pfns
 * [s, e).  *@cur walks the reserved regions in step with ascending calls.
 */
static bool noinit_overlaps(u64 s, u64 e, struct memblock_region **cur)
{
	struct memblock_region *end = memblock.reserved.regions + memblock.reserved.cnt;
	struct memblock_region *r;

	while (*cur < end && PFN_UP((*cur)->base + (*cur)->size) <= s)
		(*cur)++;
	for (r = *cur; r < end && PFN_DOWN(r->base) < e; r++)
		if (r->flags & MEMBLOCK_RSRV_NOINIT)
			return true;
	return false;
}

/*
 * untouched_sections - the dirty-bit half of mm_check_deferred_untouched():
 * every section wholly inside one node's RAM at or above its
 * first_deferred_pfn, with no RSRV_NOINIT page (KHO may initialise those
 * early), must have a clean memmap.  Return: sections checked.
 */
static u64 untouched_sections(void)
{
	struct memblock_region *cur = memblock.reserved.regions;
	u64 s, e, n = 0;
	int i, nid;

	for_each_mem_pfn_range(i, NUMA_NO_NODE, &s, &e, &nid) {
		u64 fdp = NODE_DATA(nid)->first_deferred_pfn;

		s = ALIGN_UP(s > fdp ? s : fdp, PAGES_PER_SECTION);
		for (; s + PAGES_PER_SECTION <= e; s += PAGES_PER_SECTION) {
			if (noinit_overlaps(s, s + PAGES_PER_SECTION, &cur))
				continue;
			if (deferred_section_claimed(pfn_to_section_nr(s)))
				continue;	/* background: grown on demand */
			n++;
			if (vmemmap_section_written(pfn_to_section_nr(s)))
				panic("the memmap of section %llu (pfns 0x%llx-0x%llx, node %d, at or above first_deferred_pfn 0x%llx) was written before SMP: the early path did deferred init's work",
				      (unsigned long long)pfn_to_section_nr(s), (unsigned long long)s,
				      (unsigned long long)(s + PAGES_PER_SECTION - 1), nid,
				      (unsigned long long)fdp);
		}
	}
	return n;
}

/* mm_check_deferred_untouched - see mm_boot.h. */
void mm_check_deferred_untouched(void)
{
	if (deferred_cfg.strategy == MEMMAP_EAGER) {
		mm_boot.untouched_by = "none";
		return;
	}
	if (memmap_poison) {
		mm_boot.untouched_by = "poison";
		if (memmap_check_deferred_poison(&mm_boot.untouched_checked))	/* mm/memmap_check.c */
			panic("struct pages that deferred init owns were written before SMP");
	} else if (memmap_floor) {
		mm_boot.untouched_by = "none";
		pr_info("memmap_floor=1 wrote the whole memmap: no check that the early path left the deferred part alone\n");
		return;
	} else {
		mm_boot.untouched_by = "dirty";
		mm_boot.untouched_checked = untouched_sections();
	}
	pr_info("before SMP: deferred memmap untouched (%llu %s checked by %s)\n",
		(unsigned long long)mm_boot.untouched_checked,
		memmap_poison ? "struct pages" : "sections", mm_boot.untouched_by);
}

/* mm_deferred_done - see mm_boot.h. */
void mm_deferred_done(void)
{
	mm_boot.threads = 0;
	for (int n = 0; n < nr_online_nodes; n++) {
		mm_boot.deferred_pages += mm_boot.nodes[n].pages;
		mm_boot.threads += mm_boot.nodes[n].threads;
	}
}

/*
 * emit_memmap_event - the "memmap" results line (docs/results.md).  One
 * object per node: about 250 bytes each, so the line is built in a static
 * buffer with room for MAX_NUMNODES of them (the boot CPU calls this once).
 */
static void emit_memmap_event(void)
{
	static const char *const names[] = { "eager", "deferred", "background" };
	static char line[1536 + 320 * MAX_NUMNODES];
	u64 total = 0, free = 0, reserved = 0, allocated = 0, left = 0;
	struct json_line j;

	for (int n = 0; n < nr_online_nodes; n++) {
		total += node_counts[n].present;
		free += node_counts[n].free;
		reserved += node_counts[n].reserved + node_counts[n].noinit;
		allocated += node_counts[n].allocated;
		left += node_counts[n].left;
	}
	json_begin_buf(&j, "memmap", line, sizeof(line));
	json_u64(&j, "gen", kholab_generation);
	json_str(&j, "strategy", names[deferred_cfg.strategy]);
	json_u64(&j, "threads", (u64)mm_boot.threads);
	json_u64(&j, "pages_total", total);
	json_u64(&j, "pages_free", free);
	json_u64(&j, "pages_reserved", reserved);
	json_u64(&j, "pages_allocated", allocated);
	json_u64(&j, "pages_left", left);
	json_u64(&j, "sections_present", (u64)mm_boot.sections);
	json_u64(&j, "early_pages", mm_boot.early_pages);
	json_u64(&j, "deferred_pages", mm_boot.deferred_pages);
	json_u64(&j, "grown_pages", deferred_grown_pages());
	json_u64(&j, "mm_wait_ns", mm_boot.mm_wait_ns);
	if (deferred_cfg.strategy == MEMMAP_BACKGROUND) {
		json_u64(&j, "bg_sections", deferred_bg.sections);
		json_u64(&j, "bg_pages", deferred_bg.bg_pages);
		json_u64(&j, "bg_join_pages", deferred_bg.join_pages);
		json_u64(&j, "demand_pages", deferred_bg.demand_pages);
		json_u64(&j, "bg_workers", (u64)deferred_bg.workers);
		json_bool(&j, "bg_stopped", deferred_bg.stopped);
		json_u64(&j, "left_sections", deferred_bg.left_sections);
	}
	json_array_begin(&j, "nodes");
	for (int n = 0; n < nr_online_nodes; n++) {
		struct pglist_data *pgdat = NODE_DATA(n);

		json_object_begin(&j, NULL);
		json_u64(&j, "nid", (u64)n);
		json_u64(&j, "present_pages", node_counts[n].present);
		json_u64(&j, "free_pages", node_counts[n].free);
		json_u64(&j, "reserved_pages", node_counts[n].reserved + node_counts[n].noinit);
		json_u64(&j, "allocated_pages", node_counts[n].allocated);
		json_u64(&j, "left_pages", node_counts[n].left);
		json_u64(&j, "deferred_pages", mm_boot.nodes[n].pages);
		json_u64(&j, "deferred_ns", mm_boot.nodes[n].ns);
		json_u64(&j, "threads", (u64)mm_boot.nodes[n].threads);
		json_u64(&j, "zone_lock_contended", (u64)pgdat->node_zones[ZONE_DMA32].lock.contended +
			 pgdat->node_zones[ZONE_NORMAL].lock.contended);
		json_array_begin(&j, "cpus");
		for (u32 c = 0; c < pgdat->nr_cpus; c++)
			json_u64(&j, NULL, pgdat->cpus[c]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "init_ns", mm_boot.early_ns + mm_boot.deferred_ns);
	json_u64(&j, "early_ns", mm_boot.early_ns);
	json_u64(&j, "free_ns", mm_boot.free_ns);
	json_u64(&j, "deferred_ns", mm_boot.deferred_ns);
	if (memmap_floor) {
		json_u64(&j, "floor_first_ns", mm_boot.floor_first_ns);
		json_u64(&j, "floor_warm_ns", mm_boot.floor_warm_ns);
	}
	json_u64(&j, "memmap_bytes", memmap_bytes());
	json_str(&j, "untouched_by", mm_boot.untouched_by);
	json_u64(&j, "untouched_checked", mm_boot.untouched_checked);
	json_u64(&j, "mm_ready_ns", timeline_mm_ready_ns());
	json_bool(&j, "poison_checked", memmap_poison);
	json_end(&j);
}

/* mm_boot_complete - see mm_boot.h. */
void mm_boot_complete(void)
{
	mm_boot.mm_wait_ns = mm_boot.early_ns + mm_boot.free_ns + mm_boot.deferred_ns +
			     deferred_boot_cpu_grow_ns();
}

/* mm_bg_figures - the background work's share of the memmap event's totals. */
static void mm_bg_figures(void)
{
	mm_boot.deferred_pages = deferred_bg.bg_pages;
	mm_boot.threads = deferred_bg.workers + !deferred_bg.stopped;
	if (deferred_bg.end_tsc > deferred_bg.start_tsc && deferred_bg.start_tsc)
		mm_boot.deferred_ns = tsc_to_ns(deferred_bg.end_tsc - deferred_bg.start_tsc);
}

/* mm_settle - see mm_boot.h. */
void mm_settle(bool stop)
{
	static bool settled;

	if (settled)
		return;
	settled = true;
	if (deferred_cfg.strategy == MEMMAP_BACKGROUND) {
		bool done;

		timeline_begin(PHASE_BG_FINISH);
		done = deferred_bg_finish(stop);	/* mm/deferred_bg.c */
		if (done)
			timeline_mm_ready_at(deferred_bg.end_tsc);
		timeline_end(PHASE_BG_FINISH);
		mm_bg_figures();
		if (!done && !stop)
			panic("background init ended with %llu sections nobody claimed, though nothing stopped it: a section was lost",
			      (unsigned long long)deferred_bg.left_sections);
	}
	if (buddy_pending_reads)
		panic("buddy read the struct pages of %llu pfns in sections nobody had initialised, the first 0x%llx",
		      (unsigned long long)buddy_pending_reads,
		      (unsigned long long)buddy_first_pending_read);
	timeline_begin(PHASE_MM_CHECK);
	if (mm_check_accounting(node_counts))	/* mm/memmap_check.c */
		panic("page accounting does not add up after memmap init");
	if (memmap_poison && memmap_check_poison())
		panic("memmap poison check failed: struct pages missed or initialised twice");
	emit_memmap_event();
	timeline_end(PHASE_MM_CHECK);
}
