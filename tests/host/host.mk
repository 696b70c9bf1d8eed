# tests/host/host.mk - host unit tests (cmocka, ASan + UBSan).
#
# Each tests/host/test_NAME.c is one test program.  It names the real
# project sources it compiles in a comment line of the form
#     * SOURCES: kernel/cmdline.c kernel/lib/vsnprintf.c
# and is linked with cmocka and HOST_SHIM_SRCS: tests/host/shim.c (host
# stand-ins: printk into a buffer, simulated physical memory, a results
# capture) and the pure kernel code the shim builds on, so the shim
# supplies only the output hooks.

HOST_TEST_SRCS := $(wildcard tests/host/test_*.c)
HOST_TESTS := $(HOST_TEST_SRCS:tests/host/%.c=$(BUILD)/host/%)
HOST_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iinclude -Itests/host -I. -DKHOLAB_HOST_TEST -MMD -MP

host_srcs = $(shell sed -n 's/^ \* SOURCES: *//p' tests/host/$(1).c)
HOST_SHIM_SRCS := $(wildcard tests/host/shim.c) kernel/json.c kernel/printk.c
# cmocka's group runner, wrapped: each case in a process of its own with a
# time limit when the runner asks (tests/host/case_runner.c).
HOST_CASE_SRCS := $(wildcard tests/host/case_runner.c)
host_comma := ,
HOST_CASE_LDFLAGS := $(if $(HOST_CASE_SRCS),-Wl$(host_comma)--wrap=_cmocka_run_group_tests)

# Every source is compiled once into $(BUILD)/host/obj/<its path>.o and
# shared by all the programs that name it (the flags are the same for
# all), so the 20-odd programs do not each recompile the shim and the
# mm/kho code they have in common.
HOST_OBJ := $(BUILD)/host/obj
host_objs = $(patsubst %.c,$(HOST_OBJ)/%.o,tests/host/$(1).c $(call host_srcs,$(1)) $(HOST_SHIM_SRCS) \
	$(HOST_CASE_SRCS))

$(HOST_OBJ)/%.o: %.c tests/host/host.mk
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

# A static pattern rule: only the programs link this way (the .d files
# under $(BUILD)/host/obj must not look like programs to make).
.SECONDEXPANSION:
$(HOST_TESTS): $(BUILD)/host/%: $$(call host_objs,$$*)
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) $(HOST_CASE_LDFLAGS) -o $@ $(filter %.o,$^) -lcmocka \
		$(shell sed -n 's/^ \* LDLIBS: *//p' tests/host/$*.c)
