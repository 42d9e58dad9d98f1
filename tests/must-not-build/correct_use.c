// SPDX-License-Identifier: GPL-2.0
/*
 * The control: the same operations done right must build with no
 * diagnostic at all, so that each case's failure is its misuse's.
 * must-build
 */
#include <linux/list.h>
#include "smr.h"

struct mnb_obj {
	struct list_head link;
	struct smr_node node;
	int val;
};

static struct mnb_obj __smr *mnb_published;

static int __maybe_unused mnb_correct_use(struct smr *smr, struct mnb_obj *o)
{
	struct mnb_obj *cur, *old;
	int v;

	smr_enter(smr);
	cur = smr_entered_load(mnb_published);
	v = cur ? cur->val : 0;
	smr_leave(smr);
	old = smr_serialized_swap(mnb_published, o);
	smr_kfree(smr, old, node);
	return v;
}
