#!/bin/bash
# Description: prints the queue layout of controller nvme0 and its first
# namespace, for tests/lab/uq-layout.sh to compare between kernels: the
# blk-mq hardware queues (type, nr_tags, cpu_list), the driver's queue
# counts and other nvme0 messages from the kernel log, the nvme interrupt
# vectors, and the user queue devices (none expected without the
# parameters). No timestamps, so two boots print the same text.
# Exit: 0, or 1 when there is no namespace.
set -u
blk=/sys/block/nvme0n1
[ -d $blk ] || { echo "no nvme0n1"; exit 1; }
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
for d in "$blk"/mq/*/; do
	h=$(basename "$d")
	type=$(cat "/sys/kernel/debug/block/nvme0n1/hctx$h/type" 2>/dev/null || echo '?')
	echo "hctx $h type=$type nr_tags=$(cat "$d/nr_tags") nr_reserved_tags=$(cat "$d/nr_reserved_tags") cpu_list=$(cat "$d/cpu_list")"
done
echo "queue: nr_requests=$(cat $blk/queue/nr_requests) io_poll=$(cat $blk/queue/io_poll)"
dmesg | grep -E "nvme nvme0: " | sed -E 's/^\[[^]]*\] //'
echo "interrupt vectors: $(grep -oE 'nvme0q[0-9]+' /proc/interrupts | sort -V | tr '\n' ' ')"
echo "user queue devices: $(cd /dev && echo nvme0uq* | grep -v '\*')"
echo "nvme-generic: $(cd /sys/class/nvme-generic 2>/dev/null && echo *)"
