# tools/lab.mk - the coursework labs (tools/lab, docs/labs/README.md),
# included by the top Makefile.
#
#   make lab-check     every lab is sound: the reference tree gets full marks
#                      from the lab's grader, and the student tree (the lab's
#                      regions replaced by their stubs) builds and scores 0.
#
# The reference is built into $(BUILD) and graded there, all labs' checks in
# one run of tests/run_tests.py; the student trees go to
# $(BUILD)/lab-check/<lab>/, each seeded with a copy of $(BUILD) so that
# make recompiles only the files the stubs change.  LAB_JOBS sets the
# runner's parallel jobs (default 2).

LAB_JOBS ?= 2

.PHONY: lab-check
lab-check:
	$(Q)tools/lab check --build $(BUILD) -j $(LAB_JOBS)
