# kholab top-level Makefile.
#
#   make          loader + kernel + ESP image into build/
#   make run      boot the demo (= ./run-qemu.sh)
#   make test     host unit tests + QEMU scenarios; ends with "N passed, M failed"
#   make debug    QEMU waits for gdb; see docs/debugging.md
#   make clean
#
# Every room has its own fragment (boot/boot.mk, kernel/kernel.mk,
# tests/host/host.mk); objects go out of tree under $(BUILD) with header
# dependency files (-MMD -MP).

BUILD ?= build
CC := gcc
NASM := nasm
LD := ld
OBJCOPY := objcopy
Q ?= @

# Tools the build needs; when one is missing, scripts/deps.sh installs them.
NEEDED_TOOLS := $(NASM) mformat mcopy qemu-system-x86_64 python3 dtc
NEEDED_FILES := /usr/include/efi/efi.h /usr/lib/libgnuefi.a /usr/include/libfdt.h \
	/usr/lib/x86_64-linux-gnu/libfdt.a /usr/include/cmocka.h
MISSING := $(strip $(foreach t,$(NEEDED_TOOLS),$(if $(shell command -v $(t)),,$(t))) \
	$(foreach f,$(NEEDED_FILES),$(if $(wildcard $(f)),,$(f))))
ifneq ($(MISSING),)
$(info kholab: missing $(MISSING); running scripts/deps.sh)
DEPS_RC := $(shell scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/deps.sh failed (status $(DEPS_RC)); install the packages it names and run make again)
endif
endif

.PHONY: all run test debug clean host-test qemu-test kho-dump bench fuzz fuzz-regress stress
all: $(BUILD)/esp.img $(BUILD)/kholab.bzImage

include kernel/kernel.mk
include boot/boot.mk
include boot/bzimage/bzimage.mk
include boot/pvh/pvh.mk
include tests/pvh/forge.mk
include tests/host/host.mk

# The ESP image: the loader as the removable-media default, the kernel ELF
# and an empty command line.  run-qemu.sh copies it per run and adds
# cmdline.txt / kholab.cfg with mtools.
$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kholab.elf tools/mkesp.sh
	$(Q)tools/mkesp.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/kholab.elf

run: all
	./run-qemu.sh

# The runner builds what it needs itself, with one make job per test lane
# (make -jN all), and reports a failed build as a failed test.
# SKIP=GROUP[,GROUP] (e.g. SKIP=interop) runs everything but those groups;
# the last lines then say the run was not the full suite.
test:
	$(Q)python3 tests/run_tests.py $(if $(SKIP),--skip $(SKIP))

host-test: $(HOST_TESTS)
	$(Q)python3 tests/run_tests.py --host-only

qemu-test:
	$(Q)python3 tests/run_tests.py --qemu-only

debug: all
	./run-qemu.sh --gdb

# kho-dump: two generations with kho.dump=1; the handoff of generation 0
# rebuilt under $(BUILD)/kho-dump/gen0 and each FDT in it printed (docs/kho-dump.md).
kho-dump: all
	rm -rf $(BUILD)/kho-dump
	./run-qemu.sh --gens 2 --kho-dump $(BUILD)/kho-dump
	$(Q)for f in $(BUILD)/kho-dump/gen*/root.dtb $(BUILD)/kho-dump/gen*/subtrees/*.dtb; do \
		[ -f "$$f" ] || continue; echo "==== $$f"; dtc -q -I dtb -O dts "$$f" || exit 1; done

# fuzz: libFuzzer (clang, ASan + UBSan) over kho_populate() for FUZZ_SECONDS
# on tests/fuzz/corpus, new inputs and crashes into $(BUILD)/fuzz/;
# fuzz-luo: the same over the LUO parser (tests/fuzz/fuzz_luo.c) on
# tests/fuzz/luo_corpus, into $(BUILD)/fuzz/luo_*;
# fuzz-regress: both saved corpora once, no fuzzing (docs/robustness.md).
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS ?=
FUZZ_CC = clang -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iinclude -Itests/host -I. -DKHOLAB_HOST_TEST $(FUZZ_CFLAGS)
FUZZ_BIN := $(BUILD)/fuzz/fuzz_kho_populate
FUZZ_SRCS := tests/fuzz/fuzz_kho_populate.c kho/validate.c kho/memmap_record.c kho/state.c kho/abi.c kho/abi_v1.c kho/abi_v4.c kho/subtree.c kho/preserve.c mm/memblock.c mm/memblock_query.c $(HOST_SHIM_SRCS)
FUZZ_LUO_BIN := $(BUILD)/fuzz/fuzz_luo
FUZZ_LUO_SRCS := tests/fuzz/fuzz_luo.c kho/luo_parse.c kho/luo_memfd.c
$(FUZZ_BIN): $(FUZZ_SRCS) Makefile
	@mkdir -p $(dir $@)
	$(Q)echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) -o $@ $(FUZZ_SRCS) -lfdt

$(FUZZ_LUO_BIN): $(FUZZ_LUO_SRCS) include/kho/luo.h include/kholab/luo_abi.h include/kholab/kho_abi.h Makefile
	@mkdir -p $(dir $@)
	$(Q)echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) -o $@ $(FUZZ_LUO_SRCS)

fuzz: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=131072 -timeout=10 -rss_limit_mb=4096 \
		-dict=tests/fuzz/kho.dict -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz/crashes/ $(BUILD)/fuzz/corpus tests/fuzz/corpus

.PHONY: fuzz-luo
fuzz-luo: $(FUZZ_LUO_BIN)
	@mkdir -p $(BUILD)/fuzz/luo_corpus $(BUILD)/fuzz/luo_crashes
	$(FUZZ_LUO_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
		-dict=tests/fuzz/luo.dict -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/fuzz/luo_crashes/ $(BUILD)/fuzz/luo_corpus tests/fuzz/luo_corpus

fuzz-regress: $(FUZZ_BIN) $(FUZZ_LUO_BIN)
	$(FUZZ_BIN) -timeout=10 tests/fuzz/corpus/*
	$(FUZZ_LUO_BIN) -timeout=10 tests/fuzz/luo_corpus/*

# bench: the benchmark matrix (docs/benchmarks.md) into bench/results/<timestamp>/
# (BENCH_OUT=DIR to choose); BENCH=quick|full|scale|cpumodel|boot|doors|kho-scale (default full),
# REPEATS=N, BOOT=uefi|direct.
BENCH ?= full
bench: all
	tools/bench --preset $(BENCH) $(if $(REPEATS),--repeats $(REPEATS)) $(if $(BENCH_OUT),--out $(BENCH_OUT)) \
		$(if $(BOOT),--boot $(BOOT))

# stress: RUNS random machines/strategies/generation counts (docs/robustness.md,
# "Randomized stress"); SEED=N replays a run set, default from the time;
# BOOT=uefi|direct picks the front door (docs/boot.md), as for bench.
RUNS ?= 20
stress: all
	tools/stress.py --runs $(RUNS) $(if $(SEED),--seed $(SEED)) $(if $(BOOT),--boot $(BOOT))

# linux-kho: Debian's Linux 7.2 and 7.3 with KHO, LUO, test_kho and the
# rig's init, built once each into ~/.cache/kholab (tools/linux-kho.sh);
# interop: the scenarios of group interop, kholab's KHO against those
# Linux kernels (docs/interop.md).
.PHONY: linux-kho interop
linux-kho:
	tools/linux-kho.sh --linux 7.2 build
	tools/linux-kho.sh --linux 7.3 build

interop:
	$(Q)python3 tests/run_tests.py -g interop

clean:
	rm -rf $(BUILD)

# lab: the coursework labs (tools/lab, docs/labs/README.md).
-include tools/lab.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
