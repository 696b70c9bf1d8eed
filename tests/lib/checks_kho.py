# SPDX-License-Identifier: MIT
"""Checks of Kexec HandOver: the chain of kexec and kho_restore events,
lost and rejected handoffs, the wire format per generation, Linux's
test_kho protocol, and where its folios lie (from kho.dump=1 dumps)."""

import re

from checkbase import per_run


def _kho_chain(scn, run):
    """(gens, the kho_restore events, problems of the chain itself): one
    kho_restore event per generation 0..gens-1, and a kexec event with
    preserved blocks from every generation but the last."""
    n = int(scn.kv.get("gens", "1"))
    rs = [e for e in run.events if e.get("event") == "kho_restore"]
    ks = [e for e in run.events if e.get("event") == "kexec"]
    bad = []
    if [e.get("gen") for e in rs] != list(range(n)):
        bad.append("kho_restore generations %s, want 0..%d" % ([e.get("gen") for e in rs], n - 1))
    if [e.get("gen") for e in ks] != list(range(n - 1)) or any(not e.get("preserved_blocks") for e in ks):
        bad.append("kexec events %s, want gens 0..%d each with preserved blocks"
                   % ([(e.get("gen"), e.get("preserved_blocks")) for e in ks], n - 2))
    return n, rs, bad


@per_run
def kho_all_verified(scn, run):
    """One kho_restore event per generation (0..gens-1); in every one
    mismatches and lost are 0 and restored == folios; every generation
    after the first received folios; every generation but the last
    kexec'ed with preserved blocks."""
    _, rs, bad = _kho_chain(scn, run)
    for e in rs:
        if e.get("mismatches") != 0 or e.get("lost") != 0 or e.get("restored") != e.get("folios"):
            bad.append("gen %s: %s of %s restored, %s mismatches, %s lost" % (
                e.get("gen"), e.get("restored"), e.get("folios"), e.get("mismatches"), e.get("lost")))
        if e.get("gen", 0) > 0 and not e.get("folios"):
            bad.append("gen %s received no folios" % e.get("gen"))
    return "; ".join(bad) or None


@per_run
def kho_lost_detected(scn, run):
    """kho.deferred=unsafe: generation 1's kho_restore event reports lost > 0
    and the run ended in a failure verdict that names the loss."""
    rs = [e for e in run.events if e.get("event") == "kho_restore" and e.get("gen") == 1]
    if not rs:
        return "no kho_restore event for generation 1"
    if not rs[0].get("lost", 0) > 0:
        return "generation 1 lost %s blocks; the bug was not detected" % rs[0].get("lost")
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not ex or ex[-1].get("status") != "fail" or "lost" not in ex[-1].get("reason", ""):
        return "the run did not fail naming the lost blocks: %s" % (ex[-1] if ex else "no exit event")
    return None


ABI_COMPATIBLE = {"v4": "kho-v4", "v1": "kho-v1"}


def kho_abi_list(cmdline):
    """The compatible strings kho.abi= in @cmdline names, in list order
    (["kho-v4"], the default, without one); a word it does not know stays
    as it is written, so a check names it."""
    words = [w[len("kho.abi="):] for w in cmdline.split() if w.startswith("kho.abi=")]
    if not words:
        return ["kho-v4"]
    return [ABI_COMPATIBLE.get(a, a) for a in words[-1].split(",")]


def kho_abi_of_gen(abis, gen):
    """What generation @gen writes: entry min(gen, n - 1) of kho.abi=."""
    return abis[min(gen, len(abis) - 1)]


@per_run
def kho_abi_as_configured(scn, run):
    """Every kexec event's abi is the wire format kho.abi= names for its
    generation (entry min(gen, n-1) of the comma list; kho-v4 without
    kho.abi=), and every kho_restore event's abi is what the previous
    generation's kexec wrote when the handoff was revived, "none" in
    generation 0."""
    abis = kho_abi_list(scn.kv.get("cmdline", ""))
    sent = {}
    bad = []
    for e in run.events:
        if e.get("event") != "kexec":
            continue
        g = e.get("gen")
        sent[g] = e.get("abi")
        if not isinstance(g, int) or e.get("abi") != kho_abi_of_gen(abis, g):
            bad.append("gen %s wrote %s, kho.abi= says %s" % (
                g, e.get("abi"), kho_abi_of_gen(abis, g) if isinstance(g, int) else "?"))
    rs = [e for e in run.events if e.get("event") == "kho_restore"]
    if not sent or not rs:
        return "no kexec or no kho_restore events"
    for e in rs:
        g = e.get("gen")
        want = "none" if g == 0 else sent.get(g - 1) if e.get("revived") else e.get("abi")
        if e.get("abi") != want:
            bad.append("gen %s received %s, want %s" % (g, e.get("abi"), want))
    return "; ".join(bad) or None


@per_run
def kho_linux_verified(scn, run):
    """Linux's test_kho protocol (kho.test=linux or both): one kho_restore
    event per generation 0..gens-1; generation 0 found no kho_test
    subtree; every later one found it with linux_ok true, linux_restored ==
    linux_folios > 0 and lost 0; the serial log says "test_kho: KHO restore
    succeeded" once per receiving generation and never "test_kho: KHO
    restore failed"; every generation but the last kexec'ed with preserved
    blocks."""
    n, rs, bad = _kho_chain(scn, run)
    for e in rs:
        if e.get("gen") == 0:
            if e.get("linux_found") is not False:
                bad.append("gen 0 (cold boot) found a kho_test subtree")
            continue
        if e.get("linux_found") is not True or e.get("linux_ok") is not True or \
                not e.get("linux_folios") or e.get("linux_restored") != e.get("linux_folios") \
                or e.get("lost") != 0:
            bad.append("gen %s: test_kho found=%s ok=%s, %s of %s folios, %s lost" % (
                e.get("gen"), e.get("linux_found"), e.get("linux_ok"), e.get("linux_restored"),
                e.get("linux_folios"), e.get("lost")))
    ok = run.log.count("test_kho: KHO restore succeeded")
    if ok != n - 1 or "test_kho: KHO restore failed" in run.log:
        bad.append("the log says 'KHO restore succeeded' %d times (want %d) and "
                   "'KHO restore failed' %d times" % (ok, n - 1,
                                                      run.log.count("test_kho: KHO restore failed")))
    return "; ".join(bad) or None


GEN_RE = re.compile(r"kholab: booting generation (\d+)")
ZONE_RE = re.compile(r"mm_init: node (\d+) zone \S+\s+pfn \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\)")
DEFERRED_RE = re.compile(r"deferred: node (\d+): struct pages from pfn (0x[0-9a-f]+) on")


def log_by_gen(log):
    """{gen: the serial log's lines from "kholab: booting generation G" up
    to the next generation's banner}."""
    out, gen = {}, None
    for line in log.split("\n"):
        m = GEN_RE.search(line)
        if m:
            gen = int(m.group(1))
        if gen is not None:
            out.setdefault(gen, []).append(line)
    return {g: "\n".join(lines) for g, lines in out.items()}


def dump_files(events, gen):
    """{file name: bytes} rebuilt from generation @gen's kho_dump events
    (kho.dump=1; tools/kho-dump.py does the same with every check)."""
    files = {}
    for e in events:
        if e.get("event") != "kho_dump" or e.get("gen") != gen:
            continue
        buf = files.setdefault(e.get("file"), bytearray())
        if "hex" in e:
            buf += bytes.fromhex(e["hex"])
        elif "zero" in e:
            buf += bytes(e["zero"])
        else:
            buf += e.get("text", "").encode()
    return {k: bytes(v) for k, v in files.items()}


def fdt_child_u64s(blob):
    """{child node of the root: {property: value}} for the 8-byte
    properties of a flattened device tree's top-level nodes (native
    little-endian, as KHO writes them); {} for a blob that is not an FDT."""
    import struct
    if len(blob) < 40 or blob[:4] != b"\xd0\x0d\xfe\xed":
        return {}
    off_st, off_str = struct.unpack_from(">II", blob, 8)
    pos, depth, node, out = off_st, 0, None, {}
    while pos + 4 <= len(blob):
        tok = struct.unpack_from(">I", blob, pos)[0]
        pos += 4
        if tok == 1:                                    # FDT_BEGIN_NODE
            end = blob.index(b"\0", pos)
            depth += 1
            node = blob[pos:end].decode(errors="replace") if depth == 2 else node
            pos = (end + 4) & ~3
        elif tok == 2:                                  # FDT_END_NODE
            depth -= 1
        elif tok == 3:                                  # FDT_PROP
            ln, nameoff = struct.unpack_from(">II", blob, pos)
            name = blob[off_str + nameoff:blob.index(b"\0", off_str + nameoff)].decode()
            if depth == 2 and ln == 8:
                out.setdefault(node, {})[name] = struct.unpack_from("<Q", blob, pos + 8)[0]
            pos = (pos + 8 + ln + 3) & ~3
        elif tok == 9:                                  # FDT_END
            break
    return out


def node_spans(text):
    """{node: (first pfn, end pfn), first_deferred_pfn or None} from one
    generation's "mm_init: node N zone ... pfn [a-b)" and "deferred: node
    N: struct pages from pfn F on" lines."""
    spans = {}
    for nid, a, b in ZONE_RE.findall(text):
        lo, hi = spans.get(int(nid), (1 << 64, 0))
        spans[int(nid)] = (min(lo, int(a, 16)), max(hi, int(b, 16)))
    fdp = {int(nid): int(f, 16) for nid, f in DEFERRED_RE.findall(text)}
    return {nid: (span, fdp.get(nid)) for nid, span in spans.items()}


@per_run
def kho_linux_folios_split(scn, run):
    """kho.test=linux with kho.dump=1: in every generation that kexec'ed
    with deferred init (its log says "deferred: node N: struct pages from
    pfn F on"), the Linux client's folios in the preserved.txt it dumped
    lie on every node both below F and at or above it.  Its folios are the
    blocks of order >= 1 other than the root FDT page (kexec.fdt_phys) and
    the subtree blobs root.dtb names (order 0 is left out: the folios_info
    pages and the kexec-metadata page are order 0 too).  Node spans come
    from the log's "mm_init: node N zone Z pfn [a-b)" lines.  At least one
    generation must be checked."""
    logs = log_by_gen(run.log)
    checked, bad = 0, []
    for k in (e for e in run.events if e.get("event") == "kexec"):
        g = k.get("gen")
        nodes = node_spans(logs.get(g, ""))
        if not nodes or any(f is None for _, f in nodes.values()):
            continue                    # no deferred init in this generation
        files = dump_files(run.events, g)
        if "preserved.txt" not in files:
            return "gen %s kexec'ed without a kho_dump preserved.txt (is kho.dump=1 on?)" % g
        skip = {k.get("fdt_phys")}
        for props in fdt_child_u64s(files.get("root.dtb", b"")).values():
            skip |= {props.get("preserved-data"), props.get("fdt")}
        folios = []
        for line in files["preserved.txt"].decode().split("\n"):
            if line.strip():
                phys, order = line.split()
                if int(order) >= 1 and int(phys, 16) not in skip:
                    folios.append(int(phys, 16) >> 12)
        for nid, ((lo, hi), fdp) in sorted(nodes.items()):
            below = sum(1 for p in folios if lo <= p < fdp)
            above = sum(1 for p in folios if fdp <= p < hi)
            if not below or not above:
                bad.append("gen %d node %d: %d folios below first_deferred_pfn %#x, %d at or "
                           "above it" % (g, nid, below, fdp, above))
        checked += 1
    if not checked:
        return "no generation kexec'ed with deferred init on every node"
    return "; ".join(bad) or None


def _gen1_handoff(run):
    """Generation 1's kho_restore event, or (None, why it is missing)."""
    b = [e for e in run.events if e.get("event") == "boot" and e.get("gen") == 1]
    r = [e for e in run.events if e.get("event") == "kho_restore" and e.get("gen") == 1]
    if not b or not r:
        return None, "generation 1 did not boot and report (boot %d, kho_restore %d)" % (
            len(b), len(r))
    return r[0], None


def _refused_cold(r):
    """None when the kho_restore event @r says the handoff was refused for a
    named reason and nothing was restored, else what it says instead."""
    if r.get("revived") is not False or not r.get("rejected") or r.get("restored"):
        return "generation 1: revived=%s rejected=%r restored=%s" % (
            r.get("revived"), r.get("rejected"), r.get("restored"))
    return None


@per_run
def kho_rejected_cold(scn, run):
    """kho.corrupt: generation 1 booted (so the damaged handoff did not crash
    or hang it), its kho_restore event says it refused the handoff and names
    why, nothing was restored, and it passed as a cold boot."""
    r, err = _gen1_handoff(run)
    return err or _refused_cold(r)


@per_run
def kho_flip_safe(scn, run):
    """kho.corrupt=bitflip: whatever the flips hit, generation 1 either
    refused the handoff cold and named why (revived false, a rejected
    reason, nothing restored), or accepted it and got every folio back
    intact (folios > 0, restored == folios, 0 mismatches, 0 lost); and the
    last exit event is a pass."""
    r, err = _gen1_handoff(run)
    if err:
        return err
    if r.get("revived") is True:
        if not r.get("folios") or r.get("restored") != r.get("folios") \
                or r.get("mismatches") != 0 or r.get("lost") != 0:
            return ("generation 1 accepted the damaged handoff but got back %s of %s "
                    "folios, %s mismatches, %s lost" % (r.get("restored"), r.get("folios"),
                                                        r.get("mismatches"), r.get("lost")))
    else:
        err = _refused_cold(r)
        if err:
            return err
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not ex or ex[-1].get("status") != "pass":
        return "the run did not end in a pass: %s" % (ex[-1] if ex else "no exit event")
    return None
