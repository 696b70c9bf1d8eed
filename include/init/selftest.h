/*
 * init/selftest.h - the boot-time self-checks: libfdt works, the stack
 * protector is armed, and the deliberate failures selftest= asks for.
 */
#ifndef INIT_SELFTEST_H
#define INIT_SELFTEST_H

#include <kholab/types.h>

/* stackprot_init - point this CPU's %fs at the canary area libfdt's code reads (kernel/stackprot.c). */
void stackprot_init(void);

/* fdt_selfcheck - build and read back a tiny FDT with libfdt; 0 or a negative errno (kernel/fdt_check.c). */
int fdt_selfcheck(void);

/*
 * selftest_run - run the selftest chosen with selftest=, if it belongs to
 * this point of the boot: @early before SMP, otherwise after (init/selftest.c).
 */
void selftest_run(bool early);

#endif /* INIT_SELFTEST_H */
