/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_sleepable.pml - sleepable readers counted per phase (SRCU's counts)
 * and the pollers' grace-period machine, on weak memory.
 *
 * Processes:
 *   reader   one sleepable section A of smr_enter_sleepable() /
 *            smr_leave_sleepable() (smr_sleepable.c), on CPU 0: read gen,
 *            count itself in sl_locks[idx] of its CPU, R1s, load the
 *            published pointer; maybe a nested section B (entered and
 *            left inside A); maybe a migration to CPU 1 (the scheduler's
 *            full ordering); R2s; use the object; count itself out in
 *            sl_unlocks[idx] of the CPU it is on now;
 *   writer   the pollers (one at a time: the busy bit) and the writer:
 *            maybe one whole grace period first (so that done is from
 *            before the goal), then replace the published object, take a
 *            goal (W: fully ordered), and run the machine of
 *            smr_sleep_step() until done covers the goal (S2 before each
 *            poll): step 1 drains the inactive phase, the flip (F), step
 *            3 drains the old phase, done = the wr_seq read at the
 *            period's start; then free the old object.  A phase is
 *            drained when the unlock counts summed over both CPUs, P (a
 *            full fence), then the lock counts summed are equal;
 *   drain    the store buffers draining to memory.
 *
 * Property: no reader uses a freed (poisoned) object (assert in use()).
 *
 * Weak memory as in smr_default.pml: per-process store buffers with one
 * entry per location, draining in any order; a full fence waits for the
 * buffer to be empty.  Loads are performed in program order, except where
 * a busted variant removes what orders them.  Each count is written only
 * by the reader, which knows its value (its buffer, else memory).
 *
 * Busted variants (spin -D...):
 *   NO_R1s     enter has no smp_mb() after its count: the section's load
 *              may be performed while the count is still buffered
 *   NO_R2s     leave has no smp_mb() before its count: the count may
 *              become visible before the section's use of the object
 *   NO_P       no fence between the sums: the lock counts may be read
 *              before the unlock counts (modelled as that order); a
 *              nested section entered and left between the two reads
 *              then hides A
 *   NO_STEP1   the machine flips once: no drain of the inactive phase
 *              first; a section that read gen before an earlier flip
 *              and counted itself later is missed
 *   EARLY      "poll one period early": a goal is taken as done once
 *              done is one step behind it
 * each must give a counterexample, and one that must verify:
 *   NO_F       the flip is a plain buffered store, no fence on either
 *              side: safety does not need F (every section is seen by
 *              its own phase's sums after S2, or sees the writer's
 *              stores by store buffering); it bounds the sections that
 *              enter the old phase after the flip (forward progress).
 */

#define INIT	2
#define INC	4

/* Shared memory. */
byte wr_seq = INIT;		/* smr->clock.wr_seq */
bit gen;			/* smr->sleep.gen & 1 */
byte lk[4];			/* sl_locks[idx] of CPU c: lk[2 * c + idx] */
byte ul[4];			/* sl_unlocks[idx] of CPU c: ul[2 * c + idx] */
byte ptr = 1;			/* the published pointer: object 1 */
bool poisoned[3];		/* object i freed and reused */

/* Store buffers: one entry per process and location. */
bool rb_lk_full[4]; byte rb_lk[4];	/* reader: the lock counts */
bool rb_ul_full[4]; byte rb_ul[4];	/* reader: the unlock counts */
bool wb_ptr_full;   byte wb_ptr;	/* writer: ptr */
bool wb_obj_full;   byte wb_obj;	/* writer: the object it frees */
bool wb_gen_full;   bit wb_gen;		/* writer: gen (NO_F only) */

#define READER_FENCE	(!rb_lk_full[0] && !rb_lk_full[1] && !rb_lk_full[2] && \
			 !rb_lk_full[3] && !rb_ul_full[0] && !rb_ul_full[1] && \
			 !rb_ul_full[2] && !rb_ul_full[3])
#define WRITER_FENCE	(!wb_ptr_full && !wb_obj_full && !wb_gen_full)

#define DRAIN_COUNT(mem, buf, full, j) \
	:: atomic { full[j] -> mem[j] = buf[j]; full[j] = false }

active proctype drain()
{
end:	do
	DRAIN_COUNT(lk, rb_lk, rb_lk_full, 0)
	DRAIN_COUNT(lk, rb_lk, rb_lk_full, 1)
	DRAIN_COUNT(lk, rb_lk, rb_lk_full, 2)
	DRAIN_COUNT(lk, rb_lk, rb_lk_full, 3)
	DRAIN_COUNT(ul, rb_ul, rb_ul_full, 0)
	DRAIN_COUNT(ul, rb_ul, rb_ul_full, 1)
	DRAIN_COUNT(ul, rb_ul, rb_ul_full, 2)
	DRAIN_COUNT(ul, rb_ul, rb_ul_full, 3)
	:: atomic { wb_ptr_full -> ptr = wb_ptr; wb_ptr_full = false }
	:: atomic { wb_obj_full -> poisoned[wb_obj] = true; wb_obj_full = false }
	:: atomic { wb_gen_full -> gen = wb_gen; wb_gen_full = false }
	od
}

/* this_cpu_inc() by the reader: a buffered store of its own value + 1 */
#define INC_COUNT(mem, buf, full, j) \
	atomic { !full[j] -> buf[j] = mem[j] + 1; full[j] = true }

/* use the object: it must not have been freed */
inline use(p)
{
	assert(!poisoned[p])
}

active proctype reader()
{
	byte c, ia, ib, p;

	/* smr_enter_sleepable() of A */
	ia = gen;
	INC_COUNT(lk, rb_lk, rb_lk_full, 2 * c + ia);
#ifndef NO_R1s
	/* R1s: smp_mb(); pairs with S2 and P */
	READER_FENCE;
#endif
	/* smr_entered_load(): the published pointer */
	p = ptr;
	if
	:: /* a nested section B, entered and left inside A */
		ib = gen;
		INC_COUNT(lk, rb_lk, rb_lk_full, 2 * c + ib);
		READER_FENCE;	/* R1s */
		READER_FENCE;	/* R2s */
		INC_COUNT(ul, rb_ul, rb_ul_full, 2 * c + ib)
	:: true
	fi;
	if
	:: /* migrate to CPU 1: the scheduler orders it */
		READER_FENCE;
		c = 1
	:: true
	fi;
#ifdef NO_R2s
	if
	:: /* the count overtakes the use below */
		INC_COUNT(ul, rb_ul, rb_ul_full, 2 * c + ia);
		use(p);
		goto left
	:: true
	fi;
#endif
	use(p);
	/* smr_leave_sleepable(): R2s: smp_mb(); pairs with P */
	READER_FENCE;
	INC_COUNT(ul, rb_ul, rb_ul_full, 2 * c + ia);
left:
	skip
}

/* smr_sleep_drained(): the sums of phase idx, P between them */
inline drained(idx, ok)
{
#ifdef NO_P
	l = lk[idx];
	l = l + lk[2 + idx];
	u = ul[idx];
	u = u + ul[2 + idx];
#else
	u = ul[idx];
	u = u + ul[2 + idx];
	/* P: smp_mb(); pairs with R1s and R2s */
	WRITER_FENCE;
	l = lk[idx];
	l = l + lk[2 + idx];
#endif
	ok = (l == u)
}

/* smr_sleep_flip(): F, the new gen, F */
inline flip(g)
{
	g = 1 - g;
#ifdef NO_F
	atomic { !wb_gen_full -> wb_gen = g; wb_gen_full = true }
#else
	WRITER_FENCE;
	gen = g;
	WRITER_FENCE
#endif
}

/*
 * smr_sleep_step() until a period ends: step 1, the flip, step 3.  The
 * loop retries a step that finds its phase not drained (a later poll).
 */
inline period(g, done)
{
	/* S2: smp_mb(); pairs with R1s */
	WRITER_FENCE;
	target = wr_seq;
#ifndef NO_STEP1
	do
	:: drained(1 - g, ok);
		if
		:: ok -> break
		:: else
		fi
	od;
#endif
	flip(g);
	do
	:: drained(1 - g, ok);
		if
		:: ok -> break
		:: else
		fi
	od;
	done = target
}

active proctype writer()
{
	byte goal, done = INIT, target, u, l;
	bit g;		/* the machine's own copy of gen */
	bool ok;

	if
	:: /* a period before the goal: done from before it */
		wr_seq = wr_seq + INC;
		period(g, done)
	:: true
	fi;

	/* unpublish object 1: publish object 2 in its place */
	atomic { !wb_ptr_full -> wb_ptr = 2; wb_ptr_full = true }
	/* smr_default_advance(): W, fully ordered */
	atomic { WRITER_FENCE; wr_seq = wr_seq + INC; goal = wr_seq }

	/* smr_poll() until the sleepable side has done the goal */
	do
#ifdef EARLY
	:: goal - INC <= done -> break
	:: else -> period(g, done)
#else
	:: goal <= done -> break
	:: else -> period(g, done)
#endif
	od;

	/* free object 1 */
	atomic { !wb_obj_full -> wb_obj = 1; wb_obj_full = true }
}
