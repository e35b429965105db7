#!/usr/bin/python3
"""Description: render an nvme-qbench HTML page (report or dashboard) in
headless Chromium and check that it drew: the page's charts mark
<html data-charts-drawn=N data-charts-expected=M> after Chart.js ran (read
with --dump-dom), and a screenshot is not blank.

Usage: html_render_check.py PAGE.html SCREENSHOT.png MIN_CHARTS
Exit 0 pass, 1 fail, 77 skip (no chromium or python3-pil: a skip prints why).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def chromium(args, profile):
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + profile] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def main():
    page, shot, min_charts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if not shutil.which("chromium"):
        print("SKIP: chromium not installed (Debian package chromium; scripts/setup.sh)")
        return 77
    try:
        from PIL import Image
    except ImportError:
        print("SKIP: python3-pil not installed (scripts/setup.sh)")
        return 77
    url = "file://" + os.path.abspath(page)
    with tempfile.TemporaryDirectory() as profile:
        dom = chromium(["--virtual-time-budget=5000", "--dump-dom", url], profile)
    m = re.search(r'data-charts-drawn="(\d+)" data-charts-expected="(\d+)"', dom.stdout)
    if not m:
        print("FAIL: the page never marked its charts drawn (script error or Chart.js missing)")
        print(dom.stderr[-2000:])
        return 1
    drawn, expected = int(m.group(1)), int(m.group(2))
    print(f"charts drawn: {drawn} of {expected}")
    if drawn != expected or drawn < min_charts:
        print(f"FAIL: {drawn} of {expected} charts drew; at least {min_charts} expected")
        return 1
    with tempfile.TemporaryDirectory() as profile:
        chromium(["--screenshot=" + os.path.abspath(shot), "--window-size=1200,2000",
                  "--virtual-time-budget=5000", url], profile)
    if not os.path.exists(shot):
        print("FAIL: chromium wrote no screenshot")
        return 1
    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    # Chart lines and bars in the series colours: a blank or text-only page
    # has greys only.
    saturated = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
    print(f"screenshot {img.size[0]}x{img.size[1]}: {len(colours)} colours, {saturated} saturated pixels")
    if len(colours) < 16 or saturated < 2000:
        print("FAIL: the screenshot is blank or has no coloured chart marks")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
