// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, read side: the cost of an empty read section.
 *
 * The method of kernel/rcu/refscale.c: for 1 .. N readers, one kthread per
 * CPU; each runs a warm-up loop, then, runs times, meets the others at a
 * barrier and times loops enter/leave pairs with interrupts off.  A run's
 * figure is the mean over its readers of (time / loops); the record gives
 * the median run and the fastest and slowest runs:
 *
 *   read op=<op> readers=<n> ns=<median> min=<ns> max=<ns>
 *
 * Every op's loop is a function of its own, so that the section's code is
 * inlined into the loop exactly as a caller would see it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

#include "smr.h"
#include "smr_bench.h"

static struct smr *read_smr, *read_lazy_smr, *read_sleep_smr;
/* read_srcu_nmi is set up on every kernel, used where NMI-safe SRCU exists. */
static struct srcu_struct read_srcu, read_srcu_nmi;
#ifdef SMR_HAVE_SRCU_LITE
static struct srcu_struct read_srcu_lite;
#endif
static struct percpu_ref read_ref;
static atomic_t read_atomic ____cacheline_aligned_in_smp;
static DEFINE_RWLOCK(read_rwlock);

/* ---- One loop per op ------------------------------------------------------ */

static void read_loop_smr(unsigned long n)
{
	while (n--) {
		smr_enter(read_smr);
		smr_leave(read_smr);
	}
}

static void read_loop_smr_lazy(unsigned long n)
{
	while (n--) {
		smr_lazy_enter(read_lazy_smr);
		smr_lazy_leave(read_lazy_smr);
	}
}

static void read_loop_smr_sleepable(unsigned long n)
{
	struct smr_tracker tracker;

	while (n--) {
		smr_enter_sleepable(read_sleep_smr, &tracker);
		smr_leave_sleepable(read_sleep_smr, &tracker);
	}
}

static void read_loop_rcu(unsigned long n)
{
	while (n--) {
		rcu_read_lock();
		rcu_read_unlock();
	}
}

static void read_loop_srcu(unsigned long n)
{
	int idx;

	while (n--) {
		idx = srcu_read_lock(&read_srcu);
		srcu_read_unlock(&read_srcu, idx);
	}
}

#ifdef SMR_HAVE_SRCU_NMISAFE
static void read_loop_srcu_nmisafe(unsigned long n)
{
	int idx;

	while (n--) {
		idx = srcu_read_lock_nmisafe(&read_srcu_nmi);
		srcu_read_unlock_nmisafe(&read_srcu_nmi, idx);
	}
}
#endif

#ifdef SMR_HAVE_SRCU_LITE
static void read_loop_srcu_lite(unsigned long n)
{
	int idx;

	while (n--) {
		idx = srcu_read_lock_lite(&read_srcu_lite);
		srcu_read_unlock_lite(&read_srcu_lite, idx);
	}
}
#endif

static void read_loop_percpu_ref(unsigned long n)
{
	while (n--) {
		percpu_ref_get(&read_ref);
		percpu_ref_put(&read_ref);
	}
}

static void read_loop_atomic(unsigned long n)
{
	while (n--) {
		atomic_inc(&read_atomic);
		atomic_dec(&read_atomic);
	}
}

static void read_loop_rwlock(unsigned long n)
{
	while (n--) {
		read_lock(&read_rwlock);
		read_unlock(&read_rwlock);
	}
}

struct read_op {
	const char *name;
	void (*loop)(unsigned long n);
};

static const struct read_op read_ops[] = {
	{ "smr", read_loop_smr },
	{ "smr_lazy", read_loop_smr_lazy },
	{ "smr_sleepable", read_loop_smr_sleepable },
	{ "rcu", read_loop_rcu },
	{ "srcu", read_loop_srcu },
#ifdef SMR_HAVE_SRCU_NMISAFE
	{ "srcu_nmisafe", read_loop_srcu_nmisafe },
#endif
#ifdef SMR_HAVE_SRCU_LITE
	{ "srcu_lite", read_loop_srcu_lite },
#endif
	{ "percpu_ref", read_loop_percpu_ref },
	{ "atomic", read_loop_atomic },
	{ "rwlock", read_loop_rwlock },
};

/* ---- The harness --------------------------------------------------------- */

struct read_run {
	const struct read_op *op;
	unsigned int nreaders;
	atomic_t barrier;
	u64 *ps;		/* [run * nreaders + reader]: ps per section */
};

static int read_thread(unsigned int id, void *arg)
{
	struct read_run *r = arg;
	unsigned int run;

	r->op->loop(bench_loops / 10 + 1);	/* warm-up */
	for (run = 0; run < bench_runs; run++) {
		bench_thread_barrier(&r->barrier, r->nreaders, run + 1);
		r->ps[run * r->nreaders + id] =
			bench_time_loop(r->op->loop, bench_loops);
		cond_resched();
	}
	return 0;
}

/* Time @op with @nreaders readers and print its record. */
static int read_measure(const struct read_op *op, unsigned int nreaders)
{
	struct read_run r = { .op = op, .nreaders = nreaders };
	u64 *per_run, median, min, max;
	unsigned int run, i;
	int err;

	r.ps = kcalloc(bench_runs * nreaders, sizeof(*r.ps), GFP_KERNEL);
	per_run = kcalloc(bench_runs, sizeof(*per_run), GFP_KERNEL);
	err = -ENOMEM;
	if (!r.ps || !per_run)
		goto out;
	atomic_set(&r.barrier, 0);
	err = bench_run_threads(nreaders, read_thread, &r);
	if (err)
		goto out;
	for (run = 0; run < bench_runs; run++) {
		for (i = 0; i < nreaders; i++)
			per_run[run] += r.ps[run * nreaders + i];
		per_run[run] = div_u64(per_run[run], nreaders);
	}
	bench_sort_u64(per_run, bench_runs);
	median = per_run[bench_runs / 2];
	min = per_run[0];
	max = per_run[bench_runs - 1];
	bench_printk("read op=%s readers=%u ns=" BENCH_NS_FMT
		     " min=" BENCH_NS_FMT " max=" BENCH_NS_FMT,
		     op->name, nreaders, bench_ns(median),
		     bench_ns_frac(median), bench_ns(min), bench_ns_frac(min),
		     bench_ns(max), bench_ns_frac(max));
out:
	kfree(per_run);
	kfree(r.ps);
	return err;
}

static void read_ref_release(struct percpu_ref *ref)
{
}

static void read_teardown_srcu(void)
{
#ifdef SMR_HAVE_SRCU_LITE
	cleanup_srcu_struct(&read_srcu_lite);
#endif
	cleanup_srcu_struct(&read_srcu_nmi);
	cleanup_srcu_struct(&read_srcu);
}

static void read_teardown(void)
{
	percpu_ref_exit(&read_ref);
	read_teardown_srcu();
	smr_domain_free(read_sleep_smr);
	smr_domain_free(read_lazy_smr);
	smr_domain_free(read_smr);
}

static int read_setup_srcu(void)
{
	int err = init_srcu_struct(&read_srcu);

	if (err)
		return err;
	err = init_srcu_struct(&read_srcu_nmi);
	if (err)
		goto out_srcu;
#ifdef SMR_HAVE_SRCU_LITE
	err = init_srcu_struct(&read_srcu_lite);
	if (err)
		goto out_nmi;
#endif
	return 0;
#ifdef SMR_HAVE_SRCU_LITE
out_nmi:
	cleanup_srcu_struct(&read_srcu_nmi);
#endif
out_srcu:
	cleanup_srcu_struct(&read_srcu);
	return err;
}

/* Everything the ops use, or nothing and an error. */
static int read_setup(void)
{
	int err = -ENOMEM;

	read_smr = smr_domain_create(SMR_NONE, "bench-read");
	if (!read_smr)
		return err;
	read_lazy_smr = smr_domain_create(SMR_LAZY, "bench-read-lazy");
	if (!read_lazy_smr)
		goto out_smr;
	read_sleep_smr = smr_domain_create(SMR_SLEEPABLE, "bench-read-sleep");
	if (!read_sleep_smr)
		goto out_lazy;
	err = read_setup_srcu();
	if (err)
		goto out_sleep;
	err = percpu_ref_init(&read_ref, read_ref_release, 0, GFP_KERNEL);
	if (!err)
		return 0;
	read_teardown_srcu();
out_sleep:
	smr_domain_free(read_sleep_smr);
out_lazy:
	smr_domain_free(read_lazy_smr);
out_smr:
	smr_domain_free(read_smr);
	return err;
}

/**
 * bench_read() - the read-side part
 *
 * Return: 0 or a negative errno.
 */
int bench_read(void)
{
	unsigned int n, i, ncpus = bench_ncpus();
	int err;

	err = read_setup();
	if (err)
		return err;
	for (n = 1; n <= ncpus && !err; n++) {
		bench_progress("read: %u reader(s)", n);
		for (i = 0; i < ARRAY_SIZE(read_ops) && !err; i++)
			err = bench_stopping() ? -EINTR :
			      read_measure(&read_ops[i], n);
	}
	read_teardown();
	return err;
}
