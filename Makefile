# SPDX-License-Identifier: GPL-2.0
#
# User and CI entry points. kbuild itself reads ./Kbuild.
#   make [modules] [KDIR=...]  build in this directory against KDIR
#   make uml | uml-bench | debian | debian61 | debian-rt | debug | kcsan | rt
#        | arm64               W=1 build in build/<target>/ (warnings fail;
#                              arm64: cross-built against the arm64 kernel)
#   make test                  lint, build, KUnit under UML, then QEMU runs
#                              (torture, busted, KUnit, misuse) on Debian's
#                              kernel, the x86 debug kernel and the x86
#                              PREEMPT_RT debug kernel (CI)
#   make test ARCH=arm64       the arm64 stages only: W=1 and sparse
#                              cross-builds, KUnit, torture with hotplug
#                              and busted on the arm64 debug kernel under
#                              qemu-system-aarch64 (not part of plain make
#                              test: see Documentation/testing.rst)
#   make torture [KERNEL=debug|debian|kcsan|rt] [DURATION=1800] [HOTPLUG=200]
#                [FLAVOUR=default|lazy|deferred] [WRAP=0|1] [NWRITERS=1]
#                [NREADERS=0] [BUSTED=0|1] [NOHZ=0|1] [SMP=4]
#                              one long smr_torture run under QEMU (NOHZ=1:
#                              CPUs 1-3 nohz_full and isolated; KERNEL=rt
#                              or debian)
#   make torture ARCH=arm64 [DURATION=...] [HOTPLUG=...] [FLAVOUR=...] ...
#                              the same on the arm64 debug kernel
#   make check                 checkpatch, sparse, kernel-doc
#   make bench [BENCH_KERNELS="uml debian debian-rt debian-possible"]
#              [BENCH_POSSIBLE="4 64 255"] [BENCH_PARAMS="runs=3 ..."]
#              [BENCH_QUICK=1]
#                              smr_bench.ko on the UML bench kernel and on
#                              Debian's kernel under QEMU (4 CPUs), the read
#                              and sync parts on Debian's PREEMPT_RT kernel,
#                              then the writer and sync parts with 4 CPUs
#                              online of 4, 64 and 255 possible; writes
#                              bench/results/<date>-<kernel>.md and PNG
#                              plots (BENCH_QUICK=1: a smoke run, tiny
#                              params, into build/bench/)
#   make dkms-install [KERNELS="<release> ..."]
#                              smr.ko (and smr_torture.ko) under DKMS for
#                              those kernels (default: the running one)
#   make dkms-remove           dkms remove, and the sources in /usr/src
#   make demo                  boot UML and show the debugfs demo
#   make help                  these targets, a line each
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	@test -d $(KDIR) || { echo "no kernel build dir $(KDIR); set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

uml uml-bench debian debian61 debian-rt debug kcsan rt arm64:
	@scripts/build-modules.sh $@

test:
	@ARCH=$(ARCH) scripts/test.sh

torture:
	@ARCH=$(ARCH) KERNEL=$(KERNEL) DURATION=$(DURATION) HOTPLUG=$(HOTPLUG) \
		FLAVOUR=$(FLAVOUR) WRAP=$(WRAP) NWRITERS=$(NWRITERS) \
		NREADERS=$(NREADERS) BUSTED=$(BUSTED) NOHZ=$(NOHZ) SMP=$(SMP) \
		scripts/torture.sh

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

dkms-install:
	@scripts/dkms.sh install $(KERNELS)

dkms-remove:
	@scripts/dkms.sh remove

bench:
	@BENCH_KERNELS="$(BENCH_KERNELS)" BENCH_PARAMS="$(BENCH_PARAMS)" \
		BENCH_POSSIBLE="$(BENCH_POSSIBLE)" BENCH_QUICK="$(BENCH_QUICK)" \
		scripts/bench.sh

help:
	@echo "make demo      boot UML, load smr.ko and a demo load, show debugfs"
	@echo "make test      what CI runs: lint, W=1 builds, KUnit (UML, debug, RT),"
	@echo "               torture, busted and misuse under QEMU"
	@echo "make test ARCH=arm64"
	@echo "               the arm64 stages only: cross-builds, KUnit, torture, busted"
	@echo "make check     checkpatch --strict, sparse C=2, kernel-doc"
	@echo "make torture   one long torture run under QEMU: KERNEL=debug|debian|kcsan|rt"
	@echo "               DURATION=1800 HOTPLUG=200 FLAVOUR=... WRAP=0|1 NOHZ=0|1 BUSTED=0|1 SMP=4"
	@echo "               (ARCH=arm64: on the arm64 debug kernel)"
	@echo "make bench     smr against RCU, SRCU and others: BENCH_KERNELS=\"uml debian debian-rt debian-possible\""
	@echo "               BENCH_PARAMS=\"...\" BENCH_QUICK=1"
	@echo "make [modules] build smr.ko here against KDIR (default: the running kernel)"
	@echo "make uml|uml-bench|debian|debian61|debian-rt|debug|kcsan|rt|arm64"
	@echo "               W=1 build in build/<target>/"
	@echo "make dkms-install [KERNELS=\"<release> ...\"]"
	@echo "               smr.ko and smr_torture.ko under DKMS (default: the running kernel)"
	@echo "make dkms-remove"
	@echo "               remove them, and the sources in /usr/src/smr-<version>"
	@echo "make clean     remove build/ and the objects here"

clean:
	rm -rf build
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers; fi

.PHONY: all modules uml uml-bench debian debian61 debian-rt debug kcsan rt arm64 test torture \
	check demo bench help dkms-install dkms-remove clean
