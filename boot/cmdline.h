/*
 * boot/cmdline.h - building the kernel command line from UEFI load options
 * or from \cmdline.txt (pure code, host-testable).
 */
#ifndef BOOT_CMDLINE_H
#define BOOT_CMDLINE_H

#include <kholab/types.h>

/*
 * Convert UCS-2 load options (@bytes bytes at @opt) to ASCII in @out (@outsz
 * bytes incl. NUL), skipping a leading image path ending in ".efi".  Non
 * ASCII characters become '?'.  Returns the length, or -E2BIG if it does not
 * fit.  A result of 0 means "no options".
 */
int cmdline_from_ucs2(const u16 *opt, u64 bytes, char *out, u64 outsz);

/*
 * Copy the text of cmdline.txt (@len bytes) to @out (@outsz bytes incl. NUL)
 * without trailing newlines/CRs (inner ones become spaces).  Returns the
 * length, -E2BIG if too long, or -EINVAL if it holds a NUL byte.
 */
int cmdline_from_text(const char *txt, u64 len, char *out, u64 outsz);

#endif /* BOOT_CMDLINE_H */
