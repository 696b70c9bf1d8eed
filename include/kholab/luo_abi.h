/*
 * kholab/luo_abi.h - the objects Linux's Live Update Orchestrator (LUO,
 * Linux 7.2 and 7.3) leaves in a kho-v4 handoff, as data.
 *
 * DOC: luo-v5 and memfd-v2
 *
 * LUO keeps userspace "sessions" of files across a kexec; the file type
 * Linux 7.2 can keep is the memfd.  What it hands over hangs off one
 * child node of the KHO root FDT, "LUO", whose blob is a struct luo_ser:
 *
 *   luo_ser ("luo-v5") --sessions_pa--> session blocks (struct luo_session_ser)
 *     each session --files--> file blocks (struct luo_file_ser, "memfd-v2")
 *       each file --data--> struct memfd_luo_ser (its own page)
 *         .folios (a struct kho_vmalloc) --> chunk pages --> the folio
 *           array (struct memfd_luo_folio_ser[nr_folios]) --> the folios
 *   luo_ser --flbs_pa--> one FLB page (struct luo_flb_header_ser + entries)
 *
 * A "block" is one 4 KiB page: a struct kho_block_header_ser, then
 * entries from byte 16; blocks chain through next (0 ends), and a
 * receiver refuses a block whose count is 0 or larger than fits, a
 * cycle, or a chain longer than LUO_MAX_BLOCKS.
 *
 * Every page above is preserved in the KHO radix tree at order 0, except
 * the folio array's pages (at the kho_vmalloc's order) and the folios
 * themselves, each at its folio order: the order of a folio is written
 * nowhere but in the tree.  All fields are little-endian and packed; the
 * sizes and offsets are pinned below.  The same layouts are used by the
 * kernel (kho/luo*.c) and by the rig's userspace client
 * (tools/linux-kho/luo_client.c) for its constants.
 */
#ifndef KHOLAB_LUO_ABI_H
#define KHOLAB_LUO_ABI_H

#include <kholab/types.h>

#define LUO_NODE_NAME		"LUO"		/* child of the KHO root FDT */
#define LUO_COMPATIBLE		"luo-v5"
#define LUO_COMPAT_LEN		8		/* the compatible field: "luo-v5" + NULs */
#define LUO_SER_SIZE		32		/* the node's blob-size */
#define LUO_MAX_BLOCKS		10000		/* longest block chain a receiver walks */
#define LUO_NAME_LEN		64		/* session names: 1-63 characters + NUL */
#define LUO_FILE_COMPAT_LEN	48
#define LUO_FLB_NAME_LEN	48
#define MEMFD_LUO_COMPATIBLE	"memfd-v2"

/* the memfd seals a memfd-v2 may carry (F_SEAL_* values) */
#define LUO_SEAL_SEAL		0x0001
#define LUO_SEAL_SHRINK		0x0002
#define LUO_SEAL_GROW		0x0004
#define LUO_SEAL_WRITE		0x0008
#define LUO_SEAL_FUTURE_WRITE	0x0010
#define LUO_SEAL_EXEC		0x0020
#define MEMFD_LUO_ALL_SEALS	0x003f

/* flags in the top 12 bits of a folio entry */
#define MEMFD_LUO_FOLIO_DIRTY		0x1
#define MEMFD_LUO_FOLIO_UPTODATE	0x2
#define MEMFD_LUO_PFN_BITS		52
#define MEMFD_LUO_PFN_MASK		((1ULL << MEMFD_LUO_PFN_BITS) - 1)

/* struct luo_ser - the "LUO" node's blob, in an order-0 page of its own. */
struct luo_ser {
	char compatible[LUO_COMPAT_LEN];	/* "luo-v5" */
	u64 liveupdate_num;		/* live updates so far, this one included */
	u64 sessions_pa;		/* first session block, 0 = no session */
	u64 flbs_pa;			/* the FLB page */
} __attribute__((packed));

/* struct kho_block_header_ser - the first 16 bytes of every block page. */
struct kho_block_header_ser {
	u64 next;			/* the next block's physical address, 0 = last */
	u64 count;			/* entries in this block, 1..LUO_*_PER_BLOCK */
} __attribute__((packed));

/* struct luo_session_ser - one session: its name and its file chain. */
struct luo_session_ser {
	char name[LUO_NAME_LEN];
	u64 files;			/* first file block, 0 = no file */
	u64 file_count;			/* entries over the whole file chain */
} __attribute__((packed));

/* struct luo_file_ser - one preserved file. */
struct luo_file_ser {
	char compatible[LUO_FILE_COMPAT_LEN];	/* its handler: "memfd-v2" */
	u64 data;			/* the handler's data: a memfd_luo_ser */
	u64 token;			/* userspace's name for the file */
} __attribute__((packed));

/* struct luo_flb_header_ser - the FLB page (kholab passes it on as is). */
struct luo_flb_header_ser {
	u64 pgcnt;
	u64 count;
} __attribute__((packed));

struct luo_flb_ser {
	char name[LUO_FLB_NAME_LEN];
	u64 data;
	u64 count;
} __attribute__((packed));

/* struct memfd_luo_folio_ser - one folio of a memfd: where, and at which page of the file. */
struct memfd_luo_folio_ser {
	u64 pfn_flags;			/* pfn in bits 0-51, MEMFD_LUO_FOLIO_* in 52-63 */
	u64 index;			/* file offset / 4096 */
} __attribute__((packed));

/* struct kho_vmalloc_ser - struct kho_vmalloc (kho_abi.h) as memfd embeds it, packed. */
struct kho_vmalloc_ser {
	u64 first;
	u32 total_pages;
	u16 flags;
	u16 order;
} __attribute__((packed));

/* struct memfd_luo_ser - a memfd's state, in an order-0 page of its own. */
struct memfd_luo_ser {
	u64 pos;			/* file position */
	u64 size;			/* i_size in bytes */
	u32 seals;			/* MEMFD_LUO_ALL_SEALS bits */
	u32 flags;			/* 0 */
	u64 nr_folios;
	struct kho_vmalloc_ser folios;	/* the folio array */
} __attribute__((packed));

#define LUO_BLOCK_BYTES		4096
#define LUO_SESSIONS_PER_BLOCK	((LUO_BLOCK_BYTES - sizeof(struct kho_block_header_ser)) / \
				 sizeof(struct luo_session_ser))
#define LUO_FILES_PER_BLOCK	((LUO_BLOCK_BYTES - sizeof(struct kho_block_header_ser)) / \
				 sizeof(struct luo_file_ser))

_Static_assert(sizeof(struct luo_ser) == LUO_SER_SIZE, "luo_ser");
_Static_assert(__builtin_offsetof(struct luo_ser, liveupdate_num) == 8, "luo_ser.liveupdate_num");
_Static_assert(__builtin_offsetof(struct luo_ser, sessions_pa) == 16, "luo_ser.sessions_pa");
_Static_assert(__builtin_offsetof(struct luo_ser, flbs_pa) == 24, "luo_ser.flbs_pa");
_Static_assert(sizeof(struct kho_block_header_ser) == 16, "block header");
_Static_assert(sizeof(struct luo_session_ser) == 80, "luo_session_ser");
_Static_assert(__builtin_offsetof(struct luo_session_ser, files) == 64, "luo_session_ser.files");
_Static_assert(__builtin_offsetof(struct luo_session_ser, file_count) == 72, "luo_session_ser.file_count");
_Static_assert(sizeof(struct luo_file_ser) == 64, "luo_file_ser");
_Static_assert(__builtin_offsetof(struct luo_file_ser, data) == 48, "luo_file_ser.data");
_Static_assert(__builtin_offsetof(struct luo_file_ser, token) == 56, "luo_file_ser.token");
_Static_assert(sizeof(struct luo_flb_header_ser) == 16, "luo_flb_header_ser");
_Static_assert(sizeof(struct luo_flb_ser) == 64, "luo_flb_ser");
_Static_assert(sizeof(struct memfd_luo_folio_ser) == 16, "memfd_luo_folio_ser");
_Static_assert(sizeof(struct kho_vmalloc_ser) == 16, "kho_vmalloc_ser");
_Static_assert(sizeof(struct memfd_luo_ser) == 48, "memfd_luo_ser");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, seals) == 16, "memfd_luo_ser.seals");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, flags) == 20, "memfd_luo_ser.flags");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, nr_folios) == 24, "memfd_luo_ser.nr_folios");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, folios) == 32, "memfd_luo_ser.folios");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, folios.total_pages) == 40, "folios.total_pages");
_Static_assert(__builtin_offsetof(struct memfd_luo_ser, folios.order) == 46, "folios.order");
_Static_assert(LUO_SESSIONS_PER_BLOCK == 51, "51 sessions per block");
_Static_assert(LUO_FILES_PER_BLOCK == 63, "63 files per block");

#endif /* KHOLAB_LUO_ABI_H */
