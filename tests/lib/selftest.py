# SPDX-License-Identifier: MIT
"""Self-tests of the test machinery itself (results self:<name>): that
run-qemu.sh maps every way a boot can end to the right exit status, builds
the QEMU command line and the per-run ESP as documented, and that the
scenario matchers and checks really fail when they should.

They use tests/lib/fake_qemu.py as QEMU, a throw-away ESP made with
tools/mkesp.sh and empty firmware files, so they need mtools and python3
but no OVMF, no kernel and no boot.  About 5 seconds.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import traceback

import hosttap
import kholab_results as kr
import scenario as sc
import selftest_docs
import selftest_runner

HERE = os.path.dirname(os.path.abspath(__file__))


class Env:
    def __init__(self, root):
        self.root = root
        self.tmp = tempfile.mkdtemp(prefix="kholab-selftest.")
        self.build = os.path.join(self.tmp, "build")
        os.makedirs(self.build)
        for n, data in (("BOOTX64.EFI", b"MZfake"), ("kholab.elf", b"\x7fELF" + b"\0" * 60)):
            with open(os.path.join(self.tmp, n), "wb") as f:
                f.write(data)
        ovmf = os.path.join(self.tmp, "ovmf")
        os.makedirs(ovmf)
        for n in ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"):
            open(os.path.join(ovmf, n), "wb").close()
        shutil.copy(os.path.join(self.tmp, "kholab.elf"), self.build)
        subprocess.run([os.path.join(root, "tools", "mkesp.sh"),
                        os.path.join(self.build, "esp.img"),
                        os.path.join(self.tmp, "BOOTX64.EFI"),
                        os.path.join(self.tmp, "kholab.elf")],
                       check=True, stdout=subprocess.DEVNULL)
        self.env = dict(os.environ, BUILD=self.build, KHOLAB_NO_BUILD="1",
                        KHOLAB_QEMU=os.path.join(HERE, "fake_qemu.py"),
                        KHOLAB_OVMF_DIR=ovmf)
        self.env.pop("KHOLAB_QEMU_BUNDLE", None)
        self.n = 0

    def run(self, args, mode="pass"):
        """-> (rc, output, serial, argv)"""
        self.n += 1
        d = os.path.join(self.tmp, "r%d" % self.n)
        os.makedirs(d)
        env = dict(self.env, FAKE_QEMU_MODE=mode, FAKE_QEMU_ARGV=os.path.join(d, "argv"))
        p = subprocess.run([os.path.join(self.root, "run-qemu.sh"), "--quiet",
                            "--log", os.path.join(d, "log"), "--results",
                            os.path.join(d, "res")] + args,
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        argv = []
        if os.path.exists(os.path.join(d, "argv")):
            with open(os.path.join(d, "argv")) as f:
                argv = json.load(f)
        log = ""
        if os.path.exists(os.path.join(d, "log")):	# a usage error writes none
            with open(os.path.join(d, "log"), errors="replace") as f:
                log = f.read()
        return p.returncode, p.stdout.decode(errors="replace"), log, argv


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


# ------------------------------------------------------------- the tests

def t_verdicts(e):
    table = [("pass", [], 0, "PASS"), ("fail", [], 1, "FAIL"), ("loader", [], 1, "loader"),
             ("triple", [], 4, "NO VERDICT"), ("hang", ["--timeout", "1"], 3, "TIMEOUT"),
             ("disagree", [], 4, "disagree" and "results' exit event says 'fail'"),
             ("nojson", [], 4, "NO VERDICT"), ("qemu-error", [], 4, "QEMU failed")]
    for mode, args, want, text in table:
        rc, out, _, _ = e.run(args, mode)
        expect(rc == want, "fake QEMU mode %s: run-qemu.sh exited %d, want %d\n%s"
               % (mode, rc, want, out))
        expect(text in out, "mode %s: summary lacks %r:\n%s" % (mode, text, out))


def t_summary(e):
    rc, out, _, _ = e.run([])
    for s in ("generations: 1 boot event(s), max gen 0", "boot[gen 0].init=2.500 ms",
              "serial log:", "results:", "wall time:"):
        expect(s in out, "summary lacks %r:\n%s" % (s, out))


# What bash, run-qemu.sh and scripts/deps.sh use on the way to the package
# check; never QEMU, mtools, nasm, make or a compiler.
DEPS_PATH_TOOLS = ("bash", "sh", "env", "dirname", "basename", "cat", "sed", "grep",
                   "mktemp", "rm", "mkdir", "cp", "readlink", "head", "tail", "tr", "date",
                   "sleep", "python3", "find", "wc", "sort", "ls")


def _script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def _deps_run(e, uid):
    """run-qemu.sh on a PATH without the packages: a fake dpkg-query that
    knows no package, a fake apt-get that logs its arguments and fails, and
    an id that says @uid for -u.  KHOLAB_QEMU is not set.
    -> (status, output, apt-get's argument lines, whether a results file
    was made)."""
    d = tempfile.mkdtemp(prefix="deps.", dir=e.tmp)
    bindir, apt_log = os.path.join(d, "bin"), os.path.join(d, "apt-get.log")
    os.makedirs(bindir)
    for t in DEPS_PATH_TOOLS:
        if shutil.which(t):
            os.symlink(shutil.which(t), os.path.join(bindir, t))
    _script(os.path.join(bindir, "id"), '#!/bin/sh\n[ "$1" = -u ] && { echo %d; exit 0; }\n'
            'exec %s "$@"\n' % (uid, shutil.which("id")))
    _script(os.path.join(bindir, "dpkg-query"), "#!/bin/sh\nexit 1\n")
    _script(os.path.join(bindir, "apt-get"), '#!/bin/sh\necho "$*" >>%s\n'
            'echo "apt-get (fake): cannot reach the archive" >&2\nexit 100\n' % apt_log)
    env = {k: v for k, v in e.env.items() if k not in ("KHOLAB_QEMU", "KHOLAB_QEMU_BUNDLE",
                                                        "KHOLAB_NO_DEPS")}
    env["PATH"] = bindir
    res = os.path.join(d, "res")
    p = subprocess.run([os.path.join(e.root, "run-qemu.sh"), "--quiet", "--log",
                        os.path.join(d, "log"), "--results", res], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    apt = open(apt_log).read().splitlines() if os.path.exists(apt_log) else []
    return p.returncode, p.stdout.decode(errors="replace"), apt, os.path.exists(res)


def _deps_common(rc, out, made_results):
    expect(rc == 4, "run-qemu.sh exited %d, want 4:\n%s" % (rc, out))
    for s in ("some packages kholab needs are missing; running scripts/deps.sh",
              "scripts/deps.sh: missing packages: ",
              "scripts/deps.sh could not install the packages (its message is above); "
              "nothing was booted"):
        expect(s in out, "output lacks %r:\n%s" % (s, out))
    expect("booting kholab" not in out and "verdict:" not in out and not made_results,
           "something was booted:\n%s" % out)


def t_deps_root(e):
    rc, out, apt, made = _deps_run(e, 0)
    _deps_common(rc, out, made)
    expect(apt[:1] == ["update"], "apt-get was called with %s, want update first" % apt)
    expect("apt-get update failed" in out, "deps.sh did not report the failed update:\n%s" % out)


def t_deps_user(e):
    rc, out, apt, made = _deps_run(e, 1000)
    _deps_common(rc, out, made)
    expect(apt == [], "apt-get ran for a non-root user: %s" % apt)
    missing = [l.split("missing packages: ", 1)[1] for l in out.splitlines()
               if "missing packages: " in l][0]
    want = "  sudo apt-get update && sudo apt-get install -y --no-install-recommends " + missing
    expect(want in out.splitlines(), "no line %r in:\n%s" % (want, out))


def _numa(argv):
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-numa", "-object")]


def t_qemu_argv(e):
    rc, out, _, argv = e.run(["--cpus", "4", "--mem", "2G", "--numa", "2"])
    expect(rc == 0, "numa 2 run failed: %s" % out)
    for a, b in (("-smp", "4"), ("-m", "2048M"), ("-machine", "q35"), ("-accel", "tcg")):
        expect(a in argv and argv[argv.index(a) + 1] == b, "%s %s not in %s" % (a, b, argv))
    for flag in ("-no-reboot", "-net"):
        expect(flag in argv, "%s missing from %s" % (flag, argv))
    expect("isa-debug-exit,iobase=0xf4,iosize=0x04" in argv, "no isa-debug-exit in %s" % argv)
    want = ["memory-backend-ram,id=m0,size=1024M,reserve=off", "node,nodeid=0,memdev=m0,cpus=0-1",
            "memory-backend-ram,id=m1,size=1024M,reserve=off", "node,nodeid=1,memdev=m1,cpus=2-3"]
    expect(_numa(argv) == want, "numa args %s, want %s" % (_numa(argv), want))
    rc, out, _, argv = e.run(["--cpus", "3", "--numa", "1G,3G"])
    want = ["memory-backend-ram,id=m0,size=1024M,reserve=off", "node,nodeid=0,memdev=m0,cpus=0-0",
            "memory-backend-ram,id=m1,size=3072M,reserve=off", "node,nodeid=1,memdev=m1,cpus=1-2"]
    expect(rc == 0 and _numa(argv) == want, "numa list args %s, want %s" % (_numa(argv), want))
    expect(argv[argv.index("-m") + 1] == "4096M", "--numa 1G,3G did not set -m 4096M: %s" % argv)
    rc, out, _, argv = e.run(["--mem", "3G"])
    expect(rc == 0 and "memory-backend-ram,id=ram0,size=3072M,reserve=off" in argv and
           "memory-backend=ram0" in argv, "one-node memory is not a reserve=off backend: %s" % argv)
    pf = [a for a in argv if a.startswith("if=pflash")]
    expect(len(pf) == 2 and "readonly=on" in pf[0], "pflash drives wrong: %s" % pf)


def t_esp(e):
    rc, out, log, _ = e.run(["--cmdline", "foo=1 bar", "--gens", "3", "--load-addr",
                             "0x4000000", "--loader-cfg", "seed=5"])
    # the fake kernel boots one generation of the three asked for: no verdict
    expect(rc == 4 and "3 generations asked for, 1 booted" in out, out)
    for s in ("fake: cmdline=[foo=1 bar gens=3]", "fake: cfg=exit_port=0xf4",
              "fake: cfg=load_addr=0x4000000", "fake: cfg=seed=5", "fake: kernel=present size=64"):
        expect(s in log, "ESP copy: %r not in\n%s" % (s, log))
    rc, out, log, _ = e.run(["--no-kernel"])
    expect("fake: kernel=absent" in log, "--no-kernel left kholab.elf on the ESP:\n%s" % log)
    k = os.path.join(e.tmp, "big.elf")
    with open(k, "wb") as f:
        f.write(b"x" * 12345)
    rc, out, log, _ = e.run(["--kernel", k])
    expect("fake: kernel=present size=12345" in log, "--kernel not copied:\n%s" % log)
    rc, out, log, _ = e.run([])
    expect("fake: cmdline=[]" in log and "fake: cfg=load_addr" not in log,
           "default run is not an empty cmdline with only exit_port:\n%s" % log)


def t_direct(e):
    rc, out, log, argv = e.run(["--boot", "direct", "--cmdline", "a=1 b"])
    expect(rc == 0, "direct run failed: %s" % out)
    expect(argv[argv.index("-kernel") + 1] == os.path.join(e.build, "kholab.elf"),
           "-kernel is not build/kholab.elf: %s" % argv)
    expect(not [a for a in argv if "pflash" in a or "id=esp" in a],
           "a direct boot still has OVMF or the ESP: %s" % argv)
    for s in ("fake: direct kernel size=64 append=[a=1 b]", "fake: module kholab.elf size=64"):
        expect(s in log, "direct boot: %r not in\n%s" % (s, log))
    bz = os.path.join(e.tmp, "bz")
    with open(bz, "wb") as f:
        f.write(b"z" * 1000)
    rc, out, log, argv = e.run(["--boot", "direct", "--linux", bz, "--linux-initrd", bz])
    for s in ("fake: module linux/bzImage size=1000", "fake: module linux/initrd size=1000"):
        expect(rc == 0 and s in log, "--linux with --boot direct: %r not in\n%s" % (s, log))
    for args, what in ((["--boot", "direct", "--load-addr", "0x4000000"], "--load-addr configures"),
                       (["--boot", "direct", "--no-kernel"], "--no-kernel tests the UEFI"),
                       (["--boot", "bios"], "--boot 'bios' is not uefi or direct")):
        rc, out, _, _ = e.run(args)
        expect(rc == 2 and what in out, "%s: rc %s, output:\n%s" % (args, rc, out))


def _door(label, folios):
    events = [{"event": "boot", "gen": g, "cpus": 2, "nodes": 1} for g in range(len(folios))]
    events += [{"event": "kho_restore", "gen": g, "folios": n, "restored": n, "lost": 0,
                "mismatches": 0} for g, n in enumerate(folios)]
    return sc.Run(label, "", events, "", 0)


def t_boot_key(e):
    _refused((("boot = bios", "want direct, uefi, both"),
              ("load_addr = 0x4000000", "say boot = uefi"),
              ("boot = both\ncheck = mem_matches_efi_map", "say boot = uefi"),
              ("kind = usage\nboot = uefi", "`boot` is for kind = qemu")), _scn)
    scn = _scn("boot = both\ngens = 2\ncheck = boot_paths_agree")
    expect([l for l, _ in scn.boot_plan()] == ["uefi", "direct"], "boot = both plan wrong")
    expect(_scn("cpus = 2").boot_plan() == [("run", ["--boot", "direct"])], "default not direct")
    check = sc.CHECKS["boot_paths_agree"]
    expect(check(scn, [_door("uefi", [0, 12]), _door("direct", [0, 12])]) is None,
           "boot_paths_agree failed two runs that agree")
    m = check(scn, [_door("uefi", [0, 12]), _door("direct", [0, 11])])
    expect(m and "kho_restore" in m, "boot_paths_agree passed 12 against 11 folios: %s" % m)


def t_facts(e):
    evs = [{"event": "boot", "gen": 0, "cpus": 2, "kernel_phys": 0x4000000, "x": {"y": True}},
           {"event": "boot", "gen": 1, "cpus": 2, "kernel_phys": 0x6000000},
           {"event": "exit", "status": "pass"}]
    good = ["boot.gen=1", "boot[0].gen=0", "boot[-1].kernel_phys=0x6000000",
            "boot[0].kernel_phys=67108864", "count(boot)=2", "count(kho)=0", "exit.status=pass",
            "boot.cpus>=2", "boot.cpus<3", "boot.gen!=0", "boot[0].x.y=true", "boot.cpus=*"]
    bad = ["boot.gen=0", "boot.cpus=4", "count(boot)=1", "exit.status=fail", "kho.x=1",
           "boot[5].gen=0", "boot.nope=1", "boot.cpus>2", "boot[0].x.y=false", "boot.nope=*"]
    for f in good:
        m = sc.check_fact(sc.parse_fact(f), evs)
        expect(m is None, "fact %s should hold: %s" % (f, m))
    for f in bad:
        expect(sc.check_fact(sc.parse_fact(f), evs) is not None, "fact %s should fail" % f)
    for f in ("boot", "boot.gen", "=1", "count(boot=1"):
        try:
            sc.parse_fact(f)
        except ValueError:
            continue
        raise AssertionError("malformed fact %r was accepted" % f)


def _cfg(text):
    """Scenarios from the text of a whole scenario file."""
    d = tempfile.mkdtemp(prefix="kholab-cfg.")
    try:
        with open(os.path.join(d, "s.cfg"), "w") as f:
            f.write(text)
        return sc.load(os.path.join(d, "s.cfg"))
    finally:
        shutil.rmtree(d)


def _scn(text, name="x"):
    """The one scenario [name] with the keys in text."""
    return _cfg("[%s]\n%s\n" % (name, text))[0]


def t_checks(e):
    log = ("kholab-boot: efi-mmap type=7 base=0x100000 pages=256\n"
           "kholab-boot: efi-mmap type=0 base=0x0 pages=1\n"
           "kholab-boot: efi-mmap type=2147483656 base=0x400000 pages=512\n"
           "kholab-boot: efi-mmap type=11 base=0x800000 pages=16\n"
           "kholab-boot: efi-mmap end entries=4\n")
    usable = (256 + 512) * 4096
    scn = _scn("boot = uefi\nload_addr = 0x400000\ncheck = mem_matches_efi_map kernel_in_efi_map "
               "efi_map_no_overlap kernel_phys_matches_load_addr kernel_phys_aligned_2m "
               "kernel_phys_below_4g boot_matches_config results_end_with_exit gens_complete")

    def run(mem, kp, lg=log, cpus=2):
        return sc.Run("run", lg, [{"event": "boot", "gen": 0, "cpus": cpus, "nodes": 1,
                                   "mem_usable_bytes": mem, "kernel_phys": kp},
                                  {"event": "exit", "status": "pass"}], "", 0)
    why = sc.judge(scn, [run(usable, 0x400000)])
    expect(why == [], "good run judged bad: %s" % why)
    cases = [(run(usable + 4096, 0x400000), "mem_matches_efi_map"),
             (run(usable, 0x600000), "kernel_phys_matches_load_addr"),
             (run(usable, 0x600000), "kernel_in_efi_map"),
             (run(usable, 0x500000), "kernel_phys_aligned_2m"),
             (run(usable, 0x400000, cpus=4), "boot_matches_config"),
             (run(usable, 0x400000, log.replace("entries=4", "entries=5")), "mem_matches_efi_map"),
             (run(usable, 0x400000, log.replace("base=0x800000", "base=0x401000")), "efi_map_no_overlap")]
    for r, check in cases:
        why = sc.judge(scn, [r])
        expect(any(w.startswith("check %s:" % check) for w in why),
               "bad run not caught by %s: %s" % (check, why))
    hi = _scn("boot = uefi\ncheck = kernel_phys_above_4g kernel_phys_differs")
    why = sc.judge(hi, [run(usable, 0x400000), run(usable, 0x400000)])
    expect(any("kernel_phys_above_4g" in w for w in why) and
           any("kernel_phys_differs" in w for w in why), "4g/differs not caught: %s" % why)
    r1, r2 = run(usable, 0x140000000), run(usable, 0x180000000)
    r2.label = "seed 2"
    expect(sc.judge(hi, [r1, r2]) == [], "4g/differs good case judged bad")
    ela = _scn("check = exit_log_agrees")
    ex = [{"event": "exit", "status": "pass"}]
    expect(sc.judge(ela, [sc.Run("run", "exit: verdict PASS: ok", ex, "", 0)]) == [],
           "exit_log_agrees: agreeing run judged bad")
    for lg in ("exit: verdict FAIL: x", "no verdict line"):
        expect(sc.judge(ela, [sc.Run("run", lg, ex, "", 0)]) != [],
               "exit_log_agrees: %r not caught" % lg)
    strs = _scn('expect_exit = 1\nexpect_log = "a b" \'c "d"\'\nreject_log = zzz\n'
                'expect_json = exit.status=pass')
    expect(strs.expect_log == ["a b", 'c "d"'], "quoting: %s" % strs.expect_log)
    why = sc.judge(strs, [sc.Run("run", "a b zzz", [], "", 0)])
    expect(len(why) == 4, "exit/log/reject/json mismatches not all reported: %s" % why)


def _kho_run(abis, linux=(True, 24, 24), log="", lost=0, dumps=()):
    """A made-up run whose generation g revived what g - 1's kexec wrote
    (abis[g]), with Linux's test_kho result @linux in every receiver."""
    ev, n = [], len(abis) + 1
    for g in range(n):
        found, folios, restored = linux if g else (False, 0, 0)
        ev.append({"event": "kho_restore", "gen": g, "revived": g > 0, "lost": lost,
                   "abi": abis[g - 1] if g else "none", "linux_found": found,
                   "linux_ok": found and folios == restored, "linux_folios": folios,
                   "linux_restored": restored})
        if g < n - 1:
            ev += [{"event": "kho_dump", "gen": g, "file": "preserved.txt", "offset": 0,
                    "size": len(text), "text": text} for text in dumps[g:g + 1]]
            ev.append({"event": "kexec", "gen": g, "to_gen": g + 1, "preserved_blocks": 9,
                       "abi": abis[g], "fdt_phys": 0x1000})
    return sc.Run("run", log, ev, "", 0)


def t_kho_checks(e):
    chain = _scn("gens = 4\ncmdline = kho.abi=v1,v4,v1\ncheck = kho_abi_as_configured "
                 "kho_linux_verified")
    ok_log = "test_kho: KHO restore succeeded\n" * 3
    good = _kho_run(["kho-v1", "kho-v4", "kho-v1"], log=ok_log)
    expect(sc.judge(chain, [good]) == [], "good chain judged bad: %s" % sc.judge(chain, [good]))
    for run, check in ((_kho_run(["kho-v1", "kho-v4", "kho-v4"], log=ok_log), "kho_abi_as_configured"),
                       (_kho_run(["kho-v4", "kho-v4", "kho-v4"], log=ok_log), "kho_abi_as_configured"),
                       (_kho_run(["kho-v1", "kho-v4", "kho-v1"], log=ok_log[:-33]), "kho_linux_verified"),
                       (_kho_run(["kho-v1", "kho-v4", "kho-v1"], (True, 24, 23), ok_log),
                        "kho_linux_verified"),
                       (_kho_run(["kho-v1", "kho-v4", "kho-v1"], (False, 0, 0), ok_log),
                        "kho_linux_verified"),
                       (_kho_run(["kho-v1", "kho-v4", "kho-v1"], log=ok_log + "test_kho: KHO restore failed"),
                        "kho_linux_verified")):
        why = sc.judge(chain, [run])
        expect(any(w.startswith("check %s:" % check) for w in why),
               "bad run not caught by %s: %s" % (check, why))
    dflt = _scn("gens = 2\ncheck = kho_abi_as_configured")
    expect(sc.judge(dflt, [_kho_run(["kho-v4"])]) == [] and sc.judge(dflt, [_kho_run(["kho-v1"])]),
           "kho_abi_as_configured: the default is not kho-v4")
    # kho_linux_folios_split: node 0 is pfn [0, 0x40000) with deferred init
    # from 0x8000, node 1 [0x40000, 0x80000) from 0x48000.
    log = ("kholab: booting generation 0\nmm_init: node 0 zone DMA32  pfn [0x0-0x40000) 9 pages\n"
           "mm_init: node 1 zone DMA32  pfn [0x40000-0x80000) 9 pages\n"
           "deferred: node 0: struct pages from pfn 0x8000 on are initialised after SMP\n"
           "deferred: node 1: struct pages from pfn 0x48000 on are initialised after SMP\n")
    split = _scn("gens = 2\ncheck = kho_linux_folios_split")
    both = "0x1000 0\n0x2000000 3\n0x9000000 1\n0x40200000 2\n0x50000000 4\n"
    expect(sc.judge(split, [_kho_run(["kho-v4"], log=log, dumps=[both])]) == [],
           "folios on both sides judged bad: %s"
           % sc.judge(split, [_kho_run(["kho-v4"], log=log, dumps=[both])]))
    for text in ("0x1000 0\n0x2000000 3\n0x9000000 1\n0x40200000 2\n",     # node 1: none above
                 "0x1000 0\n0x2000000 0\n0x9000000 1\n0x40200000 2\n0x50000000 4\n"):  # order 0
        why = sc.judge(split, [_kho_run(["kho-v4"], log=log, dumps=[text])])
        expect(any(w.startswith("check kho_linux_folios_split:") for w in why),
               "one-sided folios not caught: %s" % text)
    why = sc.judge(split, [_kho_run(["kho-v4"], log=log)])
    expect(why and "kho.dump=1" in why[0], "a run without a dump not refused: %s" % why)


def _refused(cases, load):
    """Every (text, what) of @cases: load(text) raises a ConfigError that
    says @what."""
    for text, what in cases:
        try:
            load(text)
        except sc.ConfigError as ex:
            expect(what in str(ex), "error for %r says %s" % (text, ex))
            continue
        raise AssertionError("scenario text %r was accepted" % text)


def t_config(e):
    _refused((("cpu = 2", "unknown key"), ("check = nope", "unknown check"),
              ("kernel = @nope", "unknown fixture"),
              ("kind = usage\ncmdline = x", "usage never boots"),
              ("expect_json = boot", "not event.field")), _scn)
    cfg = os.path.join(e.root, "tests", "scenarios.cfg")
    names = [s.name for s in sc.load(cfg)]
    expect(len(names) >= 16, "tests/scenarios.cfg has only %d scenarios" % len(names))


def t_table(e):
    got = _cfg('[demo-{name}]\ncmdline = demo={name} x=1\nexpect_log = {text} "done"\n'
               'rows = name text\n  a first "message" text\n  b  second\n[after]\ncpus = 1\n')
    expect([s.name for s in got] == ["demo-a", "demo-b", "after"], "names %s" % [s.name for s in got])
    expect(got[0].kv["cmdline"] == "demo=a x=1" and
           got[0].expect_log == ['first "message" text', "done"] and
           got[1].expect_log == ["second", "done"], "rows: %s %s" % (got[0].kv, got[1].expect_log))
    _refused((("[t]\nrows = a b\n  1 2\n", "needs a {column}"),
              ("[t-{a}]\ncmdline = {zz}\nrows = a\n  1\n", "{zz} is not a column"),
              ("[t-{a}]\nrows = a b\n  1\n", "want 2 columns"),
              ("[t-{a}]\nrows = a\n", "at least one row"),
              ("[t-{a}]\nrows = a\n  1\n[t-1]\n", "defined twice")), _cfg)
    # The corrupt-* rows of tests/scenarios.cfg: one scenario per kho.corrupt
    # kind and wire format (-v1: kho.abi=v1), each expecting its own message;
    # under kho-v4, map-* and tree-* damage at the root and one level down
    # share the walker's message.
    cfg = [s for s in sc.load(os.path.join(e.root, "tests", "scenarios.cfg"))
           if s.name.startswith("corrupt-") and not s.name.startswith("corrupt-bitflip")]
    shared = {"map-outside-ram": "tree-outside-ram", "map-unaligned": "tree-unaligned"}
    kinds = {}
    for s in cfg:
        v1 = s.name.endswith("-v1")
        kind = s.name[len("corrupt-"):len(s.name) - 3 if v1 else None]
        expect(("kho.corrupt=%s " % kind) in s.kv["cmdline"] and
               ("kho.abi=v1" in s.kv["cmdline"]) == v1 and
               s.expect_log[1:] == ["disabling KHO revival, booting cold"] and
               s.checks == ["kho_rejected_cold", "memmap_accounting"], "row %s: %s" % (s.name, s.kv))
        kinds.setdefault(v1, {})[kind] = s.expect_log[0]
    for v1, rows in kinds.items():
        by_msg = {}
        for kind, msg in rows.items():
            by_msg.setdefault(msg, set()).add(kind)
        for msg, ks in by_msg.items():
            k = min(ks)
            expect(len(ks) == 1 or (not v1 and ks == {k, shared.get(k)}),
                   "corrupt rows %s expect the same message %r" % (sorted(ks), msg))
    with open(os.path.join(e.root, "kho", "test", "corrupt.c")) as f:
        src = f.read()
    names = src[src.index("kho_corrupt_names[] = {"):].split("NULL")[0]
    # bitflip and memmap damage what a receiver accepts: their scenarios
    # (corrupt-bitflip*, kho-vm-handover-corrupt) expect a pass, not a refusal
    names = set(re.findall(r'"([a-z0-9-]+)"', names)) - {"none", "bitflip", "memmap"}
    missing = names - set(kinds.get(False, {})) - set(kinds.get(True, {}))
    expect(len(names) >= 33 and not missing, "kho.corrupt kinds without a row: %s" % sorted(missing))
    expect(any("kho.corrupt=memmap" in s.kv.get("cmdline", "") for s in
               sc.load(os.path.join(e.root, "tests", "scenarios.cfg"))),
           "no scenario for kho.corrupt=memmap")


def _flip_run(revived, folios, restored, mismatches, rejected=None, status="pass"):
    r = {"event": "kho_restore", "gen": 1, "revived": revived, "folios": folios,
         "restored": restored, "mismatches": mismatches, "lost": 0}
    if rejected:
        r["rejected"] = rejected
    return sc.Run("run", "", [{"event": "boot", "gen": 0}, {"event": "boot", "gen": 1}, r,
                              {"event": "exit", "status": status}], "", 0)


def t_flip(e):
    check = sc.CHECKS["kho_flip_safe"]
    scn = _scn("gens = 2\ncheck = kho_flip_safe")
    for run, ok in ((_flip_run(False, 0, 0, 0, "kho_data.fdt_size is not 4096"), True),
                    (_flip_run(True, 25, 25, 0), True),
                    # accepted, and corrupted data came back (a flipped bitmap
                    # pointer, as kho.corrupt_seed=19 kho.corrupt_bits=1 does)
                    (_flip_run(True, 38, 36, 1), False),
                    (_flip_run(True, 38, 36, 1, status="fail"), False),
                    (_flip_run(True, 0, 0, 0), False),
                    (_flip_run(False, 0, 0, 0), False),
                    (_flip_run(True, 25, 25, 0, status="fail"), False)):
        m = check(scn, [run])
        expect((m is None) == ok, "kho_flip_safe on %s: %s" % (run.events[2], m))
    real = {s.name: s for s in sc.load(os.path.join(e.root, "tests", "scenarios.cfg"))}
    for name in ("corrupt-bitflip", "corrupt-bitflip-harmless", "corrupt-bitflip-v1",
                 "corrupt-bitflip-harmless-v1"):
        why = sc.judge(real[name], [_flip_run(True, 38, 36, 1)])
        expect(any(w.startswith("check kho_flip_safe:") for w in why),
               "%s passed an accepted flip with a mismatch: %s" % (name, why))


def t_results(e):
    res = kr.parse('{"event":"boot"}\nnot json\n{"event":"ex', False)
    expect(len(res.events) == 1 and len(res.problems()) == 2,
           "parse: %s %s" % (res.events, res.problems()))
    res = kr.parse('{"event":"boot"}\n{"event":"ex', True)
    expect(len(res.events) == 1 and res.problems() == [],
           "partial tail not tolerated: %s" % res.problems())
    res = kr.parse('[1]\n{"x":1}\n', True)
    expect(len(res.problems()) == 2, "non-event JSON accepted: %s" % res.problems())
    res = kr.parse("\n".join(json.dumps(ev) for ev in (
        {"event": "boot", "gen": 0}, {"event": "memmap", "gen": 0, "strategy": "eager",
                                      "deferred_ns": 1500000},
        {"event": "kho_restore", "gen": 0, "strategy": "off", "abi": "none", "folios": 0,
         "restored": 0, "lost": 0, "mismatches": 0, "linux_found": False},
        {"event": "kexec", "gen": 0, "to_gen": 1, "preserved_blocks": 3, "abi": "kho-v1"},
        {"event": "boot", "gen": 1},
        {"event": "kho_restore", "gen": 1, "strategy": "off", "abi": "kho-v1", "folios": 5,
         "restored": 5, "lost": 0, "mismatches": 0, "linux_found": True, "linux_ok": True,
         "linux_folios": 24, "linux_restored": 24},
        {"event": "boot", "gen": 2},
        {"event": "kho_restore", "gen": 2, "strategy": "unsafe", "abi": "kho-v4", "folios": 5,
         "restored": 4, "lost": 1, "mismatches": 0, "linux_found": True, "linux_ok": False,
         "linux_folios": 24, "linux_restored": 3},
        {"event": "exit", "status": "pass", "uptime_ns": 2000000})))
    expect(res.exit_status() == "pass" and res.boots() == 3 and res.max_gen() == 2,
           "exit/boots/max_gen: %s %s %s" % (res.exit_status(), res.boots(), res.max_gen()))
    expect(sorted(res.by_gen()) == [0, 1, 2] and len(res.by_gen()[0]) == 4, "by_gen %s" % res.by_gen())
    want = ["exit=pass boots=3 maxgen=2 bad=0 next=self", "timing: memmap[gen 0].deferred=1.500 ms",
            "timing: exit.uptime=2.000 ms"]
    lines = kr.summary_lines(res)
    head = lines[3].split()
    rows = [dict(zip(head, l.split()[:len(head) - 1])) for l in lines[4:]]
    expect(lines[:3] == want and head[:5] == ["gen", "memmap", "deferred_ms", "kho.deferred", "abi"]
           and "linux" in head and head[-1] == "kexec" and len(lines) == 7,
           "summary lines:\n%s" % "\n".join(lines))
    expect([r["abi"] for r in rows] == ["-", "kho-v1", "kho-v4"] and
           lines[4].endswith("-> gen 1 (3 blocks, kho-v1)") and
           "24/24 ok" in lines[5] and "3/24 FAILED" in lines[6] and
           lines[4].split()[head.index("linux")] == "-" and
           [r["lost"] for r in rows] == ["0", "0", "1"],
           "per-generation table:\n%s" % "\n".join(lines))


def t_fixtures(e):
    d = tempfile.mkdtemp(prefix="kholab-fix.")
    try:
        real = bytes(sc._real_elf(e.root, os.path.join(e.tmp, "nobuild")))
        got = {n: open(sc.make_fixture(n, e.root, os.path.join(e.tmp, "nobuild"), d), "rb").read()
               for n, (fn, _) in sc.FIXTURES.items() if fn}
        built = sc.make_fixture("pvh-forge-magic", e.root, "/b", d)
        expect(built == "/b/pvh-forge-magic.elf", "a built fixture is not in BUILD: %s" % built)
        expect(got["bad-magic"][:4] != b"\x7fELF" and len(got["bad-magic"]) == len(real), "bad-magic")
        expect(got["wrong-machine"][18:20] == b"\xb7\x00", "wrong-machine")
        expect(got["elf32"][4] == 1, "elf32")
        expect(got["empty"] == b"", "empty")
        expect(len(got["truncated"]) < len(real) or len(real) <= 64, "truncated")
    finally:
        shutil.rmtree(d)


def t_tap(e):
    out = ("1..3\nok 1 - a\nnot ok 2 - b\n# 0x1 != 0x2\n# t.c:7: error: Failure!\n"
           "not ok 3 # SKIP c\n# not ok - grp\n1..1\nok 1 - a\n# ok - g2\n")
    cases, planned = hosttap.parse_tap(out)
    expect(planned == 4, "planned %d" % planned)
    expect([(c[0], c[1]) for c in cases] ==
           [("a", "pass"), ("b", "fail"), ("c", "skip"), ("a", "pass")], "cases %s" % cases)
    expect(cases[1][2] == ["# 0x1 != 0x2", "# t.c:7: error: Failure!"], "diag %s" % cases[1][2])
    # A binary that dies after its plan line must be a failure.
    sh = os.path.join(e.tmp, "test_crash")
    with open(sh, "w") as f:
        f.write("#!/bin/sh\necho 1..2\necho 'ok 1 - first'\necho 'ASan: boom' >&2\nkill -SEGV $$\n")
    os.chmod(sh, 0o755)
    res = hosttap.run_binary(sh)
    expect([r[1] for r in res] == ["pass", "fail"] and "signal 11" in res[1][2]
           and "ASan: boom" in res[1][3], "crash not reported: %s" % res)
    with open(sh, "w") as f:
        f.write("#!/bin/sh\necho hello\n")
    res = hosttap.run_binary(sh)
    expect(len(res) == 1 and res[0][1] == "fail", "no-TAP binary passed: %s" % res)


TESTS = [t_verdicts, t_summary, t_deps_root, t_deps_user, t_qemu_argv, t_esp, t_direct,
         t_boot_key, t_facts,
         t_checks, t_kho_checks, t_config, t_table, t_flip, t_results, t_fixtures, t_tap]
TESTS += selftest_docs.TESTS + selftest_runner.TESTS


def run_all(root):
    results = []
    try:
        e = Env(root)
    except Exception as ex:
        return [("self:setup", "fail", "cannot set up the self-test ESP: %s" % ex,
                 traceback.format_exc())]
    try:
        for t in TESTS:
            name = "self:" + t.__name__[2:]
            try:
                t(e)
                results.append((name, "pass", "", ""))
            except Exception as ex:
                results.append((name, "fail", str(ex).split("\n")[0],
                                "%s\n%s" % (ex, traceback.format_exc())))
    finally:
        shutil.rmtree(e.tmp, ignore_errors=True)
    return results
