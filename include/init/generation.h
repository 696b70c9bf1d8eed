/*
 * init/generation.h - the end of a generation (init/generation.c):
 * the KHO test clients verify what they were handed, then the run either
 * finishes or hands over to the next generation through kexec.
 *
 * DOC: generations
 *
 * A run of gens=N boots N generations: generation 0 through a front
 * door, each later one kexec'ed by the one before with a KHO handoff.
 * start_kernel() ends every generation with generation_end().
 */
#ifndef INIT_GENERATION_H
#define INIT_GENERATION_H

#include <kholab/bootinfo.h>

/*
 * generation_end - the end of a generation: the KHO test clients restore
 * and verify what the previous generation preserved, the verdict on a
 * handoff that was refused or damaged on purpose (kho.corrupt=), then,
 * while generations remain (gens=N), preserve a new set, finalize the
 * handoff and kexec into the next.
 * @bi: this generation's boot info; @map, @map_count: its sanitized map
 *
 * Returns only when this generation is the last and everything verified;
 * a failed verification ends the run with a fail verdict.
 */
void generation_end(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		    u32 map_count);

#endif /* INIT_GENERATION_H */
