#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates docs/img/: the TUI on a demo trace, captured through a real
# terminal (tmux, 150x36), and the fd graph of a trace given as $1 (the
# README's nginx reload), both rendered to PNG with rsvg-convert.
#   contrib/screenshots.sh [GRAPH.trace]     (from the top of the tree, after make)
set -eu
U=${UNIXTRACE:-build/bin/unixtrace}
tmp=$(mktemp -d)
trap 'tmux -L ut-shot kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$U" demo --messages -q -o "$tmp/demo.trace" >/dev/null 2>&1
tmux -L ut-shot -f /dev/null new-session -d -s s -x 150 -y 36 \
	"TERM=xterm-256color $U view $tmp/demo.trace; sleep 600"
# The frame is complete once the key line at the bottom is drawn.
i=0
until tmux -L ut-shot capture-pane -p -t s | grep -q "q quit"; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "screenshots: the TUI did not draw" >&2; exit 1; }
	sleep 0.05
done
tmux -L ut-shot capture-pane -p -e -t s > "$tmp/tui.ansi"
python3 contrib/ansi2svg.py "$tmp/tui.ansi" "$tmp/tui.svg" 150 36
rsvg-convert -o docs/img/tui.png "$tmp/tui.svg"
if [ $# -ge 1 ]; then
	"$U" view --graph "$tmp/graph.svg" "$1"
	rsvg-convert -o docs/img/fdgraph.png "$tmp/graph.svg"
fi
echo "screenshots: docs/img/ updated"
