/*
 * kho/subtree.c - the root FDT: the registry of subsystem subtrees,
 * building the root page for the next kernel, and reading it back there.
 *
 * DOC: the root FDT
 *
 * The root FDT is one page written with libfdt's sequential-write API.
 * Its root node has the wire format's compatible string (kho/abi.c) and
 * "preserved-memory-map", the value the format's encoder returned.  Each
 * subsystem that called kho_add_subtree() gets a child node, named after
 * it, whose properties (written by the wire format) name the physical
 * address of its own blob; the blob's pages are preserved when it is
 * added.  u64 properties are stored in the CPU's native byte order, as
 * Linux does, not in the big-endian order of ordinary device trees.
 *
 * The reader checks everything a defective or foreign handoff could get
 * wrong: the header, the size, a compatible some format here speaks, and
 * the exact property lengths.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* struct subtree - one registered child node. */
struct subtree {
	char name[KHO_SUBTREE_NAME_MAX + 1];
	void *fdt;		/* the blob (an FDT, or any bytes for kho_add_blob()) */
	u64 blob_size;		/* its length in bytes (kho-v4's blob-size) */
	u64 size;		/* bytes preserved for it (whole pages) */
};

static struct subtree subtrees[KHO_MAX_SUBTREES];
static int nr_subtrees;
static spinlock_t subtree_lock = SPINLOCK_INIT;

/* name_ok - 1..KHO_SUBTREE_NAME_MAX characters valid in an FDT node name. */
static bool name_ok(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i == KHO_SUBTREE_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == ',' || c == '.' || c == '_' ||
		      c == '+' || c == '-'))
			return false;
	}
	return true;
}

/* subtree_find - index of the subtree named @name, or -1. */
static int subtree_find(const char *name)
{
	for (int i = 0; i < nr_subtrees; i++)
		if (!strcmp(subtrees[i].name, name))
			return i;
	return -1;
}

/*
 * add - register @blob of @blob_size bytes as @name and preserve the
 * @size bytes from @blob (whole pages; an aligned power of two is one
 * block).  Return: 0, -EEXIST, -ENOMEM or kho_preserve_phys()'s error.
 */
static int add(const char *name, void *blob, u64 blob_size, u64 size)
{
	int err;

	spin_lock(&subtree_lock);
	if (subtree_find(name) >= 0) {
		err = -EEXIST;
	} else if (nr_subtrees == KHO_MAX_SUBTREES) {
		err = -ENOMEM;
	} else {
		err = kho_preserve_phys(__pa(blob), size);
		if (!err) {
			struct subtree *s = &subtrees[nr_subtrees++];

			memcpy(s->name, name, strlen(name) + 1);
			s->fdt = blob;
			s->blob_size = blob_size;
			s->size = size;
		}
	}
	spin_unlock(&subtree_lock);
	if (err)
		pr_err("subtree %s: cannot register it (error %d); it is not handed over\n",
		       name, err);
	return err;
}

/* fdt_ok - @name is a node name and @fdt an FDT aligned to @align; logs why not. */
static bool fdt_ok(const char *name, const void *fdt, u64 align)
{
	if (!name_ok(name)) {
		pr_err("subtree name \"%s\" is not a valid node name; it is not handed over\n",
		       name ? name : "(null)");
		return false;
	}
	if (!fdt || ((uintptr_t)fdt & (align - 1)) || fdt_check_header(fdt)) {
		pr_err("subtree %s: blob is not an FDT aligned to %llu bytes; it is not handed over\n",
		       name, (unsigned long long)align);
		return false;
	}
	return true;
}

/* kho_add_subtree - see kho.h. */
int kho_add_subtree(const char *name, void *fdt)
{
	if (!fdt_ok(name, fdt, PAGE_SIZE))
		return -EINVAL;
	return add(name, fdt, fdt_totalsize(fdt), ALIGN_UP(fdt_totalsize(fdt), PAGE_SIZE));
}

/* kho_add_subtree_folio - see kho.h. */
int kho_add_subtree_folio(const char *name, void *fdt, unsigned int order)
{
	if (order > KHO_MAX_ORDER) {
		pr_err("subtree %s: folio order %u above %d; it is not handed over\n",
		       name ? name : "(null)", order, KHO_MAX_ORDER);
		return -EINVAL;
	}
	if (!fdt_ok(name, fdt, PAGE_SIZE << order))
		return -EINVAL;
	if (fdt_totalsize(fdt) > PAGE_SIZE << order) {
		pr_err("subtree %s: FDT of %u bytes runs past its order-%u folio; it is not handed over\n",
		       name, fdt_totalsize(fdt), order);
		return -EINVAL;
	}
	return add(name, fdt, fdt_totalsize(fdt), PAGE_SIZE << order);
}

/* kho_add_blob - see kho.h. */
int kho_add_blob(const char *name, void *blob, u64 size)
{
	if (!name_ok(name) || !blob || ((uintptr_t)blob & (PAGE_SIZE - 1)) || !size) {
		pr_err("blob %s: bad name, address or size; it is not handed over\n",
		       name ? name : "(null)");
		return -EINVAL;
	}
	return add(name, blob, size, ALIGN_UP(size, PAGE_SIZE));
}

/* kho_remove_subtree - see kho.h. */
int kho_remove_subtree(void *fdt)
{
	int i, err = -ENOENT;

	spin_lock(&subtree_lock);
	for (i = 0; i < nr_subtrees; i++) {
		if (subtrees[i].fdt != fdt)
			continue;
		err = kho_unpreserve_phys(__pa(fdt), subtrees[i].size);
		nr_subtrees--;
		memmove(&subtrees[i], &subtrees[i + 1], (nr_subtrees - i) * sizeof(subtrees[0]));
		break;
	}
	spin_unlock(&subtree_lock);
	return err;
}

/*
 * blob_preserved - every page of [@phys, @phys + @size) is preserved.  The
 * next kernel reads a blob late, when its own allocator may have handed
 * out any memory not preserved; a Linux 7.3 receiver even allocates its
 * memmap early in every 1 GiB block that holds nothing preserved.
 */
static bool blob_preserved(u64 phys, u64 size)
{
	for (u64 p = phys & ~(u64)(PAGE_SIZE - 1); p < phys + size; p += PAGE_SIZE)
		if (!kho_is_preserved(p, PAGE_SIZE))
			return false;
	return true;
}

/* kho_build_root_fdt - see kho_internal.h. */
int kho_build_root_fdt(void *buf, u64 map_phys)
{
	const struct kho_abi *abi = kho_abi_send();
	int err;

	spin_lock(&subtree_lock);
	for (int i = 0; i < nr_subtrees; i++) {
		if (blob_preserved(__pa(subtrees[i].fdt), subtrees[i].blob_size))
			continue;
		spin_unlock(&subtree_lock);
		pr_err("subtree %s: its blob at 0x%llx is no longer preserved, so the next kernel could reuse it before reading it; the handoff is not built\n",
		       subtrees[i].name, (unsigned long long)__pa(subtrees[i].fdt));
		return -EINVAL;
	}
	err = fdt_create(buf, KHO_FDT_SIZE);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	err = err ?: fdt_property_string(buf, "compatible", abi->compatible);
	/* Native byte order, on purpose: memcpy'd, not cpu_to_fdt64(). */
	err = err ?: fdt_property(buf, KHO_PROP_PRESERVED, &map_phys, sizeof(map_phys));
	for (int i = 0; i < nr_subtrees && !err; i++) {
		err = fdt_begin_node(buf, subtrees[i].name);
		err = err ?: abi->write_subtree(buf, __pa(subtrees[i].fdt), subtrees[i].blob_size);
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	spin_unlock(&subtree_lock);
	if (err) {
		pr_err("root FDT does not fit in one page (%s); KHO handoff not built\n",
		       fdt_strerror(err));
		return -ENOSPC;
	}
	return 0;
}

/* abi_of - the wire format a root FDT says it is written in, or NULL. */
static const struct kho_abi *abi_of(const void *fdt)
{
	int len;
	const char *p = fdt_getprop(fdt, 0, "compatible", &len);

	return p ? kho_abi_find(p, len) : NULL;
}

/* kho_parse_root_fdt - see kho_internal.h. */
int kho_parse_root_fdt(const void *fdt, u64 fdt_size, u64 *map_phys)
{
	if (!fdt || fdt_size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > fdt_size || fdt_version(fdt) < 17 ||
	    fdt_check_full(fdt, fdt_totalsize(fdt)) || !abi_of(fdt))
		return -EINVAL;
	return kho_fdt_u64(fdt, 0, KHO_PROP_PRESERVED, map_phys);
}

/* find - child node @name of @fdt: its blob's address and size. */
static int find(const void *fdt, const char *name, u64 *phys, u64 *size)
{
	const struct kho_abi *abi = abi_of(fdt);
	int node = fdt_subnode_offset(fdt, 0, name);

	if (node < 0)
		return -ENOENT;
	if (!abi)
		return -EINVAL;
	return abi->read_subtree(fdt, node, phys, size);
}

/* kho_find_subtree - see kho_internal.h. */
int kho_find_subtree(const void *fdt, const char *name, u64 *phys)
{
	u64 size;

	return find(fdt, name, phys, &size);
}

/* kho_retrieve_subtree - see kho.h. */
int kho_retrieve_subtree(const char *name, u64 *phys, u64 *size)
{
	const void *root = kho_received_fdt();
	u64 sz;

	return root ? find(root, name, phys, size ? size : &sz) : -ENOENT;
}
