"""Draw the schematic images of the bundled teaching cases.

The bundled cases ship simple grey-scale drawings, not patient images. Each
image comes twice: a plain version shown first and an annotated version
(arrows, a legend) shown with the findings. Every picture carries the label
"SCHEMATIC — not a patient image".

The output is deterministic: fixed sizes, Pillow's default font, seeded
randomness, no timestamps and no PNG metadata, so running the script again
gives byte-identical files (for the same Pillow version).

Run from the repository root::

    .venv/bin/python tools/draw_schematics.py            # writes into cases/
    .venv/bin/python tools/draw_schematics.py --out DIR  # writes DIR/<case id>/images/*.png

Pillow is a development dependency only; the bot never imports this file.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
LABEL = "SCHEMATIC — not a patient image"

Point = tuple[float, float]
Colour = tuple[int, int, int]
YELLOW: Colour = (255, 214, 0)
WHITE: Colour = (255, 255, 255)
CYAN: Colour = (80, 220, 255)
ORANGE: Colour = (255, 140, 40)
BAND = 30  # height of the label band at the bottom of every picture


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled default font (FreeType when available, else the bitmap font)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ValueError, OSError):  # Pillow without FreeType
        return ImageFont.load_default()


@dataclass
class Arrow:
    """An arrow from ``tail`` to ``tip`` with an optional short text at the tail."""

    tail: Point
    tip: Point
    colour: Colour = WHITE
    text: str = ""


@dataclass
class Drawing:
    """A plain grey-scale picture and what to draw on its annotated copy."""

    plain: Image.Image  # mode "L", without the label band
    arrows: list[Arrow] = field(default_factory=list)
    legend: list[tuple[str, Colour]] = field(default_factory=list)
    lines: list[tuple[list[Point], Colour]] = field(default_factory=list)  # dashed guide lines


# --- drawing helpers -------------------------------------------------------------------------


def _pt(p: Point) -> tuple[int, int]:
    return (round(p[0]), round(p[1]))


def draw_arrow(d: ImageDraw.ImageDraw, arrow: Arrow) -> None:
    tail, tip = arrow.tail, arrow.tip
    angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    head = 16
    wings = [
        (tip[0] - head * math.cos(angle + s * 0.45), tip[1] - head * math.sin(angle + s * 0.45))
        for s in (-1, 1)
    ]
    # A dark outline first, so white and yellow arrows stay visible on grey anatomy.
    d.line([_pt(tail), _pt(tip)], fill=(0, 0, 0), width=8)
    d.polygon([_pt(tip), _pt(wings[0]), _pt(wings[1])], fill=(0, 0, 0), outline=(0, 0, 0), width=3)
    d.line([_pt(tail), _pt(tip)], fill=arrow.colour, width=4)
    d.polygon([_pt(tip), _pt(wings[0]), _pt(wings[1])], fill=arrow.colour)
    if arrow.text:
        # The text sits just beyond the tail, on the side away from the tip.
        f = font(14)
        box = d.textbbox((0, 0), arrow.text, font=f)
        w, h = box[2] - box[0], box[3] - box[1]
        length = math.dist(tail, tip) or 1.0
        ux, uy = (tail[0] - tip[0]) / length, (tail[1] - tip[1]) / length
        x = tail[0] + ux * (w / 2 + 6) - w / 2
        y = tail[1] + uy * (h / 2 + 8) - h / 2
        width, height = d.im.size
        x = min(max(x, 4), width - w - 4)
        y = min(max(y, 4), height - h - 8)
        d.rectangle([_pt((x - 3, y - 2)), _pt((x + w + 3, y + h + 6))], fill=(0, 0, 0))
        d.text(_pt((x, y - box[1] + 1)), arrow.text, fill=arrow.colour, font=f)


def moved(arrow: Arrow, dx: float) -> Arrow:
    """The arrow moved ``dx`` pixels to the right (for the second panel of a figure)."""
    return Arrow(
        (arrow.tail[0] + dx, arrow.tail[1]),
        (arrow.tip[0] + dx, arrow.tip[1]),
        arrow.colour,
        arrow.text,
    )


def dashed(d: ImageDraw.ImageDraw, points: list[Point], colour: Colour, dash: int = 10) -> None:
    for a, b in itertools.pairwise(points):
        length = math.dist(a, b)
        steps = max(1, int(length // dash))
        for i in range(0, steps, 2):
            p = (a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps)
            q = (a[0] + (b[0] - a[0]) * (i + 1) / steps, a[1] + (b[1] - a[1]) * (i + 1) / steps)
            d.line([_pt(p), _pt(q)], fill=colour, width=3)


def with_band(img: Image.Image) -> Image.Image:
    """The picture with the black label band added at the bottom.

    The default font has no em dash, so the dash of the label is drawn as a line.
    """
    out = Image.new(img.mode, (img.width, img.height + BAND), 0)
    out.paste(img, (0, 0))
    d = ImageDraw.Draw(out)
    f = font(16)
    white = 255 if img.mode == "L" else WHITE
    before, after = (part.strip() for part in LABEL.split("—"))
    w1 = d.textlength(before, font=f)
    w2 = d.textlength(after, font=f)
    dash, gap = 16, 6
    x = (img.width - (w1 + w2 + dash + 2 * gap)) / 2
    y = img.height + 6
    d.text(_pt((x, y)), before, fill=white, font=f)
    mid = y + 10
    d.line([_pt((x + w1 + gap, mid)), _pt((x + w1 + gap + dash, mid))], fill=white, width=2)
    d.text(_pt((x + w1 + dash + 2 * gap, y)), after, fill=white, font=f)
    return out


def render(drawing: Drawing) -> tuple[Image.Image, Image.Image]:
    """The plain and the annotated picture, both labelled."""
    plain = with_band(drawing.plain)
    annotated = drawing.plain.convert("RGB")
    d = ImageDraw.Draw(annotated)
    for points, colour in drawing.lines:
        dashed(d, points, colour)
    for arrow in drawing.arrows:
        draw_arrow(d, arrow)
    f = font(14)
    y = 8
    for text, colour in drawing.legend:  # top right: the side marker is top left
        box = d.textbbox((0, 0), text, font=f)
        x = annotated.width - box[2] - 12
        d.rectangle([(x - 4, y - 2), (x + box[2] + 4, y + box[3] + 4)], fill=(0, 0, 0))
        d.text((x, y), text, fill=colour, font=f)
        y += box[3] + 8
    return plain, with_band(annotated)


def ellipse(
    d: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, **kw: object
) -> None:
    d.ellipse([_pt((cx - rx, cy - ry)), _pt((cx + rx, cy + ry))], **kw)  # type: ignore[arg-type]


def blobs(
    d: ImageDraw.ImageDraw,
    centres: Sequence[tuple[float, float, float]],
    fill: int,
    outline: int | None = None,
) -> None:
    """A lobulated shape: overlapping circles (cx, cy, r), with an optional outline."""
    if outline is not None:
        for cx, cy, r in centres:
            ellipse(d, cx, cy, r + 2, r + 2, fill=outline)
    for cx, cy, r in centres:
        ellipse(d, cx, cy, r, r, fill=fill)


def panel_title(d: ImageDraw.ImageDraw, xy: Point, text: str, fill: int = 230) -> None:
    d.text(_pt(xy), text, fill=fill, font=font(16))


def side_marker(d: ImageDraw.ImageDraw, xy: Point = (14, 40)) -> None:
    """The 'R' marker: the patient's right is on the viewer's left."""
    d.text(_pt(xy), "R", fill=255, font=font(26))


# --- chest radiograph (extramedullary haematopoiesis, tension pneumothorax) ------------------


def chest_radiograph(*, expanded_ribs: bool = False, tension_left: bool = False) -> Drawing:
    size = 640
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    shift = -48 if tension_left else 0  # mediastinum pushed to the patient's right (image left)
    # Trunk and shoulders (soft tissue).
    d.rounded_rectangle([(70, 60), (570, 660)], radius=120, fill=105)
    ellipse(d, 320, 70, 300, 60, fill=100)
    # Lungs.
    right_lung = [
        (118, 120),
        (170, 80),
        (262, 88),
        (282 + shift, 240),
        (280 + shift, 470),
        (112, 500),
    ]
    left_lung = [(358, 88), (470, 80), (522, 120), (528, 545), (360, 520), (360, 240)]
    d.polygon(right_lung, fill=38)
    d.polygon(left_lung, fill=14 if tension_left else 38)
    # Lung markings: vessels fanning out from each hilum, kept inside the lungs.
    rnd = random.Random(7)
    markings = img.copy()
    md = ImageDraw.Draw(markings)
    mask = Image.new("L", img.size, 0)
    hila = [((250 + shift, 270), -1, right_lung), ((390, 270), 1, left_lung)]
    for (hx, hy), side, lung in hila:
        if side == 1 and tension_left:
            continue  # no lung markings beyond the collapsed lung
        ImageDraw.Draw(mask).polygon(lung, fill=255)
        for _ in range(22):
            angle = rnd.uniform(-1.2, 1.3)
            length = rnd.uniform(70, 170)
            end = (hx + side * length * math.cos(angle), hy + length * math.sin(angle) * 0.9)
            md.line([(hx, hy), _pt(end)], fill=62, width=2)
    img.paste(markings, (0, 0), mask)
    if tension_left:
        # The collapsed left lung: a dense stump at the hilum with a sharp pleural edge.
        blobs(d, [(392, 265, 30), (384, 300, 34), (396, 240, 22)], fill=92, outline=150)
    # Diaphragm domes and the abdomen beneath.
    ellipse(d, 200, 560, 115, 70, fill=118)
    if tension_left:
        d.polygon([(355, 575), (540, 590), (560, 660), (330, 660)], fill=118)  # flat, low dome
    else:
        ellipse(d, 445, 575, 105, 62, fill=118)
    d.rectangle([(70, 600), (570, 660)], fill=118)
    # Mediastinum, trachea and heart.
    d.polygon(
        [(290 + shift, 60), (350 + shift, 60), (372 + shift, 260), (268 + shift, 260)], fill=150
    )
    ellipse(d, 335 + shift, 420, 92, 85, fill=150)
    # Spine seen through the mediastinum.
    for y in range(70, 600, 34):
        d.rectangle([(304 + shift, y), (336 + shift, y + 26)], fill=172)
    d.rectangle([(312 + shift, 40), (328 + shift, 230)], fill=70)  # trachea (air column)
    # Clavicles.
    d.line([(130, 105), (296 + shift, 122)], fill=205, width=9)
    d.line([(344 + shift, 122), (510, 105)], fill=205, width=9)
    # Ribs: posterior ribs as arcs from the spine, anterior ribs sloping down and in.
    spacing_left = 52 if tension_left else 44
    for i in range(9):
        for side in (-1, 1):
            spacing = spacing_left if side == 1 else 44
            y = 120 + i * spacing
            if y > 540:
                continue
            cx = 320 + shift if side == -1 else 320 + (shift // 3 if tension_left else 0)
            box = [(cx - 205, y - 20), (cx + 205, y + 70)]
            start, end = (200, 268) if side == -1 else (272, 340)
            d.arc(box, start, end, fill=165, width=6)
            lateral = 122 if side == -1 else 518
            medial = 235 if side == -1 else 405
            width = 15 if expanded_ribs else 6
            d.line(
                [(lateral, y + 18), (medial, y + 62)],
                fill=200 if expanded_ribs else 175,
                width=width,
            )
    arrows: list[Arrow] = []
    legend: list[tuple[str, Colour]] = []
    lines: list[tuple[list[Point], Colour]] = []
    if expanded_ribs:
        # Lobulated, well-outlined masses either side of the lower thoracic spine.
        right_masses = [(282, 300, 26), (274, 345, 30), (280, 392, 24)]
        left_masses = [(358, 310, 24), (368, 355, 30), (360, 400, 26)]
        blobs(d, right_masses + left_masses, fill=148, outline=185)
        for i in (2, 4, 6):
            y = 120 + i * 44
            arrows.append(Arrow((70, y + 8), (150, y + 30), YELLOW))
            arrows.append(Arrow((570, y + 8), (490, y + 30), YELLOW))
        arrows += [
            Arrow((195, 300), (250, 318), WHITE),
            Arrow((190, 380), (246, 368), WHITE),
            Arrow((455, 320), (395, 326), WHITE),
            Arrow((455, 410), (390, 400), WHITE),
        ]
        legend = [
            ("Yellow arrows: expanded anterior ribs", YELLOW),
            ("White arrows: lobulated mediastinal mass", WHITE),
        ]
    if tension_left:
        arrows = [
            Arrow((470, 200), (420, 250), WHITE, "lung edge"),
            Arrow((480, 420), (480, 330), WHITE, "no markings"),
            Arrow((150, 200), (260, 175), YELLOW, "trachea"),
            Arrow((455, 630), (455, 590), CYAN, "low, flat dome"),
        ]
        lines = [([(320, 60), (320, 600)], ORANGE)]
        legend = [("Orange dashes: midline; mediastinum shifted right", ORANGE)]
    side_marker(d)
    return Drawing(img, arrows, legend, lines)


def coned_left_hemithorax() -> Drawing:
    """A magnified view of the tension pneumothorax radiograph: mediastinum and left chest."""
    full = chest_radiograph(tension_left=True)
    box = (190, 40, 590, 640)  # 400 x 600, scaled 1.2 times
    scale = 1.2
    img = full.plain.crop(box).resize((480, 720), Image.Resampling.BICUBIC)

    def move(p: Point) -> Point:
        return ((p[0] - box[0]) * scale, (p[1] - box[1]) * scale)

    arrows = [
        Arrow(move((480, 215)), move((424, 258)), WHITE, "visceral pleural line"),
        Arrow(move((500, 440)), move((500, 360)), WHITE, "no vessels"),
        Arrow(move((480, 140)), move((480, 172)), YELLOW, "wide rib space"),
        Arrow(move((420, 625)), move((420, 588)), CYAN, "flattened dome"),
        Arrow(move((200, 230)), move((260, 180)), ORANGE, "trachea"),
    ]
    lines = [([move((320, 40)), move((320, 600))], ORANGE)]
    legend = [("Orange dashes: midline", ORANGE)]
    d = ImageDraw.Draw(img)
    d.text((440, 50), "L", fill=255, font=font(26))
    return Drawing(img, arrows, legend, lines)


# --- CT of the thorax and abdomen (extramedullary haematopoiesis) ----------------------------


def trabecular(
    d: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    rnd: random.Random,
    dark: int,
    light: int,
    count: int,
) -> None:
    """Coarse, irregular trabeculae on an osteopenic (dark) background inside ``box``."""
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    ellipse(d, cx, cy, rx, ry, fill=dark)
    for _ in range(count):
        a, r = rnd.uniform(0, 2 * math.pi), rnd.uniform(0, 0.8)
        x, y = cx + r * rx * math.cos(a), cy + r * ry * math.sin(a)
        b = rnd.uniform(0, math.pi)
        length = rnd.uniform(4, min(rx, ry) * 0.6)
        d.line(
            [_pt((x, y)), _pt((x + length * math.cos(b), y + length * math.sin(b)))],
            fill=light,
            width=2,
        )


def ct_axial_panel(window: str, rnd: random.Random) -> tuple[Image.Image, list[Arrow]]:
    bone = window == "bone"
    img = Image.new("L", (400, 410), 0)
    d = ImageDraw.Draw(img)
    soft, fat, muscle = (95, 95, 95) if bone else (112, 72, 118)
    ellipse(d, 200, 225, 175, 140, fill=fat)  # subcutaneous fat
    ellipse(d, 200, 225, 160, 125, fill=muscle)  # chest wall
    ellipse(d, 200, 228, 142, 108, fill=soft)
    # Lung bases, posterior.
    ellipse(d, 118, 250, 62, 70, fill=0 if bone else 20)
    ellipse(d, 282, 250, 62, 70, fill=0 if bone else 20)
    # Heart and liver dome anteriorly, aorta beside the spine.
    ellipse(d, 220, 175, 62, 48, fill=95 if bone else 128)
    ellipse(d, 238, 278, 15, 15, fill=95 if bone else 140)
    # Paraspinal masses: lobulated, well defined, either side of the vertebral body.
    left = [(160, 300, 24), (172, 322, 22), (150, 322, 18)]
    right = [(240, 300, 22), (230, 324, 22), (252, 322, 18)]
    blobs(d, left + right, fill=95 if bone else 122, outline=None if bone else 140)
    # Vertebra: body, canal, posterior elements.
    if bone:
        trabecular(d, (172, 270, 228, 322), rnd, dark=120, light=235, count=40)
        d.ellipse([(172, 270), (228, 322)], outline=250, width=3)
    else:
        ellipse(d, 200, 296, 28, 26, fill=210)
    ellipse(d, 200, 335, 11, 9, fill=60 if bone else 100)
    d.polygon([(186, 344), (214, 344), (206, 372), (194, 372)], fill=230)
    # Expanded ribs around the chest wall.
    ribs = [(62, 240), (338, 240), (90, 150), (310, 150), (95, 330), (305, 330)]
    for x, y in ribs:
        if bone:
            trabecular(d, (x - 17, y - 12, x + 17, y + 12), rnd, dark=130, light=240, count=10)
            ellipse(d, x, y, 17, 12, outline=250, width=2)
        else:
            ellipse(d, x, y, 17, 12, fill=215)
    arrows = [
        Arrow((110, 380), (146, 334), WHITE, "paraspinal mass"),
        Arrow((290, 380), (254, 334), WHITE),
        Arrow((30, 150), (72, 150), YELLOW, "rib"),
    ]
    if bone:
        arrows = [
            Arrow((110, 370), (182, 308), CYAN, "coarse trabeculae"),
            Arrow((30, 150), (72, 150), YELLOW, "expanded rib"),
        ]
    return img, arrows


def ct_axial() -> Drawing:
    rnd = random.Random(11)
    img = Image.new("L", (800, 410), 0)
    arrows: list[Arrow] = []
    for i, window in enumerate(("soft tissue", "bone")):
        panel, panel_arrows = ct_axial_panel(window.split()[0], rnd)
        d = ImageDraw.Draw(panel)
        panel_title(d, (10, 56), f"{'AB'[i]}  {window} window")
        img.paste(panel, (i * 400, 0))
        arrows += [moved(a, i * 400) for a in panel_arrows]
    ImageDraw.Draw(img).line([(400, 0), (400, 410)], fill=60, width=2)
    legend = [
        ("White: lobulated paraspinal masses", WHITE),
        ("Yellow: expanded ribs   Cyan: irregular trabeculae", YELLOW),
    ]
    return Drawing(img, arrows, legend)


def ct_coronal_panel(window: str, rnd: random.Random) -> tuple[Image.Image, list[Arrow]]:
    bone = window == "bone"
    img = Image.new("L", (400, 520), 0)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([(40, 60), (360, 520)], radius=60, fill=95 if bone else 70)  # fat
    d.rounded_rectangle([(55, 70), (345, 520)], radius=50, fill=95 if bone else 108)
    # Lung bases above the diaphragm.
    ellipse(d, 125, 120, 60, 70, fill=0 if bone else 18)
    ellipse(d, 275, 125, 60, 70, fill=0 if bone else 18)
    # Enlarged liver (patient right = image left) and spleen, reaching low into the abdomen.
    liver = [(62, 185), (120, 170), (180, 195), (190, 300), (150, 420), (80, 455), (62, 400)]
    spleen = [(240, 200), (300, 185), (340, 215), (338, 400), (300, 430), (250, 360)]
    d.polygon(liver, fill=95 if bone else 150)
    d.polygon(spleen, fill=95 if bone else 145)
    # Kidneys, pushed down.
    ellipse(d, 150, 445, 22, 40, fill=95 if bone else 165)
    ellipse(d, 250, 450, 22, 40, fill=95 if bone else 165)
    # Lobulated paraspinal masses along the lower thoracic spine.
    masses = [(176, 110, 20), (172, 145, 24), (178, 180, 18), (224, 120, 22), (228, 158, 24)]
    blobs(d, masses, fill=95 if bone else 128, outline=None if bone else 150)
    # Spine: vertebral bodies and discs.
    for y in range(70, 520, 42):
        if bone:
            trabecular(d, (182, y, 218, y + 34), rnd, dark=120, light=235, count=14)
            d.rectangle([(182, y), (218, y + 34)], outline=250, width=2)
        else:
            d.rectangle([(182, y), (218, y + 34)], fill=205)
    # Ribs cut across at the lateral chest wall, expanded.
    for y in (100, 150, 200, 250):
        for x in (48, 352):
            if bone:
                trabecular(d, (x - 12, y - 16, x + 12, y + 16), rnd, dark=130, light=240, count=8)
                ellipse(d, x, y, 12, 16, outline=250, width=2)
            else:
                ellipse(d, x, y, 12, 16, fill=210)
    if bone:
        arrows = [
            Arrow((150, 330), (184, 262), CYAN, "trabeculae"),
            Arrow((70, 400), (46, 268), YELLOW, "expanded rib"),
        ]
    else:
        arrows = [
            Arrow((110, 62), (160, 120), WHITE, "paraspinal mass"),
            Arrow((300, 62), (240, 110), WHITE),
            Arrow((110, 500), (105, 430), ORANGE, "liver"),
            Arrow((320, 490), (320, 420), ORANGE, "spleen"),
        ]
    return img, arrows


def ct_coronal() -> Drawing:
    rnd = random.Random(13)
    img = Image.new("L", (800, 520), 0)
    arrows: list[Arrow] = []
    for i, window in enumerate(("soft tissue, post contrast", "bone")):
        panel, panel_arrows = ct_coronal_panel(window.split()[0], rnd)
        panel_title(ImageDraw.Draw(panel), (50, 6), f"{'AB'[i]}  {window} window")
        img.paste(panel, (i * 400, 0))
        arrows += [moved(a, i * 400) for a in panel_arrows]
    d = ImageDraw.Draw(img)
    d.line([(400, 0), (400, 520)], fill=60, width=2)
    side_marker(d, (14, 470))
    return Drawing(img, arrows, [])


# --- CT head (extradural haematoma) ----------------------------------------------------------


def _lens(
    cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, depth: float
) -> list[Point]:
    """A biconvex collection along the inner table between angles a0 and a1 (radians)."""
    outer, inner = [], []
    steps = 24
    for i in range(steps + 1):
        t = i / steps
        a = a0 + (a1 - a0) * t
        ox, oy = cx + rx * math.cos(a), cy + ry * math.sin(a)
        k = depth * math.sin(math.pi * t)
        outer.append((ox, oy))
        inner.append((ox - k * math.cos(a), oy - k * math.sin(a)))
    return outer + inner[::-1]


def ct_head(window: str) -> Drawing:
    bone = window == "bone"
    img = Image.new("L", (640, 640), 0)
    d = ImageDraw.Draw(img)
    cx, cy, rx, ry = 320, 330, 230, 275
    # Scalp with a soft-tissue swelling over the right temple.
    ellipse(d, cx, cy, rx + 18, ry + 18, fill=60 if bone else 95)
    ellipse(d, cx - rx - 4, cy - 10, 34, 70, fill=60 if bone else 100)
    # Skull.
    ellipse(d, cx, cy, rx, ry, fill=235 if not bone else 250)
    if bone:
        ellipse(d, cx, cy, rx - 6, ry - 6, fill=150)  # diploe
        ellipse(d, cx, cy, rx - 11, ry - 11, fill=250)  # inner table
    # Brain.
    inner_rx, inner_ry = rx - 16, ry - 16
    ellipse(d, cx, cy, inner_rx, inner_ry, fill=60 if bone else 112)
    shift = 26
    if not bone:
        # Extradural collection: biconvex, hyperdense, right temporal, between the sutures.
        d.polygon(
            [
                _pt(p)
                for p in _lens(cx, cy, inner_rx, inner_ry, math.radians(148), math.radians(212), 62)
            ],
            fill=196,
        )
        # Ventricles: the right one compressed, both pushed across the midline.
        ellipse(d, cx + shift - 28, cy - 60, 12, 44, fill=40)
        ellipse(d, cx + shift + 32, cy - 58, 24, 58, fill=40)
        ellipse(d, cx + shift + 2, cy + 40, 10, 10, fill=40)  # third ventricle
        # Falx, bowed away from the collection.
        d.line(
            [
                (cx, cy - inner_ry + 6),
                (cx + shift, cy - 40),
                (cx + shift, cy + 60),
                (cx + 4, cy + inner_ry - 6),
            ],
            fill=150,
            width=3,
        )
    # Sutures: coronal (front) and lambdoid (back) on the right side, as small gaps.
    for angle in (142, 218):
        a = math.radians(angle)
        p = (cx + (rx + 2) * math.cos(a), cy + (ry + 2) * math.sin(a))
        q = (cx + (rx - 18) * math.cos(a), cy + (ry - 18) * math.sin(a))
        d.line([_pt(p), _pt(q)], fill=20, width=3)
    if bone:
        # A fracture line through the right temporal squama.
        a = math.radians(180)
        fx, fy = cx + rx * math.cos(a), cy + ry * math.sin(a)
        d.line(
            [(fx - 6, fy - 14), (fx + 4, fy - 2), (fx - 2, fy + 6), (fx + 12, fy + 18)],
            fill=10,
            width=3,
        )
        arrows = [
            Arrow((150, 200), (100, 318), WHITE, "fracture"),
            Arrow((70, 120), (135, 165), YELLOW, "suture"),
        ]
        legend = [("Bone window: fracture of the right temporal bone", WHITE)]
        lines: list[tuple[list[Point], Colour]] = []
    else:
        arrows = [
            Arrow((200, 160), (140, 270), WHITE, "biconvex collection"),
            Arrow((70, 120), (135, 165), YELLOW, "suture"),
            Arrow((70, 560), (135, 494), YELLOW, "suture"),
            Arrow((470, 150), (cx + shift, cy - 40), CYAN, "midline shift"),
        ]
        legend = [
            ("White: lens-shaped hyperdense collection", WHITE),
            ("Yellow: sutures it does not cross", YELLOW),
            ("Orange dashes: true midline", ORANGE),
        ]
        lines = [([(cx, cy - ry), (cx, cy + ry)], ORANGE)]
    side_marker(d)
    return Drawing(img, arrows, legend, lines)


# --- knee radiograph and MRI (osteosarcoma) --------------------------------------------------


def knee_radiograph() -> Drawing:
    rnd = random.Random(17)
    img = Image.new("L", (560, 680), 0)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([(110, 0), (450, 700)], radius=80, fill=80)  # thigh and leg
    # Soft-tissue mass around the lateral and medial metaphysis.
    ellipse(d, 290, 340, 175, 110, fill=100)
    # Femur: shaft, metaphysis flaring to the condyles.
    femur = [
        (240, 0),
        (330, 0),
        (334, 250),
        (380, 360),
        (392, 440),
        (186, 440),
        (196, 360),
        (238, 250),
    ]
    d.polygon(femur, fill=195)
    d.polygon([(254, 0), (316, 0), (318, 240), (252, 240)], fill=160)  # medullary cavity
    # Open physis (adolescent), then epiphysis and the tibia below.
    d.line([(194, 420), (290, 410), (386, 420)], fill=70, width=5)
    d.rectangle([(186, 470), (392, 490)], fill=40)  # joint space
    d.polygon(
        [
            (182, 490),
            (396, 490),
            (380, 540),
            (330, 560),
            (330, 680),
            (248, 680),
            (248, 560),
            (196, 540),
        ],
        fill=190,
    )
    d.line([(200, 530), (378, 530)], fill=70, width=4)  # tibial physis
    # Tumour in the metaphysis: patchy lysis and sclerosis.
    for _ in range(70):
        x, y = rnd.uniform(212, 366), rnd.uniform(270, 405)
        r = rnd.uniform(5, 13)
        ellipse(d, x, y, r, r * rnd.uniform(0.6, 1.3), fill=rnd.choice((120, 135, 245, 250)))
    # Sunburst periosteal reaction: spicules radiating from the cortex.
    for side, x0 in ((-1, 196), (1, 382)):
        for i in range(14):
            y = 280 + i * 9
            a = math.radians(rnd.uniform(-30, 30))
            length = rnd.uniform(40, 80)
            d.line(
                [(x0, y), _pt((x0 + side * length * math.cos(a), y + length * math.sin(a)))],
                fill=215,
                width=2,
            )
        # Codman triangle: periosteum lifted off the cortex at the edge of the lesion.
        tip_x = 238 if side == -1 else 334
        d.line([(tip_x + side * 2, 190), (tip_x + side * 26, 262)], fill=230, width=3)
    # Cloudy osteoid matrix in the soft-tissue mass.
    for _ in range(30):
        side = rnd.choice((-1, 1))
        x = 290 + side * rnd.uniform(115, 150)
        y = rnd.uniform(290, 390)
        ellipse(d, x, y, rnd.uniform(6, 12), rnd.uniform(5, 10), fill=rnd.choice((150, 170)))
    side_marker(d)
    arrows = [
        Arrow((90, 150), (252, 230), WHITE, "Codman triangle"),
        Arrow((520, 240), (440, 300), YELLOW, "sunburst"),
        Arrow((500, 470), (430, 360), CYAN, "osteoid in soft tissue"),
        Arrow((90, 470), (250, 360), ORANGE, "lysis + sclerosis"),
    ]
    return Drawing(img, arrows, [])


def mri_coronal_t1() -> Drawing:
    img = Image.new("L", (560, 680), 0)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([(110, 0), (450, 700)], radius=80, fill=205)  # subcutaneous fat, bright
    d.rounded_rectangle([(135, 0), (425, 700)], radius=70, fill=95)  # muscle
    ellipse(d, 290, 340, 170, 105, fill=105)  # soft-tissue mass, intermediate signal
    femur = [
        (240, 0),
        (330, 0),
        (334, 250),
        (380, 360),
        (392, 440),
        (186, 440),
        (196, 360),
        (238, 250),
    ]
    d.polygon(femur, fill=15)  # cortex, dark
    inner = [
        (248, 0),
        (322, 0),
        (326, 250),
        (370, 360),
        (382, 432),
        (196, 432),
        (206, 360),
        (246, 250),
    ]
    d.polygon(inner, fill=225)  # fatty marrow, bright on T1
    # Tumour replacing marrow: dark on T1, from the metaphysis up into the diaphysis.
    d.polygon(
        [
            (248, 150),
            (322, 150),
            (326, 250),
            (370, 360),
            (378, 430),
            (200, 430),
            (206, 360),
            (246, 250),
        ],
        fill=70,
    )
    ellipse(d, 285, 150, 37, 16, fill=70)
    # The physis, crossed in its centre, and the epiphysis.
    d.line([(196, 432), (382, 432)], fill=15, width=4)
    d.polygon([(186, 440), (392, 440), (392, 468), (186, 468)], fill=225)
    ellipse(d, 290, 445, 34, 18, fill=70)
    d.rectangle([(186, 472), (392, 486)], fill=40)
    d.polygon(
        [
            (182, 490),
            (396, 490),
            (380, 540),
            (330, 560),
            (330, 680),
            (248, 680),
            (248, 560),
            (196, 540),
        ],
        fill=220,
    )
    d.text((14, 40), "R", fill=255, font=font(26))
    d.text((50, 46), "coronal T1", fill=255, font=font(18))
    arrows = [
        Arrow((110, 160), (246, 150), WHITE, "upper edge of marrow tumour"),
        Arrow((520, 250), (440, 320), YELLOW, "soft-tissue mass"),
        Arrow((140, 600), (270, 450), CYAN, "across the physis"),
    ]
    lines = [([(200, 150), (380, 150)], ORANGE)]
    return Drawing(img, arrows, [("Orange dashes: proximal extent of tumour", ORANGE)], lines)


def mri_axial_t2() -> Drawing:
    rnd = random.Random(19)
    img = Image.new("L", (640, 560), 0)
    d = ImageDraw.Draw(img)
    ellipse(d, 320, 280, 240, 210, fill=45)  # suppressed fat
    ellipse(d, 320, 280, 215, 185, fill=95)  # muscle
    # Soft-tissue mass: high signal, wrapping round the femur, more laterally.
    blobs(d, [(300, 260, 110), (370, 240, 90), (250, 300, 80)], fill=185)
    for _ in range(40):
        x, y = rnd.uniform(200, 440), rnd.uniform(170, 360)
        ellipse(d, x, y, rnd.uniform(4, 10), rnd.uniform(4, 10), fill=rnd.choice((150, 215)))
    ellipse(d, 310, 260, 52, 48, fill=10)  # cortex
    ellipse(d, 310, 260, 42, 38, fill=205)  # marrow replaced, bright
    # Neurovascular bundle posteriorly, a fat plane between it and the mass.
    ellipse(d, 318, 405, 30, 18, fill=45)
    ellipse(d, 308, 405, 8, 8, fill=0)
    ellipse(d, 330, 405, 8, 8, fill=0)
    d.text((14, 40), "R", fill=255, font=font(26))
    d.text((420, 20), "axial T2 fat-sat", fill=255, font=font(18))
    arrows = [
        Arrow((560, 140), (450, 210), YELLOW, "soft-tissue mass"),
        Arrow((150, 110), (290, 240), WHITE, "marrow"),
        Arrow((150, 480), (298, 410), CYAN, "vessels, fat plane kept"),
    ]
    return Drawing(img, arrows, [])


# --- the catalogue ---------------------------------------------------------------------------

# Relative output path (case id / images / name) -> drawing function.
SCHEMATICS: dict[str, Callable[[], Drawing]] = {
    "extramedullary-hematopoiesis/images/01-chest-radiograph": lambda: chest_radiograph(
        expanded_ribs=True
    ),
    "extramedullary-hematopoiesis/images/02-ct-axial-lower-thorax": ct_axial,
    "extramedullary-hematopoiesis/images/03-ct-coronal-abdomen": ct_coronal,
    "extradural-hematoma/images/01-ct-head-brain-window": lambda: ct_head("brain"),
    "extradural-hematoma/images/02-ct-head-bone-window": lambda: ct_head("bone"),
    "tension-pneumothorax/images/01-chest-radiograph": lambda: chest_radiograph(tension_left=True),
    "tension-pneumothorax/images/02-coned-left-hemithorax": coned_left_hemithorax,
    "osteosarcoma/images/01-knee-radiograph": knee_radiograph,
    "osteosarcoma/images/02-mri-coronal-t1": mri_coronal_t1,
    "osteosarcoma/images/03-mri-axial-t2-fat-sat": mri_axial_t2,
}


def save(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.info.clear()  # no metadata in the file
    img.save(path, format="PNG", optimize=False)


def draw_all(out: Path) -> list[Path]:
    """Write every schematic (plain and ``-annotated``) under ``out``; return the files."""
    written = []
    for name, make in SCHEMATICS.items():
        plain, annotated = render(make())
        for img, suffix in ((plain, ""), (annotated, "-annotated")):
            path = out / f"{name}{suffix}.png"
            save(img, path)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "cases",
        metavar="DIR",
        help="folder to write into, laid out like cases/ (default: the repository's cases/)",
    )
    args = parser.parse_args(argv)
    for path in draw_all(args.out):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
