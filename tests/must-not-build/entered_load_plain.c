// SPDX-License-Identifier: GPL-2.0
/*
 * smr_entered_load() of a plain pointer, not a __smr one: rcu_dereference()
 * of a plain pointer is a sparse error, so is this.
 * must-not-build: error: incompatible types in comparison expression \(different address spaces
 */
#include "smr.h"

struct mnb_obj {
	int val;
};

static struct mnb_obj *mnb_plain;

static int __maybe_unused mnb_entered_load_plain(struct smr *smr)
{
	struct mnb_obj *o;
	int v;

	smr_enter(smr);
	o = smr_entered_load(mnb_plain);
	v = o ? o->val : 0;
	smr_leave(smr);
	return v;
}
