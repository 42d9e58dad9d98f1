// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, reclamation: an update flood.
 *
 * One writer per CPU, for flood_ms, replaces its object as fast as it can:
 * allocate a new one, publish it, retire the old one.  Only the way the old
 * object is retired (and so the way the new one is allocated) differs:
 *
 *   smr_cache  smr_cache_alloc() / smr_cache_free(): reuse once safe
 *   smr_call   kmalloc() / smr_call() of a kfree() callback
 *   call_rcu   kmalloc() / call_rcu() of a kfree() callback
 *   kfree_rcu  kmalloc() / kfree_rcu()
 *   smr_kfree  kmalloc() / smr_kfree()
 *
 * A timer samples, every FLOOD_SAMPLE_MS during the flood and for as long
 * again after it, what is retired but not yet reusable: exactly, as objects
 * retired minus objects freed (smr_cache: the domain's count of objects in
 * tagged batches; smr_kfree: the domain's callbacks queued minus invoked),
 * except for kfree_rcu, whose frees are not observable (-1); and for
 * every method the drop in the system's free memory since the flood
 * began, which includes allocator overheads and kfree_rcu's.
 *
 *   flood method=<m> writers=<n> duration_ms=<ms> obj_size=<bytes>
 *         updates=<n> updates_per_s=<n> peak_deferred_objs=<n>
 *         peak_deferred_bytes=<n> peak_mem_delta_bytes=<n> throttled=<n>
 *   mem method=<m> t_ms=<ms> deferred_bytes=<n> mem_delta_bytes=<n>
 *
 * A writer that finds the deferred memory above a quarter of the RAM waits
 * for it to drain (counted in throttled=) rather than run the guest out of
 * memory.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "smr.h"
#include "smr_bench.h"

#define FLOOD_OBJ_SIZE		128
#define FLOOD_SAMPLE_MS		10

struct flood_obj {
	union {
		struct smr_node smr_node;
		struct rcu_head rcu_head;
	};
	unsigned long payload[(FLOOD_OBJ_SIZE - sizeof(struct rcu_head)) /
			      sizeof(unsigned long)];
};

struct flood_sample {
	u32 t_ms;
	long deferred_objs;
	long mem_delta_bytes;
};

struct flood_method;

struct flood_run {
	const struct flood_method *m;
	struct smr *smr;
	struct smr_cache *cache;
	unsigned long end;		/* jiffies */
	unsigned long __percpu *retired;
	unsigned long __percpu *freed;
	long free_pages_base;
	long mem_limit_bytes;
	atomic_long_t throttled;
	/* The sampler's. */
	struct hrtimer timer;
	ktime_t start;
	unsigned int nsamples, max_samples;
	struct flood_sample *samples;
};

struct flood_method {
	const char *name;
	void *(*alloc)(struct flood_run *r);
	void (*retire)(struct flood_run *r, struct flood_obj *obj);
	long (*deferred_objs)(struct flood_run *r);
};

/* The run whose callbacks are pending: one flood at a time. */
static struct flood_run *flood_current;

static long flood_sum(unsigned long __percpu *counter)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

static long flood_counted_deferred(struct flood_run *r)
{
	return flood_sum(r->retired) - flood_sum(r->freed);
}

static long flood_cache_deferred(struct flood_run *r)
{
	return atomic_long_read(&r->smr->cache_pending_objs);
}

static long flood_kfree_deferred(struct flood_run *r)
{
	/* The run's own domain: every callback on it is one of the run's. */
	return smr_stat_sum(r->smr, SMR_STAT_CALL_QUEUED) -
	       smr_stat_sum(r->smr, SMR_STAT_CALL_INVOKED);
}

static long flood_unknown_deferred(struct flood_run *r)
{
	return -1;
}

static long flood_mem_delta(struct flood_run *r)
{
	long free = global_zone_page_state(NR_FREE_PAGES);

	return (r->free_pages_base - free) * (long)PAGE_SIZE;
}

/* ---- The methods ----------------------------------------------------------- */

static void *flood_kmalloc(struct flood_run *r)
{
	return kmalloc(sizeof(struct flood_obj), GFP_KERNEL);
}

static void *flood_cache_alloc(struct flood_run *r)
{
	return smr_cache_alloc(r->cache, GFP_KERNEL);
}

static void flood_cache_retire(struct flood_run *r, struct flood_obj *obj)
{
	smr_cache_free(r->cache, obj);
}

static void flood_smr_free(struct smr_node *node)
{
	kfree(container_of(node, struct flood_obj, smr_node));
	this_cpu_inc(*flood_current->freed);
}

static void flood_smr_retire(struct flood_run *r, struct flood_obj *obj)
{
	smr_call(r->smr, &obj->smr_node, sizeof(*obj), flood_smr_free);
}

static void flood_rcu_free(struct rcu_head *head)
{
	kfree(container_of(head, struct flood_obj, rcu_head));
	this_cpu_inc(*flood_current->freed);
}

static void flood_call_rcu_retire(struct flood_run *r, struct flood_obj *obj)
{
	call_rcu(&obj->rcu_head, flood_rcu_free);
}

static void flood_kfree_rcu_retire(struct flood_run *r, struct flood_obj *obj)
{
	kfree_rcu(obj, rcu_head);
}

static void flood_smr_kfree_retire(struct flood_run *r, struct flood_obj *obj)
{
	smr_kfree(r->smr, obj, smr_node);
}

static const struct flood_method flood_methods[] = {
	{ "smr_cache", flood_cache_alloc, flood_cache_retire,
	  flood_cache_deferred },
	{ "smr_call", flood_kmalloc, flood_smr_retire,
	  flood_counted_deferred },
	{ "call_rcu", flood_kmalloc, flood_call_rcu_retire,
	  flood_counted_deferred },
	{ "kfree_rcu", flood_kmalloc, flood_kfree_rcu_retire,
	  flood_unknown_deferred },
	{ "smr_kfree", flood_kmalloc, flood_smr_kfree_retire,
	  flood_kfree_deferred },
};

/* ---- Writers and the sampler ------------------------------------------- */

/* Wait while the deferred memory is above the limit. */
static void flood_throttle(struct flood_run *r)
{
	if (flood_mem_delta(r) < r->mem_limit_bytes)
		return;
	atomic_long_inc(&r->throttled);
	while (flood_mem_delta(r) >= r->mem_limit_bytes &&
	       time_before(jiffies, r->end))
		usleep_range(1000, 2000);
}

static void flood_retire(struct flood_run *r, struct flood_obj *obj)
{
	this_cpu_inc(*r->retired);
	r->m->retire(r, obj);
}

/*
 * The writer's object is private (no reader looks at it): what is measured
 * is the cost of retiring objects and the memory they hold meanwhile.
 */
static int flood_writer(unsigned int id, void *arg)
{
	struct flood_run *r = arg;
	struct flood_obj *cur, *new;
	unsigned long i;
	int err = 0;

	cur = r->m->alloc(r);
	if (!cur)
		return -ENOMEM;
	for (i = 1; time_before(jiffies, r->end); i++) {
		new = r->m->alloc(r);
		if (!new) {
			err = -ENOMEM;
			break;
		}
		new->payload[0] = i;
		flood_retire(r, cur);
		cur = new;
		if (!(i % 64)) {
			flood_throttle(r);
			cond_resched();
		}
	}
	flood_retire(r, cur);
	return err;
}

static enum hrtimer_restart flood_sample_fn(struct hrtimer *timer)
{
	struct flood_run *r = container_of(timer, struct flood_run, timer);
	struct flood_sample *s;

	if (r->nsamples == r->max_samples)
		return HRTIMER_NORESTART;
	s = &r->samples[r->nsamples++];
	s->t_ms = ktime_ms_delta(ktime_get(), r->start);
	s->deferred_objs = r->m->deferred_objs(r);
	s->mem_delta_bytes = flood_mem_delta(r);
	hrtimer_forward_now(timer, ms_to_ktime(FLOOD_SAMPLE_MS));
	return HRTIMER_RESTART;
}

static void flood_report(struct flood_run *r, unsigned long updates,
			 unsigned int nwriters)
{
	long peak_objs = -1, peak_mem = 0;
	struct flood_sample *s;
	unsigned int i;

	for (i = 0; i < r->nsamples; i++) {
		s = &r->samples[i];
		peak_objs = max(peak_objs, s->deferred_objs);
		peak_mem = max(peak_mem, s->mem_delta_bytes);
		bench_printk("mem method=%s t_ms=%u deferred_bytes=%ld mem_delta_bytes=%ld",
			     r->m->name, s->t_ms,
			     s->deferred_objs < 0 ? -1 :
			     s->deferred_objs * FLOOD_OBJ_SIZE,
			     s->mem_delta_bytes);
	}
	bench_printk("flood method=%s writers=%u duration_ms=%u obj_size=%u updates=%lu updates_per_s=%llu peak_deferred_objs=%ld peak_deferred_bytes=%ld peak_mem_delta_bytes=%ld throttled=%ld",
		     r->m->name, nwriters, bench_flood_ms, FLOOD_OBJ_SIZE,
		     updates, div_u64((u64)updates * 1000, bench_flood_ms),
		     peak_objs,
		     peak_objs < 0 ? -1 : peak_objs * FLOOD_OBJ_SIZE,
		     peak_mem, atomic_long_read(&r->throttled));
}

/* Wait for everything the run retired to be freed. */
static void flood_drain(struct flood_run *r)
{
	if (r->cache)
		smr_cache_destroy(r->cache);
	if (r->smr) {
		smr_barrier(r->smr);
		smr_domain_free(r->smr);
	}
	/* call_rcu callbacks run module code; kfree_rcu's flush by itself. */
	rcu_barrier();
}

static int flood_setup(struct flood_run *r, const struct flood_method *m)
{
	hrtimer_init_on_stack(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	r->timer.function = flood_sample_fn;
	r->m = m;
	r->max_samples = 2 * bench_flood_ms / FLOOD_SAMPLE_MS + 2;
	r->samples = kvcalloc(r->max_samples, sizeof(*r->samples), GFP_KERNEL);
	r->retired = alloc_percpu(unsigned long);
	r->freed = alloc_percpu(unsigned long);
	r->smr = smr_domain_create(SMR_NONE, "bench-flood");
	if (!r->samples || !r->retired || !r->freed || !r->smr)
		return -ENOMEM;
	if (m->alloc == flood_cache_alloc) {
		r->cache = smr_cache_create("smr_bench_flood",
					    sizeof(struct flood_obj), 0, 0,
					    r->smr, NULL);
		if (!r->cache)
			return -ENOMEM;
	}
	r->mem_limit_bytes = (long)(totalram_pages() / 4) * PAGE_SIZE;
	atomic_long_set(&r->throttled, 0);
	return 0;
}

static void flood_teardown(struct flood_run *r)
{
	destroy_hrtimer_on_stack(&r->timer);
	free_percpu(r->freed);
	free_percpu(r->retired);
	kvfree(r->samples);
}

static int flood_one(const struct flood_method *m)
{
	unsigned int nwriters = bench_ncpus();
	struct flood_run r = { };
	unsigned long updates;
	int err;

	err = flood_setup(&r, m);
	if (err)
		goto out;
	WRITE_ONCE(flood_current, &r);
	r.free_pages_base = global_zone_page_state(NR_FREE_PAGES);
	r.start = ktime_get();
	r.end = jiffies + msecs_to_jiffies(bench_flood_ms);
	hrtimer_start(&r.timer, ms_to_ktime(FLOOD_SAMPLE_MS),
		      HRTIMER_MODE_REL);
	err = bench_run_threads(nwriters, flood_writer, &r);
	updates = flood_sum(r.retired);
	/* Keep sampling as long again: the tail shows the drain. */
	msleep(bench_flood_ms);
	hrtimer_cancel(&r.timer);
	if (!err)
		flood_report(&r, updates, nwriters);
out:
	flood_drain(&r);
	flood_teardown(&r);
	return err;
}

/**
 * bench_flood() - reclamation throughput and deferred memory
 *
 * Return: 0 or a negative errno.
 */
int bench_flood(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(flood_methods) && !err; i++) {
		bench_progress("flood: %s", flood_methods[i].name);
		err = bench_stopping() ? -EINTR : flood_one(&flood_methods[i]);
	}
	return err;
}
