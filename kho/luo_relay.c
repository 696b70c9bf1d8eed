/*
 * kho/luo_relay.c - handing an incoming LUO on to the next kernel.
 *
 * DOC: relaying LUO
 *
 * A Linux hands on only the sessions its own userspace created; kholab
 * hands on what arrived.  Every object of an accepted session - file
 * blocks, memfd_luo_ser pages, folio-array chunks and pages, folios - is
 * taken back (kho_restore_folio()) and preserved again at the same
 * (pfn, order), so the next kernel finds exactly what the previous one
 * left, and nothing of kholab's own ever lies on a preserved page (all
 * kholab allocates comes from buddy, which never held them).
 *
 * When every session was accepted, luo_ser, the session blocks and the
 * FLB page go on too, unchanged, and the "LUO" node points where it
 * pointed.  When some were refused, kholab writes a new luo_ser and a new
 * session chain (its own pages) listing the sessions that remain; the
 * old luo_ser and session blocks stay behind.  When all of LUO was
 * refused there is no "LUO" node at all: a Linux without one boots with
 * no incoming session, where one it cannot read would panic it.
 */
#define pr_fmt(fmt) "LUO: " fmt

#include <kho/luo_client.h>
#include <kho/kho.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <errno.h>
#include <string.h>

static struct {
	bool have;
	struct luo_top top;
	const u8 *refused;		/* [session index < LUO_MAX_SESSIONS]: 1 = not handed on */
	u64 nr, nr_refused;
} relay;

/* luo_relay_note - see luo_client.h. */
void luo_relay_note(const struct luo_top *t, const u8 *refused, u64 nr)
{
	relay.have = t != NULL;
	if (!t)
		return;
	relay.top = *t;
	relay.refused = refused;
	relay.nr = nr;
	relay.nr_refused = nr > LUO_MAX_SESSIONS ? nr - LUO_MAX_SESSIONS : 0;
	for (u64 i = 0; i < nr && i < LUO_MAX_SESSIONS; i++)
		relay.nr_refused += refused[i];
}

/* is_refused - session @i is not handed on (past LUO_MAX_SESSIONS, none is). */
static bool is_refused(u64 i)
{
	return i >= LUO_MAX_SESSIONS || relay.refused[i];
}

/* luo_relay_active - see luo_client.h. */
bool luo_relay_active(void)
{
	return relay.have;
}

struct move_arg {
	bool keep_top;			/* luo_ser and the session blocks go on as they are */
	u64 moved, bytes;
};

/* move - an object's block: take it back, preserve it again at the same (pfn, order). */
static int move(void *arg, enum luo_obj kind, u64 pa, unsigned int order)
{
	struct move_arg *a = arg;
	struct page *p;
	int err;

	if (kind == LUO_OBJ_SESSION_BLOCK && !a->keep_top)
		return 0;			/* replaced by a new chain */
	p = kho_restore_folio(pa);
	if (!p) {
		pr_err("the block at 0x%llx (order %u) could not be taken back; LUO is not handed on\n",
		       (unsigned long long)pa, order);
		return -EIO;
	}
	if (kind == LUO_OBJ_SER)
		return 0;			/* kho_add_blob() preserves it */
	err = kho_preserve_folio(p, order);
	if (err) {
		pr_err("the block at 0x%llx (order %u) could not be preserved again (%d); LUO is not handed on\n",
		       (unsigned long long)pa, order, err);
		return err;
	}
	a->moved++;
	a->bytes += PAGE_SIZE << order;
	return 0;
}

/* luo_new_page - see luo_client.h. */
void *luo_new_page(bool preserve)
{
	struct page *p = kho_alloc_pages(0);

	if (!p)
		return NULL;
	memset(page_address(p), 0, PAGE_SIZE);
	if (preserve && kho_preserve_folio(p, 0)) {
		free_pages(p, 0);
		return NULL;
	}
	return page_address(p);
}

/*
 * write_ser - a new luo_ser listing only the sessions not refused, in new
 * session blocks; NULL when memory is out.
 */
static struct luo_ser *write_ser(void)
{
	struct luo_ser *ser = luo_new_page(false);	/* kho_add_blob() preserves it */
	struct kho_block_header_ser *blk = NULL;
	struct luo_session_it it;
	const struct luo_session_ser *s;
	u64 i = 0;

	if (!ser)
		return NULL;
	*ser = *relay.top.ser;
	ser->sessions_pa = 0;
	for (s = luo_session_first(&it, &luo_kernel_mem, &relay.top); s; s = luo_session_next(&it), i++) {
		if (is_refused(i))
			continue;
		if (!blk || blk->count == LUO_SESSIONS_PER_BLOCK) {
			struct kho_block_header_ser *nb = luo_new_page(true);

			if (!nb)
				return NULL;
			if (blk)
				blk->next = __pa(nb);
			else
				ser->sessions_pa = __pa(nb);
			blk = nb;
		}
		((struct luo_session_ser *)(blk + 1))[blk->count++] = *s;
	}
	return ser;
}

/* luo_relay_send - see luo_client.h. */
int luo_relay_send(u64 gen)
{
	struct move_arg a = { .keep_top = relay.nr_refused == 0 };
	struct luo_walk_ops ops = { .object = move, .arg = &a };
	struct luo_fault f = { 0 };
	struct luo_session_it it;
	const struct luo_session_ser *s;
	struct luo_ser *ser;
	u64 i = 0;
	int err;

	if (!relay.have)
		return 0;
	err = luo_walk_top(&luo_kernel_mem, &relay.top, &ops, &f);
	for (s = luo_session_first(&it, &luo_kernel_mem, &relay.top); s && !err; s = luo_session_next(&it), i++)
		if (!is_refused(i))
			err = luo_check_session(&luo_kernel_mem, &relay.top, s, i, &ops, NULL, &f);
	if (err) {
		pr_err("handing LUO on failed half-way (%d%s%s); no \"LUO\" node goes to the next kernel\n",
		       err, f.err ? ": " : "", f.err ? f.why : "");
		return err;
	}
	ser = a.keep_top ? __va(relay.top.ser_pa) : write_ser();
	if (!ser) {
		pr_err("out of memory writing the new session chain; no \"LUO\" node goes to the next kernel\n");
		return -ENOMEM;
	}
	err = kho_add_blob(LUO_NODE_NAME, ser, LUO_SER_SIZE);
	if (err)
		return err;
	pr_info("generation %llu: handing on %llu of %llu sessions (%llu blocks, %llu KiB) at the same pfn and order%s\n",
		(unsigned long long)gen, (unsigned long long)(relay.nr - relay.nr_refused),
		(unsigned long long)relay.nr, (unsigned long long)a.moved, (unsigned long long)(a.bytes >> 10),
		a.keep_top ? ", luo_ser and session blocks unchanged" : "; a new luo_ser and session chain list them");
	return 0;
}
