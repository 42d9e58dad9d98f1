/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_wrap.pml - sequence wrap with a tiny counter, and the wrap guard.
 *
 * Sequences live in a space of 32 (8 steps of 4 per lap) and are
 * compared by signed difference, as SMR_SEQ_*() do: right only while
 * two values are less than half a lap apart.  The wrap guard
 * (smr_guard_allows(): wr_seq - rd_seq below smr_clock_params.max_delta,
 * a quarter lap) keeps them so.
 *
 * Processes (memory is sequentially consistent here: the barriers are
 * smr_default.pml's business; this model is about the arithmetic):
 *   reader   NREAD sections of smr_enter() / smr_leave(); the load of
 *            wr_seq and the slot store are separate steps, so a delayed
 *            reader stores a stale value (smr_scan_clamp()); the
 *            section loads the published pointer at any time inside;
 *   writer   NOBJ times: replaces the published object with the next,
 *            takes a goal with smr_advance() (smr_default_advance():
 *            when the guard refuses the step, it either waits for the
 *            reader as smr_guard_wait() does, or, as when that cannot
 *            help, hands out a deferred goal, smr_deferred_advance()),
 *            then polls every pending goal once with smr_poll_aged()
 *            (SMR_POLL_COMMIT: smr_poll_ahead() may commit a deferred
 *            goal with smr_commit(), within the guard) and frees the
 *            objects whose goal is met.  Goals may be kept pending
 *            across many steps: the poll of each is optional.  Other
 *            writers' smr_advance() calls (NADV) take the clock round
 *            the lap, past goals held across the wrap.
 *
 * Property: no reader loads a freed object (assert in reader()).
 *
 * Assumption: a reader's slot store lands before the clock has gone
 * half a lap past the value it loaded (with 64-bit sequences, 2^61
 * steps; with wrap_test, 512).  Without it (LAP) a reader delayed about
 * a lap stores a value that looks current again, and the scan believes
 * it: ABA, which no guard on rd_seq can see (the slot looked idle).
 *
 * Busted variants (spin -D...), each must give a counterexample:
 *   NO_GUARD   smr_default_advance() and smr_commit() step the clock
 *              without smr_guard_allows()
 *   LAP        the assumption above dropped
 * A guard of half a lap is no guard: a signed difference is always
 * below it.
 */

#ifndef NREAD
#define NREAD	1	/* sections the reader runs */
#endif
#ifndef NOBJ
#define NOBJ	2	/* objects the writer replaces */
#endif
#ifndef NADV
#define NADV	7	/* other advances: the clock goes round */
#endif

/* Sequence numbers as in smr.h, in a space of 32 (5-bit "longs"). */
#define SPACE		32
#define INVALID		0	/* SMR_SEQ_INVALID */
#define INC		4	/* SMR_SEQ_INC */
#define MAX_DELTA	8	/* smr_clock_params.max_delta: a quarter lap */
/* smr_clock_params.max_advance: how far smr_guard_wait() pushes */
#define MAX_ADVANCE	(MAX_DELTA / 2)
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

#ifdef NO_GUARD
#define GUARD(next)	true
#else
/* smr_guard_allows() */
#define GUARD(next)	(DELTA(next, rd_seq) < MAX_DELTA)
#endif

/* Shared memory. */
byte wr_seq = INIT;		/* smr->clock.wr_seq */
byte rd_seq = INIT;		/* smr->clock.rd_seq */
byte slot = INVALID;		/* the reader CPU's pcpu->rd_seq[ctx] */
byte ptr = 1;			/* the published pointer: object 1 */
bool freed[NOBJ + 2];		/* object i freed */

active proctype reader()
{
	byte n, seq, p;

	do
	:: n < NREAD ->
		/* __smr_enter(): may be delayed between load and store */
		seq = wr_seq;
#ifndef LAP
		/*
		 * The model's assumption: the store lands before the clock
		 * went half a lap past the value loaded (see LAP).
		 */
		if
		:: atomic { DELTA(wr_seq, seq) >= 0 -> slot = seq }
		:: DELTA(wr_seq, seq) < 0 -> goto out
		fi;
#else
		slot = seq;
#endif
		/* smr_entered_load(), at any time inside; use the object */
		p = ptr;
		assert(!freed[p]);
		/* __smr_leave() */
		atomic { slot = INVALID; seq = 0; p = 0 };
		n++
	:: else -> break
	od;
out:
	skip
}

/*
 * __smr_poll(@goal, SMR_POLL_COMMIT) in one piece (d_step): sets @met.
 * The reader runs between polls, not inside one; the interleavings
 * inside a poll are smr_default.pml's.
 */
inline poll(goal, met)
{
	d_step {
		met = false;
		rd = rd_seq;
		if
		:: SEQ_LEQ(goal, rd) -> met = true; goto polled
		:: else
		fi;
		wr = wr_seq;
		/* smr_poll_ahead() */
		if
		:: DELTA(goal, wr) > 0 ->
			if
			:: DELTA(goal, wr) > LAZY_GRACE * INC ->
				/* held across a wrap: expired long ago */
				met = true; goto polled
			:: DELTA(goal, wr) != INC ->
				/* two steps ahead of a stepwise clock */
				met = true; goto polled
			:: else
			fi;
			/* smr_commit(): the very next step, within the guard */
			if
			:: goal == ADD(wr, INC) && GUARD(goal) ->
				wr_seq = goal
			:: else
			fi;
			wr = wr_seq
		:: else
		fi;
		/* smr_scan() */
		min = wr;
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
			if
			:: SEQ_GT(min, rd) -> rd_seq = min; rd = min
			:: else
			fi
		fi;
		met = SEQ_LEQ(goal, rd);
polled:
		/* dead now: forget them, so that states do not differ */
		rd = 0; wr = 0; min = 0; seq = 0
	}
}

/* smr_advance(): sets @g */
inline advance(g)
{
	next = ADD(wr_seq, INC);
	do
	:: GUARD(next) ->
		/* W */
		wr_seq = next; g = next; break
	:: !GUARD(next) ->
		/* smr_guard_wait(): poll next - max_advance ... */
		poll(ADD(next, SPACE - MAX_ADVANCE), met)
	:: !GUARD(next) ->
		/* ... which cannot help: a deferred goal */
		g = ADD(wr_seq, INC); break
	od;
	next = 0;
	met = false
}

active proctype writer()
{
	byte i = 1, j, nadv, next, rd, wr, min, seq, g;
	byte goal[NOBJ + 2];
	bool pending[NOBJ + 2], met;

	do
	:: i <= NOBJ ->
		/* unpublish object i: publish object i + 1 */
		ptr = i + 1;
		advance(goal[i]);
		pending[i] = true;
		i++
	:: nadv < NADV ->
		/* another writer's smr_advance(): the clock moves on */
		advance(g);
		d_step { nadv++; g = 0 }
	:: /* poll a pending goal, free the object if it is met */
		j = 1;
		do
		:: j < i && !pending[j] -> j++
		:: j < i && pending[j] -> break
		:: j < i && pending[j] -> j++
		:: j >= i -> break
		od;
		if
		:: j < i ->
			poll(goal[j], met);
			if
			:: met -> freed[j] = true; pending[j] = false
			:: else
			fi
		:: else
		fi;
		d_step { j = 0; met = false }
	:: i > NOBJ -> break
	od
}
