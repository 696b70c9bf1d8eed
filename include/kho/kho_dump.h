/*
 * kho/kho_dump.h - "Inspecting a handoff": with kho.dump=1, the kernel that
 * is about to kexec emits everything it hands over as results records, and
 * run-qemu.sh --kho-dump DIR turns them back into files (docs/kho-dump.md).
 *
 * Records (one JSON line each, see docs/results.md):
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"hex":"..."}
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"zero":N}
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"text":"..."}
 *   {"event":"kho_dump_end","gen":G,"files":N,"bytes":B,"errors":E}
 * where S is the file's total size and O the position of this piece; the
 * pieces of one file come in ascending, gap-free order.
 *
 * Files: root.dtb, subtrees/<name>.dtb (an FDT blob) or subtrees/<name>.bin
 * (a kho-v4 blob that is not an FDT, blob-size bytes), kho_data.bin (the
 * 32-byte struct kho_data), scratch.bin (the kho_scratch[] array),
 * pages/0x<phys>.bin (every page of the encoded map, 4096 bytes each:
 * kho-v1's chunks and bitmaps, kho-v4's root, tables and leaves) and
 * preserved.txt ("0x<phys> <order>" per preserved block, as the sender
 * tracks them).
 */
#ifndef KHO_KHO_DUMP_H
#define KHO_KHO_DUMP_H

#include <kholab/types.h>
#include <kholab/bootinfo.h>

/**
 * kho_dump_emit - when kho.dump=1, emit the handoff of generation @gen.
 * @gen:      this kernel's generation
 * @fdt_phys: the root FDT (what kho_finalize() returned)
 * @kd:       the kho_data record as the next kernel will receive it; its
 *            scratch_addr is the destination address, so the scratch bytes
 *            are taken from kho_scratch[] and the addresses left as given
 *
 * Does nothing when kho.dump is off.  Never allocates and never changes
 * the handoff; anything it cannot read is counted in kho_dump_end.errors
 * and logged.
 */
void kho_dump_emit(u64 gen, u64 fdt_phys, const struct kho_data *kd);

#endif /* KHO_KHO_DUMP_H */
