/*
 * kho/kho_internal.h - what the files of kho/ share and nobody else needs:
 * KHO's state (kho/state.c), the preserve tracker's tables (kho/preserve.c),
 * and the wire-format interface every ABI file implements (kho/abi.c).
 * Other subsystems use include/kho/kho.h; start_kernel() uses kho_boot.h.
 *
 * DOC: tracking tables
 *
 * For each order there is a sorted index of the bitmaps that exist: a
 * singly linked list of table pages, each holding up to
 * KHO_TABLE_ENTRIES {index, bitmap} pairs in ascending index, every entry
 * of a page below every entry of the next.  A bitmap is one page of
 * PRESERVE_BITS bits; bit b of bitmap i of order o stands for the block
 * whose pfn >> o is i * PRESERVE_BITS + b.  A bitmap exists only while it
 * has a bit set.  All pages come from alloc_pages(0, NUMA_NO_NODE).
 *
 * DOC: wire formats
 *
 * Everything that depends on how a handoff is laid out in memory sits
 * behind struct kho_abi: how the preserved set is encoded for the next
 * kernel, how a received one is walked, how a subtree node names its
 * blob, which pages make up the encoded map.  The preserve tracker,
 * scratch, the validation policy, deserialize, restore and the
 * kho.deferred modes are written once against this interface.  Adding a
 * format means one new kho/abi_<name>.c and one line in kho/abi.c.
 */
#ifndef KHO_KHO_INTERNAL_H
#define KHO_KHO_INTERNAL_H

#include <kholab/types.h>
#include <kholab/kho_abi.h>
#include <kho/kho.h>
#include <kho/kho_config.h>
#include <kho/kho_boot.h>
#include <kho/kho_hooks.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* ---- the preserve tracker (kho/preserve.c) ---- */

/* struct kho_bitmap_ref - one bitmap of an order: its index and page. */
struct kho_bitmap_ref {
	u64 index;
	u64 *bits;		/* direct-map address of the bitmap page */
};

#define KHO_TABLE_ENTRIES	255

/* struct kho_table_page - one page of an order's sorted bitmap index. */
struct kho_table_page {
	struct kho_table_page *next;
	u32 count;
	u32 _pad;
	struct kho_bitmap_ref ent[KHO_TABLE_ENTRIES];
};

_Static_assert(sizeof(struct kho_table_page) == 4096, "a table is one page");

/* kho_order_table - first table page of @order (NULL: nothing preserved). */
struct kho_table_page *kho_order_table(unsigned int order);

/* kho_track_lock / kho_track_unlock - the lock over all tracking state. */
void kho_track_lock(void);
void kho_track_unlock(void);

/*
 * kho_alloc_meta_pages - 2^@order pages for the handoff's own structures
 * (the root FDT, the preserved-memory map): above 1 MiB, which is always
 * scratch, and below DIRECT_MAP_MAX_GIB, because the next kernel reads
 * them before paging_init(), on entry.asm's page tables.  NULL if none.
 */
struct page *kho_alloc_meta_pages(unsigned int order);

/**
 * kho_page_alloc - one zeroed page for KHO's own use, from
 * kho_alloc_meta_pages().
 * Return: its direct-map address, or NULL when memory is out.
 */
void *kho_page_alloc(void);

/* kho_page_free - give back a page from kho_page_alloc(). */
void kho_page_free(void *va);

/* ---- state (kho/state.c) ---- */

/* The scratch areas in use this generation: [0] lowmem, [1] global, [2..] nodes. */
#define KHO_MAX_SCRATCH		KHO_HANDOFF_MAX_SCRATCH
extern struct kho_scratch kho_scratch[KHO_MAX_SCRATCH];
extern int kho_nr_scratch;

/* Free parts of the scratch areas, recorded before they are reserved for good. */
#define KHO_MAX_SCRATCH_FREE	32
extern struct kho_scratch kho_scratch_free[KHO_MAX_SCRATCH_FREE];
extern int kho_nr_scratch_free;

/* kho_note_scratch_free - record what of the scratch areas memblock has not handed out. */
void kho_note_scratch_free(void);

/* Per-boot KHO facts for the results events. */
struct kho_boot_stats {
	u64 gen;			/* this boot's generation (kho_populate()) */
	bool revived;			/* this boot received a valid handoff */
	u64 blocks, bytes;		/* preserved blocks received */
	u64 deserialize_ns;		/* kho_deserialize() on the boot CPU */
	u64 pages_inited_early;		/* struct pages kho_deserialize() initialised */
	u64 pages_inited_late;		/* struct pages initialised after SMP (restore) */
	u64 late_ns;			/* that parallel pass */
	u64 late_cpus;			/* ... and the CPUs that ran it */
	const char *rejected;		/* why a received handoff was refused, or NULL */
	bool record_found;		/* the boot info carried a KHO handoff record */
	u64 rejected_addr;
	char sender[65];		/* kexec-metadata: who handed over ("" if unknown) */
	u32 kexec_count;		/* kexec-metadata: kexecs in the chain so far (0: none) */
};
extern struct kho_boot_stats kho_stats;

/* One preserved block of a received handoff. */
struct kho_block {
	u64 phys;
	u64 size;
	bool restored;			/* taken back by its owner (kho/restore.c) */
	bool memmap_backing;		/* kho.memmap=handover: an adopted memmap's backing */
	bool luo;			/* claimed by a LUO object (kho/luo.c: one owner each) */
};

/*
 * struct kho_received - what kho_populate() accepted: the blocks sorted
 * by address, the root FDT and the wire format it was written in.  All
 * zero on a cold boot or after a rejection.  The block table is allocated
 * from the handoff's scratch once a first walk has counted the blocks
 * (kho/validate.c), so its size follows the handoff, not the kernel image
 * (which a kexec must fit in scratch too).
 */
struct kho_received {
	struct kho_block *blocks;	/* in scratch (memblock), sized by the walk */
	u64 nr_blocks, cap;
	phys_addr_t table_phys;		/* that allocation, 0 if none */
	u64 map_phys;			/* the root FDT's preserved-memory-map */
	const void *root_fdt;
	const struct kho_abi *abi;
	bool revived;
};
extern struct kho_received kho_in;

/*
 * kho_reinit_block - initialise every struct page of the received block at
 * @phys, @size bytes, and write its marker (kho/deserialize.c): what a
 * handed-over block that failed its check gets.  Return: pages initialised.
 */
u64 kho_reinit_block(phys_addr_t phys, u64 size);

/* The hooks the core calls out to, or NULL (kho_set_hooks(), kho_hooks.h). */
extern const struct kho_hooks *kho_hooks;

/* kho_received_blocks - the validated blocks, sorted by address; *@n of them. */
struct kho_block *kho_received_blocks(u64 *n);

/* kho_block_of - index of the received block that holds @pfn, or -1 (kho/restore.c). */
long kho_block_of(u64 pfn);

/* kho_received_fdt - the root FDT of a revived handoff, or NULL. */
const void *kho_received_fdt(void);

/* kho_forget_received - back to "nothing received" (a rejection, or a test). */
void kho_forget_received(void);

#ifdef KHOLAB_HOST_TEST
/* kho_reset_for_test - back to "no handoff received" (host tests, fuzzing). */
void kho_reset_for_test(void);
#endif

/* ---- wire formats (kho/abi.c, kho/abi_<name>.c) ---- */

/**
 * struct kho_walk_ops - what a wire format's walker asks its caller.
 * @ram_ok: is [phys, phys + len) RAM the receiver may read now?
 * @block:  one preserved block, in the format's order; non-zero stops the
 *          walk and is returned.  NULL for a dry run that only validates.
 * @map_page_ok: optional; NULL if a page of the encoded map itself (a
 *          chunk, bitmap, table or leaf) may be there, else what is wrong
 *          (the receiver: not in scratch, not on the handoff record)
 */
struct kho_walk_ops {
	bool (*ram_ok)(u64 phys, u64 len, void *arg);
	int (*block)(u64 phys, unsigned int order, void *arg);
	const char *(*map_page_ok)(u64 phys, void *arg);
};

/**
 * struct kho_walk_defect - the first thing a walker rejected.
 * @why:  what was wrong, e.g. "chunk not page aligned"
 * @addr: the physical address (or value) it concerns
 */
struct kho_walk_defect {
	const char *why;
	u64 addr;
};

/**
 * struct kho_abi - one wire format of the handoff.
 * @name:          the kho.abi= word, e.g. "v1"
 * @compatible:    the root FDT's compatible string, e.g. "kho-v1"
 * @encode_mem:    write the preserved set for the next kernel; *map_phys
 *                 gets the root's preserved-memory-map value
 * @free_mem:      give back what @encode_mem allocated (abandoned kexec)
 * @write_subtree: the properties of a subtree node naming the blob at
 *                 [phys, phys + size) (libfdt sequential-write @fdt)
 * @read_subtree:  read them back from node @node of a received root;
 *                 *size = 0 means "an FDT sized by its own header"
 * @subtree_defect: what a receiver says when @read_subtree refuses a node
 * @flags:         KHO_ABI_* capabilities
 * @walk_mem:      validate and walk a received map (never allocates)
 * @for_each_map_page: call @fn for every page the encoded map occupies
 *                 (the handoff dump); stops at the first non-zero return
 */
struct kho_abi {
	const char *name;
	const char *compatible;
	int (*encode_mem)(u64 *map_phys);
	void (*free_mem)(u64 map_phys);
	int (*write_subtree)(void *fdt, u64 phys, u64 size);
	int (*read_subtree)(const void *fdt, int node, u64 *phys, u64 *size);
	const char *subtree_defect;
	unsigned int flags;
	int (*walk_mem)(u64 map_phys, const struct kho_walk_ops *ops, void *arg,
			struct kho_walk_defect *defect);
	int (*for_each_map_page)(u64 map_phys, int (*fn)(u64 phys, void *arg), void *arg);
};

/*
 * KHO_ABI_METADATA - the format carries the kexec-metadata blob (the
 * sender's release and the kexecs so far): kho_finalize() adds it.
 */
#define KHO_ABI_METADATA	(1u << 0)

/* kho_abi_send - the format this kernel writes (the default one). */
const struct kho_abi *kho_abi_send(void);

/* kho_abi_find - the format whose root compatible is @compat (@len bytes
 * with its NUL, as libfdt returns it), or NULL. */
const struct kho_abi *kho_abi_find(const char *compat, int len);

/* kho_abi_names - "kho-v1" or "kho-v1, kho-v4": what a receiver accepts. */
const char *kho_abi_names(void);

/**
 * kho_build_root_fdt - write the root FDT in this kernel's wire format
 * into @buf: compatible, preserved-memory-map = @map_phys, one child node
 * per registered subtree (kho/subtree.c).
 * @buf: KHO_FDT_SIZE bytes, 8-byte aligned
 *
 * Properties hold native-byte-order u64s, as Linux writes them.
 * Return: 0; -EINVAL (logged) if a page of some subtree's blob is no
 * longer preserved; -ENOSPC if it does not fit in one page.
 */
int kho_build_root_fdt(void *buf, u64 map_phys);

/**
 * kho_parse_root_fdt - check a received root FDT and read its memory map.
 * @fdt:      the blob; @fdt_size: bytes readable at @fdt
 * @map_phys: receives preserved-memory-map
 *
 * Return: 0; -EINVAL for a bad header, a size over @fdt_size, a compatible
 * no wire format here speaks, or a memory-map property not 8 bytes long;
 * -ENOENT when the memory-map property is missing.
 */
int kho_parse_root_fdt(const void *fdt, u64 fdt_size, u64 *map_phys);

/**
 * kho_find_subtree - look up child node @name of a checked root FDT and
 * read the blob address its wire format stores there.
 * Return: 0; -ENOENT if there is no such node or property; -EINVAL if the
 * property is malformed or the root's compatible is unknown.
 */
int kho_find_subtree(const void *fdt, const char *name, u64 *phys);

/*
 * kho_fdt_u64 - the u64 property @name of @node, in native byte order
 * (KHO stores addresses raw, not as big-endian FDT cells).
 * Return: 0; -ENOENT if absent; -EINVAL if it is not exactly 8 bytes.
 */
static inline int kho_fdt_u64(const void *fdt, int node, const char *name, u64 *v)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);

	if (!p)
		return -ENOENT;
	if (len != sizeof(u64))
		return -EINVAL;
	memcpy(v, p, sizeof(u64));	/* maybe unaligned */
	return 0;
}

/* kho-v4 (kho/abi_v4.c), also used directly by the host tests. */
extern const struct kho_abi kho_abi_v4;

/* Most tree pages (tables and leaves) a kho-v4 walk visits; more is refused. */
#define KHO_V4_MAX_TREE_PAGES	8192

/*
 * Largest block order a kho-v4 receiver accepts: the largest whose size,
 * 4096 << order, fits in 64 bits.  A key can name order 52 (key 1, the
 * order bit alone); Linux's kho_preserve_pages() splits a range by
 * alignment and length only (no MAX_PAGE_ORDER cap), so an x86-64 sender
 * with 52-bit physical addresses produces up to order 40.  Whether a block
 * fits is checked like any block's: inside one memblock memory region,
 * which also keeps it on one node.  A naturally aligned block above 1 MiB
 * never straddles the 16 MiB or 4 GiB zone boundary: one that contained
 * it would start at 0.
 */
#define KHO_V4_MAX_ORDER	51

/* kho_v4_key - the radix key of the block of 2^@order pages at @phys. */
u64 kho_v4_key(u64 phys, unsigned int order);

/* kho_v4_key_decode - the block a key stands for; -EINVAL for 0 or a key >= 2^53. */
int kho_v4_key_decode(u64 key, u64 *phys, unsigned int *order);

/**
 * kho_v4_walk - validate and walk a received kho-v4 radix tree.
 * @root: the root FDT's preserved-memory-map (0 is a defect in kho-v4)
 *
 * The same contract as kho_walk_mem_map(), plus: a tree page reachable
 * twice, more than KHO_V4_MAX_TREE_PAGES pages, a root entry above 3, key
 * 0 and order 52 (above KHO_V4_MAX_ORDER: a block of 2^64 bytes) are
 * defects.
 */
int kho_v4_walk(u64 root, const struct kho_walk_ops *ops, void *arg,
		struct kho_walk_defect *defect);

/* kho-v1 (kho/abi_v1.c), also used directly by the host tests. */
extern const struct kho_abi kho_abi_v1;

/**
 * kho_serialize_mem - write the kho-v1 chunk list for what is preserved now.
 * @first_chunk_phys: receives the first chunk's address, or 0 when nothing
 *                    is preserved
 *
 * Chunks are ordinary pages (not preserved); the bitmaps they point at are
 * the live tracking bitmaps, so nothing may be (un)preserved until the
 * kexec happens or kho_free_serialized() is called.
 *
 * Return: 0, or -ENOMEM (then no chunk is left allocated).
 */
int kho_serialize_mem(u64 *first_chunk_phys);

/* kho_free_serialized - give back the chunks of an abandoned kexec (0 is fine). */
void kho_free_serialized(u64 first_chunk_phys);

/**
 * kho_walk_mem_map - validate and walk a received kho-v1 chunk list.
 * @first_chunk: the root FDT's preserved-memory-map (0 = empty list)
 * @ops:         callbacks; @ops->ram_ok is required
 * @arg:         passed to the callbacks
 * @defect:      if not NULL, receives the first defect on error
 *
 * Reads only through __va() of pages @ops->ram_ok accepted and allocates
 * nothing.  Run it once with @ops->block NULL to decide all-or-nothing,
 * then again to act.
 *
 * Return: 0; -EINVAL for a misaligned chunk, bitmap or phys_start, an
 * order > 10, num_elms > 255 or a block past the end of the address space;
 * -EFAULT for a chunk or bitmap outside RAM; -ELOOP after KHO_MAX_CHUNKS
 * chunks; or the first non-zero value of @ops->block.
 */
int kho_walk_mem_map(u64 first_chunk, const struct kho_walk_ops *ops, void *arg,
		     struct kho_walk_defect *defect);

#endif /* KHO_KHO_INTERNAL_H */
