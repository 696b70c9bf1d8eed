/*
 * kho/handover.c - the last steps of a generation that hands over: freeze
 * what is preserved into the wire format (kho_finalize()), then write the
 * record the next kernel finds in its boot info (kho_fill_handoff()).
 *
 * DOC: the handoff record
 *
 * Linux passes KHO to the next kernel on x86 as a setup_data entry of type
 * SETUP_KEXEC_KHO (10) whose payload is struct kho_data: the root FDT's
 * address and size and the scratch array's address and size.  kholab uses
 * the same payload in its own versioned boot info (struct kholab_handoff,
 * include/kholab/bootinfo.h) and puts the scratch array right after it,
 * so the whole record is one piece of memory inside the next kernel's
 * boot info.  init/kexec.c decides where that is; this file decides
 * what is in it.  A registered on_send hook (include/kho/kho_hooks.h)
 * sees the finished record last, and may stop the kexec.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kholab/version.h>
#include <mm/page_alloc.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

_Static_assert(KHO_HANDOFF_MAX_SCRATCH >= KHO_MAX_SCRATCH, "room for every scratch area");

/*
 * add_metadata - the kexec-metadata blob, for a format that carries one
 * (KHO_ABI_METADATA): this release and the count of kexecs in the chain
 * (one more than the sender of this boot said, or than this kholab
 * chain's generation when nobody said).  Return: the blob's page, or NULL
 * (logged) when it could not be added.
 */
static struct page *add_metadata(void)
{
	struct kho_kexec_metadata *m = kho_page_alloc();
	struct page *p;

	if (!m)
		return NULL;
	p = virt_to_page(m);
	m->version = KHO_KEXEC_METADATA_VERSION;
	memcpy(m->previous_release, KHOLAB_RELEASE, sizeof(KHOLAB_RELEASE));
	m->kexec_count = (kho_stats.kexec_count ? kho_stats.kexec_count : (u32)kho_stats.gen) + 1;
	if (kho_add_blob(KHO_KEXEC_METADATA_NAME, m, sizeof(*m))) {
		free_pages(p, 0);
		return NULL;
	}
	return p;
}

/* kho_finalize - see kho_boot.h. */
int kho_finalize(u64 *fdt_phys)
{
	const struct kho_abi *abi = kho_abi_send();
	struct page *p = kho_alloc_meta_pages(0), *meta = NULL;	/* the root FDT */
	u64 map = 0;
	int err;

	if (!p)
		return -ENOMEM;
	err = kho_preserve_folio(p, 0);		/* the next kernel must not reuse it */
	if (err)
		goto err_free;
	if (abi->flags & KHO_ABI_METADATA) {
		meta = add_metadata();
		err = meta ? 0 : -ENOMEM;
		if (err)
			goto err_unpreserve;
	}
	err = abi->encode_mem(&map);
	if (err)
		goto err_unpreserve;
	memset(page_address(p), 0, PAGE_SIZE);
	err = kho_build_root_fdt(page_address(p), map);
	if (err)
		goto err_map;
	*fdt_phys = page_to_pfn(p) << PAGE_SHIFT;
	pr_info("%s handover ready: %llu blocks (%llu MiB) preserved, root FDT at 0x%llx, memory map at 0x%llx\n",
		abi->compatible, (unsigned long long)kho_preserved_blocks(),
		(unsigned long long)(kho_preserved_bytes() >> 20),
		(unsigned long long)*fdt_phys, (unsigned long long)map);
	return 0;

err_map:
	abi->free_mem(map);
err_unpreserve:
	if (meta) {
		kho_remove_subtree(page_address(meta));
		free_pages(meta, 0);
	}
	kho_unpreserve_folio(p, 0);
err_free:
	free_pages(p, 0);
	pr_err("could not build the handover (%d); no kexec\n", err);
	return err;
}

/* kho_fill_handoff - see kho_boot.h. */
int kho_fill_handoff(void *buf, u64 fdt_phys, const struct kho_handoff_target *t)
{
	struct kholab_handoff *h = buf;
	struct kho_data *kd = (struct kho_data *)h->data;
	struct kho_scratch *scratch = (struct kho_scratch *)(kd + 1);
	u64 scratch_off = (u64)((u8 *)scratch - (u8 *)buf);

	if (kho_nr_scratch < 3)
		return -ENODEV;
	memset(buf, 0, KHO_HANDOFF_BYTES);
	h->next = 0;
	h->type = KHOLAB_HANDOFF_KHO;
	h->len = sizeof(struct kho_data);
	kd->fdt_addr = fdt_phys;
	kd->fdt_size = KHO_FDT_SIZE;
	kd->scratch_addr = t->record_phys + scratch_off;
	kd->scratch_size = (u64)kho_nr_scratch * sizeof(struct kho_scratch);
	memcpy(scratch, kho_scratch, kd->scratch_size);

	if (!kho_hooks || !kho_hooks->on_send)
		return 0;
	return kho_hooks->on_send(&(struct kho_send_ctx){
		.abi = kho_abi_send(),
		.gen = t->gen,
		.fdt_phys = fdt_phys,
		.kd = kd,
		.scratch = scratch,
		.nr_scratch = kho_nr_scratch,
		.next_kernel_phys = t->next_kernel_phys,
		.handoff_phys = t->record_phys,
		.phys_top = t->phys_top,
	});
}
