#!/bin/bash
# SPDX-License-Identifier: MIT
# What each kernel hook costs: the 1-byte dgram ping-pong (both ends on one CPU)
# native, under the full eBPF tracer, and under the core hooks alone
# (sys_enter/sys_exit, no skb or scheduler hooks), interleaved in rounds so
# drift hits every case alike.  Prints one line:
#   kernel_case dgram rounds=R n=N native_us=.. full=RATIO core=RATIO cpu_full=RATIO
# (ratios: median over rounds of traced / mean of the native runs around it;
#  cpu_*: the same with the ping-pong's own CPU time, which other load on the
#  machine disturbs less than wall time).  The ping-pong runs SCHED_FIFO (chrt)
# so that other work on the machine does not preempt it.
# USAGE: bench/kernel_case.sh BUILD_DIR [ROUNDS] [ROUND_TRIPS]
set -euo pipefail
build=${1:?usage: kernel_case.sh BUILD_DIR [ROUNDS] [ROUND_TRIPS]}
rounds=${2:-5}
n=${3:-100000}
dump=$build/bin/ut-ktrace-dump
pp=$build/bin/pingpong
if [ "$(id -u)" != 0 ] || [ ! -x "$dump" ] || [ ! -x "$pp" ]; then
	echo "kernel_case skipped: needs root, $dump and $pp"
	exit 0
fi
exec /usr/bin/python3 - "$dump" "$pp" "$rounds" "$n" <<'EOF'
import os, re, resource, signal, statistics, subprocess, sys, tempfile, time

dump, pp, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def pingpong():
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([pp, "-t", "dgram", "-n", str(n), "-w", "20000", "-r", "10"],
                         capture_output=True, text=True,
                         timeout=600, check=True).stdout
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / n * 1e6
    return float(re.search(r"us_per_rt=([0-9.]+)", out).group(1)), cpu


def traced(extra):
    with tempfile.TemporaryFile(mode="w+") as err:
        p = subprocess.Popen([dump, *extra], stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 20
            while True:
                err.seek(0)
                if "ready" in err.read():
                    break
                if p.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"kernel_case: {dump} did not start")
                time.sleep(0.01)
            return pingpong()
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)


cases = {"full": [], "core": []}
cpu_full, native = [], []
for _ in range(rounds):
    for case, extra in (("full", []), ("core", ["-S", "-N"])):
        before = pingpong()
        t = traced(extra)
        after = pingpong()
        native += [before[0], after[0]]
        cases[case].append(t[0] / ((before[0] + after[0]) / 2))
        if case == "full":
            cpu_full.append(t[1] / ((before[1] + after[1]) / 2))
print(f"kernel_case dgram rounds={rounds} n={n} native_us={statistics.median(native):.2f} "
      f"full={statistics.median(cases['full']):.3f} core={statistics.median(cases['core']):.3f} "
      f"cpu_full={statistics.median(cpu_full):.3f}")
EOF
