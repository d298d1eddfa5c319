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
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

from reanalyse.io import atomic
from reanalyse.report.format import e

__all__ = ["COLOURS", "FigureCache", "compress_png", "figure", "figures"]

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


_PNG_START = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


class FigureCache:
    """Compressed figures kept by the SHA-256 of the PNG they were made from, in ``folder``
    (``results/.cache/figures``): a rerun that changed no figure quantises none again
    (measured: 3.2 s of a 5.4 s unchanged ``reanalyse run`` of the IIM review was the 77
    figures' compression). An entry that is not a whole PNG is made again; ``folder=None``
    keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    @classmethod
    def of_results(cls, out: str | Path) -> FigureCache:
        """The cache of the results folder ``out``: what the report reads, and what the
        pipeline's workers fill as they write each analysis' figures (so that the report,
        written last in one process, finds them compressed)."""
        return cls(Path(out) / ".cache" / "figures")

    def compressed(self, data: bytes) -> tuple[bytes, tuple[int, int]]:
        """:func:`compress_png` of ``data``, from the folder when it holds it."""
        if self.folder is None:
            return compress_png(data)
        name = f"{hashlib.sha256(data).hexdigest()}-{COLOURS}.png"
        self.used.add(name)
        entry = self.folder / name
        try:
            kept = entry.read_bytes()
        except OSError:
            kept = b""
        if kept.startswith(_PNG_START) and kept.endswith(_PNG_END) and len(kept) > 24:
            # the pixel size from the IHDR chunk, which a PNG starts with
            return kept, (int.from_bytes(kept[16:20], "big"), int.from_bytes(kept[20:24], "big"))
        small, size = compress_png(data)
        try:
            atomic.write_bytes(entry, small)
        except OSError:  # a folder that cannot be written only costs the time
            pass
        return small, size

    def prune(self) -> None:
        """Remove the entries this page did not use (figures since changed or removed)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for entry in self.folder.glob("*.png"):
            if entry.name not in self.used:
                entry.unlink(missing_ok=True)


def figure(path: Path, caption: str, *, cache: FigureCache | None = None) -> str:
    """One ``<figure>``: the compressed PNG as a data URI at its natural width."""
    raw = path.read_bytes()
    data, (w, h) = cache.compressed(raw) if cache is not None else compress_png(raw)
    uri = base64.b64encode(data).decode("ascii")
    return (f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{uri}" '
            f'width="{w}" height="{h}"><figcaption>{e(caption)}</figcaption></figure>')


def figures(folder: Path, stems: Iterable[tuple[str, str]], *,
            cache: FigureCache | None = None) -> str:
    """The figures ``folder/<stem>.png`` that exist, each with its caption."""
    return "".join(figure(folder / f"{stem}.png", caption, cache=cache)
                   for stem, caption in stems if (folder / f"{stem}.png").is_file())
