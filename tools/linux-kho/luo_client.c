// SPDX-License-Identifier: MIT
/*
 * tools/linux-kho/luo_client.c - the rig's client of Linux's Live Update
 * Orchestrator, linked into /init (luo_client.h; docs/interop.md).
 *
 * LUO keeps "sessions" of files across a kexec: a process opens
 * /dev/liveupdate, creates named sessions, and hands each session memfds
 * with a 64-bit token; at the kexec Linux writes them into the KHO
 * handoff, and the next kernel gives them back by session name and token.
 *
 * Stage 1 (kholab.luo=1) makes the memfds of include/kholab/luo_spec.h
 * with their exact contents, holes, seals and file positions, asks shmem
 * for 2 MiB folios where the set says "huge" (and checks it got them),
 * and preserves them.  Stage 2 (kholab.luo=2) retrieves what it expects to
 * find, checks size, seals, position and every byte, then finishes each
 * session.  The UAPI used here: every ioctl is _IO(0xBA, nr) and takes a
 * struct whose first u32 is its own size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <kholab/luo_spec.h>

#include "luo_client.h"

/* ------------------------------------------------------------- the UAPI */

#define LUO_IOC_TYPE		0xBA
#define LUO_CREATE_SESSION	_IO(LUO_IOC_TYPE, 0x00)	/* on /dev/liveupdate */
#define LUO_RETRIEVE_SESSION	_IO(LUO_IOC_TYPE, 0x01)
#define LUO_PRESERVE_FD		_IO(LUO_IOC_TYPE, 0x40)	/* on a session fd */
#define LUO_RETRIEVE_FD		_IO(LUO_IOC_TYPE, 0x41)
#define LUO_FINISH		_IO(LUO_IOC_TYPE, 0x42)
#define LUO_GET_NAME		_IO(LUO_IOC_TYPE, 0x43)

/* CREATE_SESSION and RETRIEVE_SESSION: a name in, a session fd out. */
struct luo_session_arg {
	uint32_t size;
	int32_t fd;
	char name[LUO_NAME_LEN];
};

/* PRESERVE_FD (fd in) and RETRIEVE_FD (fd out), by token. */
struct luo_fd_arg {
	uint32_t size;
	int32_t fd;
	uint64_t token;
};

struct luo_finish_arg {
	uint32_t size;
	uint32_t reserved;
};

struct luo_name_arg {
	uint32_t size;
	uint32_t reserved;
	char name[LUO_NAME_LEN];
};

_Static_assert(sizeof(struct luo_session_arg) == 72, "session argument");
_Static_assert(__builtin_offsetof(struct luo_session_arg, name) == 8, "session name");
_Static_assert(sizeof(struct luo_fd_arg) == 16, "fd argument");
_Static_assert(__builtin_offsetof(struct luo_fd_arg, token) == 8, "fd token");
_Static_assert(sizeof(struct luo_finish_arg) == 8, "finish argument");
_Static_assert(sizeof(struct luo_name_arg) == 72, "get-name argument");

#define LUO_DEV			"/dev/liveupdate"
#define LUO_DEV_SYSFS		"/sys/class/misc/liveupdate/dev"
#define SHMEM_ENABLED		"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define HUGE_BYTES		(2 * LUO_SPEC_MIB)
#define CHUNK_BYTES		(1u << 20)

/* ---------------------------------------------------------- reporting */

/* One stage's bookkeeping: the first failure (the verdict's reason) and
 * how many there were. */
struct luo_run {
	char *why;
	size_t why_size;
	int failures;
};

/* luo_say - print one "kho-init: luo: " line (stdout is the console). */
static void luo_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void luo_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	init_vsay("kho-init: luo: ", fmt, ap);
	va_end(ap);
}

/* bad - one thing that was wrong: printed, counted, and kept as the
 * verdict's reason when it is the first. */
static void bad(struct luo_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct luo_run *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	luo_say("error: %s", msg);
	if (r->failures++ == 0)
		snprintf(r->why, r->why_size, "luo: %s", msg);
}

/* errstr - "ENOENT (No such file or directory)" for errno E. */
static const char *errstr(int e)
{
	static char buf[4][96];
	static int slot;
	const char *name = strerrorname_np(e);
	char *b = buf[slot++ % 4];

	snprintf(b, sizeof(buf[0]), "%s (%s)", name ? name : "E?", strerror(e));
	return b;
}

/* ----------------------------------------------------- files and nodes */

/* read_text - PATH's first SIZE-1 bytes into BUF without a trailing
 * newline; 0 or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* write_text - write TEXT to PATH (a sysfs file); 0 or -errno. */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = -errno;
	close(fd);
	return err;
}

/* mount_sysfs - /sys, for the device number and the shmem THP switch. */
static void mount_sysfs(void)
{
	if (mkdir("/sys", 0755) != 0 && errno != EEXIST)
		luo_say("mkdir /sys: %s", errstr(errno));
	else if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0 && errno != EBUSY)
		luo_say("mounting sysfs: %s", errstr(errno));
}

/* open_dev - open /dev/liveupdate, making the node from sysfs when the
 * initramfs has none; the fd, or -1 after bad(). */
static int open_dev(struct luo_run *r)
{
	unsigned int maj, min;
	char num[32];
	int fd, err;

	fd = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		err = read_text(LUO_DEV_SYSFS, num, sizeof(num));
		if (err) {
			bad(r, "no %s: %s is %s, so LUO registered no device (the command line needs liveupdate=on and kho=on; Linux also turns LUO off when it could not set up its state, see the kernel log)",
			    LUO_DEV, LUO_DEV_SYSFS, errstr(-err));
			return -1;
		}
		if (sscanf(num, "%u:%u", &maj, &min) != 2) {
			bad(r, "%s holds '%s', not MAJOR:MINOR", LUO_DEV_SYSFS, num);
			return -1;
		}
		if (mknod(LUO_DEV, S_IFCHR | 0600, makedev(maj, min)) != 0 && errno != EEXIST) {
			bad(r, "mknod %s (%u:%u): %s", LUO_DEV, maj, min, errstr(errno));
			return -1;
		}
		fd = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		err = errno;
		bad(r, "open %s: %s%s", LUO_DEV, errstr(err),
		    err == EIO ? ": Linux could not deserialize the incoming sessions (see the kernel log)" :
		    err == EBUSY ? ": another process holds it" : "");
		return -1;
	}
	return fd;
}

/* shmem_huge_kb - ShmemHugePages of /proc/meminfo in kB, or -1. */
static long shmem_huge_kb(void)
{
	static char text[8192];
	const char *p;

	if (read_text("/proc/meminfo", text, sizeof(text)) != 0)
		return -1;
	p = strstr(text, "ShmemHugePages:");
	return p ? strtol(p + 15, NULL, 10) : -1;
}

/* shmem_mode - the selected word of shmem_enabled ("[never]" -> never)
 * into BUF; 0 or -errno. */
static int shmem_mode(char *buf, size_t size)
{
	char text[128], *a, *b;
	int err = read_text(SHMEM_ENABLED, text, sizeof(text));

	if (err)
		return err;
	a = strchr(text, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return -EINVAL;
	*b = '\0';
	snprintf(buf, size, "%s", a + 1);
	return 0;
}

/* ------------------------------------------------------ the test set */

/* session_mask - a comma list of session names -> a bit per index of
 * luo_spec_session_names in *MASK; 0, or -1 after bad() for a name the set
 * does not have. */
static int session_mask(struct luo_run *r, const char *word, const char *list, unsigned int *mask)
{
	char copy[256], *tok, *save = NULL;
	unsigned int i;

	*mask = 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < LUO_SPEC_SESSIONS; i++)
			if (!strcmp(tok, luo_spec_session_names[i]))
				break;
		if (i == LUO_SPEC_SESSIONS) {
			bad(r, "%s names session '%s'; the test set has %s and %s", word, tok,
			    luo_spec_session_names[0], luo_spec_session_names[1]);
			return -1;
		}
		*mask |= 1u << i;
	}
	if (!*mask) {
		bad(r, "%s names no session", word);
		return -1;
	}
	return 0;
}

/* seals_want - the seals a memfd carries after F_ADD_SEALS of S: Linux adds
 * the write, grow and shrink seals to F_SEAL_EXEC on an executable memfd
 * (every memfd_create without MFD_NOEXEC_SEAL, and every retrieved one). */
static uint32_t seals_want(uint32_t s)
{
	if (s & LUO_SEAL_EXEC)
		s |= LUO_SEAL_SHRINK | LUO_SEAL_GROW | LUO_SEAL_WRITE | LUO_SEAL_FUTURE_WRITE;
	return s;
}

/* extents - M's data extents into E (the whole size when it lists none);
 * returns how many. */
static unsigned int extents(const struct luo_spec_memfd *m, struct luo_spec_extent *e)
{
	if (m->nr_extents == 0) {
		e[0].off = 0;
		e[0].len = m->size;
		return m->size ? 1 : 0;
	}
	memcpy(e, m->extents, m->nr_extents * sizeof(*e));
	return m->nr_extents;
}

static uint64_t chunk[CHUNK_BYTES / 8];

/* write_extent - M's words over [OFF, OFF+LEN) of FD; 0 or -errno. */
static int write_extent(int fd, const struct luo_spec_memfd *m, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len < CHUNK_BYTES ? (size_t)len : CHUNK_BYTES, done = 0;
		ssize_t w;

		for (size_t i = 0; i < n / 8; i++)
			chunk[i] = luo_spec_word(m, off + 8 * i);
		while (done < n) {
			w = pwrite(fd, (char *)chunk + done, n - done, (off_t)(off + done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			done += (size_t)w;
		}
		off += n;
		len -= n;
	}
	return 0;
}

static const char *name_of(const struct luo_spec_memfd *m)
{
	return luo_spec_session_names[m->session];
}

/* --------------------------------------------------------------- stage 1 */

/* What stage 1 keeps open until the kexec: closing a session fd would
 * unpreserve its memfds. */
static int dev_fd = -1;
static int session_fd[LUO_SPEC_SESSIONS] = { -1, -1 };
static int memfd_fd[LUO_SPEC_MEMFDS];

/* make_memfd - create, fill, seal, position and preserve M in session fd
 * SFD, with shmem_enabled at HUGE_MODE for a huge memfd and "never"
 * otherwise; checks it got its 2 MiB folios.  Adds its 2 MiB folios to
 * *HUGE.  0, or -1 after bad(). */
static int make_memfd(struct luo_run *r, const struct luo_spec_memfd *m, unsigned int idx,
		      int sfd, const char *huge_mode, long *huge)
{
	struct luo_spec_extent e[LUO_SPEC_MAX_EXTENTS];
	struct luo_fd_arg arg;
	const char *mode = m->huge ? huge_mode : "never";
	char label[64];
	long kb0, kb1, got, want = m->huge ? (long)(m->size / HUGE_BYTES) : 0;
	unsigned int n, i;
	int fd, err, seals;
	off_t pos;

	snprintf(label, sizeof(label), "%s token 0x%llx", name_of(m), (unsigned long long)m->token);
	err = write_text(SHMEM_ENABLED, mode);
	if (err) {
		bad(r, "%s: writing '%s' to %s: %s (CONFIG_TRANSPARENT_HUGEPAGE off?)", label, mode,
		    SHMEM_ENABLED, errstr(-err));
		return -1;
	}
	kb0 = shmem_huge_kb();
	fd = memfd_create(label, MFD_ALLOW_SEALING);
	if (fd < 0) {
		bad(r, "%s: memfd_create: %s", label, errstr(errno));
		return -1;
	}
	memfd_fd[idx] = fd;
	if (ftruncate(fd, (off_t)m->size) != 0) {
		bad(r, "%s: ftruncate to %llu: %s", label, (unsigned long long)m->size, errstr(errno));
		return -1;
	}
	n = extents(m, e);
	for (i = 0; i < n; i++) {
		err = write_extent(fd, m, e[i].off, e[i].len);
		if (err) {
			bad(r, "%s: writing bytes 0x%llx..0x%llx: %s", label, (unsigned long long)e[i].off,
			    (unsigned long long)(e[i].off + e[i].len), errstr(-err));
			return -1;
		}
	}
	if (m->seals && fcntl(fd, F_ADD_SEALS, (int)m->seals) != 0) {
		bad(r, "%s: F_ADD_SEALS 0x%x: %s", label, m->seals, errstr(errno));
		return -1;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (uint32_t)seals != seals_want(m->seals)) {
		bad(r, "%s: F_GET_SEALS gives 0x%x (%s), want 0x%x", label, seals,
		    seals < 0 ? errstr(errno) : "ok", seals_want(m->seals));
		return -1;
	}
	pos = lseek(fd, (off_t)luo_spec_pos(m), SEEK_SET);
	if (pos != (off_t)luo_spec_pos(m)) {
		bad(r, "%s: lseek to %llu: %s", label, (unsigned long long)luo_spec_pos(m), errstr(errno));
		return -1;
	}
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.fd = fd;
	arg.token = m->token;
	if (ioctl(sfd, LUO_PRESERVE_FD, &arg) != 0) {
		bad(r, "%s: PRESERVE_FD: %s", label, errstr(errno));
		return -1;
	}
	kb1 = shmem_huge_kb();
	got = kb0 < 0 || kb1 < 0 ? -1 : (kb1 - kb0) / 2048;
	luo_say("preserved %s: %llu bytes in %u data extent%s, seals 0x%x, pos %llu, %ld 2 MiB folio%s (shmem_enabled %s)",
		label, (unsigned long long)m->size, n, n == 1 ? "" : "s", (unsigned int)seals,
		(unsigned long long)luo_spec_pos(m), got, got == 1 ? "" : "s", mode);
	if (got != want) {
		if (kb0 < 0 || kb1 < 0)
			bad(r, "%s: /proc/meminfo has no ShmemHugePages line, so the 2 MiB folios cannot be counted (CONFIG_TRANSPARENT_HUGEPAGE off?)", label);
		else if (m->huge)
			bad(r, "%s: shmem made %ld 2 MiB folios, want %ld, one per whole 2 MiB of the size (ShmemHugePages %ld -> %ld kB with shmem_enabled=%s; within_size, the default, gives exactly that; always also puts a partial tail in one)",
			    label, got, want, kb0, kb1, mode);
		else
			bad(r, "%s: shmem made %ld 2 MiB folios for a memfd of small folios (shmem_enabled=never)", label, got);
		return -1;
	}
	*huge += got;
	return 0;
}

int luo_stage1(const struct luo_words *w, char *why, size_t why_size)
{
	struct luo_run run = { why, why_size, 0 }, *r = &run;
	const char *huge_mode = w->shmem && *w->shmem ? w->shmem : "within_size";
	unsigned int skip = 0, i, made = 0, sessions = 0;
	char before[32] = "never";
	uint64_t bytes = 0;
	long huge = 0;
	int err;

	why[0] = '\0';
	for (i = 0; i < LUO_SPEC_MEMFDS; i++)
		memfd_fd[i] = -1;
	luo_say("stage 1: preserving the test set of luo_spec.h (%d sessions, %zu memfds) through %s",
		LUO_SPEC_SESSIONS, LUO_SPEC_MEMFDS, LUO_DEV);
	mount_sysfs();
	if (w->skip && *w->skip && session_mask(r, "kholab.luo_skip", w->skip, &skip) != 0)
		return -1;
	err = shmem_mode(before, sizeof(before));
	if (err) {
		bad(r, "reading %s: %s (CONFIG_TRANSPARENT_HUGEPAGE off?)", SHMEM_ENABLED, errstr(-err));
		return -1;
	}
	dev_fd = open_dev(r);
	if (dev_fd < 0)
		return -1;
	for (i = 0; i < LUO_SPEC_SESSIONS; i++) {
		struct luo_session_arg arg;

		if (skip & (1u << i)) {
			luo_say("session %s: left out (kholab.luo_skip)", luo_spec_session_names[i]);
			continue;
		}
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		snprintf(arg.name, sizeof(arg.name), "%s", luo_spec_session_names[i]);
		if (ioctl(dev_fd, LUO_CREATE_SESSION, &arg) != 0) {
			bad(r, "CREATE_SESSION %s: %s", arg.name, errstr(errno));
			return -1;
		}
		session_fd[i] = arg.fd;
		sessions++;
		luo_say("session %s: created (fd %d)", arg.name, arg.fd);
	}
	for (i = 0; i < LUO_SPEC_MEMFDS; i++) {
		const struct luo_spec_memfd *m = &luo_spec_memfds[i];

		if (skip & (1u << m->session))
			continue;
		if (make_memfd(r, m, i, session_fd[m->session], huge_mode, &huge) != 0) {
			write_text(SHMEM_ENABLED, before);
			return -1;
		}
		made++;
		bytes += m->size;
	}
	err = write_text(SHMEM_ENABLED, before);
	if (err)
		luo_say("putting shmem_enabled back to %s: %s", before, errstr(-err));
	luo_say("stage 1 done: %u session%s, %u memfds, %llu bytes, %ld 2 MiB folio%s preserved (ShmemHugePages %ld kB); holding the fds until the kexec",
		sessions, sessions == 1 ? "" : "s", made, (unsigned long long)bytes, huge,
		huge == 1 ? "" : "s", shmem_huge_kb());
	snprintf(why, why_size, "luo: stage 1 preserved %u session%s, %u memfds (%ld 2 MiB folio%s)",
		 sessions, sessions == 1 ? "" : "s", made, huge, huge == 1 ? "" : "s");
	return 0;
}

/* --------------------------------------------------------------- stage 2 */

/* check_contents - every word of FD against M; 0, or -1 after bad(). */
static int check_contents(struct luo_run *r, const char *label, int fd, const struct luo_spec_memfd *m)
{
	uint64_t off = 0, wrong = 0, zero = 0, first = 0, got0 = 0, want0 = 0;

	while (off < m->size) {
		size_t n = m->size - off < CHUNK_BYTES ? (size_t)(m->size - off) : CHUNK_BYTES, done = 0;
		ssize_t g;

		while (done < n) {
			g = pread(fd, (char *)chunk + done, n - done, (off_t)(off + done));
			if (g < 0 && errno == EINTR)
				continue;
			if (g < 0) {
				bad(r, "%s: reading at 0x%llx: %s", label,
				    (unsigned long long)(off + done), errstr(errno));
				return -1;
			}
			if (g == 0) {
				bad(r, "%s: end of file at 0x%llx, want %llu bytes", label,
				    (unsigned long long)(off + done), (unsigned long long)m->size);
				return -1;
			}
			done += (size_t)g;
		}
		for (size_t i = 0; i < n / 8; i++) {
			uint64_t want = luo_spec_word(m, off + 8 * i);

			if (chunk[i] == want)
				continue;
			if (wrong++ == 0) {
				first = off + 8 * i;
				got0 = chunk[i];
				want0 = want;
			}
			zero += chunk[i] == 0;
		}
		off += n;
	}
	if (wrong) {
		bad(r, "%s: %llu of %llu words wrong (%llu of them zero%s); the first at byte 0x%llx holds 0x%016llx, want 0x%016llx",
		    label, (unsigned long long)wrong, (unsigned long long)(m->size / 8),
		    (unsigned long long)zero,
		    zero == wrong ? ": a folio handed over at a smaller order reads as zeros past its end" : "",
		    (unsigned long long)first, (unsigned long long)got0, (unsigned long long)want0);
		return -1;
	}
	return 0;
}

/* check_memfd - retrieve M from session fd SFD and check it; 0, or -1
 * after bad(). */
static int check_memfd(struct luo_run *r, const struct luo_spec_memfd *m, int sfd)
{
	struct luo_fd_arg arg;
	struct stat st;
	char label[64];
	int seals, failures = r->failures;
	off_t pos;

	snprintf(label, sizeof(label), "%s token 0x%llx", name_of(m), (unsigned long long)m->token);
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.token = m->token;
	if (ioctl(sfd, LUO_RETRIEVE_FD, &arg) != 0) {
		bad(r, "%s: RETRIEVE_FD: %s", label, errstr(errno));
		return -1;
	}
	if (fstat(arg.fd, &st) != 0)
		bad(r, "%s: fstat: %s", label, errstr(errno));
	else if ((uint64_t)st.st_size != m->size)
		bad(r, "%s: size %lld, want %llu", label, (long long)st.st_size, (unsigned long long)m->size);
	seals = fcntl(arg.fd, F_GET_SEALS);
	if (seals < 0)
		bad(r, "%s: F_GET_SEALS: %s", label, errstr(errno));
	else if ((uint32_t)seals != seals_want(m->seals))
		bad(r, "%s: seals 0x%x, want 0x%x", label, seals, seals_want(m->seals));
	pos = lseek(arg.fd, 0, SEEK_CUR);
	if (pos < 0)
		bad(r, "%s: lseek(SEEK_CUR): %s", label, errstr(errno));
	else if ((uint64_t)pos != luo_spec_pos(m))
		bad(r, "%s: file position %lld, want %llu", label, (long long)pos,
		    (unsigned long long)luo_spec_pos(m));
	if (r->failures == failures && check_contents(r, label, arg.fd, m) == 0)
		luo_say("%s: intact: %llu bytes (%llu words checked), seals 0x%x, pos %llu",
			label, (unsigned long long)m->size, (unsigned long long)(m->size / 8),
			(unsigned int)seals, (unsigned long long)luo_spec_pos(m));
	/* Kept open until stage 2 ends, so that ShmemHugePages still counts
	 * its folios then. */
	memfd_fd[m - luo_spec_memfds] = arg.fd;
	return r->failures == failures ? 0 : -1;
}

/* check_session - session I retrieved as SFD: its name, its memfds, then
 * FINISH; adds the memfds and bytes checked to *MEMFDS and *BYTES. */
static void check_session(struct luo_run *r, unsigned int i, int sfd, unsigned int *memfds,
			  uint64_t *bytes)
{
	const char *name = luo_spec_session_names[i];
	struct luo_finish_arg fin = { sizeof(fin), 0 };
	struct luo_name_arg nm;

	memset(&nm, 0, sizeof(nm));
	nm.size = sizeof(nm);
	if (ioctl(sfd, LUO_GET_NAME, &nm) != 0)
		bad(r, "session %s: GET_NAME: %s", name, errstr(errno));
	else if (strncmp(nm.name, name, sizeof(nm.name)) != 0)
		bad(r, "session %s: GET_NAME says '%.*s'", name, (int)sizeof(nm.name), nm.name);
	for (unsigned int k = 0; k < LUO_SPEC_MEMFDS; k++) {
		const struct luo_spec_memfd *m = &luo_spec_memfds[k];

		if (m->session != i)
			continue;
		if (check_memfd(r, m, sfd) == 0) {
			(*memfds)++;
			*bytes += m->size;
		}
	}
	if (ioctl(sfd, LUO_FINISH, &fin) != 0)
		bad(r, "session %s: FINISH: %s", name, errstr(errno));
	else
		luo_say("session %s: finished", name);
}

int luo_stage2(const struct luo_words *w, char *why, size_t why_size)
{
	struct luo_run run = { why, why_size, 0 }, *r = &run;
	const char *expect = w->expect && *w->expect ? w->expect : "all";
	unsigned int absent = 0, intact = 0, memfds = 0, gone = 0, i;
	uint64_t bytes = 0;
	long kb, huge_want = 0;
	int fd;

	why[0] = '\0';
	for (i = 0; i < LUO_SPEC_MEMFDS; i++)
		memfd_fd[i] = -1;
	luo_say("stage 2: retrieving the test set of luo_spec.h; kholab.luo_expect=%s", expect);
	mount_sysfs();
	if (!strcmp(expect, "none")) {
		absent = (1u << LUO_SPEC_SESSIONS) - 1;
	} else if (!strncmp(expect, "drop:", 5)) {
		if (session_mask(r, "kholab.luo_expect=drop:", expect + 5, &absent) != 0)
			return -1;
	} else if (strcmp(expect, "all") != 0) {
		bad(r, "kholab.luo_expect=%s: want all, none or drop:NAME[,NAME...]", expect);
		return -1;
	}
	fd = open_dev(r);
	if (fd < 0)
		return -1;
	for (i = 0; i < LUO_SPEC_SESSIONS; i++) {
		const char *name = luo_spec_session_names[i];
		bool want_absent = absent & (1u << i);
		struct luo_session_arg arg;
		int err;

		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		snprintf(arg.name, sizeof(arg.name), "%s", name);
		if (ioctl(fd, LUO_RETRIEVE_SESSION, &arg) != 0) {
			err = errno;
			if (want_absent && err == ENOENT) {
				luo_say("session %s: absent, as expected (RETRIEVE_SESSION: %s)", name, errstr(err));
				gone++;
			} else if (want_absent) {
				bad(r, "session %s: RETRIEVE_SESSION: %s, want ENOENT (kholab.luo_expect=%s says it is absent)",
				    name, errstr(err), expect);
			} else {
				bad(r, "session %s: RETRIEVE_SESSION: %s, want it intact (kholab.luo_expect=%s)",
				    name, errstr(err), expect);
			}
			continue;
		}
		if (want_absent) {
			bad(r, "session %s: RETRIEVE_SESSION succeeded (fd %d), but kholab.luo_expect=%s says it is absent",
			    name, arg.fd, expect);
		} else {
			luo_say("session %s: retrieved (fd %d)", name, arg.fd);
			intact++;
		}
		check_session(r, i, arg.fd, &memfds, &bytes);
		close(arg.fd);
	}
	close(fd);
	for (i = 0; i < LUO_SPEC_MEMFDS; i++)
		if (luo_spec_memfds[i].huge && !(absent & (1u << luo_spec_memfds[i].session)))
			huge_want += (long)(luo_spec_memfds[i].size / HUGE_BYTES);
	kb = shmem_huge_kb();
	luo_say("ShmemHugePages %ld kB with the retrieved memfds open: %ld 2 MiB folios came back (this rig's stage 1 makes %ld in the sessions expected; not checked, as another sender may use small folios)",
		kb, kb / 2048, huge_want);
	for (i = 0; i < LUO_SPEC_MEMFDS; i++)
		if (memfd_fd[i] >= 0)
			close(memfd_fd[i]);
	if (r->failures) {
		luo_say("stage 2 FAILED: %d problem%s; the first: %s", r->failures,
			r->failures == 1 ? "" : "s", why + 5);
		if (r->failures > 1) {
			char first[512];

			snprintf(first, sizeof(first), "%s", why + 5);
			snprintf(why, why_size, "luo: %d problems; the first: %s", r->failures, first);
		}
		return -1;
	}
	snprintf(why, why_size, "luo: %u session%s with %u memfds intact (%llu bytes checked), %u absent, as kholab.luo_expect=%s wants",
		 intact, intact == 1 ? "" : "s", memfds, (unsigned long long)bytes, gone, expect);
	luo_say("stage 2 done: %s", why + 5);
	return 0;
}
