// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench: smr measured against RCU, SRCU and the usual alternatives in
 * the same kernel, in the manner of kernel/rcu/refscale.c.
 *
 * Loading the module starts one thread that runs the parts named by
 * parts= in order, logs "smr_bench: progress ..." lines as it goes and
 * "smr_bench: done" (or "smr_bench: failed ...") at the end; the results
 * are then in debugfs, smr_bench/results.  `make bench` (scripts/bench.sh)
 * boots the kernels, collects the results and writes the report.  Method
 * and reading: Documentation/performance.rst.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>

#include "smr.h"
#include "smr_bench.h"

static char *parts = "read,load,writer,sync,flood,table,grow";
module_param(parts, charp, 0444);
MODULE_PARM_DESC(parts, "Comma-separated parts to run: read,load,writer,sync,flood,table,grow");

unsigned int bench_runs = 5;
module_param_named(runs, bench_runs, uint, 0444);
MODULE_PARM_DESC(runs, "Timed runs per measurement (1-100)");

unsigned int bench_loops = 100000;
module_param_named(loops, bench_loops, uint, 0444);
MODULE_PARM_DESC(loops, "Sections per reader per timed run (100-100000000)");

unsigned int bench_sync_samples = 100;
module_param_named(sync_samples, bench_sync_samples, uint, 0444);
MODULE_PARM_DESC(sync_samples, "Synchronize calls timed per primitive and load (2-10000)");

unsigned int bench_flood_ms = 2000;
module_param_named(flood_ms, bench_flood_ms, uint, 0444);
MODULE_PARM_DESC(flood_ms, "Length of each update flood (10-60000 ms)");

unsigned int bench_table_ms = 500;
module_param_named(table_ms, bench_table_ms, uint, 0444);
MODULE_PARM_DESC(table_ms, "Length of each hash table run (10-60000 ms)");

unsigned int bench_grow_entries = 1U << 20;
module_param_named(grow_entries, bench_grow_entries, uint, 0444);
MODULE_PARM_DESC(grow_entries, "Entries the grow part fills its tables to, from 1024 (2048-16777216)");

unsigned int bench_grow_steady_ms = 500;
module_param_named(grow_steady_ms, bench_grow_steady_ms, uint, 0444);
MODULE_PARM_DESC(grow_steady_ms, "Length of the grow part's steady run after each fill (10-60000 ms)");

unsigned int bench_grow_runs = 1;
module_param_named(grow_runs, bench_grow_runs, uint, 0444);
MODULE_PARM_DESC(grow_runs, "Fills per table in the grow part (1-100)");

static unsigned int max_readers;
module_param(max_readers, uint, 0444);
MODULE_PARM_DESC(max_readers, "CPUs to spread threads over (0: every online CPU)");

#define BENCH_RESULTS_SIZE	(1024 * 1024)

struct bench_part {
	const char *name;
	int (*run)(void);
};

static const struct bench_part bench_parts[] = {
	{ "read", bench_read },
	{ "load", bench_load },
	{ "writer", bench_writer },
	{ "sync", bench_sync },
	{ "flood", bench_flood },
	{ "table", bench_table },
	{ "grow", bench_grow },
};

static char *bench_results;
static size_t bench_results_len;
static bool bench_results_overflow;
static DEFINE_MUTEX(bench_results_lock);
static struct dentry *bench_debugfs;
static struct task_struct *bench_task;
static bool bench_stop;

/* ---- Shared services ----------------------------------------------------- */

unsigned int bench_ncpus(void)
{
	unsigned int n = num_online_cpus();

	return max_readers ? min(max_readers, n) : n;
}

bool bench_stopping(void)
{
	return READ_ONCE(bench_stop);
}

void bench_printk(const char *fmt, ...)
{
	va_list args;
	size_t room;
	int len;

	mutex_lock(&bench_results_lock);
	room = BENCH_RESULTS_SIZE - bench_results_len;
	va_start(args, fmt);
	len = vsnprintf(bench_results + bench_results_len, room, fmt, args);
	va_end(args);
	if (len + 1 >= room) {
		bench_results[bench_results_len] = '\0';
		bench_results_overflow = true;
	} else {
		bench_results_len += len;
		bench_results[bench_results_len++] = '\n';
	}
	mutex_unlock(&bench_results_lock);
}

bool bench_results_full(void)
{
	return READ_ONCE(bench_results_overflow);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

void bench_sort_u64(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
}

/**
 * bench_time_loop() - time one call of @loop with interrupts off
 * @loop: runs its body @n times
 * @n: iterations
 *
 * Return: picoseconds per iteration.
 */
u64 bench_time_loop(void (*loop)(unsigned long n), unsigned long n)
{
	unsigned long flags;
	u64 t0, t1;

	local_irq_save(flags);
	t0 = ktime_get_ns();
	loop(n);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	return div_u64((t1 - t0) * 1000, n);
}

/* The @id-th online CPU, wrapping around. */
static unsigned int bench_cpu(unsigned int id)
{
	unsigned int cpu, i = 0, want = id % num_online_cpus();

	for_each_online_cpu(cpu)
		if (i++ == want)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

struct bench_threads {
	bench_fn fn;
	void *arg;
	atomic_t running;
	atomic_t error;
	struct completion done;
};

struct bench_thread {
	struct bench_threads *set;
	unsigned int id;
};

static int bench_thread_main(void *data)
{
	struct bench_thread *t = data;
	struct bench_threads *set = t->set;
	int err = set->fn(t->id, set->arg);

	if (err)
		atomic_cmpxchg(&set->error, 0, err);
	if (atomic_dec_and_test(&set->running))
		complete(&set->done);
	/* Stay until bench_run_threads() has stopped us. */
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ);
	return 0;
}

/**
 * bench_run_threads() - run @fn in @nthreads threads, each pinned to a CPU
 * @nthreads: how many, at least 1
 * @fn: the body; thread @id runs on the @id-th online CPU
 * @arg: passed to @fn
 *
 * Returns once every thread has returned from @fn.
 *
 * Context: task context, may sleep.
 * Return: 0, the first error of @fn, or -ENOMEM.
 */
int bench_run_threads(unsigned int nthreads, bench_fn fn, void *arg)
{
	struct bench_threads set = { .fn = fn, .arg = arg };
	struct task_struct **tasks;
	struct bench_thread *ts;
	unsigned int i;
	int err = 0;

	tasks = kcalloc(nthreads, sizeof(*tasks), GFP_KERNEL);
	ts = kcalloc(nthreads, sizeof(*ts), GFP_KERNEL);
	if (!tasks || !ts) {
		err = -ENOMEM;
		goto out;
	}
	atomic_set(&set.running, nthreads);
	init_completion(&set.done);
	for (i = 0; i < nthreads; i++) {
		ts[i].set = &set;
		ts[i].id = i;
		tasks[i] = kthread_create(bench_thread_main, &ts[i],
					  "smr_bench/%u", i);
		if (IS_ERR(tasks[i])) {
			err = PTR_ERR(tasks[i]);
			tasks[i] = NULL;
			break;
		}
		kthread_bind(tasks[i], bench_cpu(i));
	}
	if (err) {
		/* Never woken: stop them before they run @fn. */
		for (i = 0; i < nthreads && tasks[i]; i++)
			kthread_stop(tasks[i]);
		goto out;
	}
	for (i = 0; i < nthreads; i++)
		wake_up_process(tasks[i]);
	/* Wake up now and then, so that a long part is not a hung task. */
	while (!wait_for_completion_timeout(&set.done, HZ))
		;
	for (i = 0; i < nthreads; i++)
		kthread_stop(tasks[i]);
	err = atomic_read(&set.error);
out:
	kfree(ts);
	kfree(tasks);
	return err;
}

/**
 * bench_thread_barrier() - wait until all threads of a set reach @round
 * @count: shared counter, zero before the first round
 * @nthreads: threads in the set
 * @round: 1 for the first barrier, 2 for the second, ...
 *
 * Spins: the threads are pinned one per CPU and the wait is short.
 */
void bench_thread_barrier(atomic_t *count, unsigned int nthreads,
			  unsigned int round)
{
	atomic_inc(count);
	while (atomic_read(count) < nthreads * round)
		cpu_relax();
}

/* ---- The run ------------------------------------------------------------- */

static const char *bench_preempt_model(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return "rt";
	if (preempt_model_full())
		return "full";
	if (preempt_model_voluntary())
		return "voluntary";
	if (preempt_model_none())
		return "none";
	return "other";
}

static void bench_env(void)
{
	bench_printk("env cpus=%u possible=%u hz=%u preempt=%s rcu=%s srcu=%s kernel=%s runs=%u loops=%u",
		     bench_ncpus(), num_possible_cpus(), HZ, bench_preempt_model(),
		     IS_ENABLED(CONFIG_PREEMPT_RCU) ? "preempt" :
		     IS_ENABLED(CONFIG_TINY_RCU) ? "tiny" : "tree",
		     IS_ENABLED(CONFIG_TINY_SRCU) ? "tiny" : "tree",
		     init_utsname()->release, bench_runs, bench_loops);
}

/* ---- Footprint ------------------------------------------------------- */

struct bench_fp_node {
	struct smr_node node;
};

static void bench_fp_free(struct smr_node *node)
{
	kfree(container_of(node, struct bench_fp_node, node));
}

/*
 * Per-cpu bytes of one domain of each kind, as smr_domain_pcpu_bytes()
 * measures them; "callbacks": a default domain after one smr_call().
 *
 *   footprint kind=<default|lazy|sleepable|callbacks> pcpu_bytes=<n>
 */
static void bench_footprint(void)
{
	static const struct {
		const char *kind;
		unsigned long flags;
		bool call;
	} kinds[] = {
		{ "default", SMR_NONE, false },
		{ "lazy", SMR_LAZY, false },
		{ "sleepable", SMR_SLEEPABLE, false },
		{ "callbacks", SMR_NONE, true },
	};
	struct bench_fp_node *n;
	struct smr *smr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		smr = smr_domain_create(kinds[i].flags, "bench-footprint");
		if (!smr)
			continue;
		n = kinds[i].call ? kmalloc(sizeof(*n), GFP_KERNEL) : NULL;
		if (n) {
			smr_call(smr, &n->node, sizeof(*n), bench_fp_free);
			/* The queues exist once the first callback ran. */
			smr_barrier(smr);
		}
		if (!kinds[i].call || n)
			bench_printk("footprint kind=%s pcpu_bytes=%zu",
				     kinds[i].kind, smr_domain_pcpu_bytes(smr));
		smr_domain_free(smr);
	}
}

/* Is @name in the comma-separated parts= list? */
static bool bench_part_wanted(const char *name)
{
	size_t len = strlen(name);
	const char *p = parts;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static int bench_main(void *unused)
{
	const char *name = "";
	unsigned int i;
	int err = 0;

	bench_env();
	bench_footprint();
	for (i = 0; i < ARRAY_SIZE(bench_parts) && !err; i++) {
		name = bench_parts[i].name;
		if (!bench_part_wanted(name))
			continue;
		bench_progress("%s: start", name);
		err = bench_stopping() ? -EINTR : bench_parts[i].run();
		if (!err && bench_results_full())
			err = -ENOSPC;
		bench_progress("%s: end (%d)", name, err);
	}
	if (err) {
		pr_info("failed in part %s: %d\n", name, err);
	} else {
		bench_printk("done");
		pr_info("done\n");
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ);
	return 0;
}

/* ---- Module -------------------------------------------------------------- */

static ssize_t bench_results_read(struct file *file, char __user *buf,
				  size_t count, loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&bench_results_lock);
	ret = simple_read_from_buffer(buf, count, pos, bench_results,
				      bench_results_len);
	mutex_unlock(&bench_results_lock);
	return ret;
}

static const struct file_operations bench_results_fops = {
	.owner = THIS_MODULE,
	.read = bench_results_read,
	.llseek = default_llseek,
};

static bool bench_parts_valid(void)
{
	const char *p = parts;
	unsigned int i;
	size_t len;

	if (!p || !*p)
		return false;
	while (*p) {
		len = strcspn(p, ",");
		for (i = 0; i < ARRAY_SIZE(bench_parts); i++)
			if (strlen(bench_parts[i].name) == len &&
			    !strncmp(p, bench_parts[i].name, len))
				break;
		if (i == ARRAY_SIZE(bench_parts))
			return false;
		p += len;
		if (*p)
			p++;
	}
	return true;
}

static bool bench_params_valid(void)
{
	if (!bench_parts_valid()) {
		pr_err("parts must be a comma-separated list of read,load,writer,sync,flood,table,grow\n");
		return false;
	}
	if (!bench_runs || bench_runs > 100 ||
	    bench_loops < 100 || bench_loops > 100000000 ||
	    bench_sync_samples < 2 || bench_sync_samples > 10000 ||
	    bench_flood_ms < 10 || bench_flood_ms > 60000 ||
	    bench_table_ms < 10 || bench_table_ms > 60000) {
		pr_err("runs must be 1-100, loops 100-100000000, sync_samples 2-10000, flood_ms and table_ms 10-60000\n");
		return false;
	}
	if (bench_grow_entries < 2 * BENCH_GROW_START ||
	    bench_grow_entries > 16777216 ||
	    bench_grow_steady_ms < 10 || bench_grow_steady_ms > 60000 ||
	    !bench_grow_runs || bench_grow_runs > 100) {
		pr_err("grow_entries must be 2048-16777216, grow_steady_ms 10-60000, grow_runs 1-100\n");
		return false;
	}
	return true;
}

static int __init bench_init(void)
{
	if (!bench_params_valid())
		return -EINVAL;
	bench_results = vzalloc(BENCH_RESULTS_SIZE);
	if (!bench_results)
		return -ENOMEM;
	bench_debugfs = debugfs_create_dir("smr_bench", NULL);
	debugfs_create_file("results", 0444, bench_debugfs, NULL,
			    &bench_results_fops);
	bench_task = kthread_create(bench_main, NULL, "smr_bench");
	if (IS_ERR(bench_task)) {
		debugfs_remove_recursive(bench_debugfs);
		vfree(bench_results);
		return PTR_ERR(bench_task);
	}
	/* The update-side figures are taken on the first CPU. */
	kthread_bind(bench_task, cpumask_first(cpu_online_mask));
	wake_up_process(bench_task);
	pr_info("running parts %s on %u CPUs\n", parts, bench_ncpus());
	return 0;
}

static void __exit bench_exit(void)
{
	WRITE_ONCE(bench_stop, true);
	kthread_stop(bench_task);
	debugfs_remove_recursive(bench_debugfs);
	vfree(bench_results);
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("smr benchmark: read cost, synchronize latency, reclamation, lookups vs RCU and SRCU");
