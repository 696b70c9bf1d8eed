# SPDX-License-Identifier: MIT
"""The six pictures, drawn with gnuplot (Debian: gnuplot-nox), each as PNG
and SVG, with its data (.dat) and script (.gp) kept beside it so anyone can
redraw or restyle it: gnuplot NAME.gp."""

import os
import shutil
import subprocess

from . import khoscale, summary

PICTURES = [
    ("ready_vs_memory", "Ready time (all RAM in buddy, end to end) vs memory size (kholab, Linux 6.1 and 7.2)"),
    ("deferred_vs_vcpus", "Deferred struct page init time vs vCPUs (kholab, Linux, floor)"),
    ("time_vs_memory", "Deferred phase (memmap init) time vs memory size"),
    ("kho_vs_preserved", "KHO cost vs preserved size (deserialize and restore modes)"),
    ("timeline", "Per-CPU timeline of deferred init, one panel per trace=memmap boot (background: "
                 "its work past boot complete, on-demand sections apart)"),
    ("cost_per_gib", "Cost per GiB vs memory size: ready time and deferred phase (kholab, Linux 6.1 and 7.2)"),
]

# drawn only for a matrix with khoscale cells (BENCH=kho-scale)
KHO_SCALE_PICTURE = ("kho_scale", "KHO cost vs preserved GiB: boot complete, ready and total, "
                                  "per kho.deferred mode and kernel (minus the cold twin)")

STYLE = {  # series kind -> gnuplot line style
    "kholab": 'lc rgb "#1f77b4" pt 7 lw 2',
    "eager": 'lc rgb "#9467bd" pt 5 lw 2',
    "linux": 'lc rgb "#d62728" pt 9 lw 2',
    "linux7.2": 'lc rgb "#ff7f0e" pt 11 lw 2',
    "deferred1": 'lc rgb "#17becf" pt 6 lw 2',
    "background": 'lc rgb "#8c564b" pt 15 lw 2',

    "floor": 'lc rgb "#2ca02c" pt 13 lw 2',
}
DASH = ["1", "2", "4", "5"]


def _dat(path, rows):
    with open(path, "w") as fh:
        for r in rows:
            fh.write(" ".join("%s" % v for v in r) + "\n")


def _gnuplot(out, name, body, w=960, h=600):
    """body: gnuplot commands ending in a plot (or a multiplot); drawn to
    NAME.png and NAME.svg (the body is written once per terminal: replot
    would redraw only the last panel of a multiplot)."""
    gp = os.path.join(out, name + ".gp")
    with open(gp, "w") as fh:
        fh.write("# redraw: cd %s && gnuplot %s.gp\n" % ("<this directory>", name))
        fh.write("set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,11'\n" % (w, h))
        fh.write("set output '%s.png'\n" % name)
        fh.write(body)
        fh.write("\nset terminal svg size %d,%d enhanced font 'DejaVu Sans,11' background rgb 'white'\n" % (w, h))
        fh.write("set output '%s.svg'\n" % name)
        fh.write(body)
        fh.write("\nunset output\n")
    p = subprocess.run(["gnuplot", name + ".gp"], cwd=out, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    err = os.path.join(out, name + ".gnuplot.err")
    if os.path.exists(err):
        os.unlink(err)
    if p.returncode != 0:
        with open(err, "w") as fh:
            fh.write(p.stdout)
        return False
    return os.path.exists(os.path.join(out, name + ".png")) and \
        os.path.exists(os.path.join(out, name + ".svg"))


def _series(agg, cid, key):
    s = agg.stat(cid, key)
    return (s["median"], s["min"], s["max"]) if s else None


def p_vcpus(out, agg, host_cores):
    cells = [agg.cells[c] for c in agg.order]
    deferred = [c for c in cells if c.kind == "kholab" and c.strategy == "deferred"
                and not c.threads and not c.numa and not c.prealloc]
    mems = sorted({c.mem_mib for c in deferred})
    multi = [m for m in mems if len({c.cpus for c in deferred if c.mem_mib == m}) >= 2]
    mems = multi or mems
    plots, maxc = [], 1
    for j, m in enumerate(mems):
        k, fl, lx = [], [], {v: [] for v in agg.series()}
        for c in sorted((c for c in deferred if c.mem_mib == m), key=lambda c: c.cpus):
            maxc = max(maxc, c.cpus)
            s = _series(agg, c.id, "kholab_ms")
            if s:
                k.append((c.cpus,) + s)
            fc = agg.floor_for(c)
            s = _series(agg, fc, "floor_warm_ms") if fc else None
            if s:
                fl.append((c.cpus,) + s)
            for v in lx:
                lc = agg.linux_for(c, v)
                s = _series(agg, lc, "linux_max_ms") if lc else None
                if s:
                    lx[v].append((c.cpus,) + s)
        lines = [("kholab", k, "kholab deferred")]
        lines += [(_ltag(v), lx[v], "Linux %s deferred" % v) for v in lx]
        lines += [("floor", fl, "store floor, warm (boot CPU, whole memmap)")]
        for tag, rows, what in lines:
            if rows:
                fn = "deferred_vs_vcpus.%s.%dM.dat" % (tag, m)
                _dat(os.path.join(out, fn), rows)
                plots.append("'%s' u 1:2:3:4 w yerrorlines %s dt %s t '%s, %s'" % (
                    fn, STYLE[tag], DASH[j % 4] if tag != "floor" else "2", what, _gib(m)))
    if not plots:
        return None
    body = ("set title 'Deferred struct page init vs vCPUs (medians, bars = min-max)'\n"
            "set xlabel 'vCPUs (QEMU TCG; host has %d cores)'\n"
            "set ylabel 'time (ms)'\nset grid\nset key inside top left box opaque font ',10'\n"
            "set xrange [0.5:%g]\nset xtics 1\nset yrange [0:*]\nset offsets 0, 0, graph 0.45, 0\n"
            "plot %s\n" % (host_cores, maxc + 0.5, ", \\\n     ".join(plots)))
    return _gnuplot(out, "deferred_vs_vcpus", body)


def _ltag(series):
    """The STYLE key (and .dat name part) of a Linux series."""
    return "linux" if series == "6.1" else "linux" + series


def _gib(mib):
    return "%g GiB" % (mib / 1024.0)


def _xtics(xs):
    return ", ".join("'%g' %g" % (x, x) for x in xs)


def p_ready(out, agg):
    """Ready time (kholab mm_ready_ns, Linux's last deferred-init printk
    timestamp) against memory size: kholab deferred at the top vCPU count
    and at 1 vCPU, eager, Linux 6.1 and 7.2 at the top vCPU count."""
    cells = summary._plain(agg)
    if not cells:
        return None
    top = max(c.cpus for c in cells)
    series = {"kholab": [], "deferred1": [], "eager": [], "background": []}
    series.update({_ltag(v): [] for v in agg.series()})
    for c in sorted(cells, key=lambda c: c.mem_mib):
        x = c.mem_mib / 1024.0
        tag = ("kholab" if c.strategy == "deferred" and c.cpus == top else
               "deferred1" if c.strategy == "deferred" and c.cpus == 1 else
               c.strategy if c.strategy in ("eager", "background") and c.cpus == top else None)
        if tag is None:
            continue
        s = _series(agg, c.id, "ready_ms")
        if s:
            series[tag].append((x,) + s)
        if tag == "kholab":
            for v in agg.series():
                lc = agg.linux_for(c, v)
                s = _series(agg, lc, "ready_ms") if lc else None
                if s:
                    series[_ltag(v)].append((x,) + s)
    names = {"kholab": "kholab deferred, %d vCPU(s)" % top,
             "deferred1": "kholab deferred, 1 vCPU",
             "eager": "kholab eager, %d vCPU(s)" % top,
             "background": "kholab background, %d vCPU(s) (after boot complete)" % top}
    names.update({_ltag(v): "Linux %s, %d vCPU(s)" % (v, top) for v in agg.series()})
    plots, ys = [], []
    for tag, rows in series.items():
        if rows:
            fn = "ready_vs_memory.%s.dat" % tag
            _dat(os.path.join(out, fn), rows)
            plots.append("'%s' u 1:2:3:4 w yerrorlines %s t '%s'" % (fn, STYLE[tag], names[tag]))
            ys += [r[2] for r in rows] + [r[3] for r in rows]
    if not plots:
        return None
    xs = sorted({r[0] for v in series.values() for r in v})
    logy = min(ys) > 0 and max(ys) / min(ys) > 20
    body = ("set title \"Ready: kernel entry until all RAM is in the buddy allocator "
            "(medians, bars = min-max)\\nkholab: from its first instruction; "
            "Linux: printk time of its last deferred-init line (its clock starts at its early TSC setup)\"\n"
            "set xlabel 'guest memory (GiB, log scale)'\nset ylabel 'ready time (ms%s)'\n"
            "set grid\nset logscale x 2\n%sset xrange [%g:%g]\nset xtics (%s)\n%s"
            "set key inside top left box opaque font ',10'\n"
            "plot %s\n" % (", log scale" if logy else "", "set logscale y\n" if logy else "",
                           xs[0] / 1.5, xs[-1] * 1.5, _xtics(xs),
                           "" if logy else "set yrange [0:*]\n", ", \\\n     ".join(plots)))
    return _gnuplot(out, "ready_vs_memory", body)


def p_memory(out, agg):
    cells = [agg.cells[c] for c in agg.order]
    km = [c for c in cells if c.kind == "kholab" and not c.numa and not c.threads
          and not c.prealloc]
    if not km:
        return None
    top = max(c.cpus for c in km)
    km = [c for c in km if c.cpus == top]
    plots = []
    series = {"kholab": [], "eager": [], "background": [], "floor": []}
    series.update({_ltag(v): [] for v in agg.series()})
    for c in sorted(km, key=lambda c: c.mem_mib):
        x = c.mem_mib / 1024.0
        s = _series(agg, c.id, "kholab_ms")
        if s:
            series["kholab" if c.strategy == "deferred" else c.strategy].append((x,) + s)
        if c.strategy == "deferred":
            fc = agg.floor_for(c)
            s = _series(agg, fc, "floor_warm_ms") if fc else None
            if s:
                series["floor"].append((x,) + s)
            for v in agg.series():
                lc = agg.linux_for(c, v)
                s = _series(agg, lc, "linux_max_ms") if lc else None
                if s:
                    series[_ltag(v)].append((x,) + s)
    names = {"kholab": "kholab deferred (deferred\\_ns)",
             "eager": "kholab eager (init\\_ns + free\\_ns, 1 CPU)",
             "background": "kholab background (deferred\\_ns: workers start to last section)",
             "floor": "store floor, warm (boot CPU, whole memmap)"}
    names.update({_ltag(v): "Linux %s deferred (max over nodes)" % v for v in agg.series()})
    for tag in series:
        if series[tag]:
            fn = "time_vs_memory.%s.dat" % tag
            _dat(os.path.join(out, fn), series[tag])
            plots.append("'%s' u 1:2:3:4 w yerrorlines %s dt %s t '%s'" % (
                fn, STYLE[tag], "2" if tag == "floor" else "1", names[tag]))
    if not plots:
        return None
    xs = sorted({r[0] for v in series.values() for r in v})
    body = ("set title 'Deferred phase vs memory size, %d vCPU(s) (medians, bars = min-max)'\n"
            "set xlabel 'guest memory (GiB, log scale)'\nset ylabel 'time (ms)'\nset grid\n"
            "set logscale x 2\nset xrange [%g:%g]\nset xtics (%s)\nset yrange [0:*]\n"
            "set key inside top left box opaque font ',10'\nset offsets 0, 0, graph 0.35, 0\n"
            "plot %s\n" % (top, xs[0] / 1.5, xs[-1] * 1.5,
                           ", ".join("'%g' %g" % (x, x) for x in xs),
                           ", \\\n     ".join(plots)))
    return _gnuplot(out, "time_vs_memory", body)


def p_kho(out, agg):
    cells = [agg.cells[c] for c in agg.order if agg.cells[c].kind == "kho"]
    if not cells:
        return None
    ser = {}
    for c in cells:
        pb = agg.stat(c.id, "preserved_bytes")
        if not pb:
            continue
        x = pb["median"] / 1048576.0
        for key, name in (("deserialize_ms", "deserialize (boot CPU, before SMP)"),
                          ("late_init_ms", "late struct page init (after SMP)"),
                          ("handoff_ms", "handoff (sender)"),
                          ("restore_ms", "restore + verify (test client)")):
            if key == "late_init_ms" and not c.kho_mode.startswith("restore"):
                continue
            s = _series(agg, c.id, key)
            if s and s[0] > 0:
                ser.setdefault((c.kho_mode, key, name), []).append((x,) + s)
    if not ser:
        return None
    colors = {"deserialize_ms": "#1f77b4", "late_init_ms": "#ff7f0e",
              "handoff_ms": "#2ca02c", "restore_ms": "#7f7f7f"}
    plots = []
    for (mode, key, name), rows in sorted(ser.items()):
        rows.sort()
        fn = "kho_vs_preserved.%s.%s.dat" % (mode, key[:-3])
        _dat(os.path.join(out, fn), rows)
        plots.append("'%s' u 1:2:3:4 w yerrorlines lc rgb '%s' lw 2 dt %s pt %s t '%s: %s'" % (
            fn, colors[key], "1" if mode == "deserialize" else "2",
            "7" if mode == "deserialize" else "6", mode, name))
    xs = sorted({r[0] for v in ser.values() for r in v})
    body = ("set title \"KHO cost per generation vs preserved size (medians, bars = min-max)\\n"
            "kho.deferred=deserialize (solid) vs restore (dashed)\"\n"
            "set xlabel 'preserved bytes handed over (MiB, log scale)'\n"
            "set ylabel 'time (ms, log scale)'\nset grid\n"
            "set logscale xy\nset key outside right top vertical font ',10'\n"
            "set xrange [%g:%g]\nset xtics (%s)\n"
            "plot %s\n" % (xs[0] / 1.4, xs[-1] * 1.4, ", ".join("'%.0f' %g" % (x, x) for x in xs),
                            ", \\\n     ".join(plots)))
    return _gnuplot(out, "kho_vs_preserved", body, w=1200, h=600)


TL_CLASSES = {  # chunk class -> (colour, key title); 0: deferred's chunks (palette)
    1: ("#1f77b4", "background: workers, and the boot CPU's join after boot complete"),
    2: ("#d62728", "on demand: an allocation initialised the section"),
}


def _tl_rows(chunks, khz, t0, background):
    """The boxes of one timeline panel: (x middle, cpu, start ms, end ms,
    lane bottom, lane top, palette index, label, class), class 0 for a
    deferred boot's chunks (palette colours in turn), 1 background, 2 on
    demand."""
    rows = []
    for i, c in enumerate(sorted(chunks, key=lambda c: c["tsc_start"])):
        a = (c["tsc_start"] - t0) / khz  # ms (tsc_khz: ticks per ms)
        b = (c["tsc_end"] - t0) / khz
        cls = 2 if c.get("job") == "memmap-demand" else 1 if background else 0
        rows.append(((a + b) / 2, c["cpu"], a, b, c["cpu"] - 0.35, c["cpu"] + 0.35,
                     i % 6, "%.2fG" % (c["start"] * 4096 / 2 ** 30), cls))
    return rows


def _tl_panel(out, k, cid, title, chunks, khz, marks, csv):
    """One panel of the timeline picture (cell @cid, @title): its gnuplot
    commands and CPU count; its chunks go to timeline.<k>.dat and, as
    rows, to @csv.  A
    background boot gets a dashed line at boot complete (and a dotted one
    at all RAM in buddy), both turned from the timeline event's ns into the
    chunks' absolute TSC (runner.timeline_marks)."""
    background = marks.get("strategy") == "background" or any(
        c.get("job") in ("memmap-bg", "memmap-demand") for c in chunks)
    t0 = min(c["tsc_start"] for c in chunks)
    rows = _tl_rows(chunks, khz, t0, background)
    fn = "timeline.%d.dat" % k
    _dat(os.path.join(out, fn), rows)
    for c in sorted(chunks, key=lambda c: c["tsc_start"]):
        csv.append("%s,%s,%d,%d,%d,%.4f,%.4f" % (cid, c.get("job", "memmap"), c["cpu"],
                                                 c["start"], c["units"], (c["tsc_start"] - t0) / khz,
                                                 (c["tsc_end"] - t0) / khz))
    cpus = sorted({c["cpu"] for c in chunks})
    lo, hi = 0.0, max(r[3] for r in rows)
    marks_gp = ""
    for n, (key, name, dt, where) in enumerate((
            ("boot_tsc", "boot complete", 2, "offset 0.4,0 left"),
            ("ready_tsc", "all RAM in buddy", 3, "offset -0.4,0 right")), 1):
        if background and marks.get(key):
            x = (marks[key] - t0) / khz
            lo, hi = min(lo, x), max(hi, x)
            marks_gp += ("set arrow %d from %g, graph 0 to %g, graph 1 nohead lw 2 dt %d "
                         "lc rgb 'black' front\nset label %d '%s' at %g, graph 0.97 "
                         "%s front font ',9'\n" % (n, x, x, dt, n, name, x, where))
    span = hi - lo
    if background:
        plots = ["'%s' u 1:($9==%d?$2:1/0):3:4:5:6 w boxxyerror lc rgb '%s' t \"%s\"" % (
            fn, cls, TL_CLASSES[cls][0], TL_CLASSES[cls][1])
            for cls in (1, 2) if any(r[8] == cls for r in rows)]
        key = "set key below font ',9'\n"
    else:
        plots = ["'%s' u 1:2:3:4:5:6:7 w boxxyerror lc palette notitle" % fn]
        key = "unset key\n"
    if len(rows) <= 48:
        plots.append("'%s' u 1:2:8 w labels font ',8' notitle" % fn)
    body = ("set title \"%s memmap init of one boot (%s): chunks per CPU\\n"
            "box = one chunk (label: its first physical address)\"\n"
            "set xlabel 'ms since the first chunk started'\nset ylabel ''\n"
            "set ytics (%s)\nset yrange [%g:%g]\nset xrange [%g:%g]\nset grid x\n%s%s"
            "plot %s\nunset arrow\nunset label\n" % (
                "Background" if background else "Deferred", title,
                ", ".join("'CPU %d' %d" % (c, c) for c in cpus), min(cpus) - 0.7,
                max(cpus) + 0.7, lo - 0.03 * span if lo < 0 else 0, hi + 0.03 * span,
                key, marks_gp, ", \\\n     ".join(plots)))
    return body, len(cpus)


def p_timeline(out, agg, chunks_by_cell):
    """The trace=memmap boots, one panel each (matrix order): chunks per
    CPU against time (_tl_panel)."""
    panels, csv, height = [], [], 0
    cids = [c for c in agg.order if c in chunks_by_cell] + \
        [c for c in chunks_by_cell if c not in agg.order]
    for cid in cids:
        chunks, khz = chunks_by_cell[cid][:2]
        marks = chunks_by_cell[cid][2] if len(chunks_by_cell[cid]) > 2 else {}
        if not chunks or not khz:
            continue
        cell = agg.cells.get(cid)
        body, ncpu = _tl_panel(out, len(panels), cid, cell.label if cell else cid, chunks,
                               khz, marks, csv)
        panels.append(body)
        height += 240 + 90 * ncpu
    if not panels:
        return None
    with open(os.path.join(out, "timeline.chunks.csv"), "w") as fh:
        fh.write("cell,job,cpu,start_pfn,units,start_ms,end_ms\n")
        fh.write("".join(line + "\n" for line in csv))
    body = ("set style fill solid 0.55 border lc rgb 'black'\n"
            "set palette defined (0 '#1f77b4', 1 '#ff7f0e', 2 '#2ca02c', 3 '#d62728', "
            "4 '#9467bd', 5 '#8c564b')\nset cbrange [0:5]\nunset colorbox\n")
    if len(panels) > 1:
        body += "set multiplot layout %d,1\n%sunset multiplot\n" % (len(panels), "".join(panels))
    else:
        body += panels[0]
    return _gnuplot(out, "timeline", body, h=max(300, height))


def p_per_gib(out, agg):
    """ms per GiB against memory size (summary.per_gib_rows), log x: two
    panels, the ready time (left) and the deferred phase (right)."""
    if not summary.sweep_rows(agg):
        return None
    names = [("deferred", "kholab", "kholab deferred"),
             ("deferred 1 vCPU", "deferred1", "kholab deferred, 1 vCPU"),
             ("eager", "eager", "kholab eager"),
             ("background", "background", "kholab background")]
    names += [("linux " + v, _ltag(v), "Linux %s" % v) for v in agg.series()]
    panels = []
    for which, title in (("ready", "Ready time (end to end) per GiB"),
                         ("deferred", "Deferred phase per GiB")):
        rows = summary.per_gib_rows(agg, which)
        plots = []
        for key, tag, what in names:
            pts = [(m / 1024.0, d[key][0]) for m, d in rows if key in d]
            if not pts:
                continue
            fn = "cost_per_gib.%s.%s.dat" % (which, tag)
            _dat(os.path.join(out, fn), pts)
            plots.append("'%s' u 1:2 w linespoints %s t '%s'" % (fn, STYLE[tag], what))
        if plots:
            xs = [m / 1024.0 for m, _ in rows]
            panels.append(
                "set title '%s (medians)'\nset xrange [%g:%g]\nset xtics (%s)\n"
                "plot %s\n" % (title, xs[0] / 1.5, xs[-1] * 1.5, _xtics(xs),
                               ", \\\n     ".join(plots)))
    if not panels:
        return None
    body = ("set multiplot layout 1,%d title 'Cost per GiB of guest memory vs memory size'\n"
            "set xlabel 'guest memory (GiB, log scale)'\nset ylabel 'ms per GiB'\nset grid\n"
            "set logscale x 2\nset yrange [0:*]\nset key below box font ',9'\n"
            "%sunset multiplot\n" % (len(panels), "".join(panels)))
    return _gnuplot(out, "cost_per_gib", body, w=1400)


KHO_SCALE_STYLE = {  # series name start -> colour and point type
    "kholab off": ("#9467bd", 5), "kholab deserialize": ("#1f77b4", 7),
    "kholab restore": ("#2ca02c", 9), "Linux 7.2": ("#ff7f0e", 11)}


def p_kho_scale(out, agg):
    """KHO's cost against preserved GiB (khoscale.cost_series), three panels
    (boot complete, ready, total), one line per mode and kernel, 1 vCPU
    dashed; log x, linear y (a cost can be below 0: Linux's deferred init
    skips the preserved memory)."""
    ser = khoscale.cost_series(agg)
    if not ser:
        return None
    panels, xs = [], sorted({p[0] for d in ser.values() for v in d.values() for p in v})
    for k, (name, what) in enumerate((("boot", "boot complete"), ("ready", "all RAM in buddy"),
                                      ("total", "restore + verify done (Linux: /init)"))):
        plots = []
        for j, (sname, d) in enumerate(ser.items()):
            if not d.get(name):
                continue
            fn = "kho_scale.%s.%d.dat" % (name, j)
            _dat(os.path.join(out, fn), sorted(d[name]))
            col, pt = next((v for s, v in KHO_SCALE_STYLE.items() if sname.startswith(s)),
                           ("#7f7f7f", 13))
            plots.append("'%s' u 1:2:3:4 w yerrorlines lc rgb '%s' pt %d lw 2 dt %s t '%s'" % (
                fn, col, pt, "2" if sname.endswith(", 1 vCPU") else "1", sname))
        if plots:
            panels.append("set title 'KHO cost on the path to %s'\nplot %s\n" % (
                what, ", \\\n     ".join(plots)))
    body = ("set multiplot layout 1,%d title 'What receiving preserved memory costs (KHO run "
            "minus its cold twin, per repeat; medians, bars = min-max)'\n"
            "set xlabel 'preserved GiB (log scale)'\nset ylabel 'KHO cost (ms)'\nset grid\n"
            "set logscale x 2\nset xrange [%g:%g]\nset xtics (%s)\nset xzeroaxis lt -1\n"
            "set key top left box opaque font ',9'\n%sunset multiplot\n" % (
                len(panels), xs[0] / 1.5, xs[-1] * 1.5, _xtics(xs), "".join(panels)))
    return _gnuplot(out, "kho_scale", body, w=1500, h=560)


def draw_all(out, agg, chunks_by_cell, host_cores):
    """-> [(name, title, True | False (gnuplot failed) | None (no data))]:
    the six pictures (left out in a matrix of khoscale cells only), and
    kho_scale when there are khoscale cells."""
    kinds = {c.kind for c in agg.cells.values()}
    extra = [KHO_SCALE_PICTURE] if "khoscale" in kinds else []
    six = PICTURES if kinds - {"khoscale"} else []
    if not shutil.which("gnuplot"):
        return [(n, t, False) for n, t in six + extra]
    res = []
    if extra:
        res.append(_draw_one(out, KHO_SCALE_PICTURE, lambda: p_kho_scale(out, agg)))
    for (name, title), fn in zip(six, (
            lambda: p_ready(out, agg),
            lambda: p_vcpus(out, agg, host_cores), lambda: p_memory(out, agg),
            lambda: p_kho(out, agg), lambda: p_timeline(out, agg, chunks_by_cell),
            lambda: p_per_gib(out, agg))):
        res.append(_draw_one(out, (name, title), fn))
    return res[len(extra):] + res[:len(extra)]


def _draw_one(out, picture, fn):
    """(name, title, fn()'s answer); an exception is a failed picture (its
    text in NAME.gnuplot.err), never lost results."""
    name, title = picture
    try:
        ok = fn()
    except Exception as e:  # a picture must not lose the results
        with open(os.path.join(out, name + ".gnuplot.err"), "w") as fh:
            fh.write("%r\n" % e)
        ok = False
    return (name, title, ok)
