// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of SMR domains: /sys/kernel/debug/smr/<domain>/{stats,clock}
 *
 * stats: the event counters of a domain, summed over all CPUs, its pending
 *        callbacks and cache objects, and its per-cpu bytes (pcpu_bytes).
 * clock: both hands of the clock and every online CPU's reader slots.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "smr_internal.h"

static struct dentry *smr_debugfs_root;

static const char * const smr_stat_names[SMR_STAT_NR] = {
	[SMR_STAT_ADVANCE]	= "advance",
	[SMR_STAT_ADVANCE_WAIT]	= "advance_wait",
	[SMR_STAT_ADVANCE_HELD]	= "advance_held",
	[SMR_STAT_DEFERRED]	= "deferred",
	[SMR_STAT_POLL]		= "poll",
	[SMR_STAT_POLL_SCAN]	= "poll_scan",
	[SMR_STAT_POLL_FAIL]	= "poll_fail",
	[SMR_STAT_WAIT]		= "wait",
	[SMR_STAT_SYNCHRONIZE]	= "synchronize",
	[SMR_STAT_LAZY_TICK]	= "lazy_tick",
	[SMR_STAT_MISUSE]	= "misuse",
	[SMR_STAT_CALL_QUEUED]	= "call_queued",
	[SMR_STAT_CALL_INVOKED]	= "call_invoked",
	[SMR_STAT_CALL_BATCH]	= "call_batch",
	[SMR_STAT_CALL_EXPEDITE] = "call_expedite",
	[SMR_STAT_BARRIER]	= "barrier",
	[SMR_STAT_SLEEPABLE]	= "sleepable",
	[SMR_STAT_STALL]	= "stall",
	[SMR_STAT_CACHE_FRESH]	= "cache_fresh",
	[SMR_STAT_CACHE_REUSED]	= "cache_reused",
	[SMR_STAT_CACHE_BATCH]	= "cache_batch",
	[SMR_STAT_CACHE_SHRUNK]	= "cache_shrunk",
	[SMR_STAT_CACHE_LEAKED]	= "cache_leaked",
};

/* The order of the stats file, which is not the enum's (see enum smr_stat). */
static const enum smr_stat smr_stat_order[] = {
	SMR_STAT_ADVANCE, SMR_STAT_ADVANCE_WAIT, SMR_STAT_ADVANCE_HELD,
	SMR_STAT_DEFERRED, SMR_STAT_POLL, SMR_STAT_POLL_SCAN,
	SMR_STAT_POLL_FAIL, SMR_STAT_WAIT, SMR_STAT_SYNCHRONIZE,
	SMR_STAT_LAZY_TICK, SMR_STAT_MISUSE, SMR_STAT_CALL_QUEUED,
	SMR_STAT_CALL_INVOKED, SMR_STAT_CALL_BATCH, SMR_STAT_CALL_EXPEDITE,
	SMR_STAT_BARRIER, SMR_STAT_SLEEPABLE, SMR_STAT_STALL,
	SMR_STAT_CACHE_FRESH, SMR_STAT_CACHE_REUSED, SMR_STAT_CACHE_BATCH,
	SMR_STAT_CACHE_SHRUNK, SMR_STAT_CACHE_LEAKED,
};

static_assert(ARRAY_SIZE(smr_stat_order) == SMR_STAT_NR);

static const char * const smr_ctx_names[SMR_CTX_NR] = {
	[SMR_CTX_TASK]		= "task",
	[SMR_CTX_SOFTIRQ]	= "softirq",
	[SMR_CTX_HARDIRQ]	= "hardirq",
	[SMR_CTX_NMI]		= "nmi",
};

static int stats_show(struct seq_file *m, void *unused)
{
	struct smr *smr = m->private;
	unsigned long queued, invoked, v;
	unsigned int i;

	/* Read in an order that never shows more invoked than queued. */
	smr_call_stats(smr, &queued, &invoked);
	for (i = 0; i < ARRAY_SIZE(smr_stat_order); i++) {
		if (smr_stat_order[i] == SMR_STAT_CALL_QUEUED)
			v = queued;
		else if (smr_stat_order[i] == SMR_STAT_CALL_INVOKED)
			v = invoked;
		else
			v = smr_stat_sum(smr, smr_stat_order[i]);
		seq_printf(m, "%-20s %lu\n", smr_stat_names[smr_stat_order[i]], v);
	}
	seq_printf(m, "%-20s %ld\n", "call_pending_objs",
		   atomic_long_read(&smr->call_pending_objs));
	seq_printf(m, "%-20s %ld\n", "call_pending_bytes",
		   atomic_long_read(&smr->call_pending_bytes));
	seq_printf(m, "%-20s %ld\n", "call_peak_objs",
		   atomic_long_read(&smr->call_peak_objs));
	seq_printf(m, "%-20s %ld\n", "call_peak_bytes",
		   atomic_long_read(&smr->call_peak_bytes));
	seq_printf(m, "%-20s %ld\n", "cache_pending_objs",
		   atomic_long_read(&smr->cache_pending_objs));
	seq_printf(m, "%-20s %ld\n", "cache_pending_bytes",
		   atomic_long_read(&smr->cache_pending_bytes));
	seq_printf(m, "%-20s %zu\n", "pcpu_bytes", smr_domain_pcpu_bytes(smr));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Sequences are shown relative to the start so that they stay readable. */
static long smr_steps(unsigned long seq)
{
	return SMR_SEQ_DELTA(seq, smr_clock_params.init) /
	       (long)smr_clock_params.inc;
}

static void clock_show_cpu(struct seq_file *m, struct smr *smr, int cpu)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);
	unsigned long seq;
	unsigned int ctx;
	bool idle = true;

	seq_printf(m, "cpu%-4d", cpu);
	for (ctx = 0; ctx < SMR_CTX_NR; ctx++) {
		seq = smr_slot_seq(READ_ONCE(pcpu->rd_seq[ctx]));
		if (seq == SMR_SEQ_INVALID)
			continue;
		seq_printf(m, " %s=%#lx", smr_ctx_names[ctx], seq);
		idle = false;
	}
	seq_puts(m, idle ? " idle\n" : "\n");
}

static int clock_show(struct seq_file *m, void *unused)
{
	struct smr *smr = m->private;
	unsigned long wr = atomic_long_read(&smr->clock.wr_seq);
	unsigned long rd = atomic_long_read(&smr->clock.rd_seq);
	int cpu;

	seq_printf(m, "wr_seq  %#lx (step %ld)\n", wr, smr_steps(wr));
	seq_printf(m, "rd_seq  %#lx (step %ld)\n", rd, smr_steps(rd));
	seq_printf(m, "pending %ld steps\n",
		   SMR_SEQ_DELTA(wr, rd) / (long)smr_clock_params.inc);
	seq_printf(m, "flags   %#lx\n", smr->flags);
	for_each_online_cpu(cpu)
		clock_show_cpu(m, smr, cpu);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clock);

/* Serializes the look-up and creation of directory names. */
static DEFINE_MUTEX(smr_debugfs_lock);

/* Duplicates tried before a domain goes without a directory. */
#define SMR_DEBUGFS_DUP_MAX	1000

/* Is @name taken under /sys/kernel/debug/smr?  Under smr_debugfs_lock. */
static bool smr_debugfs_taken(const char *name)
{
	struct dentry *d = debugfs_lookup(name, smr_debugfs_root);

	if (IS_ERR_OR_NULL(d))
		return false;
	dput(d);
	return true;
}

/*
 * Pick the directory name of @smr in @buf: its own name, or, when another
 * domain has that already, the first free "<name>-2", "<name>-3", ...
 * Return: false if none is free.
 */
static bool smr_debugfs_pick(struct smr *smr, char *buf, size_t len)
{
	unsigned int n;

	strscpy(buf, smr->name, len);
	for (n = 2; smr_debugfs_taken(buf); n++) {
		if (n > SMR_DEBUGFS_DUP_MAX)
			return false;
		snprintf(buf, len, "%s-%u", smr->name, n);
	}
	return true;
}

/**
 * smr_debugfs_add() - create /sys/kernel/debug/smr/<name>/
 * @smr: the new domain
 *
 * Domain names need not be unique.  A domain whose name another domain
 * has already gets the directory "<name>-2" (or -3, ...: the first one
 * free) and says so; smr->name, which messages and tracepoints print,
 * stays as given.  The directory is found again by its dentry, so
 * smr_debugfs_remove() removes this domain's whatever it is called.
 * A domain whose directory cannot be created (debugfs off, no memory)
 * works all the same, without files.
 */
void smr_debugfs_add(struct smr *smr)
{
	char name[SMR_NAME_MAX + 12];
	struct dentry *dir;

	/* No root: debugfs is off (and a look-up would not be safe). */
	if (IS_ERR_OR_NULL(smr_debugfs_root)) {
		pr_info("%s: no debugfs directory (%ld)\n", smr->name,
			PTR_ERR(smr_debugfs_root));
		return;
	}
	mutex_lock(&smr_debugfs_lock);
	if (!smr_debugfs_pick(smr, name, sizeof(name))) {
		mutex_unlock(&smr_debugfs_lock);
		pr_warn("%s: no debugfs directory: %u domains have this name\n",
			smr->name, SMR_DEBUGFS_DUP_MAX);
		return;
	}
	dir = debugfs_create_dir(name, smr_debugfs_root);
	mutex_unlock(&smr_debugfs_lock);
	if (IS_ERR(dir)) {
		pr_info("%s: no debugfs directory (%ld)\n", smr->name,
			PTR_ERR(dir));
		return;
	}
	if (strcmp(name, smr->name))
		pr_info("%s: another domain has this name; debugfs directory %s\n",
			smr->name, name);
	smr->debugfs = dir;
	debugfs_create_file("stats", 0444, dir, smr, &stats_fops);
	debugfs_create_file("clock", 0444, dir, smr, &clock_fops);
}

/**
 * smr_debugfs_remove() - remove a domain's directory
 * @smr: the domain
 *
 * Waits for readers of the files to finish, so the domain may be freed
 * right after.
 */
void smr_debugfs_remove(struct smr *smr)
{
	debugfs_remove_recursive(smr->debugfs);
	smr->debugfs = NULL;
}

/** smr_debugfs_init() - create /sys/kernel/debug/smr */
void smr_debugfs_init(void)
{
	smr_debugfs_root = debugfs_create_dir("smr", NULL);
}

/** smr_debugfs_exit() - remove /sys/kernel/debug/smr */
void smr_debugfs_exit(void)
{
	debugfs_remove_recursive(smr_debugfs_root);
}
