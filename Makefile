# SPDX-License-Identifier: GPL-2.0
#
# User and CI entry points. kbuild itself reads ./Kbuild.
#   make [modules] [KDIR=...]  build in this directory against KDIR
#   make uml | debian          W=1 build in build/<target>/ (warnings fail)
#   make test                  lint, build, run KUnit under UML (CI)
#   make check                 checkpatch, sparse, kernel-doc
#   make demo                  boot UML and show the debugfs demo
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	@test -d $(KDIR) || { echo "no kernel build dir $(KDIR); set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

uml debian:
	@scripts/build-modules.sh $@

test:
	@scripts/test.sh

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

clean:
	rm -rf build
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers; fi

.PHONY: all modules uml debian test check demo clean
