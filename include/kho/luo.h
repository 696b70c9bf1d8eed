/*
 * kho/luo.h - reading, checking and handing on Linux's Live Update
 * Orchestrator state (the "LUO" node of a kho-v4 handoff).
 *
 * DOC: kholab and LUO
 *
 * kholab is not a LUO itself (it has no userspace to hand memfds to), but
 * it can be a kernel in the middle of a chain of live updates:
 *
 *   - it reads the incoming "LUO" node and checks every object it leads
 *     to (kho/luo_parse.c, kho/luo_memfd.c): each must be in the incoming
 *     KHO tree at exactly the (pfn, order) a Linux receiver needs;
 *   - it checks the contents of the memfds of the LUO test set
 *     (include/kholab/luo_spec.h) byte for byte (kho/luo.c);
 *   - it hands every session it accepted on unchanged, every object at
 *     the same (pfn, order); a session it refused is dropped, and a LUO
 *     whose top level it cannot read is dropped whole (kho/luo_relay.c),
 *     because a Linux that reads a bad "LUO" node panics at boot;
 *   - with kho.luo=make it creates the test set itself (kho/luo_make.c).
 *
 * The parser touches memory only through struct luo_mem, so the host
 * tests and the fuzzer run the same code over simulated RAM.
 */
#ifndef KHO_LUO_H
#define KHO_LUO_H

#include <kholab/types.h>
#include <kholab/luo_abi.h>

/*
 * enum luo_err - why a LUO object was refused.  What a relay drops
 * depends on where it was found: by luo_parse_top(), all of LUO; by
 * luo_check_session(), that session.
 */
enum luo_err {
	LUO_OK,
	LUO_E_NODE,		/* the node's blob: size, not preserved, wrong order */
	LUO_E_COMPAT,		/* luo_ser.compatible is not "luo-v5" */
	LUO_E_CHAIN,		/* a block of a chain not a preserved order-0 page */
	LUO_E_CYCLE,		/* a block chain loops, or is longer than LUO_MAX_BLOCKS */
	LUO_E_COUNT,		/* a block's count is 0 or more than a block holds */
	LUO_E_LIMIT,		/* more sessions or files than kholab relays */
	LUO_E_NAME,		/* name empty, unterminated or taken */
	LUO_E_FILE_COUNT,	/* file entries != file_count */
	LUO_E_FILE_COMPAT,	/* a file's handler is not "memfd-v2" */
	LUO_E_TOKEN,		/* two files with one token */
	LUO_E_SER_OUTSIDE,	/* memfd_luo_ser not at a preserved order-0 page */
	LUO_E_MEMFD,		/* memfd_luo_ser: seals, flags, size, nr_folios */
	LUO_E_VMALLOC,		/* the folio array's kho_vmalloc */
	LUO_E_FOLIO_UNPRESERVED,	/* a folio in no preserved block */
	LUO_E_FOLIO_SMALL,	/* a folio at a smaller order than the memfd needs */
	LUO_E_FOLIO_LARGE,	/* a folio at a larger order than the memfd needs */
	LUO_E_FOLIO_INDEX,	/* folio file offsets: out of order, past EOF, a hole */
	LUO_E_SHARED,		/* an object already used by another one */
	LUO_E_FLB,		/* the FLB page */
	LUO_E_CONTENT,		/* a memfd of the test set holds the wrong bytes (kho/luo.c) */
	LUO_E_FOLIO_FLAGS,	/* a folio entry's flags are not dirty|uptodate */
	LUO_E_NR
};

extern const char *const luo_err_names[LUO_E_NR];

/* struct luo_fault - the first problem found, for the log and the results. */
struct luo_fault {
	int err;			/* enum luo_err */
	u64 pa;				/* the object it is about */
	char why[224];
};

/*
 * struct luo_mem - how the parser reads the previous kernel's memory.
 * map() returns a pointer to [pa, pa + len) if that lies in RAM, else NULL;
 * block() finds the incoming preserved block that holds @pa (0, with its
 * first byte and order) or says there is none (-ENOENT).
 */
struct luo_mem {
	const void *(*map)(void *ctx, u64 pa, u64 len);
	int (*block)(void *ctx, u64 pa, u64 *head, unsigned int *order);
	void *ctx;
};

/* enum luo_obj - the kinds of preserved object LUO is made of. */
enum luo_obj {
	LUO_OBJ_SER, LUO_OBJ_SESSION_BLOCK, LUO_OBJ_FLB, LUO_OBJ_FILE_BLOCK,
	LUO_OBJ_MEMFD, LUO_OBJ_CHUNK, LUO_OBJ_ARRAY, LUO_OBJ_FOLIO, LUO_OBJ_NR
};

/* struct luo_memfd_view - one memfd, as the walk meets it. */
struct luo_memfd_view {
	const char *session;		/* its session's name */
	u64 token;
	const struct memfd_luo_ser *ser;
	u64 ser_pa;
};

/*
 * struct luo_walk_ops - what a walk reports.  object() is called once for
 * every preserved block of the walked part, with the order it has in the
 * tree; folio() for every folio of a memfd, in file order.  A non-zero
 * return stops the walk with that value (an object() that returns
 * -EEXIST is reported as LUO_E_SHARED).  Either may be NULL.
 */
struct luo_walk_ops {
	int (*object)(void *arg, enum luo_obj kind, u64 pa, unsigned int order);
	int (*folio)(void *arg, const struct luo_memfd_view *m, u64 pa, u64 index,
		     unsigned int order);
	void *arg;
};

/* struct luo_top - the top level of an incoming LUO, once luo_parse_top() accepted it. */
struct luo_top {
	const struct luo_ser *ser;
	u64 ser_pa;
	u64 nr_sessions;
	u64 nr_session_blocks;
};

/*
 * At most this many sessions, and files per session, are relayed (the
 * name and token checks compare every pair); a session past the limit,
 * or with more files, is refused on its own.
 */
#define LUO_MAX_SESSIONS	4096
#define LUO_MAX_FILES		4096

/*
 * struct luo_session_it - iterates the session entries of an accepted top
 * level (luo_session_first/next); block_pa is the block of the current one.
 */
struct luo_session_it {
	const struct luo_mem *m;
	const struct kho_block_header_ser *blk;
	u64 block_pa, in_block, index;
};

/* struct luo_counts - what a walk met. */
struct luo_counts {
	u64 sessions, files, memfds, folios, folio_bytes, objects, object_bytes;
};

/*
 * luo_parse_top - check the node's blob (@ser_pa, @blob_size), luo_ser,
 * the session block chain and the FLB page.
 *
 * Return: 0 and @t filled, or -EINVAL with @f saying why (the whole LUO
 * is unusable then).
 */
int luo_parse_top(const struct luo_mem *m, u64 ser_pa, u64 blob_size, struct luo_top *t,
		  struct luo_fault *f);

/* luo_walk_top - report the top-level objects (luo_ser, session blocks, FLB page). */
int luo_walk_top(const struct luo_mem *m, const struct luo_top *t, const struct luo_walk_ops *ops,
		 struct luo_fault *f);

/* luo_session_first / luo_session_next - the session entries in chain order, NULL at the end. */
const struct luo_session_ser *luo_session_first(struct luo_session_it *it, const struct luo_mem *m,
						const struct luo_top *t);
const struct luo_session_ser *luo_session_next(struct luo_session_it *it);

/*
 * luo_check_session - check session @s (the @idx-th of @t) and everything
 * it leads to; with @ops, report each of its objects and folios as well
 * (call it without ops first: a walk that fails half-way has reported
 * part of the session).  @c, if not NULL, accumulates what was met.
 *
 * Return: 0, -EINVAL with @f filled, or what an op returned.
 */
int luo_check_session(const struct luo_mem *m, const struct luo_top *t, const struct luo_session_ser *s,
		      u64 idx, const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f);

/*
 * luo_check_memfd - check one memfd (kho/luo_memfd.c): its luo_file_ser
 * @file of session @session, the memfd_luo_ser, the folio array and every
 * folio's place in the tree and in the file.
 *
 * Return: as luo_check_session().
 */
int luo_check_memfd(const struct luo_mem *m, const char *session, const struct luo_file_ser *file,
		    const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f);

/* luo_fail - fill @f (printf-style) and return -EINVAL. */
int luo_fail(struct luo_fault *f, int err, u64 pa, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* KHO_LUO_H */
