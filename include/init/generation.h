/*
 * init/generation.h - the end of a generation (init/generation.c):
 * the KHO test client verifies what it was handed, then the run either
 * finishes or hands over to the next generation through kexec.
 */
#ifndef INIT_GENERATION_H
#define INIT_GENERATION_H

#include <kholab/bootinfo.h>

/*
 * kho_generation - the KHO test client's turn: restore and verify what the
 * previous generation preserved, then, while generations remain (gens=N),
 * preserve a new set, finalize the handoff and kexec into the next.
 * @bi: this generation's boot info; @map, @map_count: its sanitized map
 *
 * Returns only when this generation is the last and everything verified;
 * a failed verification ends the run with a fail verdict.
 */
void kho_generation(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		    u32 map_count);

#endif /* INIT_GENERATION_H */
