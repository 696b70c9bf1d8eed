/*
 * kernel/tsc.c - the TSC rate: from CPUID when CPUID states it and a short
 * PIT measurement agrees, otherwise measured against the 8254 PIT.
 *
 * CPUID sources, in order of preference (a zero in any field means "not
 * given"; the basic leaves are read only up to CPUID 0's EAX):
 *   cpuid15     leaf 0x15: TSC = crystal Hz (ECX) * EBX / EAX; ECX = 0
 *               means the crystal is not enumerated and the leaf is unused
 *   hypervisor  leaf 0x40000010 EAX = TSC kHz, read only when CPUID 1 ECX
 *               bit 31 (running under a hypervisor) is set and CPUID
 *               0x40000000 EAX reports a maximum leaf >= 0x40000010
 *   cpuid16     leaf 0x16 EAX: the processor's base frequency in MHz, a
 *               nominal figure that is often near the TSC rate, not on it
 * A CPUID figure is a claim about the hardware, and under QEMU TCG the
 * claim is about a different machine: the guest TSC is the host's TSC
 * (rdtsc is emulated by reading the host's), whatever CPUID says.  So each
 * claim is checked against the PIT over CHECK_MS and rejected, with a
 * warning, when the two differ by more than AGREE_PPM (0.5%, so that a
 * CPUID rate is held to the same 0.5% as the PIT path and
 * tools/tsc_check.py); the first claim that agrees is used as is (it is
 * exact where it is true).
 *
 * What QEMU 7.2 TCG with -cpu max (run-qemu.sh's choice) reports on the
 * 2-core development host (AMD EPYC under a hypervisor, TSC 2596.150 MHz
 * per the host's Linux): CPUID 0 EAX = 0xd, so leaves 0x15 and 0x16 do not
 * exist (with -cpu max,level=0x16 they exist but state no rate); CPUID 1 ECX bit
 * 31 is set and CPUID 0x40000000 gives the signature "TCGTCGTCGTCG" with a
 * maximum leaf of 0x40000001, so there is no 0x40000010 either.  Every TCG
 * boot therefore takes the PIT path ("CPUID states no TSC rate" in the
 * log) and measures the host's TSC rate, 2596.0-2596.2 MHz here.
 *
 * PIT method: channel 2 is gated on (port 0x61 bit 0, speaker off) and
 * loaded in mode 0 with 0xffff, so it counts down for 54.9 ms.  A sample
 * pairs a latched count (counter-latch command, two byte reads) with the
 * TSC midway between an rdtsc before and after the read; of READ_TRIES
 * reads the one that took the fewest cycles is kept, and half its duration
 * is the sample's timing uncertainty.  The rate is the TSC delta over the
 * PIT-tick delta between a first sample and a later one.  Its worst-case
 * error is the two samples' uncertainties over the TSC delta plus one PIT
 * tick over the tick delta (the count is a whole number of ticks).  The
 * window is CAL_MS and grows, up to MAX_MS, until that bound is below
 * CAL_PPM; the bound is logged as the accuracy estimate.  Stalls between
 * samples (a descheduled vCPU thread) cost time but no accuracy: both
 * clocks keep running.  OUT2 rising (port 0x61 bit 5) means the counter
 * passed zero and the tick delta is ambiguous: the measurement is redone.
 *
 * Under QEMU TCG the guest TSC and the emulated PIT both follow the host
 * clock, so the result is the rate at which the guest TSC advances in
 * host time - which is what kholab's timings must be measured in.
 * tools/tsc_check.py checks it from outside the guest (docs/boot.md).
 */
#define pr_fmt(fmt) "tsc: " fmt

#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <errno.h>
#include <stdio.h>

#define PIT_HZ		1193182ULL
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_61		0x61
#define PIT_TICKS(ms)	((u32)(PIT_HZ * (ms) / 1000))

#define CHECK_MS	5	/* window for checking a CPUID rate */
#define CHECK_PPM	1000	/* ... grown until its error bound is below */
#define AGREE_PPM	5000	/* a CPUID rate this close to the PIT's is used */
#define CAL_MS		10	/* window for measuring the rate */
#define CAL_PPM		500	/* ... grown until its error bound is below */
#define MAX_MS		40	/* windows never grow past this (< 54.9 ms) */
#define READ_TRIES	4	/* counter reads per sample, the quickest kept */
#define STUCK_READS	1000	/* same count this often: no PIT is counting */
#define CAL_TRIES	3	/* measurements redone after the counter wrapped */

#define CPUID_HV_BIT	(1U << 31)	/* CPUID 1 ECX: under a hypervisor */
#define HV_BASE		0x40000000U
#define HV_TIMING	0x40000010U

u64 tsc_boot;
u64 tsc_khz;
const char *tsc_source = "none";
u64 tsc_cal_ns;

/* One CPUID claim about the TSC rate. */
struct tsc_claim {
	const char *source;	/* tsc_source name */
	const char *what;	/* for the log */
	u64 khz;
};

/* One PIT sample: a latched count and when it was latched. */
struct pit_sample {
	u64 tsc;	/* TSC midway through the count read */
	u64 slack;	/* +- TSC cycles: half the read's duration */
	u16 count;	/* the latched count */
};

/* A rate measured between two PIT samples. */
struct pit_meas {
	u64 khz;	/* TSC kHz */
	u64 err_ppm;	/* worst-case error bound */
	u32 ticks;	/* window, PIT ticks */
	u64 cycles;	/* window, TSC cycles */
};

/*
 * cpuid_claims - fill @c (room for 3) with the TSC rates CPUID states, in
 * order of preference, and describe the leaves in @desc for the log.
 * Return: the number of claims (0 when CPUID states none).
 */
static int cpuid_claims(struct tsc_claim *c, char *desc, unsigned long len)
{
	u32 max, a, b, cx, d, hv_max = 0, hv_khz = 0, base_mhz = 0;
	u32 sig[3] = { 0 };
	char sig_str[13] = "";
	u64 crystal_khz = 0;
	bool hv;
	int n = 0, k;

	cpuid(0, 0, &max, &b, &cx, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &cx, &d);
		if (a && b && cx)
			crystal_khz = (u64)cx * b / a / 1000;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &cx, &d);
		base_mhz = a & 0xffff;
	}
	cpuid(1, 0, &a, &b, &cx, &d);
	hv = cx & CPUID_HV_BIT;
	if (hv) {
		cpuid(HV_BASE, 0, &hv_max, &sig[0], &sig[1], &sig[2]);
		for (int i = 0; i < 12; i++) {	/* printable or '.' */
			u8 ch = (u8)(sig[i / 4] >> (i % 4 * 8));

			sig_str[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
		}
		if (hv_max >= HV_TIMING && hv_max < HV_BASE + 0x10000) {
			cpuid(HV_TIMING, 0, &a, &b, &cx, &d);
			hv_khz = a;
		}
	}

	if (crystal_khz)
		c[n++] = (struct tsc_claim){ "cpuid15", "CPUID leaf 0x15", crystal_khz };
	if (hv_khz)
		c[n++] = (struct tsc_claim){ "hypervisor", "CPUID leaf 0x40000010", hv_khz };
	if (base_mhz)
		c[n++] = (struct tsc_claim){ "cpuid16", "CPUID leaf 0x16", (u64)base_mhz * 1000 };

	k = snprintf(desc, len, "max basic leaf 0x%x (0x15 %s, 0x16 %s); ", max,
		     max < 0x15 ? "absent" : crystal_khz ? "gives a rate" : "gives none",
		     max < 0x16 ? "absent" : base_mhz ? "gives a rate" : "gives none");
	if (k < 0 || (unsigned long)k >= len)
		return n;
	if (!hv)
		snprintf(desc + k, len - k, "no hypervisor (CPUID 1 ECX bit 31 clear)");
	else
		snprintf(desc + k, len - k, "hypervisor '%s', max leaf 0x%x (0x40000010 %s)",
			 sig_str, hv_max, hv_khz ? "gives a rate" :
			 hv_max >= HV_TIMING ? "gives none" : "absent");
	return n;
}

/* pit_read_count - latch and read PIT channel 2's count. */
static u16 pit_read_count(void)
{
	u8 lo, hi;

	outb(PIT_CMD, 0x80);			/* counter latch, channel 2 */
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	return (u16)(lo | hi << 8);
}

/* pit_sample - take the quickest of READ_TRIES count reads into @s. */
static void pit_sample(struct pit_sample *s)
{
	u64 best = ~0ULL;

	for (int i = 0; i < READ_TRIES; i++) {
		u64 t0 = rdtsc();
		u16 count = pit_read_count();
		u64 t1 = rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			s->tsc = t0 + best / 2;
			s->count = count;
		}
	}
	s->slack = (best + 1) / 2;
}

/*
 * pit_start - load channel 2 with 0xffff in mode 0, wait until it counts
 * and take the first sample into @s0.
 * Return: 0, or -ENODEV when the count never moves or OUT2 is already high
 * (no PIT, or none whose channel 2 port 0x61 shows, as on QEMU's microvm).
 */
static int pit_start(struct pit_sample *s0)
{
	u8 v = inb(PORT_61);
	int same = 0;

	outb(PORT_61, (v & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(PIT_CMD, 0xb0);			/* ch2, lo/hi, mode 0, binary */
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);			/* counting starts: 54.9 ms to OUT2 */
	/* a count read before the first tick may still be the old one */
	while (pit_read_count() > 0xfffd)
		if (++same >= STUCK_READS)
			return -ENODEV;
	pit_sample(s0);
	if (inb(PORT_61) & 0x20)		/* mode 0 drives OUT2 low on load */
		return -ENODEV;
	return 0;
}

/*
 * pit_measure - measure from @s0 over at least @ms, growing the window
 * until the error bound is below @ppm or the window reaches MAX_MS.
 * @m: the result.
 * Return: 0; -ENODEV when the count stops moving; -EAGAIN when the counter
 * passed zero (the window was stalled past 54.9 ms: measure again).
 */
static int pit_measure(const struct pit_sample *s0, u32 ms, u64 ppm, struct pit_meas *m)
{
	u32 want = PIT_TICKS(ms);
	struct pit_sample s1;

	for (;;) {
		u16 last = s0->count;
		int same = 0;

		for (;;) {
			u16 c = pit_read_count();

			if ((u16)(s0->count - c) >= want)
				break;
			same = c == last ? same + 1 : 0;
			if (same >= STUCK_READS)
				return -ENODEV;
			last = c;
		}
		pit_sample(&s1);
		if (inb(PORT_61) & 0x20)
			return -EAGAIN;
		m->ticks = (u16)(s0->count - s1.count);
		m->cycles = s1.tsc - s0->tsc;
		if (!m->ticks || !m->cycles)
			return -ENODEV;
		m->khz = (m->cycles * PIT_HZ + m->ticks * 500ULL) / (m->ticks * 1000ULL);
		m->err_ppm = (s0->slack + s1.slack) * 1000000ULL / m->cycles +
			     (1000000ULL + m->ticks - 1) / m->ticks;
		if (m->err_ppm <= ppm || m->ticks >= PIT_TICKS(MAX_MS))
			return 0;
		want = m->ticks + m->ticks / 2;
		if (want > PIT_TICKS(MAX_MS))
			want = PIT_TICKS(MAX_MS);
	}
}

/* ppm_apart - |@a - @b| in parts per million of @b. */
static u64 ppm_apart(u64 a, u64 b)
{
	return (a > b ? a - b : b - a) * 1000000ULL / b;
}

/*
 * pit_check_and_measure - the PIT side of tsc_calibrate(): with @nclaims
 * CPUID claims, measure over CHECK_MS first and return as soon as one of
 * them agrees; otherwise (or if none agrees) measure over CAL_MS from the
 * same first sample.  @m: the last measurement; @check_khz: the rate the
 * claims were checked against (0 without claims); @chosen: the agreeing
 * claim's index, or -1.
 * Return: 0, or pit_measure()'s or pit_start()'s error.
 */
static int pit_check_and_measure(const struct tsc_claim *c, int nclaims,
				 struct pit_meas *m, u64 *check_khz, int *chosen)
{
	struct pit_sample s0;
	int err = pit_start(&s0);

	*chosen = -1;
	*check_khz = 0;
	if (err)
		return err;
	if (nclaims) {
		err = pit_measure(&s0, CHECK_MS, CHECK_PPM, m);
		if (err)
			return err;
		*check_khz = m->khz;
		for (int i = 0; i < nclaims; i++)
			if (ppm_apart(c[i].khz, m->khz) <= AGREE_PPM) {
				*chosen = i;
				return 0;
			}
	}
	return pit_measure(&s0, CAL_MS, CAL_PPM, m);
}

/* tsc_calibrate - see tsc.h. */
int tsc_calibrate(void)
{
	u64 t0 = rdtsc();
	struct tsc_claim c[3];
	struct pit_meas m = { 0 };
	char desc[160];
	int n = cpuid_claims(c, desc, sizeof(desc));
	int err, chosen = -1;
	u64 check_khz = 0;

	for (int i = 0; i < CAL_TRIES; i++) {
		err = pit_check_and_measure(c, n, &m, &check_khz, &chosen);
		if (err != -EAGAIN)
			break;
	}

	if (chosen >= 0) {
		tsc_khz = c[chosen].khz;
		tsc_source = c[chosen].source;
	} else if (!err) {
		tsc_khz = m.khz;
		tsc_source = "pit";
	} else if (n) {
		tsc_khz = c[0].khz;		/* nothing to check it against */
		tsc_source = c[0].source;
	}
	tsc_cal_ns = tsc_to_ns(rdtsc() - t0);

	pr_info("CPUID: %s\n", desc);
	if (err) {
		pr_err("PIT channel 2 %s\n", err == -EAGAIN ?
		       "wrapped in every try (the vCPU was stalled for over 50 ms)" :
		       "does not count or port 0x61 does not show it (no usable PIT)");
		if (!tsc_khz) {
			pr_err("no TSC rate: timestamps will read 0\n");
			return -ENODEV;
		}
		pr_warn("%llu.%03llu MHz from %s, unchecked\n",
			(unsigned long long)(tsc_khz / 1000), (unsigned long long)(tsc_khz % 1000),
			c[0].what);
		return 0;
	}
	for (int i = 0; i < n && i != chosen; i++)
		pr_warn("%s states %llu.%03llu MHz but the PIT measures %llu.%03llu MHz (%llu ppm apart, over %d): not used\n",
			c[i].what, (unsigned long long)(c[i].khz / 1000),
			(unsigned long long)(c[i].khz % 1000),
			(unsigned long long)(check_khz / 1000), (unsigned long long)(check_khz % 1000),
			(unsigned long long)ppm_apart(c[i].khz, check_khz), AGREE_PPM);
	if (chosen >= 0)
		pr_info("%llu.%03llu MHz from %s, within %llu ppm of the PIT's %llu.%03llu MHz (%llu us window, +-%llu ppm); calibration took %llu us\n",
			(unsigned long long)(tsc_khz / 1000), (unsigned long long)(tsc_khz % 1000),
			c[chosen].what, (unsigned long long)ppm_apart(tsc_khz, m.khz),
			(unsigned long long)(m.khz / 1000), (unsigned long long)(m.khz % 1000),
			(unsigned long long)(m.ticks * 1000000ULL / PIT_HZ),
			(unsigned long long)m.err_ppm, (unsigned long long)(tsc_cal_ns / 1000));
	else
		pr_info("%llu.%03llu MHz from PIT channel 2 (%llu us window, +-%llu ppm worst case)%s; calibration took %llu us\n",
			(unsigned long long)(tsc_khz / 1000), (unsigned long long)(tsc_khz % 1000),
			(unsigned long long)(m.ticks * 1000000ULL / PIT_HZ),
			(unsigned long long)m.err_ppm, n ? "" : ", CPUID states no TSC rate",
			(unsigned long long)(tsc_cal_ns / 1000));
	return 0;
}

/* tsc_to_ns - see tsc.h.  Split to avoid overflowing 64 bits. */
u64 tsc_to_ns(u64 cycles)
{
	if (!tsc_khz)
		return 0;
	return cycles / tsc_khz * 1000000ULL + (cycles % tsc_khz) * 1000000ULL / tsc_khz;
}

/* ktime_ns - see tsc.h. */
u64 ktime_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}
