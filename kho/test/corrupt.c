/*
 * kho/test/corrupt.c - fault injection in the sending kernel (kho.corrupt=KIND).
 *
 * DOC: KHO fault injection
 *
 * Each kind damages the finished handoff in one specific way, right before
 * the kexec, so that the next generation's all-or-nothing validation
 * (kho/validate.c) can be shown to catch exactly that defect: print the reason,
 * "disabling KHO revival", boot cold, pass its own checks and give a
 * verdict.  The next generation knows (the command line is inherited) and
 * passes only if it rejected the handoff, or, for the random "bitflip"
 * kind, if it rejected it or every preserved byte still verified.
 * docs/robustness.md lists the kinds and what each checks.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include "kho_test_internal.h"
#include <kho/kho_memmap.h>
#include <kernel/random.h>
#include <mm/page_alloc.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

const char *const kho_corrupt_names[] = {
	"none", "fdt-magic", "fdt-truncated", "fdt-totalsize", "compatible",
	"map-missing", "map-length", "map-zero", "map-outside-ram", "map-unaligned",
	"chunk-cycle", "chunk-num-elms", "chunk-order", "bitmap-outside-ram",
	"block-in-scratch", "block-on-kernel", "block-on-handoff", "block-overlap",
	"scratch-outside-ram", "scratch-overlap", "scratch-zero", "fdt-size",
	"tree-outside-ram", "tree-unaligned", "tree-in-scratch", "tree-repeated",
	"key-zero", "key-large", "order-large", "blob-size-missing", "blob-size-large",
	"data-unpreserved", "metadata-truncated", "metadata-version", "bitflip",
	"memmap",
	NULL,
};

_Static_assert(sizeof(kho_corrupt_names) / sizeof(kho_corrupt_names[0]) == KHO_CORRUPT_NR + 1,
	       "a name per kind");

struct kho_corrupt_config kho_corrupt_cfg = { .seed = 1, .bits = 8 };

/*
 * The formats whose own structures the injector can damage, one row per
 * kho/test/corrupt_<name>.c, matched by the struct kho_abi name being
 * sent.  A format without a row still suffers every kind that needs no
 * knowledge of its map; the others do not apply to it.
 */
static const struct kho_corrupt_format *const formats[] = { &kho_corrupt_v4, &kho_corrupt_v1 };

static u8 fdt_tmp[2 * KHO_FDT_SIZE] __attribute__((aligned(8)));

/* kho_corrupt_map_of - see kho_corrupt.h. */
u64 kho_corrupt_map_of(const void *fdt)
{
	int len;
	const void *p = fdt_getprop(fdt, 0, KHO_PROP_PRESERVED, &len);
	u64 v = 0;

	if (p && len == 8)
		memcpy(&v, p, 8);
	return v;
}

/* kho_corrupt_set_map - see kho_corrupt.h (native byte order). */
int kho_corrupt_set_map(void *fdt, u64 v)
{
	return fdt_setprop_inplace(fdt, 0, KHO_PROP_PRESERVED, &v, 8) ? -EINVAL : 0;
}

/* map_length - rebuild the root FDT with a 4-byte preserved-memory-map. */
static int map_length(void *fdt)
{
	u32 v = 0x1234;

	if (fdt_open_into(fdt, fdt_tmp, sizeof(fdt_tmp)) ||
	    fdt_setprop(fdt_tmp, 0, KHO_PROP_PRESERVED, &v, sizeof(v)) || fdt_pack(fdt_tmp) ||
	    fdt_totalsize(fdt_tmp) > KHO_FDT_SIZE)
		return -EINVAL;
	memcpy(fdt, fdt_tmp, fdt_totalsize(fdt_tmp));
	return 0;
}

/* format_of - the injector's row for wire format @abi, or NULL. */
static const struct kho_corrupt_format *format_of(const struct kho_abi *abi)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i]->abi, abi->name))
			return formats[i];
	return NULL;
}

/* bitflip - flip kho_corrupt_cfg.bits random bits in the handoff's data structures. */
static int bitflip(const struct kho_corrupt_format *f, const struct kho_send_ctx *c, void *fdt)
{
	u64 s = kho_corrupt_cfg.seed ? kho_corrupt_cfg.seed : 1, first = kho_corrupt_map_of(fdt);

	for (u64 i = 0; i < kho_corrupt_cfg.bits; i++) {
		u64 r = xorshift64(&s), where = r % 4;
		u8 *buf;
		u64 len;

		if (where == 0) {		/* the root FDT, as far as it goes */
			buf = fdt;
			len = fdt_totalsize(fdt) <= KHO_FDT_SIZE ? fdt_totalsize(fdt) : KHO_FDT_SIZE;
		} else if (where == 1) {	/* the kho_data record */
			buf = (u8 *)c->kd;
			len = sizeof(*c->kd);
		} else if (where == 2) {	/* the scratch array */
			buf = (u8 *)c->scratch;
			len = c->nr_scratch * sizeof(struct kho_scratch);
		} else {			/* the map's first page, as far as it is used */
			if (!first || !f)
				continue;
			buf = __va(first);
			len = f->head_bytes(first);
		}
		r = xorshift64(&s) % (len * 8);
		buf[r / 8] ^= (u8)(1u << (r % 8));
		pr_warn("kho.corrupt=bitflip: flipped bit %llu of %s\n", (unsigned long long)r,
			where == 0 ? "the root FDT" : where == 1 ? "kho_data" :
			where == 2 ? "the scratch array" : "the memory map's first page");
	}
	return 0;
}

/*
 * first_compound - kho_for_each_preserved() callback: the first block of
 * order > 0 that came from buddy (not a memmap backing, which is reserved
 * memory and whose own section need not go along) and lies in deferred
 * memory (below first_deferred_pfn the receiver initialises every struct
 * page early anyway, which would mend the damage before anyone looked).
 */
static int first_compound(phys_addr_t phys, unsigned int order, void *arg)
{
	u64 pfn = PHYS_PFN(phys);

	if (!order || PageReserved(pfn_to_page(pfn)) ||
	    pfn < NODE_DATA(early_pfn_to_nid(pfn))->deferred_start_pfn)
		return 0;
	*(phys_addr_t *)arg = phys;
	return 1;
}

/*
 * memmap - kho.corrupt=memmap: set PG_buddy in the second struct page of
 * the first preserved block of order > 0, whose memmap kho.memmap=handover
 * hands over: the receiver must find it and initialise that block itself.
 */
static int memmap(void)
{
	phys_addr_t phys = 0;

	if (kho_cfg.memmap != KHO_MEMMAP_HANDOVER)
		return -EINVAL;
	kho_for_each_preserved(first_compound, &phys);
	if (!phys)
		return -EINVAL;
	set_page_flag(pfn_to_page(PHYS_PFN(phys) + 1), PG_buddy);
	pr_warn("kho.corrupt=memmap: set PG_buddy in the struct page of 0x%llx\n",
		(unsigned long long)(phys + PAGE_SIZE));
	return 0;
}

/* inject - claim 2^@order pages at @phys are preserved, in the wire format sent. */
static int inject(const struct kho_corrupt_format *f, void *fdt, phys_addr_t phys,
		  unsigned int order)
{
	return f ? f->inject(fdt, phys, order) : -EINVAL;
}

/* common - the kinds that damage any wire format the same way. */
static int common(const struct kho_corrupt_format *f, const struct kho_send_ctx *c, int kind,
		  void *fdt, u64 map, u64 top)
{
	switch (kind) {
	case KHO_CORRUPT_FDT_MAGIC:		fdt_set_magic(fdt, 0xdeadbeef); return 0;
	case KHO_CORRUPT_FDT_TRUNCATED:		fdt_set_totalsize(fdt, 40); return 0;
	case KHO_CORRUPT_FDT_TOTALSIZE:		fdt_set_totalsize(fdt, 1 << 20); return 0;
	case KHO_CORRUPT_COMPATIBLE:
		return fdt_setprop_inplace(fdt, 0, "compatible", "kho-v9", 7) ? -EINVAL : 0;
	case KHO_CORRUPT_MAP_MISSING:
		return fdt_nop_property(fdt, 0, KHO_PROP_PRESERVED) ? -EINVAL : 0;
	case KHO_CORRUPT_MAP_LENGTH:		return map_length(fdt);
	case KHO_CORRUPT_MAP_ZERO:		return kho_corrupt_set_map(fdt, 0);
	case KHO_CORRUPT_MAP_OUTSIDE_RAM:	return kho_corrupt_set_map(fdt, top);
	case KHO_CORRUPT_MAP_UNALIGNED:		return kho_corrupt_set_map(fdt, map + 8);
	case KHO_CORRUPT_BLOCK_IN_SCRATCH:	return inject(f, fdt, c->scratch[0].addr, 0);
	case KHO_CORRUPT_BLOCK_ON_KERNEL:	return inject(f, fdt, c->next_kernel_phys, 0);
	case KHO_CORRUPT_BLOCK_ON_HANDOFF:
		return inject(f, fdt, ALIGN_DOWN(c->handoff_phys, PAGE_SIZE), 0);
	case KHO_CORRUPT_SCRATCH_OUTSIDE_RAM:	c->scratch[1].addr = top; return 0;
	case KHO_CORRUPT_SCRATCH_OVERLAP:	c->scratch[2] = c->scratch[1]; return 0;
	case KHO_CORRUPT_SCRATCH_ZERO:		c->scratch[0].size = 0; return 0;
	case KHO_CORRUPT_FDT_SIZE:		c->kd->fdt_size = 2 * KHO_FDT_SIZE; return 0;
	case KHO_CORRUPT_BITFLIP:		return bitflip(f, c, fdt);
	case KHO_CORRUPT_MEMMAP:		return memmap();
	default:				return -EINVAL;
	}
}

/* kho_corrupt_apply - see kho_corrupt.h. */
int kho_corrupt_apply(const struct kho_send_ctx *c)
{
	void *fdt = __va(c->kd->fdt_addr);
	u64 map = kho_corrupt_map_of(fdt), top = ALIGN_UP(c->phys_top, PUD_SIZE) + PUD_SIZE;
	const struct kho_corrupt_format *f = format_of(c->abi);
	int kind = kho_corrupt_cfg.kind, err;

	if (kind == KHO_CORRUPT_NONE)
		return 0;
	err = f ? f->apply(kind, c, fdt, map, top) : KHO_CORRUPT_OTHER;
	if (err == KHO_CORRUPT_OTHER)	/* not a kind of the format's own */
		err = common(f, c, kind, fdt, map, top);
	if (err)
		pr_err("kho.corrupt=%s does not apply to this %s handoff\n", kho_corrupt_names[kind],
		       c->abi->compatible);
	else
		pr_warn("kho.corrupt=%s applied to the handoff; the next generation must reject it\n",
			kho_corrupt_names[kind]);
	return err;
}
