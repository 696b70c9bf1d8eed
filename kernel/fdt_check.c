/*
 * kernel/fdt_check.c - prove at boot that libfdt works inside the kernel.
 *
 * KHO's handoff is a flattened device tree built and read with libfdt, so
 * a broken link (missing libc function, canary, relocation) must show up at
 * the first boot, not at the first kexec.  This builds a one-page tree with
 * the sequential-write API, reads it back and compares every value.
 */
#define pr_fmt(fmt) "fdt: " fmt

#include <kernel/printk.h>
#include <kernel/results.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

#define CHECK_MAGIC	0x6b686f6c61622121ULL	/* "kholab!!" */

static u8 fdt_buf[4096] __attribute__((aligned(8)));

/* fdt_build - write the test tree into @buf; 0 or a libfdt error. */
static int fdt_build(void *buf, int size)
{
	u64 magic = CHECK_MAGIC;
	int err;

	err = fdt_create(buf, size);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	err = err ?: fdt_property_string(buf, "compatible", "kholab-selftest-v1");
	err = err ?: fdt_property(buf, "magic", &magic, sizeof(magic));
	err = err ?: fdt_begin_node(buf, "child");
	err = err ?: fdt_property_u32(buf, "value", 42);
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	return err;
}

/* fdt_verify - read the tree back; 0 or a description of the first mismatch in @what. */
static int fdt_verify(const void *buf, const char **what)
{
	const void *p;
	int len, node;

	*what = "header";
	if (fdt_check_header(buf))
		return -EINVAL;
	*what = "compatible";
	if (fdt_node_check_compatible(buf, 0, "kholab-selftest-v1"))
		return -EINVAL;
	*what = "magic";
	p = fdt_getprop(buf, 0, "magic", &len);
	if (!p || len != 8 || memcmp(p, &(u64){ CHECK_MAGIC }, 8))
		return -EINVAL;
	*what = "/child";
	node = fdt_path_offset(buf, "/child");
	if (node < 0)
		return -ENOENT;
	*what = "/child/value";
	p = fdt_getprop(buf, node, "value", &len);
	if (!p || len != 4 || fdt32_to_cpu(*(const fdt32_t *)p) != 42)
		return -EINVAL;
	return 0;
}

/**
 * fdt_selfcheck - build and read back a tiny FDT with libfdt.
 *
 * Return: 0 on success, negative errno (and an error line) otherwise.
 */
int fdt_selfcheck(void)
{
	struct json_line j;
	const char *what = "build";
	int err = fdt_build(fdt_buf, sizeof(fdt_buf));

	if (err)
		pr_err("building the test tree failed: %s\n", fdt_strerror(err));
	else
		err = fdt_verify(fdt_buf, &what);

	json_begin(&j, "selfcheck");
	json_str(&j, "name", "fdt");
	json_str(&j, "status", err ? "fail" : "pass");
	json_end(&j);
	if (err) {
		pr_err("libfdt self-check failed at %s (%d)\n", what, err);
		return err < 0 ? err : -EINVAL;
	}
	pr_info("libfdt self-check passed (%u-byte tree built and read back)\n",
		fdt_totalsize(fdt_buf));
	return 0;
}
