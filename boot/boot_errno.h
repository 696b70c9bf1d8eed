/*
 * boot/boot_errno.h - the few errno values the loader's pure code returns.
 *
 * The loader is freestanding and has no <errno.h>; host tests do.  The
 * numbers are the usual Linux ones so a negative return reads the same in
 * both builds.
 */
#ifndef BOOT_BOOT_ERRNO_H
#define BOOT_BOOT_ERRNO_H

#ifdef KHOLAB_HOST_TEST
#include <errno.h>
#else
#define ENOENT		2
#define ENOEXEC		8
#define E2BIG		7
#define ENOMEM		12
#define EINVAL		22
#define ERANGE		34
#endif

#endif /* BOOT_BOOT_ERRNO_H */
