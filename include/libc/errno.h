/*
 * libc/errno.h - error numbers, with Linux's values so logs and exit codes
 * read the same as on Linux.
 *
 * Kernel functions return 0 or a negative errno (-EINVAL); there is no
 * global errno variable.
 */
#ifndef KHOLAB_LIBC_ERRNO_H
#define KHOLAB_LIBC_ERRNO_H

#define EPERM		1	/* operation not permitted */
#define ENOENT		2	/* no such entry */
#define ESRCH		3	/* no such process */
#define EINTR		4	/* interrupted */
#define EIO		5	/* I/O error */
#define ENXIO		6	/* no such device or address */
#define E2BIG		7	/* argument list / value too long */
#define ENOEXEC		8	/* bad executable format */
#define EBADF		9	/* bad handle */
#define ECHILD		10	/* no child */
#define EAGAIN		11	/* try again */
#define ENOMEM		12	/* out of memory */
#define EACCES		13	/* permission denied */
#define EFAULT		14	/* bad address */
#define ENOTBLK		15	/* block device required */
#define EBUSY		16	/* resource busy */
#define EEXIST		17	/* already exists */
#define EXDEV		18	/* cross-device link */
#define ENODEV		19	/* no such device */
#define ENOTDIR		20	/* not a directory */
#define EISDIR		21	/* is a directory */
#define EINVAL		22	/* invalid argument */
#define ENFILE		23	/* file table overflow */
#define EMFILE		24	/* too many open files */
#define ENOTTY		25	/* not a terminal */
#define ETXTBSY		26	/* text file busy */
#define EFBIG		27	/* file too large */
#define ENOSPC		28	/* no space left */
#define ESPIPE		29	/* illegal seek */
#define EROFS		30	/* read-only */
#define EMLINK		31	/* too many links */
#define EPIPE		32	/* broken pipe */
#define EDOM		33	/* argument out of domain */
#define ERANGE		34	/* result out of range */
#define EDEADLK		35	/* deadlock would occur */
#define ENAMETOOLONG	36	/* name too long */
#define ENOLCK		37	/* no locks available */
#define ENOSYS		38	/* not implemented */
#define ENOTEMPTY	39	/* not empty */
#define ELOOP		40	/* too many levels of indirection */
#define ENOMSG		42	/* no message of that type */
#define EIDRM		43	/* identifier removed */
#define ENOSTR		60	/* not a stream */
#define ENODATA		61	/* no data available */
#define ETIME		62	/* timer expired */
#define EPROTO		71	/* protocol error */
#define EBADMSG		74	/* not a data message */
#define EOVERFLOW	75	/* value too large for its type */
#define EILSEQ		84	/* illegal byte sequence */
#define EOPNOTSUPP	95	/* operation not supported */
#define EADDRINUSE	98	/* address in use */
#define ENOBUFS		105	/* no buffer space */
#define ETIMEDOUT	110	/* timed out */
#define EALREADY	114	/* operation already in progress */
#define EINPROGRESS	115	/* operation now in progress */
#define ESTALE		116	/* stale handle */
#define EDQUOT		122	/* quota exceeded */
#define ECANCELED	125	/* operation canceled */
#define ENOKEY		126	/* required key not available */
#define EKEYREJECTED	129	/* key rejected */

#endif /* KHOLAB_LIBC_ERRNO_H */
