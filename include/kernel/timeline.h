/*
 * kernel/timeline.h - when each boot phase ran, from kernel entry.
 *
 * DOC: boot timeline
 *
 * start_kernel() brackets each step of its init list with
 * timeline_begin()/timeline_end().  Times are TSC readings turned into
 * nanoseconds since the first instruction of kernel/entry.asm (tsc_boot),
 * so every figure of a generation is on one clock that starts at that
 * kernel's own entry.  Three points are not phases: boot complete (the
 * init list is done and the generation's work may start: boot_ns),
 * mm_ready (all RAM is in buddy, which memmap_init=background reaches
 * after boot complete) and the end of the generation (the verdict, or the
 * jump to the next one: end_ns).  timeline_emit() logs the lot and writes the "timeline"
 * results event (docs/results.md), once per generation.
 */
#ifndef KERNEL_TIMELINE_H
#define KERNEL_TIMELINE_H

#include <kholab/types.h>

/* The phases, in boot order; names in timeline.c and docs/results.md. */
enum boot_phase {
	PHASE_TSC_CALIBRATE,
	PHASE_MEMBLOCK,
	PHASE_PAGING_INIT,
	PHASE_SPARSE_INIT,
	PHASE_MEMMAP_EARLY,
	PHASE_KHO_SCRATCH,
	PHASE_KHO_DESERIALIZE,
	PHASE_MEMBLOCK_FREE_ALL,
	PHASE_SMP_INIT,
	PHASE_DEFERRED_INIT,
	PHASE_KHO_INIT_LATE,
	PHASE_MM_CHECK,
	PHASE_SELFTEST,
	PHASE_KHO_RESTORE,
	PHASE_KHO_PRESERVE,
	PHASE_BG_FINISH,
	PHASE_KEXEC,
	NR_BOOT_PHASES
};

/* timeline_begin, timeline_end - stamp the start or the end of @phase now. */
void timeline_begin(enum boot_phase phase);
void timeline_end(enum boot_phase phase);

/* timeline_mm_ready - stamp "all RAM is in the buddy allocator" now. */
void timeline_mm_ready(void);

/* timeline_mm_ready_at - the same stamp, taken earlier (a TSC reading). */
void timeline_mm_ready_at(u64 tsc);

/* timeline_boot_complete - stamp "boot complete" now (once; later calls do nothing). */
void timeline_boot_complete(void);

/* timeline_boot_ns - that stamp in ns since entry; 0 before it. */
u64 timeline_boot_ns(void);

/* timeline_mm_ready_ns - that stamp in ns since entry; 0 before it. */
u64 timeline_mm_ready_ns(void);

/**
 * timeline_emit - stamp the end of the generation now, log every phase and
 * write the "timeline" results event.  @end says how the generation ends:
 * "exit" (a verdict) or "kexec" (a jump to the next kernel).  Only the
 * first call does anything, so an exit on the way out of a kexec that
 * failed reports the timeline once.
 */
void timeline_emit(const char *end);

#endif /* KERNEL_TIMELINE_H */
