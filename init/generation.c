/*
 * init/generation.c - the end of a generation: the KHO test clients
 * verify what they were handed, then the run either finishes or preserves
 * a new set and kexecs into the next generation.
 *
 * DOC: the end of a generation
 *
 * generation_end() drives the run; it is not part of KHO.  It plugs the
 * test machinery into the KHO core (kho_set_hooks(&kho_test_hooks), so
 * that kho.corrupt= and kho.dump=1 act on the handoff), lets the test
 * clients restore and verify (kho/test/test.c, kho/test/test_linux.c),
 * gives the verdict on a handoff that was refused or damaged on purpose,
 * and while generations remain has the clients preserve a new set, asks
 * KHO to finalize the handoff (kho/handover.c) and kexecs
 * (init/kexec.c, or init/kexec_linux.c for kexec.next=linux).
 */
#define pr_fmt(fmt) "kholab: " fmt

#include <init/generation.h>
#include <init/params.h>
#include <init/kexec.h>
#include <init/mm_boot.h>
#include <kernel/exit.h>
#include <kernel/timeline.h>
#include <kernel/printk.h>
#include <kho/kho_boot.h>
#include <kho/kho.h>
#include <kho/kho_hooks.h>
#include <kho/kho_test.h>
#include <kho/kho_corrupt.h>
#include <kho/kho_memmap.h>
#include <kho/luo_client.h>
#include <kholab/luo_spec.h>
#include <stdio.h>
#include <string.h>

/* luo_count_memfds - memfds of the test set in session @name ("all": every one). */
static u64 luo_count_memfds(const char *name)
{
	u64 n = 0;

	for (u32 i = 0; i < LUO_SPEC_MEMFDS; i++)
		if (!strcmp(name, "all") || !strcmp(name, luo_spec_session_names[luo_spec_memfds[i].session]))
			n++;
	return n;
}

/*
 * luo_verdict - check the incoming LUO (kho/luo.c) and end the run if it
 * is not what this run expects: nothing refused, except in generation 1
 * of a kho.luo_corrupt= run, which must refuse exactly the damage
 * generation 0 made; with kho.luo=make every memfd of the test set that
 * was not dropped must have arrived intact.
 */
static void luo_verdict(u64 gen)
{
	struct luo_result r;
	const char *drops = luo_corrupt_drops();
	bool damaged = luo_cfg.corrupt != LUO_CORRUPT_NONE && gen == 1;
	u64 want;
	char why[320];
	int err = luo_receive(gen, &r);

	if (damaged) {
		bool as_planned = r.fault.err == luo_corrupt_expected() &&
			(!strcmp(drops, "all") ? r.top_refused : !r.top_refused && r.refused == 1 &&
			 !strcmp(r.fault_session, drops));

		if (!as_planned) {
			snprintf(why, sizeof(why), "kho.luo_corrupt=%s: generation 1 should refuse %s as %s, but %s%s%s",
				 luo_corrupt_names[luo_cfg.corrupt], strcmp(drops, "all") ? drops : "all of LUO",
				 luo_err_names[luo_corrupt_expected()],
				 r.fault.err ? "refused " : "refused nothing", r.fault.err ? luo_err_names[r.fault.err] : "",
				 r.fault.err ? (r.top_refused ? " (all of LUO)" : " (one session)") : "");
			kernel_exit(false, why);
		}
		pr_info("LUO: kho.luo_corrupt=%s refused as it must be (%s); %s dropped, the rest handed on\n",
			luo_corrupt_names[luo_cfg.corrupt], luo_err_names[r.fault.err],
			strcmp(drops, "all") ? drops : "all of LUO");
	} else if (err) {
		snprintf(why, sizeof(why), "LUO: generation %llu refused %s (%s): %s",
			 (unsigned long long)gen, r.top_refused ? "all of LUO" : r.fault_session,
			 luo_err_names[r.fault.err], r.fault.why);
		kernel_exit(false, why);
	}
	if (luo_cfg.mode != LUO_MODE_MAKE || gen == 0)
		return;
	want = luo_count_memfds("all");
	if (luo_cfg.corrupt != LUO_CORRUPT_NONE)
		want -= luo_count_memfds(drops);
	if (r.verified_memfds != want) {
		snprintf(why, sizeof(why), "kho.luo=make: generation %llu verified %llu memfds of the test set, not %llu%s",
			 (unsigned long long)gen, (unsigned long long)r.verified_memfds, (unsigned long long)want,
			 r.found ? "" : " (no \"LUO\" node arrived)");
		kernel_exit(false, why);
	}
}

/* generation_end - see generation.h. */
void generation_end(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		    u32 map_count)
{
	struct kho_test_result r;
	u64 fdt_phys;
	char why[192];
	bool from_kholab;
	int err;

	if (!kho_cfg.enabled) {
		if (kparams.gens > 1)
			pr_warn("gens=%llu needs kho=on; stopping after generation %llu\n",
				(unsigned long long)kparams.gens, (unsigned long long)bi->generation);
		return;
	}
	kho_set_hooks(&kho_test_hooks);			/* kho/test/hooks.c: corrupt, dump */
	timeline_begin(PHASE_KHO_RESTORE);
	err = kho_test_restore(bi->generation, &r);	/* kho/test/test.c */
	timeline_end(PHASE_KHO_RESTORE);
	if (err) {
		snprintf(why, sizeof(why), "KHO restore failed in generation %llu: %llu lost, %llu mismatched, %llu of %llu restored; test_kho %u of %u, checksum %s",
			 (unsigned long long)bi->generation, (unsigned long long)r.lost,
			 (unsigned long long)r.mismatches, (unsigned long long)r.restored,
			 (unsigned long long)r.folios, r.linux.restored, r.linux.nr_folios,
			 !r.linux.found ? "not sent" : r.linux.ok ? "ok" : "wrong");
		kernel_exit(false, why);
	}
	if (kho_corrupt_cfg.kind != KHO_CORRUPT_NONE && bi->generation > 0) {
		/* kho.corrupt=: this generation received a damaged handoff */
		mm_settle(false);			/* the run ends here: the memory checks first */
		if (kho_corrupt_cfg.kind == KHO_CORRUPT_MEMMAP && kho_is_revived())
			kernel_exit(kho_memmap_stats.fallbacks > 0, kho_memmap_stats.fallbacks ?
				    "kho.corrupt=memmap: the damaged struct page was found, its block initialised instead, every folio restored" :
				    "kho.corrupt=memmap was not detected: a damaged struct page was adopted");
		if (!kho_is_revived()) {
			snprintf(why, sizeof(why), "kho.corrupt=%s: handoff rejected (%s), booted cold",
				 kho_corrupt_names[kho_corrupt_cfg.kind],
				 kho_rejected_reason() ? kho_rejected_reason() : "no handoff");
			kernel_exit(true, why);
		}
		if (kho_corrupt_cfg.kind != KHO_CORRUPT_BITFLIP) {
			snprintf(why, sizeof(why), "kho.corrupt=%s was not detected: the handoff was accepted",
				 kho_corrupt_names[kho_corrupt_cfg.kind]);
			kernel_exit(false, why);
		}
		kernel_exit(true, "kho.corrupt=bitflip: the flips were harmless and every preserved byte verified");
	}
	luo_verdict(bi->generation);
	from_kholab = (bi->flags & (KHOLAB_BI_FLAG_KEXEC | KHOLAB_BI_FLAG_BZIMAGE)) == KHOLAB_BI_FLAG_KEXEC;
	if (kho_rejected_reason() && (kho_handoff_refused() || from_kholab)) {
		/*
		 * A handoff came and was refused, or our own previous
		 * generation sent none, and nothing was damaged on purpose:
		 * everything preserved is lost, a bug in one of the two
		 * kernels.  (A Linux sender - the bzImage door - may send no
		 * record at all, with kho=off; that boots cold.)
		 */
		if (from_kholab)
			snprintf(why, sizeof(why), "generation %llu refused the handoff of generation %llu (%s); everything it preserved is lost",
				 (unsigned long long)bi->generation, (unsigned long long)bi->generation - 1,
				 kho_rejected_reason());
		else
			snprintf(why, sizeof(why), "refused the handoff Linux sent (%s); everything it preserved is lost",
				 kho_rejected_reason());
		kernel_exit(false, why);
	}
	if (bi->generation + 1 >= kparams.gens)
		return;
	timeline_begin(PHASE_KHO_PRESERVE);
	err = kho_test_preserve(bi->generation);
	err = err ?: luo_send(bi->generation);		/* kho/luo.c: relay, or make the test set */
	if (kho_cfg.memmap == KHO_MEMMAP_HANDOVER && kparams.kexec_next != KEXEC_NEXT_LINUX)
		err = err ?: kho_memmap_send();		/* kho/memmap_handover.c: the memmap goes too */
	err = err ?: kho_finalize(&fdt_phys);		/* kho/handover.c: the wire format */
	timeline_end(PHASE_KHO_PRESERVE);
	mm_settle(true);			/* background init stops; accounting checked */
	if (!err && kho_cfg.test_busy)
		kho_test_make_busy();			/* the kexec must wait for them */
	timeline_begin(PHASE_KEXEC);			/* ends in kexec_jump() */
	if (kparams.kexec_next == KEXEC_NEXT_LINUX && bi->generation + 2 == kparams.gens)
		err = err ?: kexec_linux(bi, map, map_count, fdt_phys);	/* init/kexec_linux.c */
	else
		err = err ?: kexec_self(bi, map, map_count, fdt_phys);	/* init/kexec.c */
	panic("generation %llu could not hand over to the next one (%d)",
	      (unsigned long long)bi->generation, err);
}

