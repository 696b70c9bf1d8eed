/*
 * kernel/tsc.h - time from the TSC, its rate from CPUID (checked against
 * the PIT) or measured against the PIT (kernel/tsc.c).
 */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <kholab/types.h>

/* TSC at kernel entry (entry.asm's first instruction): time zero. */
extern u64 tsc_boot;
/* Calibrated TSC frequency in kHz; 0 until tsc_calibrate() ran. */
extern u64 tsc_khz;
/*
 * Where tsc_khz came from: "cpuid15", "cpuid16", "hypervisor" (CPUID leaf
 * 0x40000010) or "pit"; "none" before calibration or when it failed.
 */
extern const char *tsc_source;
/* How long tsc_calibrate() took, in ns (0 when it failed). */
extern u64 tsc_cal_ns;

/**
 * tsc_calibrate - set tsc_khz, tsc_source and tsc_cal_ns: the first CPUID
 * rate that a short PIT channel 2 measurement confirms to 0.5%, otherwise
 * the rate measured against PIT channel 2 (about 10 ms).  Logs the CPUID
 * leaves seen, any rate rejected, the source, the accuracy and the time.
 *
 * Return: 0 (also when the PIT does not count but CPUID gives a rate,
 * which is then used unchecked), or -ENODEV when there is no rate at all
 * (tsc_khz then stays 0 and timestamps read 0).
 */
int tsc_calibrate(void);

/* tsc_to_ns - convert a TSC delta to nanoseconds (0 before calibration). */
u64 tsc_to_ns(u64 cycles);

/* ktime_ns - nanoseconds since kernel entry (tsc_boot). */
u64 ktime_ns(void);

#endif /* KERNEL_TSC_H */
