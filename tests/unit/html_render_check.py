#!/usr/bin/python3
"""Description: render an nvme-qbench HTML page (report or dashboard) in
headless Chromium and check that it drew and that every chart shows its
data against the axis its title names: the page's charts mark
<html data-charts-drawn=N data-charts-expected=M> after Chart.js ran; a
reader script, added to a copy of the page, reads each drawn chart's
configuration back from Chart.js (which axis each dataset was drawn
against, as Chart.js resolved it) into the dumped DOM; and a screenshot is
not blank.

Usage: html_render_check.py PAGE.html SCREENSHOT.png MIN_CHARTS [--no-screenshot]
Exit 0 pass, 1 fail, 77 skip (no chromium, or python3-pil for the
screenshot: a skip prints why).
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Runs after the page's own script: every Chart.js chart, the value axis
# each dataset was drawn against and the titles of the chart and its axes.
READER = r"""
<script>
(function () {
  var out = [];
  Object.values(Chart.instances).forEach(function (c) {
    var box = c.canvas.closest('.chart');
    var title = box ? box.querySelector('h3').textContent : '';
    function axisTitle(s) { return s && s.options.title && s.options.title.display ? s.options.title.text : null; }
    var datasets = c.data.datasets.map(function (d, i) {
      var m = c.getDatasetMeta(i);
      var points = d.data.filter(function (v) { return v !== null && v !== undefined; }).length;
      return {label: d.label, axis: m.vScale ? m.vScale.id : null, axis_title: axisTitle(m.vScale), points: points};
    });
    var scales = Object.keys(c.scales).map(function (k) {
      return {id: k, axis: c.scales[k].axis, title: axisTitle(c.scales[k])};
    });
    out.push({canvas: c.canvas.id, title: title, datasets: datasets, scales: scales});
  });
  var pre = document.createElement('pre');
  pre.id = 'qb-axes-readback';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium(args, profile):
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + profile] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def axis_problems(charts):
    """Each dataset with data must sit on a titled value axis that the
    chart's title names, and each titled value axis must carry data."""
    problems = []
    for c in charts:
        title = c["title"].lower()
        used = set()
        for d in c["datasets"]:
            if d["points"] == 0:
                continue
            used.add(d["axis"])
            if not d["axis_title"]:
                problems.append(f'chart "{c["title"]}": dataset "{d["label"]}" sits on axis {d["axis"]}, '
                                'which has no title')
            elif d["axis_title"].lower() not in title:
                problems.append(f'chart "{c["title"]}": dataset "{d["label"]}" sits on axis {d["axis"]} '
                                f'("{d["axis_title"]}"), which the chart\'s title does not name')
        for s in c["scales"]:
            if s["axis"] == "y" and s["title"] and s["id"] not in used:
                problems.append(f'chart "{c["title"]}": axis {s["id"]} ("{s["title"]}") carries no data')
    return problems


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    screenshot = "--no-screenshot" not in sys.argv
    page, shot, min_charts = args[0], args[1], int(args[2])
    if not shutil.which("chromium"):
        print("SKIP: chromium not installed (Debian package chromium; scripts/setup.sh)")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "page.html")
        with open(page, encoding="utf-8") as f:
            text = f.read()
        at = text.rfind("</body>")
        if at < 0:
            print("FAIL: the page has no </body>")
            return 1
        with open(probe, "w", encoding="utf-8") as f:
            f.write(text[:at] + READER + text[at:])
        dom = chromium(["--virtual-time-budget=5000", "--dump-dom", "file://" + probe], os.path.join(tmp, "p"))
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
    r = re.search(r'<pre id="qb-axes-readback">(.*?)</pre>', dom.stdout, re.S)
    if not r:
        print("FAIL: the charts' configuration could not be read back from Chart.js")
        return 1
    charts = json.loads(html.unescape(r.group(1)))
    if len(charts) != expected:
        print(f"FAIL: Chart.js holds {len(charts)} charts, the page drew {expected}")
        return 1
    problems = axis_problems(charts)
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print(f"axes: every dataset of {len(charts)} charts sits on the axis its chart's title names")
    if not screenshot:
        print("PASS")
        return 0
    try:
        from PIL import Image
    except ImportError:
        print("SKIP: python3-pil not installed (scripts/setup.sh); the screenshot was not checked")
        return 77
    url = "file://" + os.path.abspath(page)
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
