// SPDX-License-Identifier: MIT
/*
 * tools/linux-kho/init.c - /init of the Linux side of kholab's KHO rig.
 *
 * A static program that runs as PID 1 in the initramfs tools/linux-kho.sh
 * builds.  It does one of two things, chosen by words on the kernel command
 * line (docs/interop.md lists them):
 *
 *   kholab.next=PATH        kexec_file_load PATH and reboot into it, handing
 *                           over whatever KHO preserved (Linux as sender);
 *   kholab.verdict=1        (also the default) wait for test_kho's verdict
 *                           in the kernel log and report it through QEMU's
 *                           isa-debug-exit port (Linux as receiver).
 *
 * With kholab.luo=1 it first preserves the LUO test set through
 * /dev/liveupdate (luo_client.c, stage 1) and keeps its fds open until the
 * kexec; with kholab.luo=2 the LUO client's stage 2 (retrieve and check)
 * gives the verdict instead of test_kho.
 *
 * Every line it prints starts with "kho-init: ".  It never hangs: a missing
 * test_kho line becomes a fail verdict after kholab.wait seconds, and every
 * error path ends in a fail verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "luo_client.h"

/* QEMU's isa-debug-exit device, as kholab uses it (include/kholab/exitcodes.h):
 * QEMU exits with status (value << 1) | 1, i.e. 33 for pass and 35 for fail. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

/* kexec_file_load flag: load no initrd (the initrd fd is ignored). */
#define KEXEC_FILE_FLAG_NO_INITRD 0x4

#define CMDLINE_MAX 4096
#define DEFAULT_WAIT_S 20

/* What the kernel log has said so far. */
struct klog_state {
	int fd;			/* /dev/kmsg, non-blocking, or -1 */
	bool handover_found;	/* "KHO: found kexec handover data." */
	bool restore_ok;	/* "test_kho: KHO restore succeeded" */
	bool restore_failed;	/* "test_kho: KHO restore failed" */
	bool retrieve_failed;	/* "test_kho: failed to retrieve ..." */
};

/* The command-line words this program reads. */
struct init_args {
	char next[256];		/* kholab.next= */
	char next_initrd[256];	/* kholab.next_initrd= */
	char next_cmdline[CMDLINE_MAX]; /* kholab.next_cmdline=, or derived */
	bool have_next_cmdline;
	bool verdict;		/* kholab.verdict=1 */
	long wait_s;		/* kholab.wait= */
	int luo;		/* kholab.luo=1|2: the LUO client's stage, 0 none */
	char luo_skip[256];	/* kholab.luo_skip= */
	char luo_shmem[32];	/* kholab.luo_shmem= */
	char luo_expect[256];	/* kholab.luo_expect= */
};

/* init_vsay - see luo_client.h. */
void init_vsay(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "%s", prefix);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	n = (int)strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		return;
}

/* say - print one "kho-init: " line on the console (stdout, unbuffered). */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	init_vsay("kho-init: ", fmt, ap);
	va_end(ap);
}

/* finish - report the verdict and stop: write it to the isa-debug-exit port
 * (QEMU exits there); without that device power off; PID 1 never returns.
 * The console is drained first: QEMU exiting at the port write would cut
 * off whatever the serial port has not sent yet. */
static _Noreturn void finish(bool pass, const char *why)
{
	struct timespec settle = { 0, 50 * 1000 * 1000 };

	say("verdict %s: %s", pass ? "PASS" : "FAIL", why);
	tcdrain(STDOUT_FILENO);
	nanosleep(&settle, NULL);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
		outl(pass ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL, DEBUG_EXIT_PORT);
	else
		say("ioperm(0x%x) failed: %s (CONFIG_X86_IOPL_IOPERM off?)",
		    DEBUG_EXIT_PORT, strerror(errno));
	say("no isa-debug-exit device at 0x%x; powering off", DEBUG_EXIT_PORT);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_POWER_OFF, NULL);
	for (;;)
		pause();
}

/* mount_one - mount FS of type TYPE on DIR, creating DIR; returns 0 or a
 * negative errno (EBUSY, already mounted, counts as success). */
static int mount_one(const char *type, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (mount(type, dir, type, 0, NULL) != 0 && errno != EBUSY)
		return -errno;
	return 0;
}

/* read_file - read at most SIZE-1 bytes of PATH into BUF, NUL-terminated,
 * with a trailing newline removed; returns the length or a negative errno. */
static int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)got < size - 1) {
		n = read(fd, buf + got, size - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	if (got > 0 && buf[got - 1] == '\n')
		buf[--got] = '\0';
	return (int)got;
}

/* next_word - find the next command-line word in S from *POS: its raw text is
 * [*start, *end), and its value with double quotes removed is copied into
 * WORD (at most SIZE bytes with the NUL).  Returns 1 for a word, 0 at the end,
 * -ENAMETOOLONG when the word did not fit (it is skipped). */
static int next_word(const char *s, size_t *pos, size_t *start, size_t *end,
		     char *word, size_t size)
{
	size_t i = *pos, n = 0;
	bool quoted = false, fits = true;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
		i++;
	if (!s[i])
		return 0;
	*start = i;
	for (; s[i] && (quoted || (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')); i++) {
		if (s[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			word[n++] = s[i];
		else
			fits = false;
	}
	word[n] = '\0';
	*end = *pos = i;
	return fits ? 1 : -ENAMETOOLONG;
}

/* copy_value - copy VALUE into DST (SIZE bytes); returns 0 or -ENAMETOOLONG. */
static int copy_value(char *dst, size_t size, const char *value)
{
	if (strlen(value) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, value);
	return 0;
}

/* parse_args - fill A from the command line CMDLINE.  Without
 * kholab.next_cmdline, the next command line is CMDLINE minus every
 * kholab.next* word, with kholab.luo=1 turned into kholab.luo=2 (the next
 * kernel checks what this one preserved; a stage 1 never runs twice).
 * Returns 0 or a negative errno: ENAMETOOLONG for a value too long,
 * EINVAL for a kholab.luo= other than 1 or 2. */
static int parse_args(const char *cmdline, struct init_args *a)
{
	static char word[CMDLINE_MAX];
	size_t pos = 0, start, end, out = 0;
	int r, err = 0;

	memset(a, 0, sizeof(*a));
	a->wait_s = DEFAULT_WAIT_S;
	while ((r = next_word(cmdline, &pos, &start, &end, word, sizeof(word))) != 0) {
		if (r < 0) {
			err = r;
			continue;
		}
		if (!strncmp(word, "kholab.next=", 12)) {
			r = copy_value(a->next, sizeof(a->next), word + 12);
		} else if (!strncmp(word, "kholab.next_initrd=", 19)) {
			r = copy_value(a->next_initrd, sizeof(a->next_initrd), word + 19);
		} else if (!strncmp(word, "kholab.next_cmdline=", 20)) {
			r = copy_value(a->next_cmdline, sizeof(a->next_cmdline), word + 20);
			a->have_next_cmdline = true;
		} else if (!strncmp(word, "kholab.verdict=", 15)) {
			a->verdict = strcmp(word + 15, "0") != 0;
		} else if (!strncmp(word, "kholab.wait=", 12)) {
			a->wait_s = strtol(word + 12, NULL, 10);
			if (a->wait_s < 1)
				a->wait_s = DEFAULT_WAIT_S;
		} else if (!strncmp(word, "kholab.luo=", 11)) {
			a->luo = !strcmp(word + 11, "1") ? 1 : !strcmp(word + 11, "2") ? 2 : -1;
			r = a->luo < 0 ? -EINVAL : 0;
		} else if (!strncmp(word, "kholab.luo_skip=", 16)) {
			r = copy_value(a->luo_skip, sizeof(a->luo_skip), word + 16);
		} else if (!strncmp(word, "kholab.luo_shmem=", 17)) {
			r = copy_value(a->luo_shmem, sizeof(a->luo_shmem), word + 17);
		} else if (!strncmp(word, "kholab.luo_expect=", 18)) {
			r = copy_value(a->luo_expect, sizeof(a->luo_expect), word + 18);
		}
		if (r < 0)
			err = r;
	}
	if (a->have_next_cmdline)
		return err;
	/* Derive: the raw words, quotes kept, except kholab.next*; a
	 * kholab.luo=1 becomes kholab.luo=2. */
	pos = 0;
	while ((r = next_word(cmdline, &pos, &start, &end, word, sizeof(word))) != 0) {
		const char *src = cmdline + start;
		size_t len = end - start;

		if (r > 0 && !strncmp(word, "kholab.next", 11))
			continue;
		if (r > 0 && !strcmp(word, "kholab.luo=1")) {
			src = "kholab.luo=2";
			len = strlen(src);
		}
		if (out + len + 2 > sizeof(a->next_cmdline))
			return -ENAMETOOLONG;
		if (out)
			a->next_cmdline[out++] = ' ';
		memcpy(a->next_cmdline + out, src, len);
		out += len;
	}
	a->next_cmdline[out] = '\0';
	return err;
}

/* klog_open - open /dev/kmsg for reading from the start of the log, creating
 * the device node when the initramfs has none; returns 0 or a negative errno. */
static int klog_open(struct klog_state *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0 && errno == ENOENT &&
	    mknod("/dev/kmsg", S_IFCHR | 0600, makedev(1, 11)) == 0)
		k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return k->fd < 0 ? -errno : 0;
}

/* klog_note - look at one log message MSG and remember what it says; the KHO
 * and test_kho lines are echoed so the serial log shows them whatever the
 * console loglevel is. */
static void klog_note(struct klog_state *k, const char *msg)
{
	bool echo = true;

	if (strstr(msg, "KHO: found kexec handover data."))
		k->handover_found = true;
	else if (strstr(msg, "test_kho: KHO restore succeeded"))
		k->restore_ok = true;
	else if (strstr(msg, "test_kho: KHO restore failed"))
		k->restore_failed = true;
	else if (strstr(msg, "test_kho: failed to retrieve"))
		k->retrieve_failed = true;
	else
		echo = !strncmp(msg, "KHO: ", 5) || !strncmp(msg, "test_kho: ", 10) ||
		       !strncmp(msg, "luo: ", 5) || !strncmp(msg, "memfd_luo: ", 11);
	if (echo)
		say("kernel log: %s", msg);
}

/* klog_drain - read every log record not read yet; returns 0 or a negative
 * errno (EAGAIN, no more records, is success). */
static int klog_drain(struct klog_state *k)
{
	char rec[8192];
	ssize_t n;
	char *msg, *nl;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EPIPE || errno == EINTR)
				continue;	/* records overwritten: go on */
			return -errno;
		}
		if (n == 0)
			return 0;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then optional " KEY=value" lines. */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		klog_note(k, msg);
	}
}

/* klog_decided - true once test_kho has said how the restore went. */
static bool klog_decided(const struct klog_state *k)
{
	return k->restore_ok || k->restore_failed || k->retrieve_failed;
}

/* now_s - CLOCK_MONOTONIC in seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* test_kho_verdict - wait up to A->wait_s seconds for test_kho's restore
 * line; true for a pass, with the reason in *WHY either way. */
static bool test_kho_verdict(struct klog_state *k, const struct init_args *a, const char **why)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	double deadline = now_s() + (double)a->wait_s;
	int err;

	say("waiting up to %ld s for test_kho's restore line", a->wait_s);
	for (;;) {
		err = klog_drain(k);
		if (err) {
			say("reading /dev/kmsg failed: %s", strerror(-err));
			*why = "cannot read the kernel log";
			return false;
		}
		if (klog_decided(k) || now_s() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	if (!k->handover_found)
		say("no 'KHO: found kexec handover data.' line: this kernel received no KHO handoff");
	*why = "test_kho: KHO restore succeeded";
	if (k->restore_ok && !k->restore_failed)
		return true;
	if (k->restore_failed) {
		*why = "test_kho: KHO restore failed";
		return false;
	}
	if (k->retrieve_failed) {
		*why = "test_kho could not retrieve its kho_test subtree";
		return false;
	}
	say("no 'test_kho: KHO restore succeeded|failed' line within %ld s", a->wait_s);
	*why = "test_kho gave no verdict (is kho=on set, CONFIG_TEST_KEXEC_HANDOVER built in, and a handoff with kho_test received?)";
	return false;
}

/* run_verdict - finish with test_kho's verdict. */
static _Noreturn void run_verdict(struct klog_state *k, const struct init_args *a)
{
	const char *why;
	bool pass = test_kho_verdict(k, a, &why);

	finish(pass, why);
}

/* run_luo - the LUO client's stage A->luo.  Stage 1 returns when the test
 * set is preserved and a kexec (or test_kho's verdict) follows; alone, and
 * on any failure, it finishes.  Stage 2 always finishes: its result is the
 * verdict, and with an explicit kholab.verdict=1 test_kho's too. */
static void run_luo(struct klog_state *k, const struct init_args *a)
{
	static char why[1024], both[1400];
	struct luo_words w = { a->luo, a->luo_skip, a->luo_shmem, a->luo_expect };
	const char *tk;
	int r;

	klog_drain(k);
	if (a->luo == 1) {
		r = luo_stage1(&w, why, sizeof(why));
		klog_drain(k);
		if (r != 0)
			finish(false, why);
		if (!a->next[0] && !a->verdict)
			finish(true, why);
		return;
	}
	if (a->next[0])
		say("kholab.luo=2: this kernel gives the verdict; kholab.next=%s is not kexeced", a->next);
	r = luo_stage2(&w, why, sizeof(why));
	klog_drain(k);
	if (r != 0 || !a->verdict)
		finish(r == 0, why);
	r = test_kho_verdict(k, a, &tk);
	snprintf(both, sizeof(both), "%s; %s", why, tk);
	finish(r, both);
}

/* run_next - kexec_file_load A->next (with A->next_initrd, or none) and the
 * next command line, then reboot into it; finishes with a fail verdict on any
 * error, or when this kernel's own test_kho restore already failed. */
static _Noreturn void run_next(struct klog_state *k, const struct init_args *a)
{
	unsigned long flags = 0;
	int kfd, ifd = -1;
	long r;

	if (klog_drain(k) == 0 && (k->restore_failed || k->retrieve_failed))
		finish(false, "test_kho failed in this kernel; not kexecing");
	kfd = open(a->next, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		say("cannot open kholab.next=%s: %s", a->next, strerror(errno));
		finish(false, "the next kernel image is missing");
	}
	if (a->next_initrd[0] && strcmp(a->next_initrd, "none") != 0) {
		ifd = open(a->next_initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			say("cannot open kholab.next_initrd=%s: %s", a->next_initrd,
			    strerror(errno));
			finish(false, "the next initrd is missing");
		}
	} else {
		flags |= KEXEC_FILE_FLAG_NO_INITRD;
	}
	say("kexec_file_load %s, initrd %s, command line '%s'", a->next,
	    ifd >= 0 ? a->next_initrd : "none", a->next_cmdline);
	r = syscall(SYS_kexec_file_load, kfd, ifd, strlen(a->next_cmdline) + 1,
		    a->next_cmdline, flags);
	if (r != 0) {
		say("kexec_file_load failed: %s", strerror(errno));
		finish(false, "kexec_file_load refused the next kernel");
	}
	say("rebooting into %s (LINUX_REBOOT_CMD_KEXEC)", a->next);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	say("reboot(LINUX_REBOOT_CMD_KEXEC) returned: %s", strerror(errno));
	finish(false, "the kexec reboot did not happen");
}

int main(void)
{
	static char cmdline[CMDLINE_MAX];
	static struct init_args args;
	struct klog_state klog;
	int err;

	setvbuf(stdout, NULL, _IONBF, 0);
	if ((err = mount_one("proc", "/proc")) != 0)
		say("mounting proc failed: %s", strerror(-err));
	if ((err = mount_one("debugfs", "/debugfs")) != 0)
		say("mounting debugfs failed: %s", strerror(-err));
	err = read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	if (err < 0) {
		say("cannot read /proc/cmdline: %s", strerror(-err));
		finish(false, "no command line");
	}
	say("command line: %s", cmdline);
	if ((err = parse_args(cmdline, &args)) != 0) {
		say("%s", err == -EINVAL ? "kholab.luo= takes 1 or 2" : "a kholab.* value is too long");
		finish(false, "bad command line");
	}
	if ((err = klog_open(&klog)) != 0) {
		say("cannot open /dev/kmsg: %s", strerror(-err));
		finish(false, "cannot read the kernel log");
	}
	if (args.luo)
		run_luo(&klog, &args);
	if (args.next[0] && !args.verdict)
		run_next(&klog, &args);
	run_verdict(&klog, &args);
}
