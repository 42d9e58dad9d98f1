// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, update side.
 *
 * writer: the cost of the calls a writer makes on every update, timed as
 * the read side is (a loop with interrupts off, median of runs), on the
 * bench thread's CPU:
 *
 *   writer op=<smr_advance|smr_poll_satisfied|smr_current|
 *              smr_advance_poll_scan> ns=<median>
 *
 * smr_advance_poll_scan is an advance followed by a poll of its goal,
 * which no scan has seen yet: the poll scans every possible CPU, so its
 * cost grows with the possible CPUs (the env record gives possible=).
 *
 * sync: the latency of waiting for readers, calls back to back,
 * sync_samples samples per primitive (a sample is one call, or the mean of
 * a batch of calls when one takes less than SYNC_SAMPLE_MIN_NS), with the system idle and then
 * with a reader thread on every other CPU (on the same CPU when there is
 * only one) looping over 1 us sections of that primitive, 16 in a row,
 * then a sleep of 20-40 us:
 *
 *   sync op=<op> load=<idle|readers> samples=<n> batch=<calls per sample>
 *        p50= p99= max= mean=
 *   cdf op=<op> load=<load> pct=<0..100> ns=<latency>
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/timekeeping.h>

#include "smr.h"
#include "smr_bench.h"

static struct smr *sync_smr;
static struct srcu_struct sync_srcu;

/* ---- writer -------------------------------------------------------------- */

static unsigned long writer_goal;

static void writer_loop_advance(unsigned long n)
{
	while (n--)
		writer_goal = smr_advance(sync_smr);
}

static void writer_loop_poll(unsigned long n)
{
	while (n--)
		smr_poll(sync_smr, writer_goal);
}

static void writer_loop_current(unsigned long n)
{
	while (n--)
		writer_goal = smr_current(sync_smr);
}

static void writer_loop_advance_poll(unsigned long n)
{
	while (n--)
		smr_poll(sync_smr, smr_advance(sync_smr));
}

struct writer_op {
	const char *name;
	void (*loop)(unsigned long n);
};

static const struct writer_op writer_ops[] = {
	{ "smr_advance", writer_loop_advance },
	{ "smr_poll_satisfied", writer_loop_poll },
	{ "smr_current", writer_loop_current },
	{ "smr_advance_poll_scan", writer_loop_advance_poll },
};

static void writer_measure(const struct writer_op *op, u64 *ps)
{
	unsigned int run;
	u64 median;

	/* A goal that is met: every poll below is satisfied. */
	writer_goal = smr_advance(sync_smr);
	smr_wait(sync_smr, writer_goal);
	op->loop(bench_loops / 10 + 1);		/* warm-up */
	for (run = 0; run < bench_runs; run++) {
		ps[run] = bench_time_loop(op->loop, bench_loops);
		cond_resched();
	}
	bench_sort_u64(ps, bench_runs);
	median = ps[bench_runs / 2];
	bench_printk("writer op=%s ns=" BENCH_NS_FMT, op->name,
		     bench_ns(median), bench_ns_frac(median));
}

/**
 * bench_writer() - the per-update calls of a writer
 *
 * Return: 0 or a negative errno.
 */
int bench_writer(void)
{
	unsigned int i;
	u64 *ps;
	int err = 0;

	sync_smr = smr_domain_create(SMR_NONE, "bench-writer");
	ps = kcalloc(bench_runs, sizeof(*ps), GFP_KERNEL);
	if (!sync_smr || !ps)
		err = -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(writer_ops) && !err; i++)
		writer_measure(&writer_ops[i], ps);
	kfree(ps);
	if (sync_smr)
		smr_domain_free(sync_smr);
	return err;
}

/* ---- sync ---------------------------------------------------------------- */

struct sync_op {
	const char *name;
	void (*synchronize)(void);
	void (*section)(void);		/* one reader section of 1 us */
};

static void sync_smr_synchronize(void)
{
	smr_synchronize(sync_smr);
}

static void sync_srcu_synchronize(void)
{
	synchronize_srcu(&sync_srcu);
}

static void sync_section_smr(void)
{
	smr_enter(sync_smr);
	udelay(1);
	smr_leave(sync_smr);
}

static void sync_section_rcu(void)
{
	rcu_read_lock();
	udelay(1);
	rcu_read_unlock();
}

static void sync_section_srcu(void)
{
	int idx = srcu_read_lock(&sync_srcu);

	udelay(1);
	srcu_read_unlock(&sync_srcu, idx);
}

static const struct sync_op sync_ops[] = {
	{ "smr_synchronize", sync_smr_synchronize, sync_section_smr },
	{ "synchronize_rcu", synchronize_rcu, sync_section_rcu },
	{ "synchronize_rcu_expedited", synchronize_rcu_expedited,
	  sync_section_rcu },
	{ "synchronize_srcu", sync_srcu_synchronize, sync_section_srcu },
};

struct sync_run {
	const struct sync_op *op;
	bool loaded;
	bool stop;
	unsigned int batch;	/* calls per sample */
	u64 *ns;
};

#define SYNC_SAMPLE_MIN_NS	(20 * NSEC_PER_USEC)
#define SYNC_BATCH_MAX		1024

/* Time @batch calls back to back; ns per call. */
static u64 sync_time(const struct sync_op *op, unsigned int batch)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < batch; i++)
		op->synchronize();
	return div_u64(ktime_get_ns() - t0, batch);
}

/*
 * Calls per sample: 1 for anything slower than SYNC_SAMPLE_MIN_NS, else
 * enough calls to fill it, so that calls faster than the clock's
 * resolution still get a figure.
 */
static unsigned int sync_batch(const struct sync_op *op)
{
	unsigned int batch = 1;

	while (batch < SYNC_BATCH_MAX &&
	       sync_time(op, batch) * batch < SYNC_SAMPLE_MIN_NS)
		batch *= 2;
	return batch;
}

/*
 * Thread 0 times the synchronize calls on the first CPU; with load, the
 * others run sections until it is done.  With one CPU, thread 1 shares it.
 */
static int sync_thread(unsigned int id, void *arg)
{
	struct sync_run *r = arg;
	unsigned int i;

	if (id) {
		/*
		 * Busy, with pauses: with a reader that never slept, a
		 * synchronize_rcu() under the one-CPU UML kernel (PREEMPT)
		 * did not return in ten minutes.
		 */
		for (i = 1; !READ_ONCE(r->stop); i++) {
			r->op->section();
			if (!(i % 16))
				usleep_range(20, 40);
		}
		return 0;
	}
	r->batch = sync_batch(r->op);
	for (i = 0; i < bench_sync_samples; i++)
		r->ns[i] = sync_time(r->op, r->batch);
	WRITE_ONCE(r->stop, true);
	return 0;
}

static void sync_report(struct sync_run *r)
{
	unsigned int n = bench_sync_samples, pct;
	const char *load = r->loaded ? "readers" : "idle";
	u64 sum = 0, *ns = r->ns;
	unsigned int i;

	bench_sort_u64(ns, n);
	for (i = 0; i < n; i++)
		sum += ns[i];
	bench_printk("sync op=%s load=%s samples=%u batch=%u p50=%llu p99=%llu max=%llu mean=%llu",
		     r->op->name, load, n, r->batch, ns[n / 2],
		     ns[min(n - 1, n * 99 / 100)], ns[n - 1], div_u64(sum, n));
	for (pct = 0; pct <= 100; pct++)
		bench_printk("cdf op=%s load=%s pct=%u ns=%llu", r->op->name,
			     load, pct, ns[min(n - 1, n * pct / 100)]);
}

static int sync_measure(const struct sync_op *op, bool loaded)
{
	struct sync_run r = { .op = op, .loaded = loaded };
	unsigned int nthreads = 1;
	int err;

	if (loaded)
		nthreads = max(2U, bench_ncpus());
	r.ns = kcalloc(bench_sync_samples, sizeof(*r.ns), GFP_KERNEL);
	if (!r.ns)
		return -ENOMEM;
	err = bench_run_threads(nthreads, sync_thread, &r);
	if (!err)
		sync_report(&r);
	kfree(r.ns);
	return err;
}

/**
 * bench_sync() - synchronize latency of smr, RCU and SRCU
 *
 * Return: 0 or a negative errno.
 */
int bench_sync(void)
{
	unsigned int i, loaded;
	int err;

	sync_smr = smr_domain_create(SMR_NONE, "bench-sync");
	if (!sync_smr)
		return -ENOMEM;
	err = init_srcu_struct(&sync_srcu);
	if (err) {
		smr_domain_free(sync_smr);
		return err;
	}
	for (loaded = 0; loaded <= 1 && !err; loaded++) {
		for (i = 0; i < ARRAY_SIZE(sync_ops) && !err; i++) {
			bench_progress("sync: %s, %s", sync_ops[i].name,
				       loaded ? "with readers" : "idle");
			err = bench_stopping() ? -EINTR :
			      sync_measure(&sync_ops[i], loaded);
		}
	}
	cleanup_srcu_struct(&sync_srcu);
	smr_domain_free(sync_smr);
	return err;
}
