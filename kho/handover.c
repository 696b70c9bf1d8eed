/*
 * kho/handover.c - the last step of a generation that hands over: freeze
 * what is preserved into Linux's kho-v1 form.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_boot.h>
#include <kho/kho.h>
#include <mm/page_alloc.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

/* kho_alloc_pages - see kho_boot.h: memory KHO can preserve (not below 1 MiB). */
struct page *kho_alloc_pages(unsigned int order)
{
	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct page *p = alloc_pages_range(order, nid, PHYS_PFN(1ULL << 20), ~0ULL);

		if (p)
			return p;
	}
	return NULL;
}

/**
 * kho_finalize - preserve a page for the root FDT, serialize the preserved
 * memory into the chunk list, and write the root FDT (compatible "kho-v1",
 * preserved-memory-map, one node per subtree) into that page.
 * @fdt_phys: receives the root FDT's physical address
 *
 * Nothing may be preserved or unpreserved after this (the chunks point at
 * the live bitmaps).
 * Return: 0, or a negative errno (the handover is then abandoned).
 */
int kho_finalize(u64 *fdt_phys)
{
	struct page *p = kho_alloc_pages(0);
	u64 map = 0;
	int err;

	if (!p)
		return -ENOMEM;
	err = kho_preserve_folio(p, 0);		/* the next kernel must not reuse it */
	if (err)
		goto err_free;
	err = kho_serialize_mem(&map);
	if (err)
		goto err_unpreserve;
	memset(page_address(p), 0, PAGE_SIZE);
	err = kho_build_root_fdt(page_address(p), map);
	if (err)
		goto err_chunks;
	*fdt_phys = page_to_pfn(p) << PAGE_SHIFT;
	pr_info("handover ready: %llu blocks (%llu MiB) preserved, root FDT at 0x%llx, memory map at 0x%llx\n",
		(unsigned long long)kho_preserved_blocks(),
		(unsigned long long)(kho_preserved_bytes() >> 20),
		(unsigned long long)*fdt_phys, (unsigned long long)map);
	return 0;

err_chunks:
	kho_free_serialized(map);
err_unpreserve:
	kho_unpreserve_folio(p, 0);
err_free:
	free_pages(p, 0);
	pr_err("could not build the handover (%d); no kexec\n", err);
	return err;
}
