/*
 * kho/corrupt.c - fault injection in the sending kernel (kho.corrupt=KIND).
 *
 * DOC: KHO fault injection
 *
 * Each kind damages the finished handoff in one specific way, right before
 * the kexec, so that the next generation's all-or-nothing validation
 * (kho/early.c) can be shown to catch exactly that defect: print the reason,
 * "disabling KHO revival", boot cold, pass its own checks and give a
 * verdict.  The next generation knows (the command line is inherited) and
 * passes only if it rejected the handoff, or, for the random "bitflip"
 * kind, if it rejected it or every preserved byte still verified.
 * docs/robustness.md lists the kinds and what each checks.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_corrupt.h>
#include <kho/kho.h>
#include <mm/page_alloc.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

const char *const kho_corrupt_names[] = {
	"none", "fdt-magic", "fdt-truncated", "fdt-totalsize", "compatible",
	"map-missing", "map-length", "map-zero", "map-outside-ram", "map-unaligned",
	"chunk-cycle", "chunk-num-elms", "chunk-order", "bitmap-outside-ram",
	"block-in-scratch", "block-on-kernel", "block-on-handoff", "block-overlap",
	"scratch-outside-ram", "scratch-overlap", "scratch-zero", "fdt-size", "bitflip",
	NULL,
};

_Static_assert(sizeof(kho_corrupt_names) / sizeof(kho_corrupt_names[0]) == KHO_CORRUPT_NR + 1,
	       "a name per kind");

struct kho_corrupt_config kho_corrupt_cfg = { .seed = 1, .bits = 8 };

static u8 fdt_tmp[2 * KHO_FDT_SIZE] __attribute__((aligned(8)));

/* map_of - the preserved-memory-map value of the root FDT (0 if none). */
static u64 map_of(const void *fdt)
{
	int len;
	const void *p = fdt_getprop(fdt, 0, KHO_PROP_PRESERVED, &len);
	u64 v = 0;

	if (p && len == 8)
		memcpy(&v, p, 8);
	return v;
}

/* set_map - rewrite preserved-memory-map in place (native byte order). */
static int set_map(void *fdt, u64 v)
{
	return fdt_setprop_inplace(fdt, 0, KHO_PROP_PRESERVED, &v, 8) ? -EINVAL : 0;
}

/* last_chunk - the last chunk of the list starting at @first (not NULL). */
static struct khoser_mem_chunk *last_chunk(u64 first)
{
	struct khoser_mem_chunk *c = __va(first);

	for (int n = 0; c->hdr.next && n < 100000; n++)
		c = __va(c->hdr.next);
	return c;
}

/* append_chunk - add a chunk of @order with one bitmap entry at the end of the list. */
static int append_chunk(void *fdt, unsigned int order, struct khoser_mem_bitmap_ptr e)
{
	struct page *p = alloc_pages(0, -1);
	struct khoser_mem_chunk *c;
	u64 first = map_of(fdt);

	if (!p)
		return -ENOMEM;
	c = page_address(p);
	memset(c, 0, PAGE_SIZE);
	c->hdr.order = order;
	c->hdr.num_elms = 1;
	c->bitmaps[0] = e;
	if (first)
		last_chunk(first)->hdr.next = page_to_pfn(p) << PAGE_SHIFT;
	else
		return set_map(fdt, page_to_pfn(p) << PAGE_SHIFT);
	return 0;
}

/* inject_block - make the list claim the page at @phys is preserved (order 0). */
static int inject_block(void *fdt, phys_addr_t phys)
{
	struct page *bp = alloc_pages(0, -1);
	u64 pfn = PHYS_PFN(phys), *bits;
	struct khoser_mem_bitmap_ptr e;

	if (!bp)
		return -ENOMEM;
	bits = page_address(bp);
	memset(bits, 0, PAGE_SIZE);
	bits[(pfn % PRESERVE_BITS) / 64] |= 1ULL << (pfn % 64);
	e.phys_start = (pfn / PRESERVE_BITS) * PRESERVE_BITS << PAGE_SHIFT;
	e.bitmap = page_to_pfn(bp) << PAGE_SHIFT;
	pr_warn("kho.corrupt: claiming 0x%llx is preserved\n", (unsigned long long)phys);
	return append_chunk(fdt, 0, e);
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

/* rand64 - xorshift for bitflip. */
static u64 rand64(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* bitflip - flip kho_corrupt_cfg.bits random bits in the handoff's data structures. */
static int bitflip(const struct kho_corrupt_ctx *c, void *fdt)
{
	u64 s = kho_corrupt_cfg.seed ? kho_corrupt_cfg.seed : 1, first = map_of(fdt);

	for (u64 i = 0; i < kho_corrupt_cfg.bits; i++) {
		u64 r = rand64(&s), where = r % 4;
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
		} else {			/* the first chunk's header and pointers */
			if (!first)
				continue;
			buf = __va(first);
			len = 16 + 16 * (u64)((struct khoser_mem_chunk *)buf)->hdr.num_elms;
		}
		r = rand64(&s) % (len * 8);
		buf[r / 8] ^= (u8)(1u << (r % 8));
		pr_warn("kho.corrupt=bitflip: flipped bit %llu of %s\n", (unsigned long long)r,
			where == 0 ? "the root FDT" : where == 1 ? "kho_data" :
			where == 2 ? "the scratch array" : "the first chunk");
	}
	return 0;
}

/* kho_corrupt_apply - see kho_corrupt.h. */
int kho_corrupt_apply(const struct kho_corrupt_ctx *c)
{
	void *fdt = __va(c->kd->fdt_addr);
	u64 map = map_of(fdt), top = ALIGN_UP(c->phys_top, PUD_SIZE) + PUD_SIZE;
	struct khoser_mem_chunk *first = map ? __va(map) : NULL;
	int kind = kho_corrupt_cfg.kind, err = 0;

	if (kind == KHO_CORRUPT_NONE)
		return 0;
	if (!first && kind >= KHO_CORRUPT_CHUNK_CYCLE && kind <= KHO_CORRUPT_BITMAP_OUTSIDE_RAM)
		return -EINVAL;		/* nothing preserved: no chunk to damage */
	switch (kind) {
	case KHO_CORRUPT_FDT_MAGIC:		fdt_set_magic(fdt, 0xdeadbeef); break;
	case KHO_CORRUPT_FDT_TRUNCATED:		fdt_set_totalsize(fdt, 40); break;
	case KHO_CORRUPT_FDT_TOTALSIZE:		fdt_set_totalsize(fdt, 1 << 20); break;
	case KHO_CORRUPT_COMPATIBLE:
		err = fdt_setprop_inplace(fdt, 0, "compatible", "kho-v9", 7) ? -EINVAL : 0;
		break;
	case KHO_CORRUPT_MAP_MISSING:
		err = fdt_nop_property(fdt, 0, KHO_PROP_PRESERVED) ? -EINVAL : 0;
		break;
	case KHO_CORRUPT_MAP_LENGTH:		err = map_length(fdt); break;
	case KHO_CORRUPT_MAP_ZERO:		err = set_map(fdt, 0); break;
	case KHO_CORRUPT_MAP_OUTSIDE_RAM:	err = set_map(fdt, top); break;
	case KHO_CORRUPT_MAP_UNALIGNED:		err = set_map(fdt, map + 8); break;
	case KHO_CORRUPT_CHUNK_CYCLE:		last_chunk(map)->hdr.next = map; break;
	case KHO_CORRUPT_CHUNK_NUM_ELMS:	first->hdr.num_elms = KHOSER_BITMAP_SIZE + 1; break;
	case KHO_CORRUPT_CHUNK_ORDER:		first->hdr.order = KHO_MAX_ORDER + 1; break;
	case KHO_CORRUPT_BITMAP_OUTSIDE_RAM:	first->bitmaps[0].bitmap = top; break;
	case KHO_CORRUPT_BLOCK_IN_SCRATCH:	err = inject_block(fdt, c->scratch[0].addr); break;
	case KHO_CORRUPT_BLOCK_ON_KERNEL:	err = inject_block(fdt, c->next_kernel_phys); break;
	case KHO_CORRUPT_BLOCK_ON_HANDOFF:
		err = inject_block(fdt, ALIGN_DOWN(c->handoff_phys, PAGE_SIZE));
		break;
	case KHO_CORRUPT_BLOCK_OVERLAP:
		err = map ? append_chunk(fdt, first->hdr.order, first->bitmaps[0]) : -EINVAL;
		break;
	case KHO_CORRUPT_SCRATCH_OUTSIDE_RAM:	c->scratch[1].addr = top; break;
	case KHO_CORRUPT_SCRATCH_OVERLAP:	c->scratch[2] = c->scratch[1]; break;
	case KHO_CORRUPT_SCRATCH_ZERO:		c->scratch[0].size = 0; break;
	case KHO_CORRUPT_FDT_SIZE:		c->kd->fdt_size = 2 * KHO_FDT_SIZE; break;
	case KHO_CORRUPT_BITFLIP:		err = bitflip(c, fdt); break;
	}
	if (!err)
		pr_warn("kho.corrupt=%s applied to the handoff; the next generation must reject it\n",
			kho_corrupt_names[kind]);
	return err;
}
