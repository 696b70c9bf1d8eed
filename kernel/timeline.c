/*
 * kernel/timeline.c - the boot timeline: see the DOC in
 * include/kernel/timeline.h.  The boot CPU alone stamps phases, so the
 * stamps need no locking.
 */
#define pr_fmt(fmt) "timeline: " fmt

#include <kernel/timeline.h>
#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/boot.h>

/* phase_names - the results' and the log's names, indexed by enum boot_phase. */
static const char *const phase_names[NR_BOOT_PHASES] = {
	[PHASE_TSC_CALIBRATE]	  = "tsc_calibrate",
	[PHASE_MEMBLOCK]	  = "memblock",
	[PHASE_PAGING_INIT]	  = "paging_init",
	[PHASE_SPARSE_INIT]	  = "sparse_init",
	[PHASE_MEMMAP_EARLY]	  = "memmap_early",
	[PHASE_KHO_SCRATCH]	  = "kho_scratch",
	[PHASE_KHO_DESERIALIZE]	  = "kho_deserialize",
	[PHASE_MEMBLOCK_FREE_ALL] = "memblock_free_all",
	[PHASE_SMP_INIT]	  = "smp_init",
	[PHASE_DEFERRED_INIT]	  = "deferred_init",
	[PHASE_KHO_INIT_LATE]	  = "kho_init_late",
	[PHASE_MM_CHECK]	  = "mm_check",
	[PHASE_SELFTEST]	  = "selftest",
	[PHASE_KHO_RESTORE]	  = "kho_restore",
	[PHASE_KHO_PRESERVE]	  = "kho_preserve",
	[PHASE_BG_FINISH]	  = "bg_finish",
	[PHASE_KEXEC]		  = "kexec",
};

static u64 begin_tsc[NR_BOOT_PHASES], end_tsc[NR_BOOT_PHASES];
static u64 mm_ready_tsc, boot_complete_tsc;
static bool emitted;

/* since_entry - @tsc in ns since kernel entry (0 for a stamp never taken). */
static u64 since_entry(u64 tsc)
{
	return tsc && tsc > tsc_boot ? tsc_to_ns(tsc - tsc_boot) : 0;
}

/* timeline_begin - see timeline.h. */
void timeline_begin(enum boot_phase phase)
{
	begin_tsc[phase] = rdtsc();
}

/* timeline_end - see timeline.h. */
void timeline_end(enum boot_phase phase)
{
	end_tsc[phase] = rdtsc();
}

/* timeline_mm_ready - see timeline.h. */
void timeline_mm_ready(void)
{
	mm_ready_tsc = rdtsc();
}

/* timeline_mm_ready_at - see timeline.h. */
void timeline_mm_ready_at(u64 tsc)
{
	mm_ready_tsc = tsc;
}

/* timeline_boot_complete - see timeline.h. */
void timeline_boot_complete(void)
{
	if (!boot_complete_tsc)
		boot_complete_tsc = rdtsc();
}

/* timeline_boot_ns - see timeline.h. */
u64 timeline_boot_ns(void)
{
	return since_entry(boot_complete_tsc);
}

/* timeline_mm_ready_ns - see timeline.h. */
u64 timeline_mm_ready_ns(void)
{
	return since_entry(mm_ready_tsc);
}

/* sort_by_start - @order: the phases by the time they began (insertion sort). */
static void sort_by_start(int order[NR_BOOT_PHASES])
{
	for (int i = 0; i < NR_BOOT_PHASES; i++) {
		int j = i;

		while (j > 0 && begin_tsc[order[j - 1]] > begin_tsc[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/* ms3 - @ns as whole milliseconds and the microseconds after the point. */
#define MS3(ns)	(unsigned long long)((ns) / 1000000), (unsigned long long)((ns) / 1000 % 1000)

/* timeline_emit - see timeline.h. */
void timeline_emit(const char *end)
{
	static char line[2048];
	u64 end_ns = since_entry(rdtsc());
	struct json_line j;

	if (emitted)
		return;
	emitted = true;
	json_begin_buf(&j, "timeline", line, sizeof(line));
	json_u64(&j, "gen", kholab_generation);
	json_u64(&j, "tsc_khz", tsc_khz);
	json_u64(&j, "entry_tsc", tsc_boot);
	json_array_begin(&j, "phases");
	for (int k = 0, order[NR_BOOT_PHASES]; k < NR_BOOT_PHASES; k++) {
		int p;
		u64 s, e;

		if (!k)
			sort_by_start(order);
		p = order[k];
		s = since_entry(begin_tsc[p]);
		e = since_entry(end_tsc[p]);

		if (!begin_tsc[p] || end_tsc[p] < begin_tsc[p])
			continue;	/* did not run (or never ended: a failure) */
		pr_info("%-17s %6llu.%03llu ms .. %6llu.%03llu ms  (%llu.%03llu ms)\n", phase_names[p],
			MS3(s), MS3(e), MS3(e - s));
		json_object_begin(&j, NULL);
		json_str(&j, "name", phase_names[p]);
		json_u64(&j, "start_ns", s);
		json_u64(&j, "end_ns", e);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "boot_ns", timeline_boot_ns());
	json_u64(&j, "mm_ready_ns", timeline_mm_ready_ns());
	json_u64(&j, "end_ns", end_ns);
	json_str(&j, "end", end);
	json_end(&j);
	pr_info("boot complete at %llu.%03llu ms, memory ready (all RAM in buddy) at %llu.%03llu ms, generation ends (%s) at %llu.%03llu ms after kernel entry\n",
		MS3(timeline_boot_ns()), MS3(timeline_mm_ready_ns()), end, MS3(end_ns));
}
