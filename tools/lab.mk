# tools/lab.mk - the coursework labs (tools/lab, docs/labs/README.md),
# included by the top Makefile.
#
#   make lab-check     every lab is sound: the reference tree gets full marks
#                      from the lab's grader, the student tree (the lab's
#                      regions replaced by their stubs) builds and scores 0,
#                      and every mutant of the lab (tools/lab-mutants/<lab>/,
#                      a typical wrong solution) scores below full marks on
#                      the check it names, within its time limit.
#
# The reference is built into $(BUILD) and graded there, all labs' checks in
# one run of tests/run_tests.py; the student trees go to
# $(BUILD)/lab-check/<lab>/, each seeded with a copy of $(BUILD) so that
# make recompiles only the files the stubs change; the mutants are graded
# one after the other in $(BUILD)/lab-check/mutants-<lab>/, seeded the same
# way.  LAB_JOBS sets the runner's parallel jobs (default 2); LAB_MUTANTS=0
# skips the mutants, LAB_MUTANTS=named grades each only on the checks it
# names (no other boots: faster, but the score printed is over those checks);
# tools/lab mutants <lab> grades one lab's alone.

LAB_JOBS ?= 2

.PHONY: lab-check
lab-check:
	$(Q)tools/lab check --build $(BUILD) -j $(LAB_JOBS) $(if $(filter 0,$(LAB_MUTANTS)),--no-mutants) \
		$(if $(filter named,$(LAB_MUTANTS)),--mutant-checks named)
