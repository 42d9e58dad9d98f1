/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_bench: what the parts of the benchmark module share.
 *
 * smr_bench_main.c owns the parameters, the results buffer (debugfs
 * smr_bench/results) and the pinned worker threads; each of the other files
 * is one part of the benchmark:
 *
 *   smr_bench_read.c    read-side cost per section, refscale style
 *   smr_bench_load.c    read-side cost while one CPU floods updates
 *   smr_bench_sync.c    update side: advance, poll, synchronize latency
 *   smr_bench_flood.c   reclamation throughput and deferred memory
 *   smr_bench_table.c   a read-mostly hash table, smr lists vs RCU hlists,
 *                       smr_hash and smr_shash vs rhashtable
 *   smr_bench_grow.c    lookups while smr_hash, smr_shash and rhashtable
 *                       grow
 *
 * Results are lines of "<record> key=value ...", described in
 * Documentation/performance.rst; scripts/bench-report.py reads them.
 */
#ifndef _SMR_BENCH_H
#define _SMR_BENCH_H

#include <linux/types.h>

/* Module parameters (smr_bench_main.c), checked at load. */
extern unsigned int bench_runs;
extern unsigned int bench_loops;
extern unsigned int bench_sync_samples;
extern unsigned int bench_flood_ms;
extern unsigned int bench_table_ms;
extern unsigned int bench_grow_entries;
extern unsigned int bench_grow_steady_ms;
extern unsigned int bench_grow_runs;

/* The entries the grow part's tables hold before their fill. */
#define BENCH_GROW_START	1024

/* The number of CPUs the parts spread their threads over. */
unsigned int bench_ncpus(void);

/*
 * Append one line to the results.  Lines that do not fit are dropped, and
 * the run then ends with "failed" (bench_results_full()).
 */
__printf(1, 2) void bench_printk(const char *fmt, ...);
bool bench_results_full(void);
/* A progress line in the kernel log. */
#define bench_progress(fmt, ...) \
	pr_info("progress " fmt "\n", ##__VA_ARGS__)

/* True once the module is being removed: parts stop early. */
bool bench_stopping(void);

/**
 * typedef bench_fn - body of a pinned worker thread
 * @id: the thread's index, 0 .. nthreads - 1; thread @id runs on the
 *	@id-th online CPU (modulo the number of CPUs)
 * @arg: the argument given to bench_run_threads()
 *
 * Return: 0, or a negative errno that bench_run_threads() passes on.
 */
typedef int (*bench_fn)(unsigned int id, void *arg);

int bench_run_threads(unsigned int nthreads, bench_fn fn, void *arg);
void bench_thread_barrier(atomic_t *count, unsigned int nthreads,
			  unsigned int round);

/*
 * Times are kept in picoseconds and printed as nanoseconds, "12.345":
 * BENCH_NS_FMT with the arguments bench_ns(ps), bench_ns_frac(ps).
 */
#define BENCH_NS_FMT		"%llu.%03llu"

static inline u64 bench_ns(u64 ps)
{
	return ps / 1000;
}

static inline u64 bench_ns_frac(u64 ps)
{
	return ps % 1000;
}

void bench_sort_u64(u64 *v, unsigned int n);
u64 bench_time_loop(void (*loop)(unsigned long n), unsigned long n);

/* The parts: 0 or a negative errno. */
int bench_read(void);
int bench_load(void);
int bench_writer(void);
int bench_sync(void);
int bench_flood(void);
int bench_table(void);
int bench_grow(void);

#endif /* _SMR_BENCH_H */
