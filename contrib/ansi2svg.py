#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ansi2svg.py IN.ansi OUT.svg [COLS ROWS]: a terminal screen, as `tmux
capture-pane -p -e` prints it (text with SGR colour codes), drawn as an SVG of
a terminal (monospace cells, xterm colours), for `rsvg-convert -o OUT.png`.
This is how docs/img/tui.png is made (contrib/screenshots.sh)."""
import re
import sys
from xml.sax.saxutils import escape

# xterm's 16 colours, then the 6x6x6 cube and the grey ramp of the 256.
BASE16 = ["#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
          "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff"]
FG, BG = "#e5e5e5", "#1c1c1c"
CW, CH = 8.4, 17  # cell size in px at font-size 14


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        lv = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (lv[n // 36], lv[n // 6 % 6], lv[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg, self.bg, self.bold, self.rev = None, None, False, False

    def sgr(self, params):
        ps = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(ps):
            p = ps[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 22:
                self.bold = False
            elif p == 7:
                self.rev = True
            elif p == 27:
                self.rev = False
            elif 30 <= p <= 37:
                self.fg = BASE16[p - 30]
            elif 90 <= p <= 97:
                self.fg = BASE16[p - 90 + 8]
            elif p == 39:
                self.fg = None
            elif 40 <= p <= 47:
                self.bg = BASE16[p - 40]
            elif 100 <= p <= 107:
                self.bg = BASE16[p - 100 + 8]
            elif p == 49:
                self.bg = None
            elif p in (38, 48) and i + 1 < len(ps):
                if ps[i + 1] == 5 and i + 2 < len(ps):
                    c, i = color256(ps[i + 2]), i + 2
                elif ps[i + 1] == 2 and i + 4 < len(ps):
                    c, i = "#%02x%02x%02x" % tuple(ps[i + 2:i + 5]), i + 4
                else:
                    c = None
                if p == 38:
                    self.fg = c
                else:
                    self.bg = c
            i += 1

    def colors(self):
        fg, bg = self.fg or FG, self.bg or BG
        if self.bold and self.fg in BASE16[:8]:
            fg = BASE16[BASE16.index(self.fg) + 8]
        return (bg, fg) if self.rev else (fg, bg)


def cells(lines):
    """Yields (row, col, char, fg, bg, bold) for every cell that is drawn."""
    pen = Pen()
    for y, line in enumerate(lines):
        x = 0
        for tok in re.split(r"(\x1b\[[0-9;]*m)", line):
            if tok.startswith("\x1b["):
                pen.sgr(tok[2:-1])
                continue
            for ch in tok:
                fg, bg = pen.colors()
                yield y, x, ch, fg, bg, pen.bold
                x += 1


def main():
    src, dst = sys.argv[1], sys.argv[2]
    lines = open(src, encoding="utf-8", errors="replace").read().split("\n")
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else max(len(re.sub(r"\x1b\[[0-9;]*m", "", l)) for l in lines)
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else len(lines)
    w, h = cols * CW + 16, rows * CH + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}">',
           f'<rect width="100%" height="100%" fill="{BG}"/>',
           '<g font-family="DejaVu Sans Mono, monospace" font-size="14" xml:space="preserve">']
    runs = {}
    for y, x, ch, fg, bg, bold in cells(lines[:rows]):
        if x >= cols:
            continue
        if bg != BG:
            out.append(f'<rect x="{8 + x * CW:.1f}" y="{8 + y * CH}" width="{CW + 0.3:.1f}" '
                       f'height="{CH}" fill="{bg}"/>')
        if ch != " ":
            runs.setdefault((y, fg, bold), []).append((x, ch))
    for (y, fg, bold), chs in runs.items():
        weight = ' font-weight="bold"' if bold else ""
        for x, ch in chs:  # one <text> per cell: exact columns whatever the font's advance
            out.append(f'<text x="{8 + x * CW:.1f}" y="{8 + y * CH + 13}" fill="{fg}"{weight}>'
                       f'{escape(ch)}</text>')
    out.append("</g></svg>")
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
