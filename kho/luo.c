/*
 * kho/luo.c - a generation meets an incoming LUO: check it, verify the
 * memfds of the test set, decide what is handed on, report.
 *
 * DOC: receiving LUO
 *
 * luo_receive() runs at the end of a generation, before anything is
 * preserved for the next one, over memory that is still KHO's (the
 * incoming blocks stay reserved until an owner restores them).  Three
 * passes, each over what the one before accepted:
 *
 *   1. the top level (luo_parse_top()); a fault there refuses all of LUO;
 *   2. each session (luo_check_session()), claiming every block it uses:
 *      a block claimed twice is refused as shared.  A fault refuses that
 *      session only;
 *   3. each memfd of a session of the test set (include/kholab/luo_spec.h)
 *      against its spec: size, seals, position and every byte.
 *
 * Why a relay drops instead of passing on: a Linux panics at boot on a
 * "LUO" node it cannot read and trusts the tree's orders blindly, so
 * what kholab cannot vouch for must not reach it.  Dropping one session
 * keeps the others (a hypervisor keeps every guest but the damaged one);
 * a fault above the sessions leaves nothing to keep.
 */
#define pr_fmt(fmt) "LUO: " fmt

#include <kho/luo_client.h>
#include <kho/kho.h>
#include <kho/kho_internal.h>
#include <kholab/kho_abi.h>
#include <kholab/luo_spec.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/json.h>
#include <kernel/tsc.h>
#include <errno.h>
#include <string.h>
#include <stdio.h>

struct luo_config luo_cfg;

#define REFUSALS_LOGGED	16

const char *const luo_mode_names[] = { "relay", "make", "off", NULL };

const char *const luo_corrupt_names[] = {
	"none", "compat", "count", "cycle", "file_count", "folio_unpreserved", "folio_small",
	"folio_large", "ser_outside", "file_compat", NULL
};

/* what each kho.luo_corrupt= kind must be refused as, and what a relay then drops */
static const struct {
	int err;
	const char *drops;
} corrupt_outcome[LUO_CORRUPT_NR] = {
	[LUO_CORRUPT_NONE] = { LUO_OK, "" },
	[LUO_CORRUPT_COMPAT] = { LUO_E_COMPAT, "all" },
	[LUO_CORRUPT_COUNT] = { LUO_E_COUNT, "all" },
	[LUO_CORRUPT_CYCLE] = { LUO_E_CYCLE, "luo-b" },
	[LUO_CORRUPT_FILE_COUNT] = { LUO_E_FILE_COUNT, "luo-b" },
	[LUO_CORRUPT_FOLIO_UNPRESERVED] = { LUO_E_FOLIO_UNPRESERVED, "luo-b" },
	[LUO_CORRUPT_FOLIO_SMALL] = { LUO_E_FOLIO_SMALL, "luo-a" },
	[LUO_CORRUPT_FOLIO_LARGE] = { LUO_E_FOLIO_LARGE, "luo-b" },
	[LUO_CORRUPT_SER_OUTSIDE] = { LUO_E_SER_OUTSIDE, "luo-a" },
	[LUO_CORRUPT_FILE_COMPAT] = { LUO_E_FILE_COMPAT, "luo-b" },
};

/* luo_corrupt_expected - see luo_client.h. */
int luo_corrupt_expected(void)
{
	return corrupt_outcome[luo_cfg.corrupt].err;
}

/* luo_corrupt_drops - see luo_client.h. */
const char *luo_corrupt_drops(void)
{
	return corrupt_outcome[luo_cfg.corrupt].drops;
}

/* ---- memory: RAM through the direct map, blocks from the incoming table ---- */

/* block_index - the incoming block that holds @pa, or -1. */
static long block_index(u64 pa)
{
	return kho_block_of(PHYS_PFN(pa));
}

static const void *kmem_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (len == 0 || pa + len < pa || !memblock_is_region_memory(pa, len))
		return NULL;
	return __va(pa);
}

static int kmem_block(void *ctx, u64 pa, u64 *head, unsigned int *order)
{
	u64 n;
	const struct kho_block *b = kho_received_blocks(&n);
	long i = block_index(pa);

	(void)ctx;
	if (i < 0)
		return -ENOENT;
	*head = b[i].phys;
	*order = (unsigned int)__builtin_ctzll(b[i].size >> PAGE_SHIFT);
	return 0;
}

const struct luo_mem luo_kernel_mem = { kmem_map, kmem_block, NULL };

/*
 * claim - pass 2's object(): each incoming block belongs to one LUO object
 * at most, and to none that another owner (a test client, the handed-over
 * memmap) took already.  A refused session keeps its claims, so a block
 * it shared with a later session makes that one refused too.
 */
static int claim(void *arg, enum luo_obj kind, u64 pa, unsigned int order)
{
	u64 n;
	struct kho_block *b = kho_received_blocks(&n);
	long i = block_index(pa);

	(void)arg, (void)kind, (void)order;
	if (i < 0)
		return -ENOENT;
	if (b[i].luo || b[i].restored || b[i].memmap_backing)	/* another owner's already */
		return -EEXIST;
	b[i].luo = true;
	return 0;
}

/* ---- pass 3: the test set ---- */

/* verifying - whether sessions named like the test set's are checked against it. */
static bool verifying(void)
{
	return luo_cfg.verify || luo_cfg.mode == LUO_MODE_MAKE;
}

struct verify {
	const struct luo_spec_memfd *spec;
	struct luo_result *r;
	struct luo_fault *f;
};

/* verify_folio - every byte of the folio that lies inside the file is what the spec says. */
static int verify_folio(void *arg, const struct luo_memfd_view *m, u64 pa, u64 index, unsigned int order)
{
	struct verify *v = arg;
	const u64 *w = __va(pa);
	u64 off = index << PAGE_SHIFT, end = off + (PAGE_SIZE << order);

	if (end > v->spec->size)
		end = v->spec->size;
	for (u64 o = off; o < end; o += 8, w++)
		if (*w != luo_spec_word(v->spec, o))
			return luo_fail(v->f, LUO_E_CONTENT, pa + (o - off),
					"memfd 0x%llx of \"%s\": byte %llu holds 0x%016llx, the pattern says 0x%016llx",
					(unsigned long long)m->token, m->session, (unsigned long long)o,
					(unsigned long long)*w, (unsigned long long)luo_spec_word(v->spec, o));
	v->r->verified_bytes += end > off ? end - off : 0;
	return 0;
}

/* verify_file - one memfd of a test-set session: its metadata, then its bytes. */
static int verify_file(const struct luo_session_ser *s, const struct luo_file_ser *fl,
		       struct luo_result *r, struct luo_fault *f)
{
	const struct luo_spec_memfd *spec = luo_spec_find(s->name, fl->token);
	const struct memfd_luo_ser *ser = __va(fl->data);
	struct verify v = { spec, r, f };
	struct luo_walk_ops ops = { .folio = verify_folio, .arg = &v };

	if (!spec)
		return luo_fail(f, LUO_E_CONTENT, fl->data, "session \"%s\" of the test set has a token 0x%llx it should not have",
				s->name, (unsigned long long)fl->token);
	if (ser->size != spec->size || ser->seals != spec->seals || ser->pos != luo_spec_pos(spec))
		return luo_fail(f, LUO_E_CONTENT, fl->data,
				"memfd 0x%llx of \"%s\": size %llu, seals 0x%x, pos %llu; the test set says %llu, 0x%x, %llu",
				(unsigned long long)fl->token, s->name, (unsigned long long)ser->size, ser->seals,
				(unsigned long long)ser->pos, (unsigned long long)spec->size, spec->seals,
				(unsigned long long)luo_spec_pos(spec));
	u64 before = r->verified_bytes;

	if (luo_check_memfd(&luo_kernel_mem, s->name, fl, &ops, NULL, f))
		return -EINVAL;
	r->verified_memfds++;
	pr_info("memfd 0x%llx of \"%s\": %llu bytes, %llu folios, seals 0x%x, pos %llu, every byte as the test set says\n",
		(unsigned long long)fl->token, s->name, (unsigned long long)(r->verified_bytes - before),
		(unsigned long long)ser->nr_folios, ser->seals, (unsigned long long)ser->pos);
	return 0;
}

/*
 * verify_session - a session named like one of the test set holds exactly
 * its memfds, intact (@ours: it is one of them).
 */
static int verify_session(const struct luo_session_ser *s, struct luo_result *r, struct luo_fault *f,
			  bool *ours)
{
	const struct kho_block_header_ser *b = s->files ? __va(s->files) : NULL;
	u64 want = 0, seen = 0;

	for (u32 i = 0; i < LUO_SPEC_MEMFDS; i++)
		if (!strcmp(luo_spec_session_names[luo_spec_memfds[i].session], s->name))
			want++;
	*ours = want > 0;
	if (!want)
		return 0;			/* not ours: the structure was all there is to check */
	for (; b; b = b->next ? __va(b->next) : NULL)
		for (u64 i = 0; i < b->count; i++, seen++)
			if (verify_file(s, (const struct luo_file_ser *)(b + 1) + i, r, f))
				return -EINVAL;
	if (seen != want)
		return luo_fail(f, LUO_E_CONTENT, s->files, "session \"%s\" of the test set has %llu memfds, not %llu",
				s->name, (unsigned long long)seen, (unsigned long long)want);
	return 0;
}

/* ---- the receive ---- */

/* refuse - log a refusal (the first REFUSALS_LOGGED of them) and keep the first one in @r. */
static void refuse(struct luo_result *r, const struct luo_fault *f, const char *session)
{
	if (session && r->refused > REFUSALS_LOGGED)
		return;
	if (session && r->refused == REFUSALS_LOGGED)
		pr_err("more than %d sessions refused; the rest are only counted\n", REFUSALS_LOGGED);
	else if (session)
		pr_err("refused session \"%s\" (%s): %s; that session is not handed on, the others are\n",
		       session, luo_err_names[f->err], f->why);
	else
		pr_err("refused all of LUO (%s): %s; no session is handed on\n", luo_err_names[f->err], f->why);
	if (r->fault.err == LUO_OK) {
		r->fault = *f;
		snprintf(r->fault_session, sizeof(r->fault_session), "%s", session ? session : "");
	}
}

/* emit - the "luo" results event. */
static void emit(u64 gen, const struct luo_result *r)
{
	struct json_line j;

	json_begin(&j, "luo");
	json_u64(&j, "gen", gen);
	json_bool(&j, "found", r->found);
	json_bool(&j, "top_refused", r->top_refused);
	json_str(&j, "mode", luo_mode_names[luo_cfg.mode]);
	json_u64(&j, "sessions", r->sessions);
	json_u64(&j, "refused", r->top_refused ? r->sessions : r->refused);
	json_u64(&j, "files", r->accepted.files);
	json_u64(&j, "folios", r->accepted.folios);
	json_u64(&j, "folio_bytes", r->accepted.folio_bytes);
	json_u64(&j, "objects", r->accepted.objects);
	json_u64(&j, "verified_memfds", r->verified_memfds);
	json_u64(&j, "verified_bytes", r->verified_bytes);
	json_u64(&j, "check_ns", r->check_ns);
	json_str(&j, "fault", luo_err_names[r->fault.err]);
	if (r->fault.err != LUO_OK) {
		json_str(&j, "fault_session", r->top_refused ? "*" : r->fault_session);
		json_str(&j, "why", r->fault.why);
	}
	json_end(&j);
}

/* check_sessions - passes 2 and 3 over every session; @refused[i] set for each refused. */
static void check_sessions(const struct luo_top *t, u8 *refused, struct luo_result *r)
{
	struct luo_session_it it;
	const struct luo_session_ser *s = luo_session_first(&it, &luo_kernel_mem, t);
	struct luo_walk_ops claim_ops = { .object = claim };
	struct luo_fault f = { 0 };

	for (u64 i = 0; s; i++, s = luo_session_next(&it)) {
		struct luo_counts c = { 0 };
		char name[LUO_NAME_LEN];
		bool ours = false;

		snprintf(name, sizeof(name), "%.*s", LUO_NAME_LEN - 1, s->name);
		if (luo_check_session(&luo_kernel_mem, t, s, i, &claim_ops, &c, &f) ||
		    (verifying() && verify_session(s, r, &f, &ours))) {
			if (i < LUO_MAX_SESSIONS)
				refused[i] = 1;
			r->refused++;
			refuse(r, &f, name);
			continue;
		}
		pr_info("session \"%s\": %llu memfds, %llu folios (%llu KiB), every object in the KHO tree at the order Linux needs%s\n",
			name, (unsigned long long)c.memfds, (unsigned long long)c.folios,
			(unsigned long long)(c.folio_bytes >> 10),
			ours ? "; contents, sizes, seals and positions as the test set says" : "");
		r->accepted.sessions += c.sessions;
		r->accepted.files += c.files;
		r->accepted.memfds += c.memfds;
		r->accepted.folios += c.folios;
		r->accepted.folio_bytes += c.folio_bytes;
		r->accepted.objects += c.objects;
		r->accepted.object_bytes += c.object_bytes;
	}
}

/* luo_receive - see luo_client.h. */
int luo_receive(u64 gen, struct luo_result *r)
{
	static u8 refused[LUO_MAX_SESSIONS];
	struct luo_top t;
	struct luo_fault f = { 0 };
	u64 pa, size, t0 = ktime_ns();

	memset(r, 0, sizeof(*r));
	memset(refused, 0, sizeof(refused));
	luo_relay_note(NULL, NULL, 0);
	if (kho_retrieve_subtree(LUO_NODE_NAME, &pa, &size))
		return 0;
	r->found = true;
	if (luo_cfg.mode == LUO_MODE_OFF) {
		pr_warn("generation %llu: a \"LUO\" node arrived, but kho.luo=off: it is neither checked nor handed on\n",
			(unsigned long long)gen);
		emit(gen, r);
		return 0;
	}
	if (luo_parse_top(&luo_kernel_mem, pa, size, &t, &f)) {
		r->top_refused = true;
		refuse(r, &f, NULL);
	} else {
		r->sessions = t.nr_sessions;
		if (!luo_walk_top(&luo_kernel_mem, &t, &(struct luo_walk_ops){ .object = claim }, &f)) {
			check_sessions(&t, refused, r);
			luo_relay_note(&t, refused, t.nr_sessions);
		} else {
			r->top_refused = true;
			refuse(r, &f, NULL);
		}
	}
	r->check_ns = ktime_ns() - t0;
	if (r->top_refused)
		pr_info("generation %llu: all of the LUO that arrived was refused; no \"LUO\" node goes on\n",
			(unsigned long long)gen);
	else
		pr_info("generation %llu: %llu sessions arrived (liveupdate %llu), %llu refused; %llu memfds, %llu folios, %llu MiB accepted, %llu memfds (%llu MiB) verified byte for byte in %llu ms\n",
			(unsigned long long)gen, (unsigned long long)r->sessions,
			(unsigned long long)t.ser->liveupdate_num, (unsigned long long)r->refused,
			(unsigned long long)r->accepted.memfds, (unsigned long long)r->accepted.folios,
			(unsigned long long)(r->accepted.folio_bytes >> 20), (unsigned long long)r->verified_memfds,
			(unsigned long long)(r->verified_bytes >> 20), (unsigned long long)(r->check_ns / 1000000));
	emit(gen, r);
	return r->fault.err == LUO_OK ? 0 : -EINVAL;
}

/* luo_send - see luo_client.h. */
int luo_send(u64 gen)
{
	int err;

	if (luo_cfg.mode == LUO_MODE_OFF)
		return 0;
	if ((luo_relay_active() || (luo_cfg.mode == LUO_MODE_MAKE && gen == 0)) &&
	    strcmp(kho_abi_send()->compatible, KHO_V4_COMPATIBLE)) {
		pr_err("generation %llu writes %s, which cannot carry a \"LUO\" blob (only kho-v4 records blob sizes); LUO is not handed on and the kexec is off\n",
		       (unsigned long long)gen, kho_abi_send()->compatible);
		return -EINVAL;
	}
	err = luo_relay_send(gen);
	if (!err && luo_cfg.mode == LUO_MODE_MAKE && gen == 0)
		err = luo_make_send(gen);
	return err;
}
