"""Figures embedded in the report: compressed PNG, shown at their natural width.

The PNG files under ``results/`` stay as matplotlib wrote them (full colour, for reuse); the
page embeds each one reduced to a palette of :data:`COLOURS` colours (Pillow's fast octree,
without dithering: a line figure has a few flat colours and their anti-aliased edges, and 32
levels keep text and edges clean) and recompressed. Measured on the IIM review
(``reanalyse run --no-mcmc``, 77 figures): 6.5 MB of PNG as written; 1.98 MB at 32 colours by
median cut, 1.78 MB by octree, 2.4 MB once base64-encoded, which keeps the page (2.6 MB) under
the 3 MB of issue 16. Each image carries its pixel size as ``width`` / ``height`` and is drawn
at that width (never wider than the page): a 1276 px forest plot is not shrunk to a thumbnail.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from pathlib import Path

from reanalyse.report.format import e

__all__ = ["COLOURS", "compress_png", "figure", "figures"]

#: Palette size of an embedded figure.
COLOURS = 32


def compress_png(data: bytes, *, colours: int = COLOURS) -> tuple[bytes, tuple[int, int]]:
    """``data`` (a PNG) as a palette PNG of at most ``colours`` colours, and its pixel size;
    the original when the palette version is not smaller."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        size = im.size
        rgb = im.convert("RGBA")
        flat = Image.new("RGB", size, "white")
        flat.paste(rgb, mask=rgb.getchannel("A"))  # figures are drawn on white
        small = flat.quantize(colors=colours, method=Image.Quantize.FASTOCTREE,
                              dither=Image.Dither.NONE)
        buf = io.BytesIO()
        small.save(buf, format="PNG", optimize=True)
    out = buf.getvalue()
    return (out if len(out) < len(data) else data), size


def figure(path: Path, caption: str) -> str:
    """One ``<figure>``: the compressed PNG as a data URI at its natural width."""
    data, (w, h) = compress_png(path.read_bytes())
    uri = base64.b64encode(data).decode("ascii")
    return (f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{uri}" '
            f'width="{w}" height="{h}"><figcaption>{e(caption)}</figcaption></figure>')


def figures(folder: Path, stems: Iterable[tuple[str, str]]) -> str:
    """The figures ``folder/<stem>.png`` that exist, each with its caption."""
    return "".join(figure(folder / f"{stem}.png", caption) for stem, caption in stems
                   if (folder / f"{stem}.png").is_file())
