/*
 * kernel/mm_boot.c - the figures of the memory steps start_kernel() runs:
 * their timings, the log lines that summarise them, the checks that close
 * them and the "memmap" results event (docs/results.md).
 */
#define pr_fmt(fmt) "kholab: " fmt

#include <kernel/mm_boot.h>
#include <kernel/boot.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/exit.h>
#include <mm/memmap_check.h>
#include <mm/mm_init.h>

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
	pr_info("memmap: %llu struct pages initialised early in %llu us (store floor for all: %llu us), hand-over in %llu us\n",
		(unsigned long long)mm_boot.early_pages, (unsigned long long)(mm_boot.early_ns / 1000),
		(unsigned long long)(mm_boot.floor_ns / 1000),
		(unsigned long long)(mm_boot.free_ns / 1000));
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
	static const char *const names[] = { "eager", "deferred" };
	static char line[1024 + 320 * MAX_NUMNODES];
	u64 total = 0, free = 0, reserved = 0, allocated = 0;
	struct json_line j;

	for (int n = 0; n < nr_online_nodes; n++) {
		total += node_counts[n].present;
		free += node_counts[n].free;
		reserved += node_counts[n].reserved + node_counts[n].noinit;
		allocated += node_counts[n].allocated;
	}
	json_begin_buf(&j, "memmap", line, sizeof(line));
	json_u64(&j, "gen", kholab_generation);
	json_str(&j, "strategy", names[deferred_cfg.strategy]);
	json_u64(&j, "threads", (u64)mm_boot.threads);
	json_u64(&j, "pages_total", total);
	json_u64(&j, "pages_free", free);
	json_u64(&j, "pages_reserved", reserved);
	json_u64(&j, "pages_allocated", allocated);
	json_u64(&j, "sections_present", (u64)mm_boot.sections);
	json_u64(&j, "early_pages", mm_boot.early_pages);
	json_u64(&j, "deferred_pages", mm_boot.deferred_pages);
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
	json_u64(&j, "store_floor_ns", mm_boot.floor_ns);
	json_bool(&j, "poison_checked", memmap_poison);
	json_end(&j);
}

/* mm_check_and_report - see mm_boot.h. */
void mm_check_and_report(void)
{
	if (mm_check_accounting(node_counts))	/* mm/memmap_check.c */
		panic("page accounting does not add up after memmap init");
	if (memmap_poison && memmap_check_poison())
		panic("memmap poison check failed: struct pages missed or initialised twice");
	emit_memmap_event();
}
