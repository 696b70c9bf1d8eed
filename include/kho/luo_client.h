/*
 * kho/luo_client.h - kholab's LUO client: the kho.luo= and
 * kho.luo_corrupt= switches and what a generation does with LUO.
 *
 * DOC: kho.luo=
 *
 * relay (the default): check an incoming "LUO" node and hand every
 * session it accepted on to the next kernel, each object at the same
 * (pfn, order).  make: also create the LUO test set
 * (include/kholab/luo_spec.h) in generation 0, as a Linux's stage 1
 * would.  off: ignore LUO (what arrives is not handed on).
 * kho.luo_verify=1 (implied by make) also checks the sessions named like
 * the test set's against it, byte for byte; without it a session is only
 * checked for its structure, whatever its name.
 * kho.luo_corrupt=KIND damages the set generation 0 makes, in one of
 * LUO_CORRUPT_NR ways; the next kholab must refuse exactly that
 * (docs/interop.md, "LUO").
 */
#ifndef KHO_LUO_CLIENT_H
#define KHO_LUO_CLIENT_H

#include <kho/luo.h>

enum luo_mode { LUO_MODE_RELAY, LUO_MODE_MAKE, LUO_MODE_OFF };

enum luo_corrupt_kind {
	LUO_CORRUPT_NONE,
	LUO_CORRUPT_COMPAT,		/* luo_ser says "luo-v4": all of LUO refused */
	LUO_CORRUPT_COUNT,		/* the session block claims 52 entries: all refused */
	LUO_CORRUPT_CYCLE,		/* luo-b's file block points at itself */
	LUO_CORRUPT_FILE_COUNT,		/* luo-b's file_count one more than its files */
	LUO_CORRUPT_FOLIO_UNPRESERVED,	/* a folio of luo-b's sealed memfd is not preserved */
	LUO_CORRUPT_FOLIO_SMALL,	/* luo-a's 2 MiB folio preserved at order 8 */
	LUO_CORRUPT_FOLIO_LARGE,	/* luo-b's first 4 KiB folio preserved at order 1 */
	LUO_CORRUPT_SER_OUTSIDE,	/* luo-a's 4 KiB memfd: its memfd_luo_ser not preserved */
	LUO_CORRUPT_FILE_COMPAT,	/* luo-b's 64 MiB memfd has handler "memfd-v9" */
	LUO_CORRUPT_NR
};

struct luo_config {
	int mode;			/* enum luo_mode (kho.luo=) */
	bool verify;			/* kho.luo_verify=1: check the test set's bytes (implied by make) */
	int corrupt;			/* enum luo_corrupt_kind (kho.luo_corrupt=) */
};

extern struct luo_config luo_cfg;
extern const char *const luo_mode_names[];	/* NULL-terminated, for init/params.c */
extern const char *const luo_corrupt_names[];	/* NULL-terminated */

/* struct luo_result - what a generation's receive found, for the log and the results. */
struct luo_result {
	bool found;			/* a "LUO" node arrived */
	bool top_refused;		/* all of it refused */
	u64 sessions, refused;		/* sessions in the chain; sessions refused */
	struct luo_counts accepted;	/* what the accepted sessions hold */
	u64 verified_memfds, verified_bytes;	/* memfds of the test set checked byte for byte */
	u64 check_ns;			/* checking and verifying, in all */
	struct luo_fault fault;		/* the first refusal (err 0: none) */
	char fault_session[LUO_NAME_LEN];	/* its session ("" for the top) */
};

/*
 * luo_receive - check the incoming LUO (if any), verify the memfds of the
 * test set, log one line per session and record what the next kernel is
 * handed (luo_send()).  Emits the "luo" results event.
 *
 * Return: 0, or -EINVAL when something was refused (@r says what).
 */
int luo_receive(u64 gen, struct luo_result *r);

/*
 * luo_send - before the kexec: hand on the sessions luo_receive()
 * accepted, and with kho.luo=make in generation 0 create the test set
 * (damaged as kho.luo_corrupt= says).
 *
 * Return: 0 or a negative errno (nothing usable was handed over then).
 */
int luo_send(u64 gen);

/* luo_corrupt_expected - the refusal kho.luo_corrupt= must cause (LUO_OK: none). */
int luo_corrupt_expected(void);

/* luo_corrupt_drops - what a relay drops for kho.luo_corrupt=: a session name, or "all". */
const char *luo_corrupt_drops(void);

/* ---- between kho/luo.c, kho/luo_relay.c and kho/luo_make.c ---- */

/* luo_kernel_mem - the luo_mem over this kernel's RAM and the incoming KHO blocks. */
extern const struct luo_mem luo_kernel_mem;

/* luo_relay_note - remember the incoming LUO and which sessions to hand on. */
void luo_relay_note(const struct luo_top *t, const u8 *refused, u64 nr);

/* luo_relay_send - hand on what luo_relay_note() kept; 0 or -errno. */
int luo_relay_send(u64 gen);

/* luo_relay_active - whether an incoming LUO is being handed on. */
bool luo_relay_active(void);

/*
 * luo_new_page - a zeroed page of kholab's own, preserved at order 0 if
 * @preserve; NULL when out of memory.
 */
void *luo_new_page(bool preserve);

/* luo_make_send - kho.luo=make: create, preserve and add the test set; 0 or -errno. */
int luo_make_send(u64 gen);

#endif /* KHO_LUO_CLIENT_H */
