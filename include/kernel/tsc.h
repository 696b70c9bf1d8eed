/*
 * kernel/tsc.h - time from the TSC, calibrated against the PIT.
 */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <kholab/types.h>

/* TSC value when start_kernel() began: time zero for timestamps. */
extern u64 tsc_boot;
/* Calibrated TSC frequency in kHz; 0 until tsc_calibrate() ran. */
extern u64 tsc_khz;

/**
 * tsc_calibrate - measure the TSC frequency against PIT channel 2.
 *
 * Return: 0, or -ENODEV when the PIT never counted down (tsc_khz then
 * stays 0 and timestamps read 0).
 */
int tsc_calibrate(void);

/* tsc_to_ns - convert a TSC delta to nanoseconds (0 before calibration). */
u64 tsc_to_ns(u64 cycles);

/* ktime_ns - nanoseconds since start_kernel() began. */
u64 ktime_ns(void);

#endif /* KERNEL_TSC_H */
