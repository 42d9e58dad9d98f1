// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, reads under update load.
 *
 * Readers on every CPU but the first time sections of enter, one load of a
 * published pointer and a read through it, and leave, as the read part
 * times its empty sections (a warm-up, then, after a barrier, a loop of
 * loops sections with interrupts off), while thread 0, on the first CPU,
 * runs one of the floods:
 *
 *   idle       sleeps: the readers alone
 *   spin       spins on a counter of its own: the readers alone, but the
 *              first CPU as busy as in a flood (under QEMU TCG the vCPUs
 *              share the host's cores, so a busy vCPU slows the others
 *              whatever it does: this is the baseline for the floods)
 *   smr_call   kmalloc() and smr_call() of a kfree() callback
 *   smr_cache  smr_cache_alloc() and smr_cache_free()
 *   call_rcu   kmalloc() and call_rcu() of a kfree() callback
 *
 * The reader kinds are smr (smr_enter(), a default domain), smr_lazy
 * (smr_lazy_enter(), an SMR_LAZY domain) and rcu (rcu_read_lock()).  The
 * smr floods go to the readers' own domain (for rcu readers, smr's): the
 * flooder's clock advances and callback batches write the domain's shared
 * lines while the readers load its clock.  The flood starts before the
 * readers' warm-up and stops when the last reader is done; then its
 * objects are drained (smr_barrier(), rcu_barrier()).
 *
 * Each such run starts its threads anew, and the runs of the floods take
 * turns: for each reader kind, runs rounds of one run per flood, the
 * order rotating by one each round.  A host that slows the guest for a
 * while then slows every flood's runs alike, where runs of one flood
 * back to back would put the slowdown on that flood alone.  A record
 * gives the median, fastest and slowest run of a pair:
 *
 *   load reader=<kind> flood=<flood> readers=<n> ns=<median> min=<ns>
 *        max=<ns> updates_per_s=<flooder's rate> throttled=<n>
 *
 * The flooder waits while more than LOAD_MAX_DEFERRED of its objects are
 * retired and not yet freed (counted in throttled=), so that a slow grace
 * period cannot run the guest out of memory.  One CPU: no records.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "smr.h"
#include "smr_bench.h"

#define LOAD_OBJ_SIZE		128
#define LOAD_MAX_DEFERRED	(256L * 1024)

struct load_obj {
	union {
		struct smr_node smr_node;
		struct rcu_head rcu_head;
	};
	unsigned long payload[(LOAD_OBJ_SIZE - sizeof(struct rcu_head)) /
			      sizeof(unsigned long)];
};

/* What the readers look up: published once, never replaced. */
struct load_target {
	unsigned long value;
};

static struct load_target load_target = { .value = 1 };
static struct load_target __smr *load_smr_ptr;
static struct load_target __rcu *load_rcu_ptr;
static struct smr *load_smr, *load_lazy_smr;
/* The reader's sum, stored once per loop so that the loads stay. */
static DEFINE_PER_CPU(unsigned long, load_sink);
/* The flooder's objects, retired and freed (by their callbacks). */
static DEFINE_PER_CPU(unsigned long, load_retired);
static DEFINE_PER_CPU(unsigned long, load_freed);
/* The spin flood's counter. */
static DEFINE_PER_CPU(unsigned long, load_spins);

/* ---- The readers' loops -------------------------------------------------- */

static void load_loop_smr(unsigned long n)
{
	unsigned long sum = 0;

	while (n--) {
		smr_enter(load_smr);
		sum += smr_entered_load(load_smr_ptr)->value;
		smr_leave(load_smr);
	}
	this_cpu_write(load_sink, sum);
}

static void load_loop_smr_lazy(unsigned long n)
{
	unsigned long sum = 0;

	while (n--) {
		smr_lazy_enter(load_lazy_smr);
		sum += smr_entered_load(load_smr_ptr)->value;
		smr_lazy_leave(load_lazy_smr);
	}
	this_cpu_write(load_sink, sum);
}

static void load_loop_rcu(unsigned long n)
{
	unsigned long sum = 0;

	while (n--) {
		rcu_read_lock();
		sum += rcu_dereference(load_rcu_ptr)->value;
		rcu_read_unlock();
	}
	this_cpu_write(load_sink, sum);
}

struct load_reader {
	const char *name;
	void (*loop)(unsigned long n);
	struct smr **smr;	/* the domain the smr floods go to */
};

static const struct load_reader load_readers[] = {
	{ "smr", load_loop_smr, &load_smr },
	{ "smr_lazy", load_loop_smr_lazy, &load_lazy_smr },
	{ "rcu", load_loop_rcu, &load_smr },
};

/* ---- The floods ----------------------------------------------------------- */

struct load_run;

struct load_flood {
	const char *name;
	/* Update number @i: 0 or -ENOMEM; NULL for idle. */
	int (*update)(struct load_run *r, unsigned long i);
	bool needs_cache;
};

/* One timed run of one reader kind under one flood. */
struct load_run {
	const struct load_reader *reader;
	const struct load_flood *flood;
	struct smr *smr;
	struct smr_cache *cache;
	unsigned int nreaders;
	atomic_t barrier;
	atomic_t finished;
	bool flooding;		/* set by the flooder once it runs */
	bool stop;		/* set by the last reader */
	/* The flooder's, written once it stops. */
	unsigned long updates;
	unsigned long throttled;
	u64 flood_ns;
	u64 *ps;		/* [reader]: ps per section */
};

/* The runs of one reader kind under one flood. */
struct load_result {
	u64 *ps;		/* [run]: the mean over the readers */
	unsigned long updates;
	unsigned long throttled;
	u64 flood_ns;
};

static void load_smr_free(struct smr_node *node)
{
	kfree(container_of(node, struct load_obj, smr_node));
	this_cpu_inc(load_freed);
}

static void load_rcu_free(struct rcu_head *head)
{
	kfree(container_of(head, struct load_obj, rcu_head));
	this_cpu_inc(load_freed);
}

static int load_update_spin(struct load_run *r, unsigned long i)
{
	/* Private work: a line of the flooder's CPU that no reader reads. */
	this_cpu_write(load_spins, i);
	return 0;
}

static int load_update_smr_call(struct load_run *r, unsigned long i)
{
	struct load_obj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	this_cpu_inc(load_retired);
	smr_call(r->smr, &obj->smr_node, sizeof(*obj), load_smr_free);
	return 0;
}

static int load_update_smr_cache(struct load_run *r, unsigned long i)
{
	struct load_obj *obj = smr_cache_alloc(r->cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	obj->payload[0] = i;
	smr_cache_free(r->cache, obj);
	return 0;
}

static int load_update_call_rcu(struct load_run *r, unsigned long i)
{
	struct load_obj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	this_cpu_inc(load_retired);
	call_rcu(&obj->rcu_head, load_rcu_free);
	return 0;
}

static const struct load_flood load_floods[] = {
	{ "idle", NULL, false },
	{ "spin", load_update_spin, false },
	{ "smr_call", load_update_smr_call, false },
	{ "smr_cache", load_update_smr_cache, true },
	{ "call_rcu", load_update_call_rcu, false },
};

static long load_sum(unsigned long __percpu *counter)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

static long load_deferred(void)
{
	return load_sum(&load_retired) - load_sum(&load_freed);
}

/* Wait while too many of the flooder's objects are still deferred. */
static bool load_throttle(struct load_run *r)
{
	if (load_deferred() < LOAD_MAX_DEFERRED)
		return false;
	while (load_deferred() >= LOAD_MAX_DEFERRED && !READ_ONCE(r->stop))
		usleep_range(100, 200);
	return true;
}

/*
 * Its counts stay in locals until it stops: the run's struct is what the
 * readers read between their loops.
 */
static int load_flooder(struct load_run *r)
{
	unsigned long i = 0, throttled = 0;
	u64 t0 = ktime_get_ns();
	int err = 0;

	WRITE_ONCE(r->flooding, true);
	if (!r->flood->update) {
		while (!READ_ONCE(r->stop))
			schedule_timeout_idle(1);
		return 0;
	}
	while (!READ_ONCE(r->stop)) {
		err = r->flood->update(r, i);
		if (err)
			break;
		if (!(++i % 256)) {
			throttled += load_throttle(r);
			cond_resched();
		}
	}
	r->flood_ns = ktime_get_ns() - t0;
	r->updates = i;
	r->throttled = throttled;
	return err;
}

/* ---- The harness --------------------------------------------------------- */

static int load_reader_thread(struct load_run *r, unsigned int id)
{
	void (*loop)(unsigned long n) = r->reader->loop;

	while (!READ_ONCE(r->flooding))
		cpu_relax();
	loop(bench_loops / 10 + 1);	/* warm-up */
	bench_thread_barrier(&r->barrier, r->nreaders, 1);
	r->ps[id] = bench_time_loop(loop, bench_loops);
	if (atomic_inc_return(&r->finished) == r->nreaders)
		WRITE_ONCE(r->stop, true);
	return 0;
}

static int load_thread(unsigned int id, void *arg)
{
	struct load_run *r = arg;
	int err;

	if (id)
		return load_reader_thread(r, id - 1);
	err = load_flooder(r);
	if (err) {
		/* The readers still finish; the run then fails. */
		while (!READ_ONCE(r->stop))
			schedule_timeout_idle(1);
	}
	return err;
}

/* Every object of the flood freed, the cache gone. */
static void load_drain(struct load_run *r)
{
	if (r->cache)
		smr_cache_destroy(r->cache);
	smr_barrier(r->smr);
	/* call_rcu callbacks run module code. */
	rcu_barrier();
}

/* Run @run of @reader under @flood, into @res. */
static int load_run_one(const struct load_reader *reader,
			const struct load_flood *flood, unsigned int nreaders,
			struct load_result *res, unsigned int run)
{
	struct load_run r = {
		.reader = reader, .flood = flood, .smr = *reader->smr,
		.nreaders = nreaders,
	};
	unsigned int i;
	u64 sum = 0;
	int err = -ENOMEM;

	r.ps = kcalloc(nreaders, sizeof(*r.ps), GFP_KERNEL);
	if (!r.ps)
		return err;
	if (flood->needs_cache) {
		r.cache = smr_cache_create("smr_bench_load",
					   sizeof(struct load_obj), 0, 0,
					   r.smr, NULL);
		if (!r.cache)
			goto out;
	}
	atomic_set(&r.barrier, 0);
	atomic_set(&r.finished, 0);
	err = bench_run_threads(nreaders + 1, load_thread, &r);
	load_drain(&r);
	if (err)
		goto out;
	for (i = 0; i < nreaders; i++)
		sum += r.ps[i];
	res->ps[run] = div_u64(sum, nreaders);
	res->updates += r.updates;
	res->throttled += r.throttled;
	res->flood_ns += r.flood_ns;
out:
	kfree(r.ps);
	return err;
}

static void load_report(const struct load_reader *reader,
			const struct load_flood *flood, unsigned int nreaders,
			struct load_result *res)
{
	u64 median, min, max, rate;

	bench_sort_u64(res->ps, bench_runs);
	median = res->ps[bench_runs / 2];
	min = res->ps[0];
	max = res->ps[bench_runs - 1];
	rate = res->flood_ns ? div64_u64((u64)res->updates * NSEC_PER_SEC,
					 res->flood_ns) : 0;
	bench_printk("load reader=%s flood=%s readers=%u ns=" BENCH_NS_FMT
		     " min=" BENCH_NS_FMT " max=" BENCH_NS_FMT
		     " updates_per_s=%llu throttled=%lu",
		     reader->name, flood->name, nreaders, bench_ns(median),
		     bench_ns_frac(median), bench_ns(min), bench_ns_frac(min),
		     bench_ns(max), bench_ns_frac(max), rate, res->throttled);
}

/* Every run of @reader, the floods taking turns, then their records. */
static int load_reader_kind(const struct load_reader *reader,
			    unsigned int nreaders, struct load_result *res)
{
	unsigned int run, i, j, nfloods = ARRAY_SIZE(load_floods);
	int err = 0;

	for (j = 0; j < nfloods; j++) {
		res[j].updates = 0;
		res[j].throttled = 0;
		res[j].flood_ns = 0;
	}
	for (run = 0; run < bench_runs && !err; run++) {
		for (i = 0; i < nfloods && !err; i++) {
			j = (i + run) % nfloods;
			err = bench_stopping() ? -EINTR :
			      load_run_one(reader, &load_floods[j], nreaders,
					   &res[j], run);
		}
	}
	for (j = 0; j < nfloods && !err; j++)
		load_report(reader, &load_floods[j], nreaders, &res[j]);
	return err;
}

static void load_free_results(struct load_result *res)
{
	unsigned int j;

	for (j = 0; j < ARRAY_SIZE(load_floods); j++)
		kfree(res[j].ps);
}

static int load_alloc_results(struct load_result *res)
{
	unsigned int j;

	for (j = 0; j < ARRAY_SIZE(load_floods); j++) {
		res[j].ps = kcalloc(bench_runs, sizeof(*res[j].ps),
				    GFP_KERNEL);
		if (!res[j].ps)
			return -ENOMEM;
	}
	return 0;
}

/**
 * bench_load() - read-side cost while one CPU floods updates
 *
 * Return: 0 or a negative errno.
 */
int bench_load(void)
{
	struct load_result res[ARRAY_SIZE(load_floods)] = { };
	unsigned int ncpus = bench_ncpus(), i;
	int err;

	if (ncpus < 2) {
		bench_progress("load: needs 2 CPUs, skipped");
		return 0;
	}
	err = load_alloc_results(res);
	load_smr = smr_domain_create(SMR_NONE, "bench-load");
	load_lazy_smr = smr_domain_create(SMR_LAZY, "bench-load-lazy");
	if (!load_smr || !load_lazy_smr)
		err = -ENOMEM;
	smr_init_store(load_smr_ptr, &load_target);
	RCU_INIT_POINTER(load_rcu_ptr, &load_target);
	for (i = 0; i < ARRAY_SIZE(load_readers) && !err; i++) {
		bench_progress("load: %s readers", load_readers[i].name);
		err = load_reader_kind(&load_readers[i], ncpus - 1, res);
	}
	smr_domain_free(load_lazy_smr);
	smr_domain_free(load_smr);
	load_free_results(res);
	return err;
}
