/*
 * kholab/luo_spec.h - the LUO test set: which sessions and memfds the rig's
 * userspace client (tools/linux-kho/luo_client.c, stage 1) and kholab's
 * kho.luo=make create, and what every byte of them holds, so that any
 * kernel of a chain (kholab relaying, or the client's stage 2) can check
 * them without being told anything else.
 *
 * DOC: the LUO test set
 *
 * Two sessions, six memfds between them:
 *
 *   session  token  size            what it exercises
 *   luo-a    0x11   0               nr_folios 0, an all-zero kho_vmalloc
 *   luo-a    0x12   4 KiB           one order-0 folio
 *   luo-a    0x13   2 MiB + 4 KiB   a 2 MiB folio (when shmem uses huge pages) and one page
 *   luo-b    0x21   1 MiB + 12 KiB  holes: only the extents below hold data
 *   luo-b    0x22   8 KiB           sealed (seal, shrink, grow, write)
 *   luo-b    0x23   64 MiB          many 2 MiB folios
 *
 * Each 8-byte word at byte offset off of memfd (session s, token t) holds
 * luo_pattern(s, t, off) when off lies in one of the memfd's data extents,
 * and zero elsewhere (Linux fills a hole with zeroed folios when it
 * preserves a memfd).  Every memfd's file position is luo_spec_pos().
 * Retrieval re-applies the seals; F_SEAL_EXEC would come back with the
 * write, grow and shrink seals added (Linux's memfd rule), which this set
 * avoids by not using it.
 */
#ifndef KHOLAB_LUO_SPEC_H
#define KHOLAB_LUO_SPEC_H

#include <kholab/types.h>
#include <kholab/luo_abi.h>

#define LUO_SPEC_SESSIONS	2
#define LUO_SPEC_MAX_EXTENTS	4

struct luo_spec_extent {
	u64 off, len;			/* bytes, 4 KiB aligned */
};

struct luo_spec_memfd {
	u32 session;			/* index into luo_spec_session_names */
	u64 token;
	u64 size;
	u32 seals;
	bool huge;			/* the client asks shmem for 2 MiB folios */
	u32 nr_extents;			/* 0: the whole size is data */
	struct luo_spec_extent extents[LUO_SPEC_MAX_EXTENTS];
};

static const char *const luo_spec_session_names[LUO_SPEC_SESSIONS] = { "luo-a", "luo-b" };

#define LUO_SPEC_KIB 1024ULL
#define LUO_SPEC_MIB (1024ULL * 1024ULL)

static const struct luo_spec_memfd luo_spec_memfds[] = {
	{ 0, 0x11, 0, 0, false, 0, { { 0, 0 } } },
	{ 0, 0x12, 4 * LUO_SPEC_KIB, 0, false, 0, { { 0, 0 } } },
	{ 0, 0x13, 2 * LUO_SPEC_MIB + 4 * LUO_SPEC_KIB, 0, true, 0, { { 0, 0 } } },
	{ 1, 0x21, LUO_SPEC_MIB + 12 * LUO_SPEC_KIB, 0, false, 3,
	  { { 0, 4 * LUO_SPEC_KIB }, { 400 * LUO_SPEC_KIB, 8 * LUO_SPEC_KIB },
	    { LUO_SPEC_MIB + 8 * LUO_SPEC_KIB, 4 * LUO_SPEC_KIB } } },
	{ 1, 0x22, 8 * LUO_SPEC_KIB, LUO_SEAL_SEAL | LUO_SEAL_SHRINK | LUO_SEAL_GROW | LUO_SEAL_WRITE,
	  false, 0, { { 0, 0 } } },
	{ 1, 0x23, 64 * LUO_SPEC_MIB, 0, true, 0, { { 0, 0 } } },
};

#define LUO_SPEC_MEMFDS (sizeof(luo_spec_memfds) / sizeof(luo_spec_memfds[0]))

/* luo_pattern - the word at byte offset @off (8-aligned) of memfd (@session, @token). */
static inline u64 luo_pattern(u32 session, u64 token, u64 off)
{
	u64 z = 0x6b686f6c61624c55ULL ^ ((u64)session << 56) ^ (token << 40) ^ (off >> 3);

	z += 0x9e3779b97f4a7c15ULL;			/* splitmix64's finaliser */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* luo_spec_has_data - whether byte @off of @m lies in one of its data extents. */
static inline bool luo_spec_has_data(const struct luo_spec_memfd *m, u64 off)
{
	if (off >= m->size)
		return false;
	if (m->nr_extents == 0)
		return true;
	for (u32 i = 0; i < m->nr_extents; i++)
		if (off >= m->extents[i].off && off < m->extents[i].off + m->extents[i].len)
			return true;
	return false;
}

/* luo_spec_word - what the 8-byte word at @off of @m must hold. */
static inline u64 luo_spec_word(const struct luo_spec_memfd *m, u64 off)
{
	return luo_spec_has_data(m, off) ? luo_pattern(m->session, m->token, off) : 0;
}

/* luo_spec_pos - the file position every memfd of the set is left at. */
static inline u64 luo_spec_pos(const struct luo_spec_memfd *m)
{
	return m->size / 3 + m->token;
}

/* luo_spec_find - the memfd of the set named (@session_name, @token), or NULL. */
static inline const struct luo_spec_memfd *luo_spec_find(const char *session_name, u64 token)
{
	for (u32 i = 0; i < LUO_SPEC_MEMFDS; i++) {
		const char *a = luo_spec_session_names[luo_spec_memfds[i].session], *b = session_name;

		while (*a && *a == *b)
			a++, b++;
		if (*a == *b && luo_spec_memfds[i].token == token)
			return &luo_spec_memfds[i];
	}
	return NULL;
}

#endif /* KHOLAB_LUO_SPEC_H */
