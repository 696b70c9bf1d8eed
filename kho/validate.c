/*
 * kho/validate.c - receiving a handoff: validate all of it, then trust it.
 *
 * DOC: KHO handoff validation
 *
 * The previous kernel's data is checked completely before kholab changes
 * anything in memblock: the kho_data record, the scratch array, the root
 * FDT (its compatible picks the wire format, kho/abi.c), the whole
 * preserved-memory map (the format's walker, as a dry run), and every
 * preserved block (in RAM, clear of scratch, of the kernel image, its ELF
 * copy and boot info, of the root FDT's own page unless that page is a
 * block itself, and of every other block).  One defect: a message naming
 * it, "disabling KHO revival", and the boot goes on as a cold boot with
 * nothing reserved.  Only then are the scratch areas added and marked, and
 * memblock switched to scratch-only mode.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <libfdt.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>


/* overlaps - [a, a + al) and [b, b + bl) share a byte. */
static bool overlaps(u64 a, u64 al, u64 b, u64 bl)
{
	return a < b + bl && b < a + al;
}

/* ram_present - [phys, phys + len) is RAM, per memblock (it need not be mapped yet). */
static bool ram_present(u64 phys, u64 len)
{
	return len && phys + len > phys && memblock_is_region_memory(phys, len);
}

/*
 * ram_ok - walker callback: RAM this kernel can read now, before
 * paging_init(): present and within entry.asm's direct map.
 */
static bool ram_ok(u64 phys, u64 len, void *arg)
{
	(void)arg;
#ifndef KHOLAB_HOST_TEST
	if (phys + len > direct_map_gib << 30)	/* not yet mapped: entry.asm's reach */
		return false;
#endif
	return ram_present(phys, len);
}

/*
 * map_page_ok - walker callback for the pages of the encoded map itself:
 * this kernel reads them while it allocates only from scratch, so none may
 * be inside scratch (or the first MiB, scratch on x86) or on the record.
 */
static const char *map_page_ok(u64 phys, void *arg)
{
	const struct kholab_bootinfo *bi = arg;

	if (phys < (1ULL << 20))
		return "preserved-memory map page below 1 MiB (always scratch)";
	for (int s = 0; s < kho_nr_scratch; s++)
		if (overlaps(phys, PAGE_SIZE, kho_scratch[s].addr, kho_scratch[s].size))
			return "preserved-memory map page inside scratch";
	if (overlaps(phys, PAGE_SIZE, bi->handoff_phys,
		     sizeof(struct kholab_handoff) + sizeof(struct kho_data)))
		return "preserved-memory map page on the handoff record";
	return NULL;
}

/*
 * count_block - walker callback of the first walk: count the blocks.  It
 * never stops the walk, so that a defect of the map itself (a cycle, which
 * repeats blocks) is what the walk reports.
 */
static int count_block(u64 phys, unsigned int order, void *arg)
{
	(void)phys;
	(void)order;
	(void)arg;
	kho_in.nr_blocks++;
	return 0;
}

/*
 * alloc_table - room for kho_in.nr_blocks blocks in the first scratch
 * area that has it: scratch holds nothing preserved, by the handoff's own
 * definition, and is what this kernel allocates from anyway.
 * Return: 0, or -ENOMEM.
 */
static int alloc_table(void)
{
	u64 n = kho_in.nr_blocks ? kho_in.nr_blocks : 1;

	for (int s = 0; s < kho_nr_scratch; s++) {
		phys_addr_t pa = memblock_phys_alloc_range(n * sizeof(struct kho_block), 64,
							   kho_scratch[s].addr,
							   kho_scratch[s].addr + kho_scratch[s].size);

		if (pa) {
			kho_in.blocks = __va(pa);
			kho_in.table_phys = pa;
			kho_in.cap = n;
			return 0;
		}
	}
	return -ENOMEM;
}

/* collect_block - walker callback: remember a block for the checks. */
static int collect_block(u64 phys, unsigned int order, void *arg)
{
	(void)arg;
	if (kho_in.nr_blocks == kho_in.cap)
		return -E2BIG;
	kho_in.blocks[kho_in.nr_blocks++] = (struct kho_block){ .phys = phys, .size = PAGE_SIZE << order };
	return 0;
}

/* sort_blocks - heap sort by address: no allocation, bounded time. */
static void sort_blocks(void)
{
	u64 n = kho_in.nr_blocks;

	for (u64 start = n / 2; start-- > 0;) {
		for (u64 root = start; 2 * root + 1 < n;) {
			u64 child = 2 * root + 1;

			if (child + 1 < n && kho_in.blocks[child].phys < kho_in.blocks[child + 1].phys)
				child++;
			if (kho_in.blocks[root].phys >= kho_in.blocks[child].phys)
				break;
			struct kho_block t = kho_in.blocks[root];
			kho_in.blocks[root] = kho_in.blocks[child];
			kho_in.blocks[child] = t;
			root = child;
		}
	}
	for (u64 end = n; end-- > 1;) {
		struct kho_block t = kho_in.blocks[0];

		kho_in.blocks[0] = kho_in.blocks[end];
		kho_in.blocks[end] = t;
		for (u64 root = 0; 2 * root + 1 < end;) {
			u64 child = 2 * root + 1;

			if (child + 1 < end && kho_in.blocks[child].phys < kho_in.blocks[child + 1].phys)
				child++;
			if (kho_in.blocks[root].phys >= kho_in.blocks[child].phys)
				break;
			t = kho_in.blocks[root];
			kho_in.blocks[root] = kho_in.blocks[child];
			kho_in.blocks[child] = t;
			root = child;
		}
	}
}

/* reject - log one defect and say what happens next. Returns -EINVAL. */
static int reject(const char *what, u64 addr)
{
	kho_stats.rejected = what;
	kho_stats.rejected_addr = addr;
	pr_err("%s (0x%llx); disabling KHO revival, booting cold\n", what, (unsigned long long)addr);
	return -EINVAL;
}

/*
 * check_root_fdt - the root FDT's defects one by one, so the message names
 * the actual one (kho_parse_root_fdt() then checks it all again).
 */
static int check_root_fdt(const void *fdt, u64 phys)
{
	static char msg[96];
	const char *compat;
	int len;

	if (fdt_magic(fdt) != FDT_MAGIC)
		return reject("root FDT has a bad magic", fdt_magic(fdt));
	if (fdt_totalsize(fdt) > KHO_FDT_SIZE)
		return reject("root FDT totalsize larger than its 4096-byte page", fdt_totalsize(fdt));
	if (fdt_check_header(fdt))
		return reject("root FDT header is corrupt or the tree is truncated", fdt_totalsize(fdt));
	if (fdt_version(fdt) < 17)	/* older trees lack what libfdt's full check reads */
		return reject("root FDT version older than 17", fdt_version(fdt));
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	kho_in.abi = compat ? kho_abi_find(compat, len) : NULL;
	if (!kho_in.abi) {
		char found[25] = "?";	/* what was there, if it is one printable string */

		if (compat && len > 1 && !memchr(compat, 0, (size_t)len - 1)) {
			size_t n = len - 1 < 24 ? (size_t)len - 1 : 24;

			memcpy(found, compat, n);
			found[n] = 0;
		}
		snprintf(msg, sizeof(msg), "root FDT compatible \"%s\" is not one of %s", found,
			 kho_abi_names());
		return reject(msg, phys);
	}
	if (!fdt_getprop(fdt, 0, KHO_PROP_PRESERVED, &len))
		return reject("root FDT has no preserved-memory-map", phys);
	if (len != 8)
		return reject("preserved-memory-map is not 8 bytes long", (u64)len);
	return 0;
}

/* find_record - the KHO handoff record of @bi, or NULL (also when malformed, logged). */
static const struct kho_data *find_record(const struct kholab_bootinfo *bi)
{
	u64 pa = bi->handoff_phys;

	for (int n = 0; pa && n < 64; n++) {
		const struct kholab_handoff *h;

		if (pa & 7 || !ram_ok(pa, sizeof(*h), NULL)) {
			reject("handoff record misaligned or outside RAM", pa);
			return NULL;
		}
		h = __va(pa);
		if (h->type == KHOLAB_HANDOFF_KHO) {
			if (h->len != sizeof(struct kho_data) || !ram_ok(pa, sizeof(*h) + h->len, NULL)) {
				reject("KHO handoff record has the wrong length", h->len);
				return NULL;
			}
			return (const struct kho_data *)h->data;
		}
		pa = h->next;
	}
	return NULL;
}

/* validate_scratch - the array: in RAM, aligned, areas in RAM, disjoint, lowmem not empty. */
static int validate_scratch(const struct kho_data *kd)
{
	const struct kho_scratch *s;
	u64 n;

	if (kd->scratch_addr & 15 || kd->scratch_size % sizeof(*s) || !ram_ok(kd->scratch_addr, kd->scratch_size, NULL))
		return reject("scratch array misaligned, of a bad size or outside RAM", kd->scratch_addr);
	n = kd->scratch_size / sizeof(*s);
	if (n < 3 || n > KHO_MAX_SCRATCH)
		return reject("scratch array count out of range (need 3..66)", n);
	s = __va(kd->scratch_addr);
	for (u64 i = 0; i < n; i++) {
		/*
		 * Linux sends a global area of size 0 when all RAM is below
		 * 4 GiB (its rule subtracts the lowmem share); such areas are
		 * kept but never used.  Lowmem must exist.
		 */
		if (!s[i].size && !i)
			return reject("lowmem scratch area of size zero", s[i].addr);
		if (!s[i].size)
			continue;
		if (s[i].addr & (PAGE_SIZE - 1) || s[i].size & (PAGE_SIZE - 1))
			return reject("scratch area not page aligned", s[i].addr);
		if (!ram_present(s[i].addr, s[i].size))	/* not read here */
			return reject("scratch area outside RAM", s[i].addr);
		for (u64 j = 0; j < i; j++)
			if (overlaps(s[i].addr, s[i].size, s[j].addr, s[j].size))
				return reject("scratch areas overlap", s[i].addr);
	}
	memcpy(kho_scratch, s, n * sizeof(*s));
	kho_nr_scratch = (int)n;
	return 0;
}

/*
 * reject_outside_ram - a block that is not inside one memory region.  A
 * block of the buddy allocator's orders keeps the short message; a larger
 * one (Linux sends any order, kho/abi_v4.c) says its order and size, and
 * whether both its ends are RAM on two different nodes (a hole between
 * them, or a node boundary inside) rather than memory missing.
 * Returns -EINVAL.
 */
static int reject_outside_ram(const struct kho_block *b)
{
	static char msg[112];
	unsigned int order = (unsigned int)__builtin_ctzll(b->size >> PAGE_SHIFT);
	u64 last = b->phys + b->size - 1;

	if (order <= KHO_MAX_ORDER)
		return reject("preserved block outside RAM", b->phys);
	if (memblock_is_memory(b->phys) && memblock_is_memory(last) &&
	    early_pfn_to_nid(PHYS_PFN(b->phys)) != early_pfn_to_nid(PHYS_PFN(last)))
		snprintf(msg, sizeof(msg), "preserved block of order %u (%llu MiB) is not RAM of one node throughout",
			 order, (unsigned long long)(b->size >> 20));
	else
		snprintf(msg, sizeof(msg), "preserved block of order %u (%llu MiB) does not fit in RAM",
			 order, (unsigned long long)(b->size >> 20));
	return reject(msg, b->phys);
}

/* validate_blocks - every block against RAM, scratch, the kernel's own data and each other. */
static int validate_blocks(const struct kholab_bootinfo *bi, const struct kho_data *kd)
{
	/* the receiver's own data first: each has its own message */
	struct { u64 a, l; const char *what; } keep[] = {
		{ bi->handoff_phys, sizeof(struct kholab_handoff) + sizeof(struct kho_data),
		  "preserved block overlaps the handoff record" },
		{ bi->kernel_phys, bi->kernel_size, "preserved block overlaps the kernel image" },
		{ bi->elf_phys, bi->elf_size, "preserved block overlaps the kernel ELF copy" },
		{ bi->self_phys, bi->self_size, "preserved block overlaps the boot info" },
		{ kd->scratch_addr, kd->scratch_size, "preserved block overlaps the scratch array" },
		{ 0, 1ULL << 20, "preserved block below 1 MiB (always scratch)" },
	};

	for (u64 i = 0; i < kho_in.nr_blocks; i++) {
		const struct kho_block *b = &kho_in.blocks[i];

		if (!ram_present(b->phys, b->size))	/* not read here */
			return reject_outside_ram(b);
		for (size_t k = 0; k < ARRAY_SIZE(keep); k++)
			if (overlaps(b->phys, b->size, keep[k].a, keep[k].l))
				return reject(keep[k].what, b->phys);
		for (int s = 0; s < kho_nr_scratch; s++)
			if (overlaps(b->phys, b->size, kho_scratch[s].addr, kho_scratch[s].size))
				return reject("preserved block inside scratch", b->phys);
		if (i && b->phys < kho_in.blocks[i - 1].phys + kho_in.blocks[i - 1].size)
			return reject("two preserved blocks overlap", b->phys);
	}
	return 0;
}

/*
 * in_block - true if [phys, phys + len) is covered by received blocks
 * without a gap (a multi-page FDT is preserved as several aligned blocks).
 */
static bool in_block(u64 phys, u64 len)
{
	u64 lo = 0, hi = kho_in.nr_blocks, cur = phys, end = phys + len;

	while (lo < hi) {		/* the last block starting at or below phys */
		u64 mid = (lo + hi) / 2;

		if (kho_in.blocks[mid].phys <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (u64 i = lo ? lo - 1 : 0; i < kho_in.nr_blocks && cur < end; i++) {
		if (kho_in.blocks[i].phys > cur)
			return false;	/* a gap */
		if (kho_in.blocks[i].phys + kho_in.blocks[i].size > cur)
			cur = kho_in.blocks[i].phys + kho_in.blocks[i].size;
	}
	return lo && cur >= end;
}

/*
 * validate_tree - the root FDT page and every subtree's FDT must be
 * preserved (they are read after buddy owns the rest of memory), and a
 * tree with subtrees cannot claim that nothing is preserved.
 */
static int validate_tree(const void *fdt, u64 fdt_phys)
{
	int node;

	if (!kho_in.map_phys && fdt_first_subnode(fdt, 0) >= 0)
		return reject("preserved-memory-map is 0 but subtrees are present", fdt_phys);
	if (!in_block(fdt_phys, KHO_FDT_SIZE))
		return reject("the root FDT page is not preserved", fdt_phys);
	fdt_for_each_subnode(node, fdt, 0) {
		u64 sub, size;

		if (kho_in.abi->read_subtree(fdt, node, &sub, &size))
			return reject(kho_in.abi->subtree_defect, fdt_phys);
		if (!in_block(sub, size ? 1 : sizeof(struct fdt_header)))
			return reject("a subtree's blob is not in preserved memory", sub);
		if (!in_block(sub, size ? size : fdt_totalsize(__va(sub))))
			return reject("a subtree's blob runs past its preserved memory", sub);
	}
	return 0;
}

/*
 * check_metadata - the optional kexec-metadata blob: when present it must
 * be inside preserved memory (validate_tree checked that), version 1 and
 * at least 73 bytes with a NUL-terminated release; it names the sender.
 * Linux only warns about a bad one; kholab refuses the handoff.
 */
static int check_metadata(const void *fdt)
{
	const struct kho_kexec_metadata *m;
	int node = fdt_subnode_offset(fdt, 0, KHO_KEXEC_METADATA_NAME);
	u64 phys, size;

	if (node < 0)
		return 0;
	if (kho_in.abi->read_subtree(fdt, node, &phys, &size) || !size)
		return reject("kexec-metadata is not a kho-v4 blob with a blob-size", 0);
	if (size < sizeof(*m))
		return reject("kexec-metadata blob is truncated (blob-size below 73)", size);
	m = __va(phys);
	if (m->version != KHO_KEXEC_METADATA_VERSION)
		return reject("kexec-metadata version is not 1", m->version);
	if (!memchr(m->previous_release, 0, sizeof(m->previous_release)))
		return reject("kexec-metadata release string is not terminated", phys);
	memcpy(kho_stats.sender, m->previous_release, sizeof(kho_stats.sender));
	kho_stats.kexec_count = m->kexec_count;
	return 0;
}

/*
 * validate - every check, in the order that lets each message name the
 * real defect; fills kho_in.blocks (sorted) and kho_scratch[] on success.
 */
static int validate(const struct kholab_bootinfo *bi, const struct kho_data *kd)
{
	struct kho_walk_ops ops = { .ram_ok = ram_ok, .block = collect_block,
				    .map_page_ok = map_page_ok };
	struct kho_walk_defect defect = { 0 };
	const void *fdt = __va(kd->fdt_addr);
	int err;

	if (kd->fdt_size != KHO_FDT_SIZE)
		return reject("kho_data.fdt_size is not 4096", kd->fdt_size);
	if (kd->fdt_addr & (PAGE_SIZE - 1) || !ram_ok(kd->fdt_addr, kd->fdt_size, NULL))
		return reject("root FDT not page aligned or outside RAM", kd->fdt_addr);
	err = validate_scratch(kd);
	err = err ?: check_root_fdt(fdt, kd->fdt_addr);
	if (err)
		return err;
	if (kho_parse_root_fdt(fdt, kd->fdt_size, &kho_in.map_phys))
		return reject("root FDT is not a valid KHO tree", kd->fdt_addr);
	/* a dry run first: the map's own defects (a cycle, a bad order...), and the count */
	kho_in.nr_blocks = 0;
	err = kho_in.abi->walk_mem(kho_in.map_phys, &(struct kho_walk_ops){
					.ram_ok = ram_ok, .map_page_ok = map_page_ok,
					.block = count_block },
				   (void *)bi, &defect);
	if (!err && kho_in.nr_blocks > KHO_MAX_BLOCKS)
		return reject("more preserved blocks than kholab can check (KHO_MAX_BLOCKS)",
			      kho_in.nr_blocks);
	if (!err && alloc_table())
		return reject("no room in scratch for the table of the preserved blocks",
			      kho_in.nr_blocks);
	kho_in.nr_blocks = 0;
	err = err ?: kho_in.abi->walk_mem(kho_in.map_phys, &ops, (void *)bi, &defect);
	if (err == -E2BIG)
		return reject("the preserved-memory map changed between two walks", kho_in.nr_blocks);
	if (err)
		return reject(defect.why ? defect.why : "preserved-memory map is corrupt", defect.addr);
	sort_blocks();
	err = validate_blocks(bi, kd);
	err = err ?: validate_tree(fdt, kd->fdt_addr);
	return err ?: check_metadata(fdt);
}

/* trust - the handoff passed: scratch becomes the only memory memblock hands out. */
static void trust(const struct kho_data *kd)
{
	const struct kho_block *big = NULL;

	kho_in.root_fdt = __va(kd->fdt_addr);
	kho_in.revived = true;
	kho_stats.revived = true;
	for (u64 i = 0; i < kho_in.nr_blocks; i++) {
		kho_stats.bytes += kho_in.blocks[i].size;
		if (!big || kho_in.blocks[i].size > big->size)
			big = &kho_in.blocks[i];
	}
	kho_stats.blocks = kho_in.nr_blocks;
	for (int s = 0; s < kho_nr_scratch; s++) {
		if (!kho_scratch[s].size)
			continue;
		memblock_add(kho_scratch[s].addr, kho_scratch[s].size);	/* no-op if RAM already */
		memblock_mark_kho_scratch(kho_scratch[s].addr, kho_scratch[s].size);
	}
	memblock_mark_kho_scratch(0, 1ULL << 20);
	memblock_reserve_kern(kd->scratch_addr, kd->scratch_size);
	memblock_set_kho_scratch_only();
	if (kho_stats.sender[0])
		pr_info("handover from %s (kexec %u in this chain)\n", kho_stats.sender,
			kho_stats.kexec_count);
	pr_info("handoff accepted (%s): %llu preserved blocks (%llu MiB), %d scratch areas; allocating from scratch only\n",
		kho_in.abi->compatible, (unsigned long long)kho_in.nr_blocks,
		(unsigned long long)(kho_stats.bytes >> 20), kho_nr_scratch);
	/* Larger than buddy's orders: only a Linux sender makes these. */
	if (big && big->size > (PAGE_SIZE << KHO_MAX_ORDER))
		pr_info("largest preserved block: order %u (%llu MiB) at 0x%llx, above buddy's order %d; reserved whole\n",
			(unsigned int)__builtin_ctzll(big->size >> PAGE_SHIFT),
			(unsigned long long)(big->size >> 20), (unsigned long long)big->phys,
			KHO_MAX_ORDER);
}

/* kho_populate - see kho_boot.h. */
bool kho_populate(const struct kholab_bootinfo *bi)
{
	const struct kho_data *kd;

	kho_stats.gen = bi->generation;
	kd = find_record(bi);
	if (!kd) {
		if (bi->flags & KHOLAB_BI_FLAG_KEXEC && !kho_stats.rejected) {
			kho_stats.rejected = "no KHO handoff record from the previous kernel";
			pr_info("the previous kernel handed over no KHO record (KHO off there?); booting cold\n");
		}
		return false;
	}
	kho_stats.record_found = true;
	if (!kho_cfg.enabled) {
		pr_info("handoff present but kho=off; booting cold\n");
		return false;
	}
	if (kho_cfg.refuse) {
		reject("kho.refuse=1: refusing the handoff on purpose", bi->handoff_phys);
		return false;
	}
	if (validate(bi, kd)) {
		kho_forget_received();
		return false;
	}
	trust(kd);
	return true;
}
