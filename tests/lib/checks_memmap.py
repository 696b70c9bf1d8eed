# SPDX-License-Identifier: MIT
"""Checks of the memmap event: per-node sizes against the QEMU layout,
page accounting, and the trace=memmap chunk records."""

from checkbase import per_run


def size_bytes(text):
    """'512M' / '8G' / '1024' (MiB, as run-qemu.sh reads a bare number) -> bytes."""
    t = text.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if t and t[-1] in mult:
        return int(float(t[:-1]) * mult[t[-1]])
    return int(t) << 20


def _layout_node_sizes(scn):
    """The node sizes in bytes the scenario asked QEMU for."""
    mem = size_bytes(scn.kv.get("mem", "1G"))
    numa = scn.kv.get("numa", "")
    if not numa:
        return [mem]
    if numa.isdigit():
        n = int(numa)
        return [mem // n] * n
    return [size_bytes(x) for x in numa.split(",")]


MEMMAP_SLACK = 64 << 20  # firmware, ACPI and legacy holes a node may lose


@per_run
def memmap_nodes_match_layout(scn, run):
    """The memmap event has one node per QEMU node, and each node's
    present_pages * 4096 lies within 64 MiB below the node size the scenario
    gave QEMU (firmware, ACPI and legacy holes are not RAM); the nodes add
    up to pages_total."""
    m = run.first("memmap")
    if m is None:
        return "no memmap event"
    nodes = m.get("nodes") or []
    want = _layout_node_sizes(scn)
    if len(nodes) != len(want):
        return "memmap has %d nodes, the layout %d" % (len(nodes), len(want))
    bad = []
    for i, (node, size) in enumerate(zip(nodes, want)):
        got = node.get("present_pages", -1) * 4096
        if node.get("nid") != i or not size - MEMMAP_SLACK <= got <= size:
            bad.append("node %s: %d bytes present, layout %d" % (node.get("nid"), got, size))
    if sum(n.get("present_pages", 0) for n in nodes) != m.get("pages_total"):
        bad.append("nodes add up to %d pages, pages_total is %s"
                   % (sum(n.get("present_pages", 0) for n in nodes), m.get("pages_total")))
    return "; ".join(bad) or None


@per_run
def memmap_accounting(scn, run):
    """Every memmap node satisfies present = free + reserved + allocated +
    left (allocated: what the kernel took from buddy, e.g. AP stacks; left:
    deferred pages a stopped memmap_init=background never initialised), and
    the totals are the sums of the nodes."""
    m = run.first("memmap")
    if m is None:
        return "no memmap event"
    bad = []
    for node in m.get("nodes") or []:
        p, f, r = node.get("present_pages"), node.get("free_pages"), node.get("reserved_pages")
        a, left = node.get("allocated_pages", 0), node.get("left_pages", 0)
        if p != f + r + a + left:
            bad.append("node %s: present %s != free %s + reserved %s + allocated %s + left %s"
                       % (node.get("nid"), p, f, r, a, left))
    for key, nk in (("pages_free", "free_pages"), ("pages_reserved", "reserved_pages"),
                    ("pages_allocated", "allocated_pages"), ("pages_left", "left_pages")):
        if sum(n.get(nk, 0) for n in m.get("nodes") or []) != m.get(key):
            bad.append("%s is not the sum of the nodes' %s" % (key, nk))
    return "; ".join(bad) or None


@per_run
def memmap_trace_chunks(scn, run):
    """trace=memmap produced chunk records that are disjoint, section
    aligned (32768 pfns) except at the edges of a node's range, with
    tsc_end >= tsc_start, from CPUs the smp event lists as online."""
    chunks = sorted((e for e in run.events if e.get("event") == "chunk"),
                    key=lambda e: e.get("start", 0))
    if not chunks:
        return "no chunk records (is trace=memmap on?)"
    smp = run.first("smp") or {}
    online = smp.get("cpus_online", 1)
    bad = []
    for a, b in zip(chunks, chunks[1:]):
        if a["start"] + a["units"] > b["start"]:
            bad.append("chunks at %d and %d overlap" % (a["start"], b["start"]))
    for c in chunks[1:-1]:
        if c["start"] % 32768:
            bad.append("interior chunk at pfn %d is not section aligned" % c["start"])
    for c in chunks:
        if c["tsc_end"] < c["tsc_start"] or not 0 <= c["cpu"] < online:
            bad.append("chunk at %d: cpu %s, tsc %d..%d" % (c["start"], c["cpu"],
                                                           c["tsc_start"], c["tsc_end"]))
    return "; ".join(bad[:5]) or None


def _background_gen(m, tl):
    """background_consistent's test of one generation's memmap and timeline."""
    gen, bad = m.get("gen"), []
    left, ready, boot = m.get("left_sections"), tl.get("mm_ready_ns", 0), tl.get("boot_ns", 0)
    if left is None:
        return ["gen %s: memmap event lacks left_sections" % gen]
    if left == 0 and m.get("pages_left"):
        bad.append("gen %s: no section left but %s pages left" % (gen, m.get("pages_left")))
    if (ready > 0) != (left == 0):
        bad.append("gen %s: mm_ready_ns %s with %s sections left" % (gen, ready, left))
    if ready and ready < boot:
        bad.append("gen %s: memory ready at %s ns, before boot complete at %s ns: the boot waited"
                   % (gen, ready, boot))
    if left and not m.get("bg_stopped"):
        bad.append("gen %s: %s sections left, yet the background work was not stopped" % (gen, left))
    return bad


@per_run
def background_consistent(scn, run):
    """Every generation booted with memmap_init=background agrees with
    itself: memory is ready (mm_ready_ns > 0) exactly when no section was
    left, never before boot complete (the boot did not wait), and sections
    are left only when the work was stopped for a kexec."""
    tls = {e.get("gen"): e for e in run.events if e.get("event") == "timeline"}
    mms = [e for e in run.events if e.get("event") == "memmap" and e.get("strategy") == "background"]
    if not mms:
        return "no memmap event with strategy background"
    bad = []
    for m in mms:
        tl = tls.get(m.get("gen"))
        bad += _background_gen(m, tl) if tl else ["gen %s: no timeline event" % m.get("gen")]
    return "; ".join(bad[:5]) or None
