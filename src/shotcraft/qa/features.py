"""Per-frame measurements on the proxy, computed once and shared by every check.

A :class:`FrameMeasurer` is fed the decoded frames in order and appends one
value per frame to named series (NaN where a measurement does not apply, such
as frame-to-frame values on the first frame or detail statistics on frames
that carry no detail image). Checks then read the series; nothing decodes
twice.

Motion is dense optical flow (OpenCV DIS) on a 160-pixel-wide grey proxy,
computed from each frame back to the previous one; the previous frame warped
along it predicts the current one, and what the prediction misses is change
*not explained by motion* (flicker, boiling edges, cuts).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from shotcraft.qa.camera_motion import similarity_motion
from shotcraft.qa.decode import DecodedFrame

FLOW_WIDTH = 160
TEXTURE_GRADIENT = 24.0  # Sobel |gx|+|gy| above which a pixel carries trackable texture
MIN_TEXTURE = 0.05  # share of textured pixels needed to estimate camera motion
BORDER_BAND = 0.06  # fraction of the proxy width/height that counts as "the edge of the frame"
ENTERING_SHIFT = 0.15  # flow-proxy pixels per frame: a camera move this fast brings new content in at one side
HOLD_BLUR = 1.2  # sigma (proxy pixels) that averages grain out before frames are compared for a hold
HOLD_SIGMAS = 5.0  # a change this many grain deviations large is picture change, not grain
HOLD_FLOOR = 1.5  # luma levels: smaller changes are never picture change (encoder noise)
_HOLD_KERNEL = np.ones((3, 3), np.uint8)
SIMILARITY_STRIDE = 2  # frames between two corner-tracking fits (camera speed and zoom, see camera_motion)
HOLD_RESET = 0.0002  # changed share at which the comparison frame moves on (QA102.epsilon's default)

SERIES = (
    "luma_mean",  # 8-bit luma mean
    "luma_std",  # 8-bit luma standard deviation (uniform frames have ~0)
    "L",  # CIE L* mean (0..100)
    "L_std",  # CIE L* standard deviation (contrast)
    "a",  # CIE a* mean
    "b",  # CIE b* mean
    "clip_high",  # fraction of pixels at luma >= 250
    "clip_low",  # fraction of pixels at luma <= 3
    "diff",  # mean |frame - previous frame|, luma levels
    "changed",  # fraction of pixels whose grain-filtered change since the previous frame stands out of the grain (0 on a hold)
    "speed",  # mean optical-flow magnitude, frame widths per frame
    "global_x",  # median flow, frame widths per frame (camera motion)
    "global_y",
    "unexplained",  # median luma change left after motion compensation, luma levels (signed)
    "shift_a",  # median a* change left after motion compensation (signed): colour change of the light, not the content
    "shift_b",
    "raw_change",  # 1 - correlation of the frame with the previous one, without motion compensation (cut detection)
    "structure",  # correlation of the frame with the motion-compensated previous one (1 = same picture)
    "border_ratio",  # instability in the worst border band / in the interior
    "border_level",  # instability in that band, luma levels
    "border_side",  # 0 left, 1 right, 2 top, 3 bottom
    "acuity",  # fine / coarse detail at strong edges (detail frames only)
    "halo",  # overshoot beside strong edges / edge contrast (detail frames only)
    "camera_speed",  # picture speed of the similarity fitted to tracked corners, frame widths per frame (zooms read right)
    "zoom",  # scale change per frame of that similarity (> 0: pushing in)
    "halo_soft",  # the same after a mild blur (sigma 1): thin natural lines vanish, unsharp-mask rims stay
    "grain",  # noise standard deviation in flat areas, luma levels (detail frames only)
    "corrupt",  # 1 when the decoder flagged the frame as damaged
)

_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


class FrameMeasurer:
    def __init__(self, proxy_width: int, proxy_height: int) -> None:
        self.series: dict[str, list[float]] = {name: [] for name in SERIES}
        self.flow_size = (FLOW_WIDTH, max(8, int(round(proxy_height * FLOW_WIDTH / proxy_width))))
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        fw, fh = self.flow_size
        self._grid_x, self._grid_y = np.meshgrid(np.arange(fw, dtype=np.float32), np.arange(fh, dtype=np.float32))
        band = max(3, int(round(BORDER_BAND * fw)))
        self._band = band
        self._prev_gray: np.ndarray | None = None
        self._prev_small: np.ndarray | None = None
        self._prev_ab: np.ndarray | None = None
        self._anchor: np.ndarray | None = None  # the frame a run of held frames is compared with
        self._similarity_from: np.ndarray | None = None  # the frame the last similarity was fitted from

    def update(self, frame: DecodedFrame) -> None:
        rgb = frame.proxy
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        small_rgb = cv2.resize(rgb, self.flow_size, interpolation=cv2.INTER_AREA)
        small = cv2.cvtColor(small_rgb, cv2.COLOR_RGB2GRAY)
        values: dict[str, float] = {}
        values["luma_mean"], values["luma_std"] = _mean_std(gray)
        lab = cv2.cvtColor(small_rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        values["L"], values["L_std"] = _mean_std(lab[..., 0])
        values["a"] = float(lab[..., 1].mean())
        values["b"] = float(lab[..., 2].mean())
        values["clip_high"] = float(np.count_nonzero(gray >= 250)) / gray.size
        values["clip_low"] = float(np.count_nonzero(gray <= 3)) / gray.size
        values["corrupt"] = 1.0 if frame.corrupt else 0.0
        calm = cv2.GaussianBlur(gray, (0, 0), HOLD_BLUR)
        if self._prev_gray is not None and self._prev_gray.shape == gray.shape:
            delta = cv2.absdiff(gray, self._prev_gray)
            values["diff"] = float(delta.mean())
            # against the first frame of the current still run: slow micro-motion accumulates past the limit within a
            # few frames, a held frame (fresh grain or not) never does
            values["changed"] = _changed(calm, self._anchor)
            if values["changed"] >= HOLD_RESET:
                self._anchor = calm
            values.update(self._motion(small, self._prev_small, lab[..., 1:], self._prev_ab))
            if len(self.series["speed"]) % SIMILARITY_STRIDE == 0:
                self._similarity(gray, values)
        else:
            self._anchor = calm
        if frame.detail is not None:
            values.update(_detail_stats(frame.detail))
        for name in SERIES:
            self.series[name].append(values.get(name, math.nan))
        self._prev_gray, self._prev_small, self._prev_ab = gray, small, lab[..., 1:]
        if len(self.series["speed"]) % SIMILARITY_STRIDE == 1:
            self._similarity_from = gray

    def _similarity(self, gray: np.ndarray, values: dict[str, float]) -> None:
        """Camera speed and zoom over the last SIMILARITY_STRIDE frames, per frame, on this frame and the ones before
        it since the last fit: half the cost of fitting every pair, and a slow push moves twice as far between fits."""
        start = self._similarity_from
        self._similarity_from = None
        if start is None or start.shape != gray.shape:
            return
        speed, zoom = similarity_motion(start, gray)
        per_frame_speed = speed / SIMILARITY_STRIDE
        per_frame_zoom = (1.0 + zoom) ** (1.0 / SIMILARITY_STRIDE) - 1.0 if math.isfinite(zoom) else math.nan
        values["camera_speed"], values["zoom"] = per_frame_speed, per_frame_zoom
        for back in range(1, SIMILARITY_STRIDE):
            if len(self.series["camera_speed"]) >= back and len(self.series["camera_speed"]) - back >= 1:
                self.series["camera_speed"][-back] = per_frame_speed
                self.series["zoom"][-back] = per_frame_zoom

    def _motion(self, small: np.ndarray, prev: np.ndarray, ab: np.ndarray, prev_ab: np.ndarray) -> dict[str, float]:
        fw, fh = self.flow_size
        flow = self._dis.calc(small, prev, None)  # for each pixel of this frame: where it was in the previous one
        fx, fy = flow[..., 0], flow[..., 1]
        magnitude = np.sqrt(fx * fx + fy * fy)
        map_x, map_y = self._grid_x + fx, self._grid_y + fy
        valid = (map_x >= 0) & (map_x <= fw - 1) & (map_y >= 0) & (map_y <= fh - 1)
        predicted = cv2.remap(prev.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        current = small.astype(np.float32)
        residual = current - predicted
        out = {"speed": float(magnitude.mean()) / fw}
        raw = _correlation(small.astype(np.float32), prev.astype(np.float32))
        out["raw_change"] = 1.0 - raw if math.isfinite(raw) else math.nan
        # camera motion from textured pixels only: flow on a flat backdrop is arbitrary
        textured = self._texture(small)
        if np.count_nonzero(textured) >= textured.size * MIN_TEXTURE:
            out["global_x"] = float(np.median(fx[textured])) / fw
            out["global_y"] = float(np.median(fy[textured])) / fw
        if np.count_nonzero(valid) < valid.size * 0.2:
            out.update(unexplained=math.nan, structure=math.nan, shift_a=math.nan, shift_b=math.nan)
            return out
        shift = float(np.median(residual[valid]))
        out["unexplained"] = shift
        out["structure"] = _correlation(current[valid], predicted[valid])
        predicted_ab = cv2.remap(prev_ab, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        chroma_residual = ab[valid] - predicted_ab[valid]
        out["shift_a"] = float(np.median(chroma_residual[:, 0]))
        out["shift_b"] = float(np.median(chroma_residual[:, 1]))
        instability = np.abs(residual - shift)
        instability[~valid] = np.nan
        b = self._band
        # where a camera move brings new content in, the strip it uncovers cannot be predicted from the previous frame:
        # that strip (twice the shift, plus the flow's patch margin) is left out of its side's band
        dx, dy = out.get("global_x", 0.0) * fw, out.get("global_y", 0.0) * fw
        skip_x, skip_y = _uncovered(dx), _uncovered(dy)
        sides = (np.s_[:, (skip_x if dx < 0 else 0):b + (skip_x if dx < 0 else 0)],
                 np.s_[:, fw - b - (skip_x if dx > 0 else 0):fw - (skip_x if dx > 0 else 0)],
                 np.s_[(skip_y if dy < 0 else 0):b + (skip_y if dy < 0 else 0), :],
                 np.s_[fh - b - (skip_y if dy > 0 else 0):fh - (skip_y if dy > 0 else 0), :])
        gradient = self._gradient(prev)
        inner_grad = float(gradient[b:-b, b:-b].mean()) + 1.0
        interior = instability[b:-b, b:-b]
        inner = float(np.nanmean(interior)) if np.isfinite(interior).any() else 0.0
        side_levels, side_ratios = [], []
        for band in sides:
            values = instability[band]
            level = float(np.nanmean(values)) if np.isfinite(values).any() else 0.0
            # a textured band mis-predicts more than a smooth interior under the same motion: normalise (capped)
            texture = min(3.0, max(1.0, math.sqrt((float(gradient[band].mean()) + 1.0) / inner_grad)))
            side_levels.append(level)
            side_ratios.append(level / max(inner, 0.5) / texture)
        worst = int(np.argmax(side_ratios))
        out["border_level"] = side_levels[worst]
        out["border_ratio"] = side_ratios[worst]
        out["border_side"] = float(worst)
        return out

    @staticmethod
    def _gradient(small: np.ndarray) -> np.ndarray:
        gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
        return np.abs(gx) + np.abs(gy)


    @staticmethod
    def _texture(small: np.ndarray) -> np.ndarray:
        gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
        return (np.abs(gx) + np.abs(gy)) > TEXTURE_GRADIENT


def _uncovered(shift: float) -> int:
    """Flow-proxy pixels at the leading edge that a move of ``shift`` px per frame uncovers (0 when still)."""
    return 0 if abs(shift) < ENTERING_SHIFT else int(math.ceil(2 * abs(shift))) + 3


def _changed(calm: np.ndarray, previous: np.ndarray | None) -> float:
    """Share of pixels whose change stands out of the grain: 0 on a held frame, even when fresh grain is laid on it.

    Both frames are blurred (grain averages out, a blink or a strand of hair does not); a pixel counts as changed
    when its change exceeds ``HOLD_SIGMAS`` times the frame's robust change level (the grain's), and at least
    ``HOLD_FLOOR`` levels.
    """
    if previous is None or previous.shape != calm.shape:
        return math.nan
    signed = calm.astype(np.int16) - previous.astype(np.int16)
    if abs(float(np.median(signed[::2, ::2]))) > HOLD_FLOOR:
        return 1.0  # the whole picture changed brightness: not a hold (flicker is QA101's)
    delta = np.abs(signed).astype(np.uint8)
    noise = 1.4826 * float(np.median(delta[::2, ::2]))
    moved = (delta > max(HOLD_FLOOR, HOLD_SIGMAS * noise)).astype(np.uint8)
    # what survives a 3x3 erosion is a region that moved (an eyelid, a strand of hair); encoder noise is scattered
    return float(np.count_nonzero(cv2.erode(moved, _HOLD_KERNEL))) / delta.size


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    mean, std = cv2.meanStdDev(values)
    return float(mean[0, 0]), float(std[0, 0])


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised correlation: 1 for the same picture whatever its brightness or gain."""
    a = a - a.mean()
    b = b - b.mean()
    denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    if denominator < 1e-6 * a.size:
        return math.nan  # a uniform frame has no structure to compare
    return float((a * b).sum()) / denominator


def _halo(g: np.ndarray, band_cut: float) -> float:
    """The halo index of a (blurred) image, on the same edge band threshold as the unblurred one."""
    kernel = np.ones((7, 7), np.uint8)
    smooth = cv2.GaussianBlur(g, (0, 0), 2.0)
    local_max, local_min = cv2.dilate(smooth, kernel), cv2.erode(smooth, kernel)
    contrast = local_max - local_min
    band = contrast >= band_cut
    if np.count_nonzero(band) <= 50:
        return 0.0
    near = np.ones((5, 5), np.uint8)
    overshoot = np.minimum(cv2.dilate(np.maximum(g - local_max, 0.0), near), cv2.dilate(np.maximum(local_min - g, 0.0), near))
    return float(np.percentile(overshoot[band], 90)) / max(float(np.median(contrast[band])), 1e-3)


def _detail_stats(detail: np.ndarray) -> dict[str, float]:
    """Sharpness (acuity), over-sharpening (halo) and grain on a larger grey image."""
    g = detail.astype(np.float32)
    fine = np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.0))
    coarse = np.abs(g - cv2.GaussianBlur(g, (0, 0), 4.0))
    smooth = cv2.GaussianBlur(g, (0, 0), 2.0)
    kernel = np.ones((7, 7), np.uint8)
    local_max = cv2.dilate(smooth, kernel)
    local_min = cv2.erode(smooth, kernel)
    contrast = local_max - local_min
    out = {"acuity": math.nan, "halo": math.nan, "halo_soft": math.nan}
    # percentiles from a strided sample: the same answer at a ninth of the cost
    edge_cut = float(np.percentile(coarse[::3, ::3], 95))
    edges = coarse >= edge_cut
    if edge_cut > 2.0 and np.count_nonzero(edges) > 50:
        out["acuity"] = float(fine[edges].mean()) / max(float(coarse[edges].mean()), 1e-3)
    band_cut = float(np.percentile(contrast[::3, ::3], 90))
    band = contrast >= band_cut
    if band_cut > 8.0 and np.count_nonzero(band) > 50:
        # a sharpening halo overshoots on both sides of an edge (bright rim on the bright side, dark rim on the
        # dark side); a thin line only "undershoots" its envelope on one side, so require both nearby
        near = np.ones((5, 5), np.uint8)
        over = cv2.dilate(np.maximum(g - local_max, 0.0), near)
        under = cv2.dilate(np.maximum(local_min - g, 0.0), near)
        overshoot = np.minimum(over, under)
        out["halo"] = float(np.percentile(overshoot[band], 90)) / max(float(np.median(contrast[band])), 1e-3)
        out["halo_soft"] = _halo(cv2.GaussianBlur(g, (0, 0), 1.0), band_cut)
    # grain: Immerkaer's noise estimate over the flattest half of the picture
    response = np.abs(cv2.filter2D(g, -1, _NOISE_KERNEL))[1:-1, 1:-1]
    flat = contrast[1:-1, 1:-1] <= np.percentile(contrast[::3, ::3], 50)
    if np.count_nonzero(flat) > 50:
        out["grain"] = float(response[flat].mean()) * math.sqrt(math.pi / 2) / 6.0
    return out
