#!/bin/sh
# Kernel settings shared by the scripts in this folder, in the way packetdrill
# suites keep theirs in one defaults.sh that every script runs first. The
# linux target runs it with /bin/sh inside the script's own network
# namespace, so it changes nothing on the host.
#
# A fresh namespace copies tcp_rmem and tcp_wmem from the host, and the
# window scale Linux offers on a SYN follows the largest receive buffer:
# pin the buffers so that "wscale 7" and the SYN windows do not depend on
# the machine the suite runs on.
set -e
sysctl -q net.ipv4.tcp_rmem="4096 131072 6291456"
sysctl -q net.ipv4.tcp_wmem="4096 16384 4194304"
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_window_scaling=1
sysctl -q net.ipv4.tcp_ecn=0
# A fresh namespace also inherits the host's congestion control (bbr on some
# machines). Ask for the kernel's stock cubic; a namespace may only pick one
# of net.ipv4.tcp_allowed_congestion_control, so where cubic is not allowed
# the host's choice stays (the scripts send too little for it to matter).
sysctl -q net.ipv4.tcp_congestion_control=cubic 2>/dev/null || true
# No cached RTT or cwnd from an earlier connection to the same address.
sysctl -q net.ipv4.tcp_no_metrics_save=1
