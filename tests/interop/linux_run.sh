# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# tests/interop/linux_run.sh - sourced by the interop scripts: boot the
# first Linux with tools/linux-kho.sh run, once more if it stalled in its
# own boot.  The caller sets NAME and log (the --log file it passes).

# linux_run ARG... - tools/linux-kho.sh run ARG...; returns its status.
# Under TCG, Linux 7.2 now and then stops for good early in its boot (seen
# right after "vgaarb: loaded", where it switches clock sources), long
# before /init, kexec or anything of KHO's runs.  A run that timed out
# without "Run /init" in the log is that stall, not a KHO result: say so
# and boot once more.  A second stall, and every other failure, stands.
linux_run() {
	local rc
	tools/linux-kho.sh run "$@"
	rc=$?
	if [ $rc -eq 3 ] && ! tr -d '\r' <"$log" | grep -E 'Run /init as init process' >/dev/null; then
		echo "$NAME: the first Linux stalled in its own boot before /init (a TCG stall, before any KHO code ran); booting it once more"
		tools/linux-kho.sh run "$@"
		rc=$?
	fi
	return $rc
}
