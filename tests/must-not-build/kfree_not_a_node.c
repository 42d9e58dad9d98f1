// SPDX-License-Identifier: GPL-2.0
/*
 * smr_kfree() naming a member that is not a struct smr_node: the node
 * would overwrite it.
 * must-not-build: error: .*incompatible
 */
#include <linux/list.h>
#include "smr.h"

struct mnb_obj {
	struct list_head link;
	int val;
};

static void __maybe_unused mnb_kfree_not_a_node(struct smr *smr, struct mnb_obj *o)
{
	smr_kfree(smr, o, link);
}
