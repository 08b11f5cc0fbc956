"""The look shared by release cards, the release viewer and run reports: one stylesheet, one page
shell, and the plot font (a CJK-capable one where installed). Offline: no external fonts or CDNs."""
from __future__ import annotations

import html
from pathlib import Path

from . import atomic

STYLESHEET_FILE = "inkset.css"

STYLESHEET = """\
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da;
  --good: #1a7f37; --bad: #cf222e; --warn-bg: #fff8c5; --warn-line: #d4a72c; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP",
  "Hiragino Sans", "Yu Gothic", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
header.page { border-bottom: 1px solid var(--line); margin-bottom: 16px; padding-bottom: 8px; }
h1 { font-size: 1.6em; margin: 0.3em 0; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
nav.links a { margin-right: 1.2em; }
.muted, figcaption, .caption { color: var(--muted); font-size: 0.88em; }
.badge { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 10px;
  background: var(--soft); border: 1px solid var(--line); font-size: 0.85em; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 0.92em; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.88em; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px;
  overflow-x: auto; }
code { background: var(--soft); padding: 0 4px; border-radius: 4px; }
figure { margin: 12px 0; }
figure img, img.figure { max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
.banner { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px;
  padding: 8px 12px; margin: 10px 0; }
.verdict { font-size: 1.15em; padding: 10px 14px; border-radius: 6px; margin: 10px 0;
  border: 1px solid var(--line); background: var(--soft); }
.verdict.good { border-color: var(--good); }
.verdict.bad { border-color: var(--bad); }
.grid { display: flex; flex-wrap: wrap; gap: 10px; }
.tile { width: 112px; text-align: center; font-size: 0.78em; color: var(--muted);
  overflow-wrap: anywhere; }
.tile img, img.thumb { display: block; box-sizing: content-box; width: 96px; height: 96px;
  object-fit: none;  margin: 0 auto 2px; border: 1px solid var(--line); background: var(--soft); }
.class-row { display: flex; align-items: center; gap: 8px; margin: 4px 0; }
.class-row .name { width: 220px; flex: none; font-size: 0.88em; overflow-wrap: anywhere; }
img.missing { visibility: hidden; }
.class-row img { box-sizing: content-box; width: 96px; height: 96px; object-fit: none;
  border: 1px solid var(--line); }
.controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 10px 0;
  padding: 8px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
.controls label { font-size: 0.9em; }
.controls select, .controls input, .controls button { font: inherit; padding: 2px 6px; }
.wide { overflow-x: auto; }
table.rows { width: max-content; }
table.rows td { font-size: 0.9em; }
table.rows td > div { min-width: 4em; max-width: 240px; overflow-wrap: anywhere; }
table.rows td.labels > div { min-width: 13em; white-space: pre-line; }
table.rows td.key > div { min-width: 11em; }
table.rows td.thumb { padding: 2px; }
"""


def write_stylesheet(folder: Path) -> str:
    """Write inkset.css into `folder` (every page links its own copy: works from any store)."""
    atomic.write_text(Path(folder) / STYLESHEET_FILE, STYLESHEET)
    return STYLESHEET_FILE


def page(title: str, body: str, scripts: tuple[str, ...] = ()) -> str:
    """A whole HTML page around `body` (already HTML), linking the shared stylesheet."""
    tags = "".join(f"<script src='{html.escape(s)}'></script>" for s in scripts)
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title>"
            f"<link rel='stylesheet' href='{STYLESHEET_FILE}'></head>\n"
            f"<body><main>\n{body}\n</main>{tags}</body></html>\n")


# Noto CJK (Debian's fonts-noto-cjk) draws Japanese, Chinese and Korean labels in plots.
CJK_FAMILIES = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK", "IPAexGothic",
                "IPAGothic", "Source Han Sans JP")


def plot_font() -> str | None:
    """Make matplotlib fall back to a CJK font for glyphs DejaVu lacks; the family used, or None
    where none is installed (callers then draw a readable fallback instead of boxes)."""
    import matplotlib
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FAMILIES):
        # matplotlib's font cache predates a font installed later: register the files directly
        for path in sorted(Path("/usr/share/fonts").glob("**/NotoSansCJK-Regular.tt[cf]")):
            font_manager.fontManager.addfont(str(path))
        installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((family for family in CJK_FAMILIES if family in installed), None)
    if found:
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", found]
    return found
