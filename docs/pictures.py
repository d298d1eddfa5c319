"""Make the README's pictures from a finished run of the example project.

    make run && .venv/bin/python docs/pictures.py

writes, under ``docs/``:

- ``forest-ivig-acr-eular.png``: the report's forest plot of IVIg vs placebo, ACR/EULAR
  response (the figure ``results/analyses/ivig_acr_eular_response/forest.png`` as the run drew
  it);
- ``sof-ivig-placebo.png``: the report's summary-of-findings table for IVIg vs placebo, drawn
  by headless Chromium at 1400 px from the same HTML and style as the report (the rows come
  from the run's ``summary_of_findings.csv``, each analysis' ``record.json``).

It reads only ``results/`` (nothing is refitted) and needs Chromium (Debian: ``apt-get install
chromium``). Any problem is one line and exit 2.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "examples" / "iim2023" / "results"
FOREST = "ivig_acr_eular_response"
COMPARISON = "IVIg vs placebo"


def _fail(message: str) -> None:
    print(f"docs/pictures.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def _sof_html(results: Path, comparison: str) -> str:
    from reanalyse.report.page import STYLE, read_inputs
    from reanalyse.report.sof_table import sof_tables

    inputs = read_inputs(results)
    rows = [rec["sof"] for rec in inputs.records.values()
            if isinstance(rec.get("sof"), dict) and rec["sof"].get("comparison") == comparison]
    if not rows:
        _fail(f"{results}: no summary-of-findings rows for {comparison!r} "
              "(run `make run` first)")
    return ("<!doctype html><html><head><meta charset='utf-8'><style>" + STYLE
            + "body{margin:1rem;max-width:1360px}</style></head><body>"
            + sof_tables(rows) + "</body></html>")


def _screenshot(html: str, target: Path) -> None:
    from PIL import Image, ImageChops

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        _fail("headless Chromium is not installed (Debian package 'chromium')")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "sof.html"
        page.write_text(html, encoding="utf-8")
        shot = Path(tmp) / "shot.png"
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--hide-scrollbars", f"--user-data-dir={tmp}/profile", "--window-size=1400,2400",
             f"--screenshot={shot}", page.as_uri()],
            check=False, capture_output=True, text=True, timeout=120)
        if not shot.is_file():
            _fail(f"Chromium made no screenshot: {proc.stderr.strip().splitlines()[-1:]}")
        image = Image.open(shot).convert("RGB")
        blank = Image.new("RGB", image.size, (255, 255, 255))
        box = ImageChops.difference(image, blank).getbbox()
        if box is None:
            _fail("the screenshot is blank")
        left, top, right, bottom = box
        image = image.crop((max(0, left - 16), max(0, top - 16),
                            min(image.width, right + 16), min(image.height, bottom + 16)))
        image.quantize(colors=64).save(target, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="the results folder of a finished run (default: the example's)")
    args = parser.parse_args(argv)
    forest = args.results / "analyses" / FOREST / "forest.png"
    if not forest.is_file():
        _fail(f"{forest} is absent (run `make run` first)")
    shutil.copyfile(forest, HERE / "forest-ivig-acr-eular.png")
    _screenshot(_sof_html(args.results, COMPARISON), HERE / "sof-ivig-placebo.png")
    for name in ("forest-ivig-acr-eular.png", "sof-ivig-placebo.png"):
        print(f"wrote docs/{name} ({(HERE / name).stat().st_size / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
