/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_lazy.pml - the lazy flavour of smr (SMR_LAZY), on weak memory.
 *
 * Processes, each standing for one CPU:
 *   reader   NREAD sections of smr_lazy_enter() / smr_lazy_leave()
 *            (smr.h, __smr_enter(smr, false): the slot store has no
 *            fence), with preemption disabled: an RCU-sched reader;
 *   writer   replaces the published object, takes a lazy goal with
 *            smr_advance() (smr_lazy_advance(): lazy W, then wr_seq +
 *            SMR_LAZY_GRACE steps), polls it with smr_poll() until met
 *            (its own scan: smr_scan() with smr_scan_cap_lazy()), then
 *            frees the old object;
 *   tick     smr_lazy_tick() on some CPU: steps the clock (each step
 *            recorded with a new grace period, smr_lazy_record(), E1)
 *            and retires the steps whose grace period ended
 *            (smr_lazy_reap(), E2: lazy_done moves);
 *   drain    the store buffers draining to memory.
 *
 * Property: no reader loads a freed (poisoned) object (assert in
 * reader()).
 *
 * Weak memory as in smr_default.pml: per-process store buffers with one
 * entry per location, draining in any order; full fences wait for the
 * buffer to be empty; a release store waits for it, then enters it.
 * Loads are performed in program order except where a busted variant
 * removes the acquire or fence that orders them (speculation, as in
 * smr_default.pml: the early store counts only if the load it overtook
 * then returns what made the store happen; otherwise the execution is
 * discarded, spec_bad).
 *
 * RCU.  The reader's sections run with preemption disabled (rcu_in);
 * a grace period started while the reader is inside waits for it
 * (gp_wait), one started outside does not.  The reader passes a
 * quiescent state after each section, with RCU's full barriers (its
 * buffer drained).  Since memory is one copy and loads are in program
 * order, a section that begins after a grace period began sees every
 * store that was in memory when it began: RCU's guarantee.  Step 0 (the
 * clock's value when the model starts) was recorded before the model
 * starts, with a grace period the reader does not hold.
 *
 * Busted variants (spin -D...), each must give a counterexample:
 *   NO_LW      smr_lazy_advance() reads wr_seq without smp_mb()
 *   NO_E1      smr_lazy_record() starts the grace period before the
 *              step's store of wr_seq is visible
 *   NO_E2      smr_lazy_reap() publishes lazy_done before it has seen
 *              the grace period end (no barrier, no release)
 *   NO_E3      smr_scan_cap_lazy() reads lazy_done relaxed
 *   EARLY      the writer polls for goal - SMR_SEQ_INC
 * NO_R2 verifies: see Documentation/smr.rst, "Model checking".
 */

#ifndef NREAD
#define NREAD	2	/* sections the reader runs */
#endif

/* Sequence numbers as in smr.h, in a space of 64 (6-bit "longs"). */
#define SPACE		64
#define INVALID		0	/* SMR_SEQ_INVALID */
#define INC		4	/* SMR_SEQ_INC */
#define MAX_DELTA	16	/* smr_clock_params.max_delta: a quarter lap */
#define INIT		62	/* 2 mod 4, one step before the wrap */
#define LAZY_GRACE	2	/* SMR_LAZY_GRACE */
#define NSTEP		3	/* steps 0 (INIT), 1 and 2 */

#define ADD(a, b)	(((a) + (b)) % SPACE)
#define STEP(i)		ADD(INIT, (i) * INC)
/* SMR_SEQ_DELTA(): signed difference, in -SPACE/2 .. SPACE/2 - 1 */
#define DELTA(a, b)	((((a) - (b) + SPACE + SPACE / 2) % SPACE) - SPACE / 2)
#define SEQ_LT(a, b)	(DELTA(a, b) < 0)
#define SEQ_LEQ(a, b)	(DELTA(a, b) <= 0)
#define SEQ_GT(a, b)	(DELTA(a, b) > 0)
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) -> (a) : (b))
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) -> (a) : (b))

/* Shared memory. */
byte wr_seq = INIT;		/* smr->clock.wr_seq */
byte rd_seq = INIT;		/* smr->clock.rd_seq */
byte lazy_done = INIT - INC;	/* smr->clock.lazy_done: no evidence yet */
byte slot = INVALID;		/* the reader CPU's pcpu->rd_seq[ctx] */
byte ptr = 1;			/* the published pointer: object 1 */
bool poisoned[3];		/* object i freed and reused */

/* RCU: see the header. */
bool rcu_in;			/* the reader is inside (preemption off) */
bool gp_wait[NSTEP];		/* step i's grace period waits for it */

/* Store buffers: one entry per process and location. */
bool rb_slot_full;  byte rb_slot;	/* reader: slot */
bool wb_ptr_full;   byte wb_ptr;	/* writer: ptr */
bool wb_obj_full;   byte wb_obj;	/* writer: the object it frees */
bool tb_wr_full;    byte tb_wr;		/* tick: wr_seq */
bool tb_done_full;  byte tb_done;	/* tick: lazy_done */

/* Speculative stores (NO_E2, NO_E3): see the header. */
bool spec, spec_bad, uaf_spec;

#define READER_FENCE	(!rb_slot_full)
#define WRITER_FENCE	(!wb_ptr_full && !wb_obj_full)
#define TICK_FENCE	(!tb_wr_full && !tb_done_full)

active proctype drain()
{
end:	do
	:: atomic { rb_slot_full -> slot = rb_slot; rb_slot_full = false }
	:: atomic { wb_ptr_full -> ptr = wb_ptr; wb_ptr_full = false }
	:: atomic { wb_obj_full -> poisoned[wb_obj] = true; wb_obj_full = false }
	:: atomic { tb_wr_full -> wr_seq = tb_wr; tb_wr_full = false }
	:: atomic { tb_done_full -> lazy_done = tb_done; tb_done_full = false }
	od
}

/* use the object: it must not have been freed */
inline use(p)
{
	atomic {
		assert(!poisoned[p] || spec);
		uaf_spec = uaf_spec || poisoned[p]
	}
}

active proctype reader()
{
	byte n, seq, p;

	do
	:: n < NREAD ->
		/* __smr_enter(): preempt_disable(), an RCU-sched reader */
		rcu_in = true;
		seq = wr_seq;
		/* lazy: WRITE_ONCE() of the slot, no fence */
		atomic { !rb_slot_full -> rb_slot = seq; rb_slot_full = true }
		/* smr_entered_load(): the published pointer */
		p = ptr;
#ifdef NO_R2
		if
		:: /* the leave store overtakes the use below */
			atomic { !rb_slot_full -> rb_slot = INVALID;
				 rb_slot_full = true }
			use(p);
			goto left
		:: true
		fi;
#endif
		use(p);
		/* __smr_leave() */
#ifndef NO_R2
		/* R2: smp_store_release(); pairs with S3 */
		READER_FENCE;
#endif
		atomic { !rb_slot_full -> rb_slot = INVALID; rb_slot_full = true }
left:
		/* preempt_enable(): a quiescent state, with full barriers */
		atomic {
			READER_FENCE;
			rcu_in = false;
			gp_wait[0] = false;
			gp_wait[1] = false;
			gp_wait[2] = false
		}
		n++
	:: else -> break
	od
}

/*
 * smr_lazy_tick() and smr_lazy_reap(), under lazy_lock, on any CPU:
 * step the clock (up to step 2) or retire the oldest recorded step.
 */
active proctype tick()
{
	byte wr = INIT, nstep = 1, nreaped = 0;
	bool early;

end:	do
	:: nstep < NSTEP &&
	   DELTA(ADD(wr, INC), rd_seq) < MAX_DELTA ->	/* the wrap guard */
		/* atomic_long_set(&clk->wr_seq, wr) */
		wr = ADD(wr, INC);
		atomic { !tb_wr_full -> tb_wr = wr; tb_wr_full = true }
		/*
		 * smr_lazy_record(): E1, get_state_synchronize_rcu() (a full
		 * barrier) after the step; the grace period starts after it.
		 */
#ifndef NO_E1
		TICK_FENCE;
#endif
		atomic { gp_wait[nstep] = rcu_in; nstep++ }
	:: nreaped < nstep ->
		early = false;
#ifdef NO_E2
		/* the release of lazy_done overtakes the grace-period check */
		if
		:: !spec ->
			atomic { !tb_done_full -> tb_done = STEP(nreaped);
				 tb_done_full = true; spec = true }
			/* poll_state_synchronize_rcu() */
			if
			:: !gp_wait[nreaped] ->
				atomic { assert(!uaf_spec); spec = false }
				early = true
			:: else -> spec_bad = true; goto out
			fi
		:: true
		fi;
#endif
		if
		:: !early ->
			/* poll_state_synchronize_rcu() returns true ... */
			!gp_wait[nreaped];
			/* E2: ... with a full barrier; release of lazy_done */
			TICK_FENCE;
			atomic { !tb_done_full -> tb_done = STEP(nreaped);
				 tb_done_full = true }
		:: else
		fi;
		nreaped++
	od;
out:
	skip
}

/* The writer may issue its free early (NO_E3); see the header. */
inline spec_free(victim)
{
	if
	:: !spec ->
		atomic { !wb_obj_full -> wb_obj = victim; wb_obj_full = true;
			 spec = true }
	:: true
	fi
}

active proctype writer()
{
	byte goal, rd, wr, min, seq, done;
	bool met;

	/* unpublish object 1: publish object 2 in its place */
	atomic { !wb_ptr_full -> wb_ptr = 2; wb_ptr_full = true }

	/* smr_lazy_advance() */
#ifndef NO_LW
	/* lazy W: smp_mb(); the unpublishing before the clock read */
	WRITER_FENCE;
#endif
	goal = ADD(wr_seq, LAZY_GRACE * INC);
#ifdef EARLY
	/* poll one step early */
	goal = ADD(goal, SPACE - INC);
#endif

	/* smr_poll() until met */
	do
	:: true ->
		met = false;
		/* S1: load-acquire of rd_seq */
		rd = rd_seq;
		if
		:: SEQ_LEQ(goal, rd) -> met = true; goto polled
		:: else
		fi;
		/* load-acquire of wr_seq */
		wr = wr_seq;
		/* smr_poll_ahead(): a lazy goal ahead of wr_seq is not due */
		if
		:: DELTA(goal, wr) > 0 ->
			met = DELTA(goal, wr) > LAZY_GRACE * INC;
			goto polled
		:: else
		fi;
		/* smr_scan(): S2, smp_mb() */
		WRITER_FENCE;
		min = wr;
		/* smr_scan_slot(): S3, load-acquire of the slot */
		seq = slot;
		if
		:: seq != INVALID ->
			/* smr_scan_clamp() */
			if
			:: SEQ_LT(seq, rd) -> seq = rd
			:: else ->
				if
				:: SEQ_GT(seq, wr) -> wr = wr_seq
				:: else
				fi;
				if
				:: SEQ_GT(seq, wr) -> seq = rd
				:: else
				fi
			fi;
			min = SEQ_MIN(min, seq)
		:: else
		fi;
#ifdef NO_E3
		spec_free(1);
#endif
		/* smr_scan_cap_lazy(): E3, load-acquire of lazy_done */
		done = lazy_done;
		min = SEQ_MIN(min, ADD(done, INC));
		rd = rd_seq;
		wr = wr_seq;
		if
		:: SEQ_GT(min, wr) -> skip
		:: else ->
			/* release cmpxchg loop; pairs with S1 */
			do
			:: SEQ_GT(min, rd) ->
				atomic {
					!wb_ptr_full;
					if
					:: rd_seq == rd -> rd_seq = min; break
					:: else -> rd = rd_seq
					fi
				}
			:: else -> break
			od;
			rd = SEQ_MAX(min, rd)
		fi;
		met = SEQ_LEQ(goal, rd);
polled:
		if
		:: met -> break
#ifdef NO_E3
		:: spec -> spec_bad = true; goto out
#endif
		:: else
		fi
	od;

	/* free object 1 (unless issued early: then it is confirmed now) */
#ifdef NO_E3
	if
	:: spec -> atomic { assert(!uaf_spec); spec = false }
	:: else -> atomic { !wb_obj_full -> wb_obj = 1; wb_obj_full = true }
	fi;
#else
	atomic { !wb_obj_full -> wb_obj = 1; wb_obj_full = true };
#endif
out:
	skip
}
