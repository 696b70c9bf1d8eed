/*
 * kho/test/vm_shape.c - kho.test_shape=vm: a preserved set shaped like a
 * hypervisor's guest memory, checkable without the host backing all of it.
 *
 * DOC: the vm-shaped preserved set
 *
 * KHO's production client is live update, where most of RAM is guest
 * memory preserved as 2 MiB folios.  kho.test_shape=vm preserves
 * kho.test_mem bytes that way: 2 MiB (order 9) folios round robin over the
 * nodes, and a tail of 4 KiB pages (1/256 of the size, 16 to 4096 pages).
 *
 * QEMU backs guest RAM with transparent huge pages: one byte written into
 * a 2 MiB region costs the host 2 MiB, while reading never-written memory
 * costs it nothing.  So only every fill_every-th 2 MiB folio gets the
 * seeded stream (fill_every = the size over 256 MiB, rounded up: about
 * 256 MiB of pattern whatever the size), and every tail page does; the
 * others are left as they are, which on a fresh guest is zero.  A folio
 * that is not zero where the receiver will look (memory an earlier kernel
 * used) gets the stream too.  The sub-FDT says which is which: a checksum
 * of 0 marks a folio left zero.
 *
 * The receiver restores every folio on all CPUs (padata): a written one
 * must match its stream's checksum byte for byte; a zero one must read
 * zero in the first and the last word of each of its pages - the words a
 * stray early allocation or a misplaced folio would show in - which costs
 * the host no memory.
 */
#define pr_fmt(fmt) "kho_test: " fmt

#include "kho_test_internal.h"
#include <mm/page_alloc.h>
#include <kernel/jobs.h>
#include <kernel/smp.h>
#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

#define VM_ORDER	9			/* 2 MiB */
#define VM_FILL_BUDGET	(256ULL << 20)		/* bytes of 2 MiB folios written, about */

/* tail_pages - the 4 KiB pages of a vm-shaped set of @bytes. */
static u64 tail_pages(u64 bytes)
{
	u64 t = bytes / PAGE_SIZE / 256;

	t = t < 16 ? 16 : t > 4096 ? 4096 : t;
	return t < bytes / PAGE_SIZE ? t : bytes / PAGE_SIZE;
}

/* big_folios - the 2 MiB folios of a vm-shaped set of @bytes. */
static u64 big_folios(u64 bytes)
{
	return (bytes - tail_pages(bytes) * PAGE_SIZE) >> (PAGE_SHIFT + VM_ORDER);
}

/* kho_test_vm_folios - see kho_test_internal.h. */
u64 kho_test_vm_folios(u64 bytes)
{
	return big_folios(bytes) + tail_pages(bytes);
}

/* sampled_zero - the words the receiver checks of each page of the folio are zero. */
static bool sampled_zero(phys_addr_t phys, unsigned int order)
{
	for (u64 pg = 0; pg < (1ULL << order); pg++) {
		const u64 *w = __va(phys + pg * PAGE_SIZE);

		if (w[0] || w[PAGE_SIZE / 8 - 1])
			return false;
	}
	return true;
}

/*
 * preserve_one - allocate a folio of @order on node @nid (or any), write
 * the stream if @fill or if it is not zero where the receiver looks,
 * preserve it and list it in @t at *@n.  Return: 0 or a negative errno.
 */
static int preserve_one(u64 seed, struct kho_test_tables *t, u64 *n, unsigned int order,
			int nid, bool fill, u64 *csum_all)
{
	struct page *p = kho_test_alloc_folio(order, nid, 2);	/* above 1 MiB */
	phys_addr_t phys;
	u64 csum = 0;

	if (!p)
		return -ENOMEM;
	phys = PFN_PHYS(page_to_pfn(p));
	if (fill || !sampled_zero(phys, order))
		csum = kho_test_folio_stream(seed, phys, order, true);
	return kho_test_keep(t, n, p, order, csum, csum_all);
}

/* kho_test_preserve_vm - see kho_test_internal.h. */
int kho_test_preserve_vm(u64 seed, struct kho_test_tables *t, u64 *n, u64 *budget,
			 u64 *csum_all, u64 *fill_every)
{
	u64 bytes = kho_cfg.test_mem, big = big_folios(bytes), tail = tail_pages(bytes);
	u64 k = (bytes + VM_FILL_BUDGET - 1) / VM_FILL_BUDGET, written = 0, t0 = rdtsc();
	int err = 0;

	if (*n + big + tail > t->cap)
		return -ENOSPC;
	for (u64 i = 0; i < big + tail && !err; i++) {
		bool is_big = i < big;
		u64 before = *n;

		err = preserve_one(seed, t, n, is_big ? VM_ORDER : 0, (int)(i % (u64)nr_online_nodes),
				   !is_big || i % k == 0, csum_all);
		if (!err) {
			written += t->csum[before] != 0;
			*budget += PAGE_SIZE << (is_big ? VM_ORDER : 0);
		}
	}
	if (err == -ENOMEM)
		pr_err("vm shape: buddy ran out after %llu of %llu MiB (kho.test_mem is more than the guest has free)\n",
		       (unsigned long long)(*budget >> 20), (unsigned long long)(bytes >> 20));
	*fill_every = k;
	pr_info("vm shape: %llu folios of 2 MiB and %llu of 4 KiB over %d nodes, %llu written (every %llu-th 2 MiB folio and the tail), in %llu ms\n",
		(unsigned long long)big, (unsigned long long)tail, nr_online_nodes,
		(unsigned long long)written, (unsigned long long)k,
		(unsigned long long)(tsc_to_ns(rdtsc() - t0) / 1000000));
	return err;
}

/* The receiver's shared counts. */
struct vm_verify {
	const struct test_fdt *t;
	u64 restored, mismatches, bytes, written;
};

/* check_folio - restore folio @i of @v->t and check it; returns 1 if intact. */
static int check_folio(struct vm_verify *v, u64 i)
{
	u64 e, want;
	unsigned int order;
	phys_addr_t phys;
	struct page *p;
	bool ok;

	memcpy(&e, &v->t->folios[i], 8);
	memcpy(&want, &v->t->csums[i], 8);
	phys = e & ~(PAGE_SIZE - 1);
	order = (unsigned int)(e & (PAGE_SIZE - 1));
	__atomic_fetch_add(&v->bytes, PAGE_SIZE << order, __ATOMIC_RELAXED);
	p = kho_restore_folio(phys);
	if (!p)
		return 0;	/* lost (counted by KHO) or never preserved (logged) */
	ok = !((order && (!PageHead(p) || p->private != order)) || p->_refcount != 1);
	if (!ok) {
		pr_err("folio 0x%llx came back as order %llu refcount %d, want order %u\n",
		       (unsigned long long)phys, (unsigned long long)(PageHead(p) ? p->private : 0),
		       p->_refcount, order);
	} else if (want && kho_test_folio_stream(v->t->seed, phys, order, false) != want) {
		pr_err("folio 0x%llx (order %u): contents changed\n", (unsigned long long)phys, order);
		ok = false;
	} else if (!want && !sampled_zero(phys, order)) {
		pr_err("folio 0x%llx (order %u): preserved as zero, no longer zero\n",
		       (unsigned long long)phys, order);
		ok = false;
	}
	if (want)
		__atomic_fetch_add(&v->written, 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_fetch_add(&v->mismatches, 1, __ATOMIC_RELAXED);
	free_pages(p, order);
	return ok;
}

/* verify_chunk - padata thread function: folios [s, e). */
static void verify_chunk(u64 s, u64 e, void *arg)
{
	struct vm_verify *v = arg;
	u64 good = 0;

	for (u64 i = s; i < e; i++)
		good += (u64)check_folio(v, i);
	__atomic_fetch_add(&v->restored, good, __ATOMIC_RELAXED);
}

/* kho_test_verify_vm - see kho_test_internal.h. */
void kho_test_verify_vm(const struct test_fdt *t, struct kho_test_result *r)
{
	struct vm_verify v = { .t = t };
	struct padata_stats st;
	struct padata_mt_job job = {
		.thread_fn = verify_chunk,
		.fn_arg = &v,
		.size = t->count,
		.align = 1,
		.min_chunk = 64,
		.name = "kho-verify",
		.stats = &st,
	};
	u64 t0 = rdtsc();

	memset(&st, 0, sizeof(st));
	padata_do_multithreaded(&job, NULL, nr_cpus_online());
	r->verify_ns = tsc_to_ns(rdtsc() - t0);
	r->verify_cpus = (u64)st.workers;
	r->restored += v.restored;
	r->mismatches += v.mismatches;
	r->bytes += v.bytes;
	r->written = v.written;
	pr_info("vm shape: %llu folios (%llu written, the rest checked zero) verified on %d CPUs in %llu ms\n",
		(unsigned long long)t->count, (unsigned long long)v.written, st.workers,
		(unsigned long long)(r->verify_ns / 1000000));
}
