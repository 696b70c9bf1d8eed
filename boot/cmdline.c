/*
 * boot/cmdline.c - the kernel command line: UEFI load options (UCS-2, as the
 * shell or a boot entry passes them) or the text of \cmdline.txt.
 */
#include "boot/cmdline.h"
#include "boot/boot_errno.h"

/* Lower-case ASCII of @c (other characters unchanged). */
static u16 lower(u16 c)
{
	return (c >= 'A' && c <= 'Z') ? (u16)(c + ('a' - 'A')) : c;
}

/* True if the @n characters at @s end in ".efi" (any case). */
static bool ends_in_efi(const u16 *s, u64 n)
{
	return n >= 4 && s[n - 4] == '.' && lower(s[n - 3]) == 'e' &&
	       lower(s[n - 2]) == 'f' && lower(s[n - 1]) == 'i';
}

/*
 * Convert UCS-2 load options to ASCII in @out, skipping a leading image
 * path.  Returns the length or -E2BIG (see cmdline.h).
 */
int cmdline_from_ucs2(const u16 *opt, u64 bytes, char *out, u64 outsz)
{
	u64 n = bytes / 2, i = 0, tok, len = 0;
	u16 c;

	if (outsz == 0)
		return -E2BIG;
	out[0] = '\0';
	/* The options end at the first NUL, if any. */
	for (tok = 0; tok < n && opt[tok]; tok++)
		;
	n = tok;
	while (i < n && opt[i] == ' ')
		i++;
	for (tok = i; tok < n && opt[tok] != ' '; tok++)
		;
	if (ends_in_efi(opt + i, tok - i)) {
		i = tok;
		while (i < n && opt[i] == ' ')
			i++;
	}
	while (n > i && (opt[n - 1] == ' ' || opt[n - 1] == '\r' ||
			 opt[n - 1] == '\n'))
		n--;
	for (; i < n; i++) {
		if (len + 1 >= outsz) {
			out[0] = '\0';
			return -E2BIG;
		}
		c = opt[i];
		out[len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[len] = '\0';
	return (int)len;
}

/*
 * Copy cmdline.txt text to @out without trailing newlines (inner ones become
 * spaces).  Returns the length, -E2BIG or -EINVAL (see cmdline.h).
 */
int cmdline_from_text(const char *txt, u64 len, char *out, u64 outsz)
{
	u64 i;

	if (outsz == 0)
		return -E2BIG;
	out[0] = '\0';
	while (len && (txt[len - 1] == '\n' || txt[len - 1] == '\r'))
		len--;
	if (len + 1 > outsz)
		return -E2BIG;
	for (i = 0; i < len; i++) {
		if (txt[i] == '\0')
			return -EINVAL;
		out[i] = (txt[i] == '\n' || txt[i] == '\r') ? ' ' : txt[i];
	}
	out[len] = '\0';
	return (int)len;
}
