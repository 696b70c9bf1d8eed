/*
 * tests/host/case_runner.c - run cmocka cases one by one, each in a
 * process of its own with a time limit, so that a crash or a hang in one
 * case fails that case only.
 *
 * Every host test program is linked with -Wl,--wrap=_cmocka_run_group_tests
 * (tests/host/host.mk), so each cmocka_run_group_tests() call (and
 * CASE_TABLE_RUN(), kho_sim_run(), ...) comes here first, with the whole
 * table of cases; no test's main() needs to know.  The environment
 * chooses what happens:
 *
 *   (nothing set)            cmocka runs the group as usual, in this process
 *   KHOLAB_CASES_LIST=1      print "kholab-case: NAME" per case, run none
 *   KHOLAB_CASE_ONLY=GLOB    only the cases whose name matches GLOB (fnmatch)
 *   KHOLAB_CASES_ISOLATE=1   each case in a child process (fork), TAP output:
 *                            the case's result renumbered, then everything it
 *                            printed (stdout and stderr) as "# " lines; a
 *                            case that crashes (a signal, a sanitizer report)
 *                            or runs past the time limit is "not ok" with a
 *                            "# kholab-case: ..." line that says why, and the
 *                            next case runs as if nothing happened
 *   KHOLAB_CASE_TIMEOUT=S    the time limit per isolated case (default 30 s)
 *   KHOLAB_CASE_TIMES=1      also print each isolated case's time to stderr
 *
 * tests/lib/hosttap.py (the runner) sets KHOLAB_CASES_ISOLATE=1.  By hand:
 *	KHOLAB_CASE_ONLY=test_exhaustion build/host/test_buddy
 * runs one case in the usual way (under gdb too).
 */
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define CASE_TIMEOUT_DEFAULT	30.0
#define HEAD_BYTES		(128 * 1024)	/* a case's output kept: its start ... */
#define TAIL_BYTES		(128 * 1024)	/* ... and its end */

int __real__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown);
int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown);

/* env_on - true when $@name is set to something other than "" or "0". */
static int env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What one isolated case printed: its first HEAD_BYTES and its last TAIL_BYTES. */
struct capture {
	char head[HEAD_BYTES];
	size_t nhead;
	char tail[TAIL_BYTES];	/* a ring */
	size_t ntail;		/* bytes that went to the ring in all */
};

static void capture_add(struct capture *c, const char *p, size_t n)
{
	while (n && c->nhead < HEAD_BYTES) {
		c->head[c->nhead++] = *p++;
		n--;
	}
	for (; n; n--, p++)
		c->tail[c->ntail++ % TAIL_BYTES] = *p;
}

/* capture_text - the kept output as one malloc'd string (a note where bytes were dropped). */
static char *capture_text(const struct capture *c)
{
	size_t kept = c->ntail < TAIL_BYTES ? c->ntail : TAIL_BYTES;
	char *s = malloc(c->nhead + kept + 128), *o;

	if (!s)
		return NULL;
	memcpy(s, c->head, c->nhead);
	o = s + c->nhead;
	if (c->ntail > TAIL_BYTES) {
		o += sprintf(o, "\n[... %zu bytes of output not shown ...]\n", c->ntail - TAIL_BYTES);
		for (size_t i = 0; i < TAIL_BYTES; i++)
			*o++ = c->tail[(c->ntail + i) % TAIL_BYTES];
	} else {
		memcpy(o, c->tail, kept);
		o += kept;
	}
	*o = '\0';
	return s;
}

/* is_result - the TAP result line of a one-case run: "ok 1 ...", "not ok 1 ...". */
static const char *is_result(const char *line)
{
	if (!strncmp(line, "not ok 1", 8) && (line[8] == ' ' || !line[8]))
		return line + 8;
	if (!strncmp(line, "ok 1", 4) && (line[4] == ' ' || !line[4]))
		return line + 4;
	return NULL;
}

/* is_chatter - TAP lines of the one-case run that the parent writes itself. */
static int is_chatter(const char *line)
{
	return !strcmp(line, "1..1") || !strncmp(line, "# ok - ", 7) ||
	       !strncmp(line, "# not ok - ", 11);
}

/* emit_lines - every line of @text but the result and the chatter, as "# " lines. */
static void emit_lines(char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (is_result(line) || is_chatter(line) || !*line)
			continue;
		printf("%s%s\n", line[0] == '#' ? "" : "# ", line);
	}
}

/* run_child - the case in the child: its own output pipe, TAP, then exit. */
static void __attribute__((noreturn))
run_child(const char *group_name, const struct CMUnitTest *test, CMFixtureFunction group_setup,
	  CMFixtureFunction group_teardown, int fd)
{
	int rc;

	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	setvbuf(stdout, NULL, _IONBF, 0);	/* nothing lost in a buffer when it crashes */
	setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 1);
	rc = __real__cmocka_run_group_tests(group_name, test, 1, group_setup, group_teardown);
	exit(rc ? 1 : 0);	/* exit(), not _exit(): the leak check at exit runs per case */
}

/*
 * run_isolated - one case in a child process, at most @limit seconds.
 * Prints its TAP result as case @num.  Returns 1 when it failed.
 */
static int run_isolated(const char *group_name, const struct CMUnitTest *test, size_t num,
			CMFixtureFunction group_setup, CMFixtureFunction group_teardown, double limit)
{
	static struct capture cap;
	int fds[2], status = 0, timed_out = 0, bad;
	double start = now(), deadline = start + limit;
	const char *result = NULL;
	char *text, *copy, why[512] = "";
	pid_t pid;

	fflush(NULL);
	if (pipe(fds) || (pid = fork()) < 0) {
		printf("not ok %zu - %s\n# kholab-case: cannot start a process for it: %s\n", num,
		       test->name, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(group_name, test, group_setup, group_teardown, fds[1]);
	}
	close(fds[1]);
	cap.nhead = cap.ntail = 0;
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		double left = deadline - now();
		char buf[4096];
		ssize_t n;
		int r;

		if (!timed_out && left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
		}
		r = poll(&p, 1, timed_out ? 2000 : (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (timed_out)
				break;	/* killed, yet someone holds the pipe open */
			continue;
		}
		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		capture_add(&cap, buf, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (env_on("KHOLAB_CASE_TIMES"))
		fprintf(stderr, "kholab-case: %s %.3f s\n", test->name, now() - start);

	text = capture_text(&cap);
	copy = text ? strdup(text) : NULL;
	if (copy) {
		for (char *line = strtok(copy, "\n"); line && !result; line = strtok(NULL, "\n"))
			if (is_result(line))
				result = text + (line - copy);
	}
	if (timed_out) {
		snprintf(why, sizeof(why), "case %s ran past %.0f s: a hang? (a lock never released, "
			 "a loop that never ends); it was killed (KHOLAB_CASE_TIMEOUT=SECONDS to allow "
			 "more); what it printed:", test->name, limit);
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "case %s crashed: killed by signal %d (%s); what it printed:",
			 test->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (!result && WEXITSTATUS(status)) {
		snprintf(why, sizeof(why), "case %s crashed: its process exited with status %d before "
			 "the case finished (a sanitizer report? an exit()?); what it printed:",
			 test->name, WEXITSTATUS(status));
	} else if (!result) {
		snprintf(why, sizeof(why), "case %s reported no result (did it call exit()?); what it "
			 "printed:", test->name);
	} else if (!strncmp(result, "ok", 2) && WEXITSTATUS(status)) {
		snprintf(why, sizeof(why), "case %s passed, but its process then exited with status %d "
			 "(a leak or a sanitizer report at exit?); what it printed:", test->name,
			 WEXITSTATUS(status));
	}
	bad = *why || result[0] == 'n';
	if (*why) {
		printf("not ok %zu - %s\n# kholab-case: %s\n", num, test->name, why);
	} else {
		const char *rest = is_result(result);
		size_t len = strcspn(rest, "\n");

		printf("%s %zu%.*s\n", result[0] == 'n' ? "not ok" : "ok", num, (int)len, rest);
	}
	if (text)
		emit_lines(text);
	free(copy);
	free(text);
	fflush(stdout);
	return bad;
}

/* case_timeout - $KHOLAB_CASE_TIMEOUT, or the default. */
static double case_timeout(void)
{
	const char *v = getenv("KHOLAB_CASE_TIMEOUT");
	double t = v ? strtod(v, NULL) : 0;

	return t > 0 ? t : CASE_TIMEOUT_DEFAULT;
}

int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown)
{
	const char *only = getenv("KHOLAB_CASE_ONLY");
	struct CMUnitTest *sel;
	size_t n = 0;
	int failed = 0;

	if (env_on("KHOLAB_CASES_LIST")) {
		for (size_t i = 0; i < num_tests; i++)
			if (tests[i].test_func)
				printf("kholab-case: %s\n", tests[i].name);
		fflush(stdout);
		return 0;
	}
	sel = calloc(num_tests ? num_tests : 1, sizeof(*sel));
	if (!sel) {
		fprintf(stderr, "case_runner: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < num_tests; i++)
		if (tests[i].test_func && (!only || !strcmp(only, tests[i].name) ||
					   !fnmatch(only, tests[i].name, 0)))
			sel[n++] = tests[i];
	if (!env_on("KHOLAB_CASES_ISOLATE")) {
		failed = __real__cmocka_run_group_tests(group_name, sel, n, group_setup,
							group_teardown);
		free(sel);
		return failed;
	}
	printf("1..%zu\n", n);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		failed += run_isolated(group_name, &sel[i], i + 1, group_setup, group_teardown,
				       case_timeout());
	printf("# %s - %s\n", failed ? "not ok" : "ok", group_name);
	fflush(stdout);
	free(sel);
	return failed;
}
