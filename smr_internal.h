/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of smr.ko share and consumers must not see.
 */
#ifndef _SMR_INTERNAL_H
#define _SMR_INTERNAL_H

#include "smr.h"
#include "smr_compat.h"

/**
 * struct smr_clock_params - the clock's step and its wrap guard
 * @inc: distance between two consecutive goals.
 * @init: value both hands start at.
 * @max_delta: smr_advance() waits once wr_seq would run this far ahead
 *	of rd_seq, so that SMR_SEQ_*() comparisons never span half the space.
 * @max_advance: how far ahead of the new goal rd_seq must then be pushed.
 *
 * Fixed at module load: the wrap_test parameter shrinks the space a goal
 * may span to a few thousand steps so that tests cross the wrap quickly.
 */
struct smr_clock_params {
	unsigned long inc;
	unsigned long init;
	unsigned long max_delta;
	unsigned long max_advance;
};

extern struct smr_clock_params smr_clock_params;

/**
 * struct smr_scan - one scan of a domain's readers
 * @goal: the goal polled for.
 * @rd: rd_seq when the poll began; older readers are clamped to it.
 * @clock: the domain's clock.
 * @wr: wr_seq as last read; no reader can hold a newer value.
 * @min: the oldest sequence still held, so far.
 * @wait: spin until the readers holding the goal back have left.
 * @self_blocked: the goal is held by a section that cannot leave while
 *	the caller waits: its own, one it interrupted, or its own sleepable
 *	section.
 * @others: the goal is held by a reader other than those.
 */
struct smr_scan {
	struct smr_clock *clock;
	unsigned long goal;
	unsigned long rd;
	unsigned long wr;
	unsigned long min;
	bool wait;
	bool self_blocked;
	bool others;
};

/**
 * struct smr_service - what one part of smr.ko does on the tick and hotplug
 * @name: for messages.
 * @tick: run on each CPU's smr tick for each domain (softirq, that CPU).
 * @busy: after @tick: this CPU has work that must not wait for the CPU to
 *	leave idle, so a non-deferrable tick keeps running (smr_tick.c).
 * @cpu_online: @cpu came online (hotplug thread, before its first tick).
 * @cpu_offline: @cpu is going (on @cpu, after its last tick).
 *
 * The services are listed in smr_tick.c; any hook may be NULL.
 */
struct smr_service {
	const char *name;
	void (*tick)(struct smr *smr);
	bool (*busy)(struct smr *smr);
	void (*cpu_online)(struct smr *smr, int cpu);
	void (*cpu_offline)(struct smr *smr, int cpu);
};

/* smr_tick.c */
extern unsigned long smr_stall_jiffies;
extern struct cpumask smr_reader_cpus;
int smr_tick_params_check(void);
int smr_tick_init(void);
void smr_tick_exit(void);
void smr_tick_register(struct smr *smr);
void smr_tick_unregister(struct smr *smr);
void smr_tick_kick(void);
void smr_stall_report_remote(struct smr *smr, int cpu, unsigned int ctx,
			     unsigned long seq);

/*
 * Footprint budgets, bytes per CPU with 64-byte lines (smr_core.c and
 * smr_call.c check them): a domain that never queued a callback, and the
 * callback queues added to it on first use.
 */
#define SMR_PCPU_BUDGET			256
#define SMR_CALL_PCPU_BUDGET		128

/* smr_core.c */
void smr_stat_add(struct smr *smr, enum smr_stat stat, unsigned long n);
void smr_stat_inc(struct smr *smr, enum smr_stat stat);
void smr_misuse(struct smr *smr);

/* The value of an idle reader slot of @smr (SMR_SLOT_LAZY in smr.h). */
static inline unsigned long smr_slot_idle(struct smr *smr)
{
	return (smr->flags & SMR_LAZY) ? SMR_SLOT_LAZY : SMR_SEQ_INVALID;
}

/*
 * smr_null() - WARN_ON_ONCE(!@smr) that names the function: a NULL domain
 * has no name to print and no counter to count in, so the function is
 * what the message can name.  The caller returns at once.
 */
#define smr_null(smr)	WARN_ONCE(!(smr), "smr: %s() on a NULL domain\n", __func__)

/*
 * smr_misuse_once() - warn once per call site that @dom was misused, and
 * count every occurrence in the domain's misuse statistic.  Evaluates to
 * @cond, like WARN_ONCE(), so that the caller can take the safe way out.
 */
#define smr_misuse_once(cond, dom, fmt, ...) ({				\
	struct smr *__smr_m = (dom);					\
	bool __smr_bad = !!(cond);					\
									\
	if (unlikely(__smr_bad)) {					\
		WARN_ONCE(1, "smr: %s: " fmt "\n", __smr_m->name,	\
			  ##__VA_ARGS__);				\
		smr_misuse(__smr_m);					\
	}								\
	__smr_bad;							\
})
void smr_clock_tick(struct smr *smr);
bool smr_clock_busy(struct smr *smr);
void smr_clock_cpu_offline(struct smr *smr, int cpu);
/*
 * Internal waits say whether the goal was met: false means a section the
 * caller cannot wait for (its own, one it interrupted, its own sleepable
 * tracker) still holds it, and the caller must keep the memory.
 */
bool smr_synchronize_goal(struct smr *smr, unsigned long goal);
bool smr_wait_goal(struct smr *smr, unsigned long goal);
bool smr_poll_aged(struct smr *smr, unsigned long goal);

/* smr_call.c */
int smr_call_init(void);
void smr_call_exit(void);
int smr_call_params_check(void);
int smr_call_domain_init(struct smr *smr);
void smr_call_domain_exit(struct smr *smr);
void smr_call_tick(struct smr *smr);
bool smr_call_busy(struct smr *smr);
void smr_call_cpu_online(struct smr *smr, int cpu);
void smr_call_cpu_offline(struct smr *smr, int cpu);
void smr_call_stats(struct smr *smr, unsigned long *queued,
		    unsigned long *invoked);
unsigned long smr_call_stat_sum(struct smr *smr, enum smr_stat stat);
size_t smr_call_pcpu_bytes(struct smr *smr);

/* smr_sleepable.c */
void smr_sleep_init(struct smr *smr);
void smr_sleepable_convert(struct smr *smr);
unsigned long smr_sleep_advance(struct smr *smr, unsigned long goal);
unsigned int smr_sleep_own(struct smr *smr);

/**
 * smr_scan_clamp() - the sequence a reader holds, for a scan
 * @st: the scan
 * @seq: the value in the reader's slot, or the sleepable side's done
 *
 * A reader may load wr_seq, be delayed, and store the value only after
 * pollers, who saw it idle, moved rd_seq past it: it is safe (see the DOC
 * in smr_core.c) but its value is stale.  Held as rd_seq instead, it keeps
 * rd_seq from moving until the reader leaves.  A value delayed so long
 * that it seems to lie beyond wr_seq (the clock went more than half way
 * round meanwhile: seconds with wrap_test) is stale in the same way.
 *
 * Return: @seq, or @st->rd for a stale value.
 */
static inline unsigned long smr_scan_clamp(struct smr_scan *st,
					   unsigned long seq)
{
	if (SMR_SEQ_LT(seq, st->rd))
		return st->rd;
	/* A reader that entered after the poll began may hold a newer wr_seq. */
	if (SMR_SEQ_GT(seq, st->wr))
		st->wr = atomic_long_read(&st->clock->wr_seq);
	if (SMR_SEQ_GT(seq, st->wr))
		return st->rd;
	return seq;
}

bool smr_sleepers_inside(struct smr *smr);
bool smr_sleepers_mine(struct smr *smr);
void smr_sleepers_scan(struct smr *smr, struct smr_scan *st);
void smr_sleepers_tick(struct smr *smr);

/* smr_debugfs.c */
void smr_debugfs_init(void);
void smr_debugfs_exit(void);
void smr_debugfs_add(struct smr *smr);
void smr_debugfs_remove(struct smr *smr);

/* smr_hash.c: the test hook of smr_hash_test_fail_alloc(), for both tables. */
bool smrh_test_alloc_fails(void);

#endif /* _SMR_INTERNAL_H */
