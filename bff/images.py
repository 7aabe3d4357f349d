"""Placeholder product images served by the app itself, so a store shows pictures with no network at all.

Every URL under ``/images/`` answers with an SVG drawn from the path alone (same path, same bytes, cached
for a day by browsers and CDNs): a flat colour per folder and the file's words as its caption. The demo
catalog points its images here (``/images/demo/<department>/<w>x<h>/<slug>.svg``, see :func:`placeholder_url`);
a catalog imported from the AWS retail-demo-store keeps that store's layout
(``/images/retail-demo-store/<category>/<file>.jpg``) and gets placeholders at the same addresses. A real
catalog carries absolute URLs of its own image host, which this route never sees.

The API answers every image URL absolute (:func:`image_url`): a relative one is put on the configured image
host (``BFF_IMAGE_BASE_URL``). ``Image.url(transform:)`` asks the image service for a resized copy with the
documented query parameters (:class:`ImageTransform`): ``width`` and ``height`` (already multiplied by
``scale``), ``crop`` (``center``, ``top``, ``bottom``, ``left``, ``right``) and ``format`` (``png``, ``jpg``,
``webp``), the parameters Shopify's image CDN reads. This route honours ``width`` and ``height`` (the picture
is drawn at that size); cropping and conversion are best effort, as Shopify documents them, and an SVG
needs neither.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PREFIX = "/images"
DEFAULT_SIZE = (800, 800)
MAX_SIDE = 4096
MAX_CAPTION = 80
# background, foreground per folder; other folders pick one of these by a hash of their name.
PALETTE = {
    "apparel": ("e8e1d9", "3b3a36"),
    "footwear": ("dfe7ec", "24313a"),
    "home": ("efe6da", "5a4632"),
    "electronics": ("1f2933", "e4e7eb"),
    "outdoors": ("dde5d3", "2f3d25"),
    "beauty": ("f6e3e7", "6b2e3c"),
}
_COLOURS = tuple(PALETTE.values())
_SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")
_OPAQUE_NAME = re.compile(r"^[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}$|^\d+$")
CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"


# Shopify's bounds for a transform: each side 1-5760 pixels, a scale of 1-3.
MAX_TRANSFORM_SIDE = 5760
MAX_SCALE = 3
CROP_REGIONS = ("center", "top", "bottom", "left", "right")
CONTENT_TYPES = ("png", "jpg", "webp")


@dataclass(frozen=True, slots=True)
class ImageTransform:
    """A resized copy of an image: sides in pixels before ``scale``; ``crop``/``format`` lower case."""

    max_width: int | None = None
    max_height: int | None = None
    crop: str | None = None
    scale: int = 1
    format: str | None = None

    def problem(self) -> tuple[str, str] | None:
        """(field, message) for a value out of Shopify's bounds; None when the transform is valid."""
        for name, side in (("maxWidth", self.max_width), ("maxHeight", self.max_height)):
            if side is not None and not 1 <= side <= MAX_TRANSFORM_SIDE:
                return name, f"`{name}` must be between 1 and {MAX_TRANSFORM_SIDE}"
        if not 1 <= self.scale <= MAX_SCALE:
            return "scale", f"`scale` must be between 1 and {MAX_SCALE}"
        return None

    def parameters(self) -> dict[str, str]:
        """The query parameters the image service reads (only those the transform sets)."""
        found: dict[str, str] = {}
        if self.max_width is not None:
            found["width"] = str(self.max_width * self.scale)
        if self.max_height is not None:
            found["height"] = str(self.max_height * self.scale)
        if self.crop is not None:
            found["crop"] = self.crop
        if self.format is not None:
            found["format"] = self.format
        return found


def image_url(url: str, origin: str, transform: ImageTransform | None = None) -> str:
    """``url`` absolute (a relative one on ``origin``), with the transform's parameters when one is asked."""
    if url.startswith("//"):
        absolute = "https:" + url
    elif url.startswith("/"):
        absolute = origin + url
    else:
        absolute = url
    parameters = transform.parameters() if transform is not None else {}
    if not parameters:
        return absolute
    return absolute + ("&" if "?" in absolute else "?") + urlencode(parameters)


def placeholder_url(folder: str, slug: str, size: tuple[int, int] = DEFAULT_SIZE) -> str:
    """Where the demo catalog's image of ``slug`` (a handle-like name) in ``folder`` is served."""
    return f"{PREFIX}/demo/{folder}/{size[0]}x{size[1]}/{slug}.svg"


def _size(parts: tuple[str, ...]) -> tuple[int, int]:
    for part in parts:
        if match := _SIZE.match(part):
            width, height = int(match[1]), int(match[2])
            return min(max(width, 1), MAX_SIDE), min(max(height, 1), MAX_SIDE)
    return DEFAULT_SIZE


def _colours(folder: str) -> tuple[str, str]:
    if folder in PALETTE:
        return PALETTE[folder]
    return _COLOURS[hashlib.blake2b(folder.encode(), digest_size=2).digest()[0] % len(_COLOURS)]


def _caption(stem: str, folder: str) -> str:
    name = folder if _OPAQUE_NAME.match(stem.lower()) else stem
    words = re.sub(r"[-_+.\s]+", " ", name).strip() or "image"
    return words[:MAX_CAPTION].title()


def _requested_side(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 5:
        return None
    return min(max(int(value), 1), MAX_SIDE)


def render(path: str, width: int | None = None, height: int | None = None) -> bytes:
    """The SVG for ``path`` (relative to ``/images/``): deterministic, sized by a ``<w>x<h>`` part, or by
    ``width``/``height`` when asked (one side alone keeps the picture's proportions)."""
    pure = PurePosixPath(path)
    folders = [p for p in pure.parent.parts if not _SIZE.match(p)]
    folder = folders[-1] if len(folders) > 1 else (folders[0] if folders else "image")
    natural_width, natural_height = _size(pure.parts)
    if width is not None and height is None:
        height = max(1, min(MAX_SIDE, round(natural_height * width / natural_width)))
    elif height is not None and width is None:
        width = max(1, min(MAX_SIDE, round(natural_width * height / natural_height)))
    width, height = width or natural_width, height or natural_height
    background, foreground = _colours(folder)
    caption = _caption(pure.stem, folder)
    font = max(12, min(width, height) // 14)
    lines = textwrap.wrap(caption, width=max(8, int(width / (font * 0.6))))[:3]
    top = height / 2 - (len(lines) - 1) * font * 0.6
    text = "".join(
        f'<tspan x="50%" y="{top + i * font * 1.2:.0f}">{html.escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(caption)}">'
        f'<rect width="100%" height="100%" fill="#{background}"/>'
        f'<text fill="#{foreground}" font-family="system-ui, sans-serif" font-size="{font}" '
        f'text-anchor="middle" dominant-baseline="middle">{text}</text></svg>'
    )
    return svg.encode()


async def placeholder(request: Request) -> Response:
    query = request.query_params
    body = render(
        request.path_params["path"], _requested_side(query.get("width")), _requested_side(query.get("height"))
    )
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="image/svg+xml")


def route() -> Route:
    return Route(PREFIX + "/{path:path}", placeholder, methods=["GET", "HEAD"], name="images")
