/*
 * kholab/exitcodes.h - values written to QEMU's isa-debug-exit port.
 *
 * QEMU exits with status (value << 1) | 1, so the host sees 33 for a pass,
 * 35 for a kernel-reported failure and 37 for a loader failure.  run-qemu.sh
 * turns these into its own exit statuses (0 pass, 1 failure).
 */
#ifndef KHOLAB_EXITCODES_H
#define KHOLAB_EXITCODES_H

#define KHOLAB_DEBUG_EXIT_PORT	0xf4
#define KHOLAB_EXIT_PASS	0x10	/* QEMU status 33 */
#define KHOLAB_EXIT_FAIL	0x11	/* QEMU status 35 */
#define KHOLAB_EXIT_LOADER	0x12	/* QEMU status 37 */

#endif /* KHOLAB_EXITCODES_H */
