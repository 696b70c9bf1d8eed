/*
 * init/params.c - the table of every boot parameter kholab understands.
 *
 * One table, so that a reader (and docs/params.md) sees all the switches in
 * one place; every subsystem's parameters are rows here.  Defaults live in
 * kparams' initialiser.
 */
#include <init/params.h>
#include <kernel/cmdline.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/layout.h>
#include <mm/memblock.h>
#include <mm/mm_init.h>
#include <mm/sparse.h>
#include <mm/deferred.h>
#include <kho/kho_boot.h>
#include <kho/kho_corrupt.h>
#include <kho/luo_client.h>

struct kernel_params kparams = {
	.loglevel = LOGLEVEL_DEFAULT,
	.selftest = SELFTEST_NONE,
	.gens = 1,
	.smp_fail_cpu = ~0ULL,
	.smp_timeout_ms = 1000,
};

static const char *const selftest_choices[] = {
	"none", "fault", "panic", "hang", "triple", "buddy", "apfault", "grow", "lostipi", "earlytouch", "bgalloc",
	NULL,
};

static const char *const memblock_choices[] = { "quiet", "debug", NULL };
static const char *const memmap_init_choices[] = { "eager", "deferred", "background", NULL };
static const char *const trace_choices[] = { "none", "memmap", NULL };
static int trace_mode;
static const char *const kho_deferred_choices[] = { "off", "unsafe", "deserialize", "restore", NULL };
static const char *const kho_test_mode_choices[] = { "random", "edges", "empty", NULL };
static const char *const kho_test_shape_choices[] = { "random", "vm", NULL };
static const char *const kho_memmap_choices[] = { "init", "handover", NULL };
static const char *const kho_test_choices[] = { "kholab", "linux", "both", NULL };
static const char *const kho_root_fdt_choices[] = { "any", "alone", "alone-unpreserved", NULL };
static const char *const kexec_next_choices[] = { "self", "linux", NULL };
static const char *const idle_choices[] = { "halt", "poll", NULL };
static int memblock_mode;

static const struct kernel_param param_table[] = {
	{ .name = "loglevel", .type = PARAM_U64, .value = &kparams.loglevel,
	  .min = 0, .max = 7, .help = "console log level: 0 (emergencies) .. 7 (debug)" },
	{ .name = "selftest", .type = PARAM_ENUM, .value = &kparams.selftest,
	  .choices = selftest_choices,
	  .help = "provoke a failure on purpose to test the reporting paths" },
	{ .name = "memblock", .type = PARAM_ENUM, .value = &memblock_mode,
	  .choices = memblock_choices,
	  .help = "debug: log every memblock call with its caller and dump the arrays" },
	{ .name = "memmap_poison", .type = PARAM_BOOL, .value = &memmap_poison,
	  .help = "poison the memmap before init and check every struct page after it" },
	{ .name = "memmap_floor", .type = PARAM_BOOL, .value = &memmap_floor,
	  .help = "measure the memmap store floor (first touch and warm); pre-touches the memmap, so this boot's other figures are not the strategy's" },
	{ .name = "memmap_init", .type = PARAM_ENUM, .value = &deferred_cfg.strategy,
	  .choices = memmap_init_choices,
	  .help = "eager: all struct pages on the boot CPU before SMP; deferred: most after SMP on all CPUs; background: the same, but the boot does not wait for it" },
	{ .name = "deferred_threads", .type = PARAM_U64, .value = &deferred_cfg.threads,
	  .min = 0, .max = 64, .help = "CPUs per node for deferred init (background: CPUs in all, the boot CPU's join included); 0 = all" },
	{ .name = "deferred.early", .type = PARAM_U64, .flags = PARAM_F_SIZE,
	  .value = &deferred_cfg.early_bytes, .min = 0, .max = 1ULL << 46,
	  .help = "bytes of each node's highest zone initialised before SMP (0 = one section)" },
	{ .name = "trace", .type = PARAM_ENUM, .value = &trace_mode, .choices = trace_choices,
	  .help = "memmap: one results record per deferred-init chunk" },
	{ .name = "kho", .type = PARAM_BOOL, .value = &kho_cfg.enabled,
	  .help = "Kexec HandOver: reserve scratch, revive a handoff, preserve across kexec" },
	{ .name = "kho_scratch", .type = PARAM_STR, .value = kho_cfg.scratch_arg,
	  .max = sizeof(kho_cfg.scratch_arg),
	  .help = "scratch sizes: N% of the kernel's own reservations, or lowmem,global,pernode sizes" },
	{ .name = "kexec.next", .type = PARAM_ENUM, .value = &kparams.kexec_next,
	  .choices = kexec_next_choices,
	  .help = "what the last handover goes to: this kernel again, or the linux/bzImage module" },
	{ .name = "kexec.linux_cmdline", .type = PARAM_STR, .value = kexec_linux_cmdline,
	  .max = sizeof(kexec_linux_cmdline),
	  .help = "words added to Linux's command line (after console=ttyS0 kho=on panic=-1 nokaslr)" },
	{ .name = "kho.abi", .type = PARAM_STR, .value = kho_cfg.abi_arg,
	  .max = sizeof(kho_cfg.abi_arg),
	  .help = "wire format this kernel writes: v4 or v1, or a list (v1,v4,v1) by generation" },
	{ .name = "kho.test", .type = PARAM_ENUM, .value = &kho_cfg.test,
	  .choices = kho_test_choices,
	  .help = "test clients: kholab's ledger, Linux's test_kho protocol, or both" },
	{ .name = "kho.test_linux_mem", .type = PARAM_U64, .flags = PARAM_F_SIZE,
	  .value = &kho_cfg.test_linux_mem, .min = 1ULL << 12, .max = 1ULL << 40,
	  .help = "bytes of folios Linux's test_kho protocol preserves (its max_mem)" },
	{ .name = "kho.test_relay", .type = PARAM_BOOL, .value = &kho_cfg.test_relay,
	  .help = "hand the test_kho folios received on to the next kernel unchanged" },
	{ .name = "kho.deferred", .type = PARAM_ENUM, .value = &kho_cfg.deferred,
	  .choices = kho_deferred_choices,
	  .help = "how preserved struct pages meet deferred init (docs/kho.md)" },
	{ .name = "kho.test_mem", .type = PARAM_U64, .flags = PARAM_F_SIZE, .value = &kho_cfg.test_mem,
	  .min = 1ULL << 20, .max = 1ULL << 40, .help = "bytes of folios the test client preserves" },
	{ .name = "kho.memmap", .type = PARAM_ENUM, .value = &kho_cfg.memmap,
	  .choices = kho_memmap_choices,
	  .help = "init: the receiver initialises the struct pages of preserved memory; handover: the sender hands its memmap over and the receiver checks and adopts it (kholab to kholab)" },
	{ .name = "kho.test_shape", .type = PARAM_ENUM, .value = &kho_cfg.test_shape,
	  .choices = kho_test_shape_choices,
	  .help = "random: folios of random order 0..10, all written; vm: 2 MiB folios and a tail of 4 KiB pages over every node, a pattern in about 256 MiB of them, zero in the rest" },
	{ .name = "kho.test_mode", .type = PARAM_ENUM, .value = &kho_cfg.test_mode,
	  .choices = kho_test_mode_choices,
	  .help = "random folios; edges: also blocks at node edges, section boundaries and first_deferred_pfn; empty: preserve nothing" },
	{ .name = "kho.refuse", .type = PARAM_BOOL, .value = &kho_cfg.refuse,
	  .help = "refuse the handoff the previous kernel made, however sound: the run must fail" },
	{ .name = "kho.test_root_fdt", .type = PARAM_ENUM, .value = &kho_cfg.test_root_fdt,
	  .choices = kho_root_fdt_choices,
	  .help = "any: the root FDT page wherever buddy gives it; alone: at the top of a 1 GiB block holding nothing else of the handoff; alone-unpreserved: there, and not preserved (a demonstration: a Linux 7.3 receiver allocates over it)" },
	{ .name = "kho.test_busy", .type = PARAM_BOOL, .value = &kho_cfg.test_busy,
	  .help = "keep the other CPUs busy when the kexec starts (it must wait for them)" },
	{ .name = "kho.test_seed", .type = PARAM_U64, .value = &kho_cfg.test_seed,
	  .min = 0, .max = ~0ULL, .help = "seed of the test client (0: from the TSC)" },
	{ .name = "kho.dump", .type = PARAM_BOOL, .value = &kho_cfg.dump,
	  .help = "emit the whole handoff as kho_dump results records (run-qemu.sh --kho-dump)" },
	{ .name = "kho.corrupt", .type = PARAM_ENUM, .value = &kho_corrupt_cfg.kind,
	  .choices = kho_corrupt_names,
	  .help = "damage the handoff before kexec; the next generation must reject it (docs/robustness.md)" },
	{ .name = "kho.luo", .type = PARAM_ENUM, .value = &luo_cfg.mode, .choices = luo_mode_names,
	  .help = "LUO (Linux's Live Update Orchestrator): relay what arrives after checking it; make: also create the LUO test set in generation 0; off: ignore it" },
	{ .name = "kho.luo_verify", .type = PARAM_BOOL, .value = &luo_cfg.verify,
	  .help = "check the sessions named like the LUO test set's against it, byte for byte (kho.luo=make implies it)" },
	{ .name = "kho.luo_corrupt", .type = PARAM_ENUM, .value = &luo_cfg.corrupt,
	  .choices = luo_corrupt_names,
	  .help = "damage the LUO test set kho.luo=make creates, one of 9 ways; generation 1 must refuse exactly that (docs/interop.md)" },
	{ .name = "kho.corrupt_seed", .type = PARAM_U64, .value = &kho_corrupt_cfg.seed,
	  .min = 1, .max = ~0ULL, .help = "seed of kho.corrupt=bitflip" },
	{ .name = "kho.corrupt_bits", .type = PARAM_U64, .value = &kho_corrupt_cfg.bits,
	  .min = 1, .max = 4096, .help = "bits kho.corrupt=bitflip flips" },
	{ .name = "smp.fail_cpu", .type = PARAM_U64, .value = &kparams.smp_fail_cpu,
	  .min = 1, .max = 63,
	  .help = "do not send CPU N (MADT order) its start-up IPIs: tests the timeout path" },
	{ .name = "smp.timeout_ms", .type = PARAM_U64, .value = &kparams.smp_timeout_ms,
	  .min = 1, .max = 60000, .help = "how long to wait for each AP to come online" },
	{ .name = "idle", .type = PARAM_ENUM, .value = &smp_cfg.idle, .choices = idle_choices,
	  .help = "idle APs: halt until a wake-up IPI, or poll the mailbox (burns a host core per vCPU)" },
	{ .name = "gens", .type = PARAM_U64, .value = &kparams.gens, .min = 1, .max = 1000,
	  .help = "kexec generations to boot in total (run-qemu.sh --gens)" },
};

/* kernel_params_parse - see params.h. */
int kernel_params_parse(const char *cmdline)
{
	int problems = parse_cmdline(cmdline, param_table, ARRAY_SIZE(param_table));

	console_loglevel = (int)kparams.loglevel;
	memblock_debug = memblock_mode == 1;
	deferred_cfg.trace = trace_mode == 1;
	if (kho_cfg.scratch_arg[0] && kho_parse_scratch_arg(kho_cfg.scratch_arg)) {
		pr_err("cmdline: bad value '%s' for 'kho_scratch' (accepted: N%% or L,G,N sizes); using default '200%%'\n",
		       kho_cfg.scratch_arg);
		problems++;
	}
	if (kho_cfg.abi_arg[0] && kho_parse_abi_arg(kho_cfg.abi_arg)) {
		pr_err("cmdline: bad value '%s' for 'kho.abi' (accepted: v4, v1 or a comma list of up to %d); using default 'v4'\n",
		       kho_cfg.abi_arg, KHO_ABI_LIST_MAX);
		problems++;
	}
	return problems;
}
