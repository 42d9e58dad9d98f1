/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_deferred.pml - deferred goals and their commit, on weak memory.
 *
 * Processes, each standing for one CPU:
 *   reader   NREAD sections of smr_enter() / smr_leave(), as in
 *            smr_default.pml (R1, R2);
 *   writer   replaces the published object, takes a goal with
 *            smr_deferred_advance() (D, then wr_seq + SMR_SEQ_INC: the
 *            clock does not move), polls it with smr_poll_aged()
 *            (SMR_POLL_COMMIT: smr_poll_ahead() commits the goal with
 *            smr_commit() when the clock is one step behind it) until
 *            met, then frees the old object;
 *   other    one smr_advance() on another CPU (smr_default_advance():
 *            wrap guard, W): an increment that may reach the deferred
 *            goal before the writer's commit does;
 *   drain    the store buffers draining to memory.
 *
 * Property: no reader loads a freed (poisoned) object (assert in
 * reader()).
 *
 * Weak memory as in smr_default.pml: per-process store buffers with one
 * entry per location, draining in any order; full fences wait for the
 * buffer to be empty; release stores and fully ordered or release
 * read-modify-writes drain it first.  Loads are performed in program
 * order.
 *
 * Busted variants (spin -D...), each must give a counterexample:
 *   NO_D       smr_deferred_advance() reads wr_seq without smp_mb()
 *   EARLY      the writer polls for goal - SMR_SEQ_INC
 * NO_C (smr_commit()'s cmpxchg relaxed) verifies: see
 * Documentation/smr.rst, "Model checking".
 */

#ifndef NREAD
#define NREAD	2	/* sections the reader runs */
#endif

/* Sequence numbers as in smr.h, in a space of 32 (5-bit "longs"). */
#define SPACE		32
#define INVALID		0	/* SMR_SEQ_INVALID */
#define INC		4	/* SMR_SEQ_INC */
#define MAX_DELTA	8	/* smr_clock_params.max_delta: a quarter lap */
#define INIT		30	/* 2 mod 4, one step before the wrap */
#define LAZY_GRACE	2	/* SMR_LAZY_GRACE */

#define ADD(a, b)	(((a) + (b)) % SPACE)
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
byte slot = INVALID;		/* the reader CPU's pcpu->rd_seq[ctx] */
byte ptr = 1;			/* the published pointer: object 1 */
bool poisoned[3];		/* object i freed and reused */

/* Store buffers: one entry per process and location. */
bool rb_slot_full;  byte rb_slot;	/* reader: slot */
bool wb_ptr_full;   byte wb_ptr;	/* writer: ptr */
bool wb_obj_full;   byte wb_obj;	/* writer: the object it frees */

#define READER_FENCE	(!rb_slot_full)
#define WRITER_FENCE	(!wb_ptr_full && !wb_obj_full)

active proctype drain()
{
end:	do
	:: atomic { rb_slot_full -> slot = rb_slot; rb_slot_full = false }
	:: atomic { wb_ptr_full -> ptr = wb_ptr; wb_ptr_full = false }
	:: atomic { wb_obj_full -> poisoned[wb_obj] = true; wb_obj_full = false }
	od
}

active proctype reader()
{
	byte n, seq, p;

	do
	:: n < NREAD ->
		/* __smr_enter(): the slot gets the wr_seq it observed */
		seq = wr_seq;
		atomic { !rb_slot_full -> rb_slot = seq; rb_slot_full = true }
		/* R1: smp_store_mb(); pairs with S2 */
		READER_FENCE;
		/* smr_entered_load(): the published pointer */
		p = ptr;
		/* use the object: it must not have been freed */
		assert(!poisoned[p]);
		/* __smr_leave(): R2, smp_store_release(); pairs with S3 */
		READER_FENCE;
		atomic { !rb_slot_full -> rb_slot = INVALID; rb_slot_full = true }
		n++
	:: else -> break
	od
}

active proctype other()
{
	/* smr_default_advance(): the wrap guard, then W */
	DELTA(ADD(wr_seq, INC), rd_seq) < MAX_DELTA;
	/* W: atomic_long_add_return(), fully ordered (nothing buffered) */
	wr_seq = ADD(wr_seq, INC)
}

active proctype writer()
{
	byte goal, rd, wr, min, seq;
	bool met;

	/* unpublish object 1: publish object 2 in its place */
	atomic { !wb_ptr_full -> wb_ptr = 2; wb_ptr_full = true }

	/* smr_deferred_advance() */
#ifndef NO_D
	/* D: smp_mb(); pairs with R1 and S2 */
	WRITER_FENCE;
#endif
	goal = ADD(wr_seq, INC);
#ifdef EARLY
	/* poll one step early */
	goal = ADD(goal, SPACE - INC);
#endif

	/* smr_poll_aged() until met: __smr_poll(SMR_POLL_COMMIT) */
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
		/* smr_poll_ahead() */
		if
		:: DELTA(goal, wr) > 0 ->
			met = DELTA(goal, wr) > LAZY_GRACE * INC;
			if
			:: met -> goto polled
			:: DELTA(goal, wr) != INC -> met = true; goto polled
			:: else
			fi;
			/* smr_commit(): the very next step, within the guard */
			wr = wr_seq;
			if
			:: goal == ADD(wr, INC) &&
			   DELTA(goal, rd_seq) < MAX_DELTA ->
				/* cmpxchg, fully ordered like W */
				atomic {
#ifndef NO_C
					WRITER_FENCE;
#endif
					if
					:: wr_seq == wr -> wr_seq = goal; wr = goal
					:: else -> wr = wr_seq
					fi
				}
			:: else
			fi
		:: else
		fi;
		/* smr_scan(): S2, smp_mb(); pairs with R1 */
		WRITER_FENCE;
		min = wr;
		/* smr_scan_slot(): S3, load-acquire of the slot; pairs with R2 */
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
		rd = rd_seq;
		wr = wr_seq;
		if
		:: SEQ_GT(min, wr) -> skip
		:: else ->
			/* release cmpxchg loop; pairs with S1 */
			do
			:: SEQ_GT(min, rd) ->
				atomic {
					WRITER_FENCE;
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
		:: else
		fi
	od;

	/* free object 1 */
	atomic { !wb_obj_full -> wb_obj = 1; wb_obj_full = true }
}
