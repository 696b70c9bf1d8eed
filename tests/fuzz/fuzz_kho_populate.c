// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_kho_populate.c - libFuzzer harness over the whole KHO
 * receive path: kho_populate() from kho/validate.c, the step that
 * validates a handoff and adds its scratch areas to memblock (Linux's name
 * for it; the harness is named after it), with kho/state.c, the wire
 * formats kho/abi*.c, kho/subtree.c, kho/preserve.c and
 * mm/memblock{,_query}.c, compiled exactly as in the kernel but with
 * -DKHOLAB_HOST_TEST, run against a handoff that the fuzz input places in
 * a simulated physical memory.
 *
 * Simulated physical memory: SIM_BYTES of host address space, all of it
 * PROT_NONE except the RAM ranges the input names, so that any read of
 * non-RAM by the code under test faults (ASan reports the SEGV).  The same
 * ranges are given to memblock, and kept in a page bitmap of our own that
 * the invariant checks use instead of anything the code under test says.
 *
 * Input format (little-endian, docs/robustness.md "Fuzzing"):
 *
 *   u8  flags            bit 0: kho=off
 *   u8  nram             1 + nram % FUZZ_MAX_RAM RAM ranges follow
 *   nram x { u32 first_pfn; u32 npages; }     clipped to SIM_BYTES
 *   u64 handoff_phys, kernel_phys, kernel_size, elf_phys, elf_size,
 *       self_phys, self_size                  the boot info fields read
 *   then blobs to the end: { u64 phys; u16 len; u8 data[len]; }
 *       written into simulated memory; bytes that fall outside RAM are
 *       dropped.  Everything not written reads as zero.
 *
 * Invariants, checked on every input (abort() = a finding):
 *  - no crash, no sanitizer report, no read of non-RAM (SEGV);
 *  - rejected: nothing revived, no received blocks, memblock untouched
 *    (no region flagged KHO scratch, nothing reserved, allocations not
 *    confined to scratch);
 *  - accepted: the root FDT is the one kho_data names; every received
 *    block is a naturally aligned power-of-two block of 4 KiB..2^63 bytes, inside
 *    RAM (our bitmap), sorted and disjoint, clear of every scratch area,
 *    of the handoff record, the kernel image, its ELF copy, the boot info,
 *    the scratch array and [0, 1 MiB); the root FDT page and every
 *    subtree FDT it names lie inside a received block; the scratch array read back from memory is 3..66
 *    page-aligned non-empty areas inside RAM, pairwise disjoint, equal to
 *    kho_scratch[]; each area is flagged MEMBLOCK_KHO_SCRATCH in memblock;
 *    memblock is in scratch-only mode (a one-page allocation lands in a
 *    scratch area or in the first MiB).
 *
 * Strict checks (on; FUZZ_STRICT=0 turns them off) catch defects that do not
 * break an invariant above but are worth knowing (see docs/robustness.md):
 * kho_nr_scratch left non-zero after a rejection (state of a refused
 * handoff left behind; kho_reserve_scratch() overwrites it on a cold boot).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <libfdt.h>

#include <kho/kho_memmap.h>
#include <kho/kho_internal.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include "shim.h"

#define SIM_BYTES	(1ULL << 30)	/* covers a 1 GiB QEMU guest's handoff */
#define SIM_PAGES	(SIM_BYTES >> PAGE_SHIFT)
#define FUZZ_MAX_RAM	8
#define ONE_MIB		(1ULL << 20)

static uint8_t *sim;				/* host address of physical 0 */
static uint8_t ram_map[SIM_PAGES / 8];		/* our own view: page is RAM */
static bool strict;
static struct { u64 pfn, n; } ram_ranges[FUZZ_MAX_RAM];	/* made RAM by this input */
static unsigned int nr_ram_ranges;

struct range {
	u64 a, l;
};

/* reader - a bounded cursor over the fuzz input; reads past the end give 0. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static u64 get(struct reader *r, unsigned int bytes)
{
	u64 v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		u64 b = 0;

		if (r->left) {
			b = *r->p++;
			r->left--;
		}
		v |= b << (8 * i);
	}
	return v;
}

static bool page_is_ram(u64 pfn)
{
	return pfn < SIM_PAGES && (ram_map[pfn / 8] >> (pfn % 8) & 1);
}

/* in_ram - every page of [a, a + l) is RAM in our own map (l > 0, no wrap). */
static bool in_ram(u64 a, u64 l)
{
	if (!l || a + l < a || a + l > SIM_BYTES)
		return false;
	for (u64 pfn = a >> PAGE_SHIFT; pfn <= (a + l - 1) >> PAGE_SHIFT; pfn++)
		if (!page_is_ram(pfn))
			return false;
	return true;
}

static bool overlaps(u64 a, u64 al, u64 b, u64 bl)
{
	return a < b + bl && b < a + al;
}

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_kho_populate: INVARIANT: " __VA_ARGS__);	\
	fputs("\nfuzz_kho_populate: kernel log:\n", stderr);		\
	fputs(shim_log_text(), stderr);					\
	abort();							\
} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s = getenv("FUZZ_STRICT");

	(void)argc;
	(void)argv;
	strict = !(s && *s == '0');	/* on unless FUZZ_STRICT=0 */
	sim = mmap(NULL, SIM_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim == MAP_FAILED) {
		perror("fuzz_kho_populate: mmap");
		exit(1);
	}
	host_phys_base = (uintptr_t)sim;
	return 0;
}

/* sim_reset - the RAM of the last input back to zeroed PROT_NONE. */
static void sim_reset(void)
{
	for (unsigned int i = 0; i < nr_ram_ranges; i++) {
		uint8_t *p = sim + (ram_ranges[i].pfn << PAGE_SHIFT);
		size_t len = ram_ranges[i].n << PAGE_SHIFT;

		if (madvise(p, len, MADV_DONTNEED) || mprotect(p, len, PROT_NONE)) {
			perror("fuzz_kho_populate: madvise/mprotect");
			abort();
		}
	}
	nr_ram_ranges = 0;
	memset(ram_map, 0, sizeof(ram_map));
}

/* add_ram - make [first_pfn, first_pfn + n) RAM (clipped to SIM_BYTES). */
static void add_ram(u64 first_pfn, u64 n)
{
	if (first_pfn >= SIM_PAGES || !n)
		return;
	if (n > SIM_PAGES - first_pfn)
		n = SIM_PAGES - first_pfn;
	if (mprotect(sim + (first_pfn << PAGE_SHIFT), n << PAGE_SHIFT, PROT_READ | PROT_WRITE)) {
		perror("fuzz_kho_populate: mprotect");
		abort();
	}
	ram_ranges[nr_ram_ranges].pfn = first_pfn;
	ram_ranges[nr_ram_ranges++].n = n;
	for (u64 pfn = first_pfn, end = first_pfn + n; pfn < end;) {
		if (pfn % 8 == 0 && end - pfn >= 8) {		/* whole bytes at once */
			memset(&ram_map[pfn / 8], 0xff, (end - pfn) / 8);
			pfn += (end - pfn) & ~7ULL;
		} else {
			ram_map[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
			pfn++;
		}
	}
	memblock_add(first_pfn << PAGE_SHIFT, n << PAGE_SHIFT);
}

/* put - write @len bytes at @phys, dropping what is not RAM. */
static void put(u64 phys, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		u64 pa = phys + i;

		if (pa < phys)
			break;
		if (page_is_ram(pa >> PAGE_SHIFT))
			sim[pa] = data[i];
	}
}

/* find_kd - our own walk of the handoff list (the code under test accepted it). */
static const struct kho_data *find_kd(u64 pa)
{
	for (int n = 0; pa && n < 64; n++) {
		const struct kholab_handoff *h;

		if (!in_ram(pa, sizeof(*h)))
			return NULL;
		h = (const void *)(sim + pa);
		if (h->type == KHOLAB_HANDOFF_KHO)
			return in_ram(pa, sizeof(*h) + sizeof(struct kho_data)) ?
			       (const struct kho_data *)h->data : NULL;
		pa = h->next;
	}
	return NULL;
}

static bool memblock_flagged_scratch(u64 a, u64 l)
{
	struct memblock_region *r;
	u64 covered = 0;

	for_each_mem_region(r)
		if (overlaps(r->base, r->size, a, l)) {
			if (!(r->flags & MEMBLOCK_KHO_SCRATCH))
				return false;
			u64 s = r->base > a ? r->base : a;
			u64 e = r->base + r->size < a + l ? r->base + r->size : a + l;

			covered += e - s;
		}
	return covered == l;
}

static void check_rejected(void)
{
	struct memblock_region *r;
	u64 n;

	if (kho_is_revived() || kho_received_fdt())
		FAIL("rejected but kho_is_revived()/kho_received_fdt() say otherwise");
	kho_received_blocks(&n);
	if (n)
		FAIL("rejected but %llu received blocks remain", (unsigned long long)n);
	for_each_mem_region(r)
		if (r->flags & MEMBLOCK_KHO_SCRATCH)
			FAIL("rejected but memblock region 0x%llx+0x%llx is flagged KHO scratch",
			     (unsigned long long)r->base, (unsigned long long)r->size);
	if (memblock.reserved.cnt)
		FAIL("rejected but memblock has %llu reserved regions",
		     (unsigned long long)memblock.reserved.cnt);
	if (strict && kho_nr_scratch)
		FAIL("(strict) rejected but kho_nr_scratch = %d (state of the refused handoff left behind)",
		     kho_nr_scratch);
}

/* in_blocks - [a, a + l) lies inside one of the @n sorted blocks @b. */
static bool in_blocks(u64 a, u64 l, const struct kho_block *b, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (a >= b[i].phys && a + l >= a && a + l <= b[i].phys + b[i].size)
			return true;
	return false;
}

/*
 * check_subtrees - every subtree blob the accepted root names is preserved
 * memory: kho-v1's "fdt" FDT as far as its header says, kho-v4's
 * preserved-data for blob-size bytes.
 */
static void check_subtrees(const void *root, const struct kho_block *b, u64 n)
{
	bool v4 = !fdt_node_check_compatible(root, 0, KHO_V4_COMPATIBLE);
	int node;

	fdt_for_each_subnode(node, root, 0) {
		const void *p, *q;
		int len, qlen;
		u64 sub, size = 0;

		p = fdt_getprop(root, node, v4 ? KHO_V4_PROP_DATA : KHO_PROP_SUBTREE_FDT, &len);
		q = v4 ? fdt_getprop(root, node, KHO_V4_PROP_SIZE, &qlen) : NULL;
		if (!p || len != 8 || (v4 && (!q || qlen != 8)))
			FAIL("accepted a subtree node without its 8-byte properties");
		memcpy(&sub, p, 8);
		if (q)
			memcpy(&size, q, 8);
		if (!in_blocks(sub, size ? size : sizeof(struct fdt_header), b, n) ||
		    !in_ram(sub, size ? size : sizeof(struct fdt_header)))
			FAIL("accepted subtree blob 0x%llx that is not preserved",
			     (unsigned long long)sub);
		if (!size && !in_blocks(sub, fdt_totalsize(sim + sub), b, n))
			FAIL("accepted subtree FDT 0x%llx+0x%x not inside preserved blocks",
			     (unsigned long long)sub, fdt_totalsize(sim + sub));
	}
}

static void check_accepted(const struct kholab_bootinfo *bi)
{
	const struct kho_data *kd = find_kd(bi->handoff_phys);
	const struct kho_scratch *s;
	const struct kho_block *b;
	u64 n, ns, at;
	bool fdt_preserved = false;

	if (!kho_is_revived())
		FAIL("accepted but kho_is_revived() is false");
	if (!kd)
		FAIL("accepted without a readable kho_data record");
	if (kho_received_fdt() != (const void *)(sim + kd->fdt_addr) ||
	    !in_ram(kd->fdt_addr, KHO_FDT_SIZE) || kd->fdt_addr & (PAGE_SIZE - 1))
		FAIL("accepted root FDT 0x%llx is not a RAM page named by kho_data",
		     (unsigned long long)kd->fdt_addr);

	/* The scratch array, as it is in memory. */
	ns = kd->scratch_size / sizeof(*s);
	if (!in_ram(kd->scratch_addr, kd->scratch_size) || kd->scratch_size % sizeof(*s) ||
	    ns < 3 || ns > KHO_MAX_SCRATCH || (u64)kho_nr_scratch != ns)
		FAIL("accepted scratch array 0x%llx+0x%llx is bad (kho_nr_scratch %d)",
		     (unsigned long long)kd->scratch_addr, (unsigned long long)kd->scratch_size,
		     kho_nr_scratch);
	s = (const void *)(sim + kd->scratch_addr);
	if (memcmp(s, kho_scratch, kd->scratch_size))
		FAIL("kho_scratch[] differs from the scratch array in memory");
	for (u64 i = 0; i < ns; i++) {
		if (!s[i].size && i)
			continue;	/* an empty area (Linux sends one) is kept, never used */
		if (!in_ram(s[i].addr, s[i].size) || (s[i].addr | s[i].size) & (PAGE_SIZE - 1))
			FAIL("scratch[%llu] 0x%llx+0x%llx not page-aligned RAM", (unsigned long long)i,
			     (unsigned long long)s[i].addr, (unsigned long long)s[i].size);
		for (u64 j = 0; j < i; j++)
			if (overlaps(s[i].addr, s[i].size, s[j].addr, s[j].size))
				FAIL("scratch[%llu] and scratch[%llu] overlap",
				     (unsigned long long)i, (unsigned long long)j);
		if (!memblock_flagged_scratch(s[i].addr, s[i].size))
			FAIL("scratch[%llu] 0x%llx+0x%llx not flagged KHO scratch in memblock",
			     (unsigned long long)i, (unsigned long long)s[i].addr,
			     (unsigned long long)s[i].size);
	}

	/* The blocks. */
	struct range keep[] = {
		{ bi->handoff_phys, sizeof(struct kholab_handoff) + sizeof(struct kho_data) },
		{ bi->kernel_phys, bi->kernel_size }, { bi->elf_phys, bi->elf_size },
		{ bi->self_phys, bi->self_size }, { kd->scratch_addr, kd->scratch_size },
		{ 0, ONE_MIB },
	};
	b = kho_received_blocks(&n);
	for (u64 i = 0; i < n; i++) {
		u64 a = b[i].phys, l = b[i].size;

		if (l < PAGE_SIZE || l > (PAGE_SIZE << KHO_V4_MAX_ORDER) || (l & (l - 1)) || (a & (l - 1)))
			FAIL("block %llu 0x%llx+0x%llx is not a naturally aligned 2^order block",
			     (unsigned long long)i, (unsigned long long)a, (unsigned long long)l);
		if (!in_ram(a, l))
			FAIL("block 0x%llx+0x%llx is not inside RAM", (unsigned long long)a,
			     (unsigned long long)l);
		if (i && a < b[i - 1].phys + b[i - 1].size)
			FAIL("blocks 0x%llx and 0x%llx unsorted or overlapping",
			     (unsigned long long)b[i - 1].phys, (unsigned long long)a);
		for (u64 j = 0; j < ns; j++)
			if (overlaps(a, l, s[j].addr, s[j].size))
				FAIL("block 0x%llx+0x%llx inside scratch[%llu]", (unsigned long long)a,
				     (unsigned long long)l, (unsigned long long)j);
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (overlaps(a, l, keep[k].a, keep[k].l))
				FAIL("block 0x%llx+0x%llx overlaps protected range %zu (0x%llx+0x%llx)",
				     (unsigned long long)a, (unsigned long long)l, k,
				     (unsigned long long)keep[k].a, (unsigned long long)keep[k].l);
		if (a <= kd->fdt_addr && kd->fdt_addr < a + l)
			fdt_preserved = true;
	}
	if (!fdt_preserved)
		FAIL("accepted root FDT page 0x%llx is not in a preserved block",
		     (unsigned long long)kd->fdt_addr);
	check_subtrees(sim + kd->fdt_addr, b, n);

	/* Scratch-only mode: what memblock hands out now comes from scratch. */
	at = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);
	if (at) {
		bool ok = at + PAGE_SIZE <= ONE_MIB;

		for (u64 j = 0; j < ns && !ok; j++)
			ok = at >= s[j].addr && at + PAGE_SIZE <= s[j].addr + s[j].size;
		if (!ok)
			FAIL("memblock allocated 0x%llx outside scratch: not in scratch-only mode",
			     (unsigned long long)at);
	}
}


/*
 * check_memmap_record - kho.memmap=handover's record parser on what was
 * accepted (kho/memmap_record.c): refused, or every section it lists is
 * ascending and its backing is exactly a preserved 2 MiB block.
 */
static void check_memmap_record(void)
{
	u64 n, nb, sec, pa, prev = 0;
	const struct kho_block *b = kho_received_blocks(&nb);

	kho_cfg.memmap = KHO_MEMMAP_HANDOVER;
	if (kho_memmap_receive())
		return;		/* refused with a reason: nothing to hold */
	n = kho_memmap_section(0, &sec, &pa);
	for (u64 i = 0; i < n; i++) {
		bool found = false;

		kho_memmap_section(i, &sec, &pa);
		if (i && sec <= prev)
			FAIL("memmap record accepted with sections out of order");
		for (u64 k = 0; k < nb && !found; k++)
			found = b[k].phys == pa && b[k].size == (2ULL << 20);
		if (!found || kho_memmap_backing(sec) != pa)
			FAIL("memmap record accepted with backing 0x%llx that is no preserved 2 MiB block",
			     (unsigned long long)pa);
		prev = sec;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct kholab_bootinfo bi;
	unsigned int flags, nram;
	bool ok;

	sim_reset();
	memblock_reset_for_test();
	kho_reset_for_test();
	shim_log_reset();
	kho_cfg.enabled = true;

	flags = (unsigned int)get(&r, 1);
	nram = 1 + (unsigned int)get(&r, 1) % FUZZ_MAX_RAM;
	for (unsigned int i = 0; i < nram; i++) {
		u64 pfn = get(&r, 4), np = get(&r, 4);

		add_ram(pfn, np);
	}
	memset(&bi, 0, sizeof(bi));
	bi.magic = KHOLAB_BOOTINFO_MAGIC;
	bi.version = KHOLAB_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
	bi.generation = 1;
	bi.handoff_phys = get(&r, 8);
	bi.kernel_phys = get(&r, 8);
	bi.kernel_size = get(&r, 8);
	bi.elf_phys = get(&r, 8);
	bi.elf_size = get(&r, 8);
	bi.self_phys = get(&r, 8);
	bi.self_size = get(&r, 8);
	if (flags & 1)
		kho_cfg.enabled = false;
	while (r.left >= 10) {
		u64 phys = get(&r, 8);
		size_t len = (size_t)get(&r, 2);

		if (len > r.left)
			len = r.left;
		put(phys, r.p, len);
		r.p += len;
		r.left -= len;
	}

	ok = kho_populate(&bi);
	if (ok) {
		check_accepted(&bi);
		check_memmap_record();
	} else {
		check_rejected();
	}
	return 0;
}
