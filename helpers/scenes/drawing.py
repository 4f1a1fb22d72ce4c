"""How a scene is painted: an anti-aliased float canvas, the street, and one painter per object class.

Shapes are signed-distance fields evaluated with IEEE-exact array operations only (no vectorised
transcendental functions), so the same seed gives the same pixels on any machine. Each painter draws
its object and returns the object's landmarks (pixel units) and which way it faces; the canvas records
the painted extent, which becomes the object's exact box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .schema import CLASS_IDS

__all__ = ["Canvas", "Layout", "draw_street", "PAINTERS"]

# --------------------------------------------------------------------------------------
# Anti-aliased painting on a float canvas (pixel units, y downwards).
# --------------------------------------------------------------------------------------

class Canvas:
    def __init__(self, size: int):
        self.size = size
        self.img = np.zeros((3, size, size), np.float32)  # channels first: fast blending
        self.centres = np.arange(size, dtype=np.float32) + np.float32(0.5)
        self.extent: list[float] | None = None  # [x0, y0, x1, y1] of what is being recorded
        self.cover: np.ndarray | None = None    # (size, size) coverage of what is being recorded, when asked

    # -- bookkeeping -------------------------------------------------------------------
    def _window(self, x0: float, y0: float, x1: float, y1: float):
        if self.extent is not None:
            e = self.extent
            e[0], e[1], e[2], e[3] = min(e[0], x0), min(e[1], y0), max(e[2], x1), max(e[3], y1)
        s = self.size
        j0, j1 = max(int(math.floor(x0 - 1)), 0), min(int(math.ceil(x1 + 1)), s)
        i0, i1 = max(int(math.floor(y0 - 1)), 0), min(int(math.ceil(y1 + 1)), s)
        if j0 >= j1 or i0 >= i1:
            return None
        return i0, i1, j0, j1

    def _blend(self, win, cov: np.ndarray, color) -> None:
        i0, i1, j0, j1 = win
        region = self.img[:, i0:i1, j0:j1]
        region *= 1 - cov
        region += cov * np.asarray(color, np.float32)[:, None, None]
        if self.cover is not None:      # the object's own pixels: painted over by itself, they stay its own
            c = self.cover[i0:i1, j0:j1]
            c += cov * (1 - c)

    @staticmethod
    def _unit(a: np.ndarray) -> np.ndarray:
        """Clip to [0, 1] (two ufuncs: faster than np.clip on small arrays)."""
        return np.minimum(np.maximum(a, 0), 1)

    def _grid(self, win):
        i0, i1, j0, j1 = win
        return self.centres[None, j0:j1], self.centres[i0:i1, None]

    # -- shapes --------------------------------------------------------------------------
    def rect(self, x0, y0, x1, y1, color) -> None:
        """Axis-aligned rectangle with exact area coverage."""
        win = self._window(x0, y0, x1, y1)
        if win is None:
            return
        X, Y = self._grid(win)
        cx = self._unit(np.minimum(X + 0.5, x1) - np.maximum(X - 0.5, x0))
        cy = self._unit(np.minimum(Y + 0.5, y1) - np.maximum(Y - 0.5, y0))
        self._blend(win, cy * cx, color)

    def ellipse(self, cx, cy, rx, ry, color) -> None:
        win = self._window(cx - rx, cy - ry, cx + rx, cy + ry)
        if win is None:
            return
        X, Y = self._grid(win)
        u, v = (X - cx) / rx, (Y - cy) / ry
        d = (np.sqrt(u * u + v * v) - 1.0) * min(rx, ry)
        self._blend(win, self._unit(0.5 - d), color)

    def circle(self, cx, cy, r, color) -> None:
        self.ellipse(cx, cy, r, r, color)

    def capsule(self, ax, ay, bx, by, r, color) -> None:
        """A thick line segment with round ends (limbs, poles, frames)."""
        win = self._window(min(ax, bx) - r, min(ay, by) - r, max(ax, bx) + r, max(ay, by) + r)
        if win is None:
            return
        X, Y = self._grid(win)
        dx, dy = bx - ax, by - ay
        L2 = dx * dx + dy * dy
        px, py = X - ax, Y - ay
        t = np.clip((px * dx + py * dy) / L2, 0, 1) if L2 > 1e-12 else np.zeros_like(px * py)
        ex, ey = px - t * dx, py - t * dy
        d = np.sqrt(ex * ex + ey * ey) - r
        self._blend(win, self._unit(0.5 - d), color)

    def hstripes(self, y0, y1, offset, pitch, width, color) -> None:
        """Rectangles ``[offset + k*pitch, offset + k*pitch + width] x [y0, y1]`` across the image."""
        win = self._window(0, y0, self.size, y1)
        if win is None:
            return
        X, Y = self._grid(win)
        p = np.mod(X - offset, pitch)  # position inside the period
        cx = sum(self._unit(np.minimum(p + 0.5, a + width) - np.maximum(p - 0.5, a))
                 for a in (-pitch, 0.0, pitch))
        cy = self._unit(np.minimum(Y + 0.5, y1) - np.maximum(Y - 0.5, y0))
        self._blend(win, cy * np.minimum(cx, 1), color)

    def vstripes(self, x0, x1, y0, y1, pitch, height, color) -> None:
        """Rectangles ``[x0, x1] x [y0 + k*pitch, y0 + k*pitch + height]`` for ``y`` up to ``y1``."""
        win = self._window(x0, y0, x1, y1)
        if win is None:
            return
        X, Y = self._grid(win)
        p = np.mod(Y - y0, pitch)
        cy = sum(self._unit(np.minimum(p + 0.5, a + height) - np.maximum(p - 0.5, a)) for a in (-pitch, 0.0, pitch))
        cy = np.minimum(cy, 1) * self._unit(np.minimum(Y + 0.5, y1) - np.maximum(Y - 0.5, y0))
        cx = self._unit(np.minimum(X + 0.5, x1) - np.maximum(X - 0.5, x0))
        self._blend(win, cy * cx, color)

    def circles(self, discs: Sequence[tuple[float, float, float]], color) -> None:
        """The union of several discs ``(cx, cy, r)`` in one colour (e.g. a tree's canopy)."""
        win = self._window(min(c[0] - c[2] for c in discs), min(c[1] - c[2] for c in discs),
                           max(c[0] + c[2] for c in discs), max(c[1] + c[2] for c in discs))
        if win is None:
            return
        X, Y = self._grid(win)
        d = None
        for cx, cy, r in discs:
            u, v = X - cx, Y - cy
            dk = np.sqrt(u * u + v * v) - r
            d = dk if d is None else np.minimum(d, dk)
        self._blend(win, self._unit(0.5 - d), color)

    def polygon(self, pts: Sequence[tuple[float, float]], color) -> None:
        """A convex polygon (vertices in any winding order)."""
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        win = self._window(min(xs), min(ys), max(xs), max(ys))
        if win is None:
            return
        X, Y = self._grid(win)
        n = len(pts)
        area = sum(xs[k] * ys[(k + 1) % n] - xs[(k + 1) % n] * ys[k] for k in range(n))
        sign = 1.0 if area > 0 else -1.0
        d = None
        for k in range(n):
            (x0, y0), (x1, y1) = pts[k], pts[(k + 1) % n]
            ex, ey = x1 - x0, y1 - y0
            norm = math.hypot(ex, ey) or 1.0
            # outward normal for the polygon's winding (y downwards)
            nx, ny = sign * ey / norm, -sign * ex / norm
            dk = (X - x0) * nx + (Y - y0) * ny
            d = dk if d is None else np.maximum(d, dk)
        self._blend(win, self._unit(0.5 - d), color)


# --------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------

_SKIES = ((0.42, 0.65, 0.92), (0.62, 0.78, 0.95), (0.93, 0.66, 0.45), (0.70, 0.72, 0.76),
          (0.30, 0.36, 0.58))
_BUILDINGS = ((0.62, 0.32, 0.24), (0.78, 0.72, 0.62), (0.55, 0.56, 0.58), (0.86, 0.80, 0.66),
              (0.70, 0.52, 0.40), (0.60, 0.66, 0.72), (0.88, 0.70, 0.60), (0.45, 0.42, 0.44))
_CARS = ((0.80, 0.10, 0.10), (0.12, 0.28, 0.75), (0.92, 0.92, 0.92), (0.70, 0.72, 0.75),
         (0.95, 0.80, 0.10), (0.10, 0.50, 0.25), (0.12, 0.12, 0.14), (0.95, 0.50, 0.10),
         (0.45, 0.20, 0.55))
_CLOTHES = ((0.85, 0.15, 0.15), (0.15, 0.35, 0.80), (0.95, 0.85, 0.20), (0.20, 0.60, 0.30),
            (0.95, 0.95, 0.95), (0.15, 0.15, 0.18), (0.90, 0.45, 0.10), (0.60, 0.25, 0.65),
            (0.10, 0.70, 0.75), (0.55, 0.40, 0.28))
_TROUSERS = ((0.15, 0.20, 0.40), (0.12, 0.12, 0.14), (0.40, 0.35, 0.30), (0.30, 0.30, 0.35),
             (0.55, 0.50, 0.40), (0.20, 0.30, 0.55))
_SKIN = ((0.96, 0.80, 0.69), (0.87, 0.67, 0.52), (0.70, 0.50, 0.36), (0.45, 0.30, 0.22),
         (0.98, 0.86, 0.76))
_HAIR = ((0.10, 0.08, 0.06), (0.35, 0.22, 0.12), (0.80, 0.65, 0.35), (0.55, 0.55, 0.55),
         (0.60, 0.25, 0.10))


def _jitter(rng: np.random.Generator, color, amount: float = 0.06):
    u = rng.uniform(-amount, amount, 3).tolist()
    return tuple(min(max(c + d, 0.0), 1.0) for c, d in zip(color, u))


def _pick(rng: np.random.Generator, palette):
    return palette[int(rng.integers(len(palette)))]


# --------------------------------------------------------------------------------------
# The street
# --------------------------------------------------------------------------------------

@dataclass
class Layout:
    base: float      # y where buildings meet the sidewalk (fraction)
    curb: float      # y of the curb: sidewalk above, road below


def draw_street(cv: Canvas, rng: np.random.Generator) -> Layout:
    S = cv.size
    base = float(rng.uniform(0.40, 0.50))
    curb = base + float(rng.uniform(0.08, 0.13))
    lay = Layout(base, curb)

    # sky: vertical gradient
    sky = np.asarray(_jitter(rng, _pick(rng, _SKIES), 0.05), np.float32)
    top = np.clip(sky * np.float32(0.82), 0, 1)
    t = (cv.centres / np.float32(S))[None, :, None]
    cv.img[:] = top[:, None, None] + (sky - top)[:, None, None] * np.clip(t / np.float32(base), 0, 1)
    if rng.random() < 0.5:  # a cloud or two
        for _ in range(int(rng.integers(1, 3))):
            cx, cy = rng.uniform(0, 1) * S, rng.uniform(0.05, 0.25) * S
            w = rng.uniform(0.08, 0.16) * S
            for dx in (-0.6, 0.0, 0.6):
                cv.ellipse(cx + dx * w, cy + abs(dx) * 0.15 * w, 0.6 * w, 0.35 * w, (0.96, 0.96, 0.97))

    # buildings with windows
    x = -float(rng.uniform(0, 0.15))
    while x < 1.0:
        w = float(rng.uniform(0.16, 0.40))
        h = float(rng.uniform(0.15, base - 0.04))
        color = _jitter(rng, _pick(rng, _BUILDINGS))
        x0, x1, y0, y1 = x * S, (x + w) * S, (base - h) * S, base * S
        cv.rect(x0, y0, x1, y1, color)
        if rng.random() < 0.6:  # roof ledge
            cv.rect(x0, y0, x1, y0 + 0.015 * S + 0.5, tuple(0.7 * c for c in color))
        _windows(cv, rng, x0, y0, x1, y1)
        x += w + float(rng.uniform(0, 0.04))

    # sidewalk with paving joints, curb, road with lane marking
    walk = _jitter(rng, (0.70, 0.69, 0.66), 0.05)
    cv.rect(0, base * S, S, curb * S, walk)
    pitch = float(rng.uniform(0.06, 0.10)) * S
    off = float(rng.uniform(0, pitch))
    cv.hstripes(base * S, curb * S, off, pitch, 0.35, tuple(0.85 * c for c in walk))
    cv.rect(0, curb * S - 0.6, S, curb * S + 0.6, (0.50, 0.50, 0.50))
    road = _jitter(rng, (0.33, 0.33, 0.35), 0.04)
    cv.rect(0, curb * S + 0.6, S, S, road)
    lane_y = (curb + (1 - curb) * float(rng.uniform(0.45, 0.6))) * S
    dash = float(rng.uniform(0.08, 0.14)) * S
    off = float(rng.uniform(0, 2 * dash))
    paint = (0.93, 0.93, 0.88) if rng.random() < 0.7 else (0.95, 0.80, 0.20)
    cv.hstripes(lane_y - 0.018 * S, lane_y + 0.018 * S, off, 2 * dash, dash, paint)
    if rng.random() < 0.3:  # a crossing's stripes
        cx = float(rng.uniform(0.1, 0.9)) * S
        pitch = 0.18 * (1 - curb) * S
        cv.vstripes(cx - 0.07 * S, cx + 0.07 * S, curb * S + 2, curb * S + 2 + 4.5 * pitch, pitch,
                    0.08 * (1 - curb) * S, (0.85, 0.85, 0.82))

    # street furniture on the sidewalk (clutter the classifier must learn to ignore)
    for _ in range(int(rng.integers(0, 4))):
        _furniture(cv, rng, lay)
    return lay


def _windows(cv: Canvas, rng, x0, y0, x1, y1) -> None:
    S = cv.size
    pitch_x = float(rng.uniform(0.05, 0.09)) * S
    pitch_y = float(rng.uniform(0.06, 0.10)) * S
    fill = float(rng.uniform(0.45, 0.65))
    win = cv._window(x0, y0, x1, y1 - 0.04 * S)
    if win is None:
        return
    X, Y = cv._grid(win)
    u = (X - x0 - 0.2 * pitch_x) / pitch_x
    v = (Y - y0 - 0.25 * pitch_y) / pitch_y
    cols, rows = np.floor(u), np.floor(v)
    inside = ((u - cols) < fill) & ((v - rows) < fill) & (u >= 0) & (v >= 0)
    inside &= (X < x1 - 0.15 * pitch_x)
    # lit or dark panes chosen per window from a small table
    table = rng.random((16, 16)) < float(rng.uniform(0.1, 0.5))
    lit = table[rows.astype(np.int64) % 16, cols.astype(np.int64) % 16]
    dark = np.asarray((0.20, 0.25, 0.32), np.float32)[:, None, None]
    glow = np.asarray((0.98, 0.88, 0.55), np.float32)[:, None, None]
    i0, i1, j0, j1 = win
    region = cv.img[:, i0:i1, j0:j1]
    region[:] = np.where(inside, np.where(lit, glow, dark), region)


def _furniture(cv: Canvas, rng, lay: Layout) -> None:
    S = cv.size
    kind = int(rng.integers(4))
    x = float(rng.uniform(0.03, 0.97)) * S
    g = float(rng.uniform(lay.base + 0.01, lay.curb)) * S
    if kind == 0:  # street lamp
        h = float(rng.uniform(0.30, 0.45)) * S
        pole = _jitter(rng, (0.25, 0.27, 0.30))
        cv.capsule(x, g, x, g - h, 0.012 * S + 0.3, pole)
        d = 1 if rng.random() < 0.5 else -1
        cv.capsule(x, g - h, x + d * 0.05 * S, g - h, 0.01 * S + 0.3, pole)
        cv.ellipse(x + d * 0.06 * S, g - h + 0.01 * S, 0.025 * S, 0.012 * S, (0.98, 0.93, 0.70))
    elif kind == 1:  # tree
        h = float(rng.uniform(0.18, 0.32)) * S
        cv.capsule(x, g, x, g - h * 0.6, 0.018 * S, (0.40, 0.27, 0.15))
        leaf = _jitter(rng, (0.20, 0.50, 0.20), 0.08)
        r = float(rng.uniform(0.06, 0.10)) * S
        cv.circles([(x + dx * r, g - h * 0.75 + dy * r, r * 0.8) for dx, dy in ((-0.5, 0.1), (0.5, 0.1), (0.0, -0.4))]
                   + [(x, g - h * 0.7, r * 0.9)], leaf)
    elif kind == 2:  # traffic sign
        h = float(rng.uniform(0.18, 0.28)) * S
        cv.capsule(x, g, x, g - h, 0.008 * S + 0.3, (0.55, 0.56, 0.58))
        r = 0.045 * S
        if rng.random() < 0.5:
            cv.circle(x, g - h, r, (0.85, 0.10, 0.10))
            cv.circle(x, g - h, r * 0.65, (0.95, 0.95, 0.95) if rng.random() < 0.5 else (0.15, 0.35, 0.85))
        else:
            cv.polygon([(x - r, g - h + 0.7 * r), (x + r, g - h + 0.7 * r), (x, g - h - r)], (0.85, 0.10, 0.10))
            cv.polygon([(x - 0.55 * r, g - h + 0.45 * r), (x + 0.55 * r, g - h + 0.45 * r),
                        (x, g - h - 0.45 * r)], (0.97, 0.97, 0.95))
    else:  # bin or bollard
        w = float(rng.uniform(0.03, 0.06)) * S
        h = float(rng.uniform(0.05, 0.10)) * S
        cv.rect(x - w / 2, g - h, x + w / 2, g, _jitter(rng, (0.25, 0.40, 0.30), 0.1))
        cv.rect(x - w / 2 - 0.5, g - h - 0.8, x + w / 2 + 0.5, g - h + 0.4, (0.2, 0.2, 0.2))


# --------------------------------------------------------------------------------------
# Objects. Each returns its landmarks in pixel units; the canvas records the extent.
# --------------------------------------------------------------------------------------

def _pedestrian(cv: Canvas, rng, foot_x: float, ground: float, height: float) -> tuple[np.ndarray, int]:
    H = height
    deg = math.pi / 180

    def limb(x, y, length, angle):  # angle from straight down, positive = towards image right
        return x + length * math.sin(angle), y + length * math.cos(angle)

    lean = float(rng.uniform(-4, 4)) * deg
    pelvis = (foot_x, ground - 0.50 * H)
    neck = (pelvis[0] + 0.32 * H * math.sin(lean), pelvis[1] - 0.32 * H * math.cos(lean))
    head = (neck[0] + 0.09 * H * math.sin(lean), neck[1] - 0.09 * H)
    sh_w, hip_w = float(rng.uniform(0.09, 0.12)) * H, float(rng.uniform(0.055, 0.07)) * H
    r_sh, l_sh = (neck[0] - sh_w, neck[1] + 0.02 * H), (neck[0] + sh_w, neck[1] + 0.02 * H)
    r_hip, l_hip = (pelvis[0] - hip_w, pelvis[1]), (pelvis[0] + hip_w, pelvis[1])

    # legs: stride (one forward, one back), knees bend backwards
    stride = float(rng.uniform(0, 24)) * deg
    if rng.random() < 0.5:
        stride = -stride
    legs = []
    for side, hip in ((-1, r_hip), (1, l_hip)):
        a_thigh = side * float(rng.uniform(2, 10)) * deg + (stride if side < 0 else -stride)
        knee = limb(*hip, 0.24 * H, a_thigh)
        a_shin = a_thigh - float(rng.uniform(0, 18)) * deg * (1 if a_thigh >= 0 else -1) * 0.6
        ankle = limb(*knee, 0.24 * H, a_shin)
        legs.append((hip, knee, ankle))

    # arms: hanging, swinging, or one raised (waving)
    arms = []
    wave = rng.random() < 0.2
    for side, sh in ((-1, r_sh), (1, l_sh)):
        if wave and side == (1 if rng.random() < 0.5 else -1):
            a_up = side * float(rng.uniform(110, 160)) * deg
            elbow = limb(*sh, 0.16 * H, a_up)
            hand = limb(*elbow, 0.15 * H, a_up + side * float(rng.uniform(-20, 20)) * deg)
        else:
            a_up = side * float(rng.uniform(6, 35)) * deg
            elbow = limb(*sh, 0.16 * H, a_up)
            hand = limb(*elbow, 0.15 * H, a_up - side * float(rng.uniform(0, 50)) * deg)
        arms.append((sh, elbow, hand))

    # shift so that the lower foot stands on the ground line
    drop = ground - max(legs[0][2][1], legs[1][2][1]) - 0.02 * H

    def sh_(p):
        return (p[0], p[1] + drop)

    legs = [tuple(sh_(p) for p in leg) for leg in legs]
    arms = [tuple(sh_(p) for p in arm) for arm in arms]
    neck, head, pelvis = sh_(neck), sh_(head), sh_(pelvis)

    shirt = _jitter(rng, _pick(rng, _CLOTHES))
    trousers = _jitter(rng, _pick(rng, _TROUSERS))
    skin = _pick(rng, _SKIN)
    hair = _pick(rng, _HAIR)
    shoe = (0.12, 0.10, 0.10)
    limb_r, arm_r = 0.045 * H, 0.035 * H
    skirt = rng.random() < 0.2
    for hip, knee, ankle in legs:
        cv.capsule(*hip, *knee, limb_r, trousers if not skirt else skin)
        cv.capsule(*knee, *ankle, limb_r * 0.9, trousers if not skirt else skin)
        cv.ellipse(ankle[0], ankle[1] + 0.01 * H, 0.045 * H, 0.022 * H, shoe)
    (rs, _, _), (ls, _, _) = arms
    rh, lh = legs[0][0], legs[1][0]
    torso = [(rs[0] - 0.02 * H, rs[1] - 0.01 * H), (ls[0] + 0.02 * H, ls[1] - 0.01 * H),
             (lh[0] + 0.025 * H, lh[1] + 0.03 * H), (rh[0] - 0.025 * H, rh[1] + 0.03 * H)]
    if skirt:
        cv.polygon([(rh[0] - 0.03 * H, rh[1] - 0.02 * H), (lh[0] + 0.03 * H, lh[1] - 0.02 * H),
                    (lh[0] + 0.08 * H, lh[1] + 0.14 * H), (rh[0] - 0.08 * H, rh[1] + 0.14 * H)], trousers)
    cv.polygon(torso, shirt)
    for sh, elbow, hand in arms:
        cv.capsule(*sh, *elbow, arm_r, shirt)
        cv.capsule(*elbow, *hand, arm_r * 0.85, shirt if rng.random() < 0.5 else skin)
        cv.circle(*hand, 0.03 * H, skin)
    cv.capsule(neck[0], neck[1] + 0.02 * H, head[0], head[1], 0.03 * H, skin)
    r_head = 0.065 * H
    cv.circle(head[0], head[1] - 0.15 * r_head, r_head * 1.05, hair)
    cv.circle(head[0], head[1] + 0.1 * r_head, r_head * 0.92, skin)
    if rng.random() < 0.25:  # a hat
        cv.rect(head[0] - 1.3 * r_head, head[1] - 0.8 * r_head, head[0] + 1.3 * r_head,
                head[1] - 0.5 * r_head, (0.15, 0.15, 0.2))
        cv.rect(head[0] - 0.8 * r_head, head[1] - 1.6 * r_head, head[0] + 0.8 * r_head,
                head[1] - 0.6 * r_head, (0.15, 0.15, 0.2))

    (rs, re, rw), (ls, le, lw) = arms
    (rhip, rk, ra), (lhip, lk, la) = legs
    pts = np.array([head, neck, rs, re, rw, ls, le, lw, rhip, rk, ra, lhip, lk, la], np.float64)
    return pts, 0


def _car(cv: Canvas, rng, x_center: float, ground: float, length: float) -> tuple[np.ndarray, int]:
    L = length
    facing = 1 if rng.random() < 0.5 else -1
    kind = int(rng.integers(3))  # 0 sedan, 1 hatchback, 2 van
    rw = L * float(rng.uniform(0.10, 0.12))
    x0 = x_center - L / 2

    def X(u):  # u in [0, 1] from the rear to the front
        return x0 + (u if facing > 0 else 1 - u) * L

    y_axle = ground - rw
    body_bottom = y_axle + 0.35 * rw
    body_top = y_axle - (0.22 if kind != 2 else 0.25) * L
    hood = body_top + 0.05 * L
    color = _jitter(rng, _pick(rng, _CARS), 0.04)
    dark = tuple(0.6 * c for c in color)
    cv.polygon([(X(0.0), body_bottom), (X(0.0), body_top + 0.02 * L), (X(0.03), body_top),
                (X(0.72 if kind != 2 else 0.88), body_top), (X(0.97), hood), (X(1.0), hood + 0.03 * L),
                (X(1.0), body_bottom)], color)
    roof_h = {0: 0.15, 1: 0.16, 2: 0.20}[kind] * L
    roof_y = body_top - roof_h
    if kind == 0:
        rear_b, rear_t, front_t, front_b = 0.10, 0.26, 0.58, 0.74
    elif kind == 1:
        rear_b, rear_t, front_t, front_b = 0.02, 0.08, 0.58, 0.74
    else:
        rear_b, rear_t, front_t, front_b = 0.0, 0.0, 0.74, 0.88
    cabin = [(X(rear_b), body_top + 0.5), (X(rear_t), roof_y), (X(front_t), roof_y), (X(front_b), body_top + 0.5)]
    cv.polygon(cabin, color)
    glass = _jitter(rng, (0.55, 0.70, 0.82), 0.05)
    inset = 0.025 * L
    mid = 0.5 * (rear_t + front_t)
    for a_b, a_t, b_t, b_b in ((rear_b + 0.03, rear_t + 0.02, mid - 0.015, mid - 0.015),
                               (mid + 0.015, mid + 0.015, front_t - 0.01, front_b - 0.04)):
        cv.polygon([(X(a_b), body_top - 0.3), (X(a_t), roof_y + inset), (X(b_t), roof_y + inset),
                    (X(b_b), body_top - 0.3)], glass)
    cv.rect(min(X(0.3), X(0.8)), body_top + 0.06 * L, max(X(0.3), X(0.8)), body_top + 0.065 * L + 0.5, dark)
    # lights and bumpers
    head = (X(0.975), hood + 0.03 * L)
    tail = (X(0.02), body_top + 0.04 * L)
    cv.ellipse(*head, 0.022 * L, 0.016 * L, (0.99, 0.95, 0.65))
    cv.ellipse(*tail, 0.014 * L, 0.022 * L, (0.90, 0.10, 0.08))
    cv.rect(min(X(-0.01), X(0.06)), body_bottom - 0.04 * L, max(X(-0.01), X(0.06)), body_bottom, (0.2, 0.2, 0.2))
    cv.rect(min(X(0.94), X(1.01)), body_bottom - 0.04 * L, max(X(0.94), X(1.01)), body_bottom, (0.2, 0.2, 0.2))
    # wheels
    rear_w, front_w = (X(0.2), y_axle), (X(0.8), y_axle)
    for c in (rear_w, front_w):
        cv.circle(*c, rw * 1.15, dark)  # wheel arch
        cv.circle(*c, rw, (0.10, 0.10, 0.11))
        cv.circle(*c, rw * 0.5, (0.75, 0.76, 0.78))
        cv.circle(*c, rw * 0.15, (0.30, 0.30, 0.32))
    pts = np.array([front_w, rear_w, head, tail, (X(front_t), roof_y), (X(rear_t), roof_y)], np.float64)
    return pts, facing


def _motorcycle(cv: Canvas, rng, x_center: float, ground: float, length: float) -> tuple[np.ndarray, int]:
    L = length
    facing = 1 if rng.random() < 0.5 else -1
    x0 = x_center - L / 2

    def X(u):
        return x0 + (u if facing > 0 else 1 - u) * L

    rw = L * float(rng.uniform(0.17, 0.20))
    y_axle = ground - rw
    rear_w, front_w = (X(0.18), y_axle), (X(0.82), y_axle)
    color = _jitter(rng, _pick(rng, _CARS), 0.05)
    metal = (0.72, 0.73, 0.76)
    for c in (rear_w, front_w):
        cv.circle(*c, rw, (0.08, 0.08, 0.09))
        cv.circle(*c, rw * 0.62, (0.55, 0.56, 0.60))
        cv.circle(*c, rw * 0.45, (0.20, 0.20, 0.22))
        cv.circle(*c, rw * 0.14, metal)
    seat = (X(0.38), y_axle - 0.42 * L)
    bar = (X(0.70), y_axle - 0.60 * L)
    cv.capsule(*rear_w, X(0.45), y_axle - 0.15 * L, 0.025 * L, metal)          # swing arm
    cv.capsule(*front_w, *bar, 0.025 * L, metal)                               # fork
    cv.rect(min(X(0.36), X(0.58)), y_axle - 0.28 * L, max(X(0.36), X(0.58)), y_axle - 0.06 * L, (0.25, 0.25, 0.27))
    cv.ellipse(X(0.56), y_axle - 0.36 * L, 0.13 * L, 0.07 * L, color)          # tank
    cv.capsule(X(0.20), y_axle - 0.38 * L, X(0.46), seat[1] + 0.02 * L, 0.035 * L, (0.12, 0.12, 0.12))
    cv.polygon([(X(0.05), y_axle - 0.30 * L), (X(0.22), y_axle - 0.37 * L), (X(0.30), y_axle - 0.27 * L)], color)
    head = (X(0.78), bar[1] + 0.08 * L)
    cv.circle(*head, 0.045 * L, (0.99, 0.95, 0.65))
    # rider: legs, torso leaning to the bars, arms, helmet
    suit = _jitter(rng, _pick(rng, _CLOTHES))
    legs = _jitter(rng, _pick(rng, _TROUSERS))
    hip = (X(0.36), seat[1] - 0.03 * L)
    knee = (X(0.55), y_axle - 0.47 * L)
    foot = (X(0.50), y_axle - 0.10 * L)
    cv.capsule(*hip, *knee, 0.05 * L, legs)
    cv.capsule(*knee, *foot, 0.045 * L, legs)
    cv.ellipse(foot[0], foot[1], 0.05 * L, 0.025 * L, (0.1, 0.1, 0.1))
    lean = float(rng.uniform(0.04, 0.14))
    shoulder = (X(0.40 + lean), y_axle - 0.88 * L)
    cv.capsule(*hip, *shoulder, 0.075 * L, suit)
    cv.capsule(*shoulder, X(0.60), bar[1] - 0.02 * L, 0.035 * L, suit)
    cv.capsule(X(0.60), bar[1] - 0.02 * L, *bar, 0.03 * L, suit)
    cv.capsule(bar[0], bar[1], X(0.66), bar[1] - 0.04 * L, 0.018 * L, (0.15, 0.15, 0.15))  # handlebar
    helmet = _jitter(rng, _pick(rng, _CARS), 0.05)
    rider_head = (X(0.43 + lean), y_axle - 1.00 * L)
    cv.circle(*rider_head, 0.085 * L, helmet)
    cv.ellipse(X(0.48 + lean), rider_head[1] + 0.01 * L, 0.04 * L, 0.03 * L, (0.10, 0.12, 0.18))  # visor
    pts = np.array([front_w, rear_w, head, bar, seat, rider_head], np.float64)
    return pts, facing



#: Class id -> painter ``(canvas, rng, x_centre, ground, size) -> (landmarks in pixels, facing)``.
PAINTERS = {CLASS_IDS["motorcycle"]: _motorcycle, CLASS_IDS["car"]: _car, CLASS_IDS["pedestrian"]: _pedestrian}
