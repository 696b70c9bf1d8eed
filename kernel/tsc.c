/*
 * kernel/tsc.c - TSC calibration against the 8254 PIT.
 *
 * Method: PIT channel 2 is gated on (port 0x61 bit 0, speaker off) and
 * loaded in mode 0 with a count of CAL_MS milliseconds at 1.193182 MHz;
 * its OUT2 line (port 0x61 bit 5) rises when the count expires.  The TSC
 * is read before loading the count and after OUT2 rises.  CAL_RUNS runs
 * are made and the median is kept; the spread (max - min) / median is
 * logged as the accuracy estimate.  Error sources: the PIT's own 1 ppm-ish
 * crystal (exact under emulation), the latency of one port read (~1 us
 * bare metal, a few us under TCG) against a CAL_MS window.
 *
 * Under QEMU TCG the guest TSC and the emulated PIT both follow the host
 * clock, so the result is the rate at which the guest TSC advances in
 * host time - which is what kholab's timings must be measured in.
 */
#define pr_fmt(fmt) "tsc: " fmt

#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <errno.h>

#define PIT_HZ		1193182ULL
#define CAL_MS		20
#define CAL_RUNS	5
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_61		0x61

u64 tsc_boot;
u64 tsc_khz;

/* pit_measure_once - TSC cycles in CAL_MS ms of PIT time; 0 on timeout. */
static u64 pit_measure_once(void)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u64 start, end, limit;
	u8 v = inb(PORT_61);

	outb(PORT_61, (v & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(PIT_CMD, 0xb0);			/* ch2, lo/hi, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	start = rdtsc();
	outb(PIT_CH2, count >> 8);		/* counting starts here */
	limit = 1ULL << 36;			/* bail out after ~20 s at 3 GHz */
	while (!(inb(PORT_61) & 0x20)) {
		if (rdtsc() - start > limit)
			return 0;
	}
	end = rdtsc();
	return end - start;
}

/* tsc_calibrate - see tsc.h. */
int tsc_calibrate(void)
{
	u64 runs[CAL_RUNS], min, max, median;

	for (int i = 0; i < CAL_RUNS; i++) {
		runs[i] = pit_measure_once();
		if (!runs[i]) {
			pr_err("PIT channel 2 never expired; timestamps will read 0\n");
			return -ENODEV;
		}
	}
	/* insertion sort: five values */
	for (int i = 1; i < CAL_RUNS; i++)
		for (int j = i; j > 0 && runs[j - 1] > runs[j]; j--) {
			u64 t = runs[j];
			runs[j] = runs[j - 1];
			runs[j - 1] = t;
		}
	min = runs[0];
	max = runs[CAL_RUNS - 1];
	median = runs[CAL_RUNS / 2];
	tsc_khz = median / CAL_MS;
	pr_info("%llu.%03llu MHz, calibrated against PIT channel 2 (%d x %d ms, spread %llu ppm)\n",
		(unsigned long long)(tsc_khz / 1000), (unsigned long long)(tsc_khz % 1000),
		CAL_RUNS, CAL_MS, (unsigned long long)((max - min) * 1000000 / median));
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
