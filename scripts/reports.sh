# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The kernel reports a test run must not have, for the verdict scripts.
# Source it after common.sh; do not run it.

# Reports that fail a run wherever they are: crashes, sanitizers, lockdep's
# report titles (kernel/locking/lockdep.c; "BUG: Invalid wait context" is
# the one PREEMPT_RT's lock nesting rules trip), lockdep switching itself
# off, atomic-context scheduling, RCU stalls, lockups, hung tasks and
# kmemleak's reports. "BUG: sleeping function called from invalid
# context" is not here because the misuse run provokes it; report_scan
# fails it everywhere else, as every "BUG:" line.
bad_re='Oops|Kernel panic|kernel BUG at|general protection fault'
bad_re+='|Unable to handle|BUG: unable to handle|BUG: KASAN|BUG: KCSAN'
bad_re+='|BUG: KFENCE|UBSAN:|ODEBUG:|BUG: MAX_LOCK|BUG: looking up invalid'
bad_re+='|lock order detected|still has locks held|Nested lock was not taken'
bad_re+='|bad contention detected|bad unlock balance|chain_key collision'
bad_re+='|held lock freed|inconsistent lock state|lock held when returning'
bad_re+='|possible circular locking|possible irq lock inversion'
bad_re+='|possible recursive locking|suspicious RCU usage'
bad_re+='|trying to register non-static key|DEBUG_LOCKS_WARN_ON'
bad_re+='|BUG: Invalid wait context|lockdep is turned off'
bad_re+='|Disabling lock debugging|BUG: scheduling while atomic'
bad_re+='|BUG: workqueue leaked'
# arm64's die() and its asynchronous external abort.
bad_re+='|Internal error:|SError Interrupt'
bad_re+='|rcu: INFO:|detected stall|blocked for more than|soft lockup'
bad_re+='|hard LOCKUP|workqueue lockup|unreferenced object'

# Kernel WARNs that are not smr's: 6.12's deadline server trips these
# now and then while CPUs are hotplugged (inactive_task_timer seen once in
# 30 minutes of hotplug every 200 ms; sub_running_bw from dl_server_stop()
# in sched_cpu_dying(), in the migration thread; no smr frame in either).
known_warn_re='WARNING: CPU: [0-9]+ PID: [0-9]+ at kernel/sched/deadline\.c:[0-9]+ (inactive_task_timer|sub_running_bw)'

# A lockdep-RCU report that is not smr's: 6.12's PREEMPT_RT kernel with
# offloaded (nohz_full) CPUs reports "kernel/rcu/tree_plugin.h:NN Unsafe
# read of RCU_NOCB offloaded state!" once at boot, from rcu_core() in the
# rcuc/0 kthread (rcu_rdp_is_offloaded()), before any module is loaded.
# A "suspicious RCU usage" title is forgiven only when its detail line, at
# most four lines on, is this one.
known_rcu_re='kernel/rcu/tree_plugin\.h:[0-9]+ Unsafe read of RCU_NOCB offloaded state!'

# KUnit cases (or suites) that provoke a WARN() on purpose: those whose
# name contains "misuse", and the ones listed here by name.
kunit_warn_re='misuse'
# smr_queue.h's linkage checks, fed corrupted lists.
kunit_warn_re+='|^smr_queue_validate_'

# report_scan <log> <kunit|misuse|none>: print every line of a console log
# that reports a problem. Any bad_re line counts; a "WARNING:" or "BUG:"
# line counts unless the tests provoke it on purpose there, and it is of
# the provoked kind:
#   kunit:  a WARN() in a case matching kunit_warn_re (the case whose KTAP
#           result line, "ok N <case>", comes next);
#   misuse: a WARN() or "BUG: sleeping function called from invalid
#           context" between "smr_misuse: begin <case>" and
#           "smr_misuse: end <case>".
report_scan() {
	awk -v mode="$2" -v bad="$bad_re" -v warn_ok="$kunit_warn_re" \
	    -v known="$known_warn_re" -v known_rcu="$known_rcu_re" '
	{ l = $0; sub(/\r$/, "", l); sub(/^\[ *[0-9]+\.[0-9]+\] /, "", l) }
	# A held "suspicious RCU usage" title: forgiven by its detail line,
	# printed when four lines pass without it.
	rcu_held != "" && l ~ known_rcu { rcu_held = ""; next }
	rcu_held != "" && ++rcu_after > 4 { print rcu_held; rcu_held = "" }
	l ~ /WARNING: suspicious RCU usage/ {
		if (rcu_held != "")
			print rcu_held
		rcu_held = $0
		rcu_after = 0
		next
	}
	l ~ known { next }
	mode == "kunit" && l ~ /^ *(not )?ok [0-9]+ [^ ]/ {
		name = l
		sub(/^ *(not )?ok [0-9]+ /, "", name)
		sub(/ .*/, "", name)
		for (i = 0; i < npend; i++)
			if (name !~ warn_ok)
				print pend[i]
		npend = 0
		next
	}
	mode == "misuse" && l ~ /^smr_misuse: begin / { win = 1 }
	mode == "misuse" && l ~ /^smr_misuse: end / { win = 0 }
	# debugobjects reports smr_call() of a node already queued with a
	# WARN() whose text is an ODEBUG: line: provoked like a WARN().
	mode == "kunit" && l ~ /^ODEBUG: activate active .* object type: smr_node / {
		pend[npend++] = $0
		next
	}
	l ~ bad { print; next }
	l !~ /WARNING:|BUG:/ { next }
	mode == "kunit" && l ~ /^WARNING: CPU: [0-9]+ PID: [0-9]+ at / {
		pend[npend++] = $0
		next
	}
	win && l ~ /^WARNING: CPU: [0-9]+ PID: [0-9]+ at / { next }
	win && l ~ /^BUG: sleeping function called from invalid context/ { next }
	{ print }
	END {
		for (i = 0; i < npend; i++)
			print pend[i]
		if (rcu_held != "")
			print rcu_held
	}
	' "$1"
}
