"""LUT baking, the 8-bit fast path, and .cube files (read/write, errors, OpenColorIO round trip)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shotcraft.grade import lut as lut_mod
from shotcraft.grade.lut import CubeError, Lut3D, bake, expand_to_table, apply_table, read_cube, trilinear, write_cube
from shotcraft.grade.ops import ShotOps


def _warm_contrasty(rgb: np.ndarray) -> np.ndarray:
    return ShotOps(exposure=0.3, contrast=0.4, saturation=1.2, temperature=0.3, tint=-0.1)(rgb)


def test_identity_lut_changes_no_8bit_code() -> None:
    codes = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    out = apply_table(expand_to_table(lut_mod.identity(33)), codes)
    assert np.array_equal(out[..., :3], codes)


def test_fast_table_equals_trilinear_interpolation() -> None:
    lut = bake(_warm_contrasty, 17)
    codes = np.random.default_rng(2).integers(0, 256, (50, 40, 3), dtype=np.uint8)
    fast = apply_table(expand_to_table(lut), codes)[..., :3].astype(int)
    exact = np.clip(np.rint(trilinear(lut.table, codes / 255.0) * 255), 0, 255).astype(int)
    assert np.abs(fast - exact).max() <= 1  # float32 rounding ties only


def test_every_entry_of_the_table_is_the_rounded_trilinear_value_and_its_weight() -> None:
    """All 16.7 million entries against the float64 trilinear interpolation: within one code (float32 ties)."""
    from shotcraft.grade.grain import luminance_weight

    lut = bake(_warm_contrasty, 33)
    table = expand_to_table(lut, luminance_weight).view(np.uint8).reshape(256, 256, 256, 4)  # [b, g, r]
    codes = np.stack(np.meshgrid(np.arange(256), np.arange(256), np.arange(256), indexing="ij"), -1)[..., ::-1]  # [b, g, r] -> (r, g, b)
    for blue in (0, 1, 97, 128, 254, 255):
        unit = codes[blue].reshape(-1, 3) / 255.0
        expected = trilinear(lut.table.astype(np.float64), unit).astype(np.float64)
        weight = trilinear(luminance_weight(lut.table).astype(np.float64)[..., None].repeat(3, -1), unit)[:, :1]
        exact = np.clip(np.rint(np.concatenate([expected, weight], axis=1) * 255), 0, 255)
        assert np.abs(table[blue].reshape(-1, 4).astype(int) - exact).max() <= 1, blue


def test_a_grid_beyond_zero_to_one_is_clipped_before_it_is_interpolated() -> None:
    values = lut_mod.grid(9) * 1.6 - 0.3  # every channel from -0.3 to 1.3
    wide, clipped = Lut3D(values), Lut3D(np.clip(values, 0.0, 1.0))
    assert np.array_equal(expand_to_table(wide), expand_to_table(clipped))


def test_cube_round_trip_is_red_fastest(tmp_path: Path) -> None:
    lut = bake(_warm_contrasty, 5)
    path = write_cube(lut, tmp_path / "look.cube")
    lines = [line for line in path.read_text().splitlines() if line and line[0].isdigit()]
    assert len(lines) == 125
    # second entry is r=1/4, g=0, b=0: red varies fastest
    assert np.allclose([float(v) for v in lines[1].split()], lut.table[1, 0, 0], atol=1e-6)
    again = read_cube(path)
    assert again.size == 5 and np.allclose(again.table, lut.table, atol=1e-6)


def test_cube_domain_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "domain.cube"
    rows = [f"{r} {g} {b}" for b in (0, 2) for g in (0, 2) for r in (0, 2)]
    path.write_text("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\n" + "\n".join(rows) + "\n")
    lut = read_cube(path)
    assert np.allclose(lut(np.array([[1.0, 0.5, 2.0]])), [[1.0, 0.5, 2.0]], atol=1e-6)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("LUT_3D_SIZE 2\n0 0 0\n1 0\n", 3, "three numbers"),
        ("LUT_3D_SIZE two\n", 1, "LUT_3D_SIZE N"),
        ("0 0 0\nLUT_3D_SIZE 2\n", 1, "before LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\nGAMMA 2.2\n", 2, "unknown keyword"),
        ("LUT_1D_SIZE 16\n", 1, "1D"),
        ("LUT_3D_SIZE 2\n0 0 x\n", 2, "three numbers"),
    ],
)
def test_malformed_cube_names_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    path = tmp_path / "bad.cube"
    path.write_text(text)
    with pytest.raises(CubeError) as caught:
        read_cube(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message and needle in message and "\n" not in message


def test_cube_with_missing_entries_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.cube"
    path.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7)
    with pytest.raises(CubeError, match="expected 8 entries"):
        read_cube(path)


def test_exported_cube_through_opencolorio_matches_within_one_code(tmp_path: Path) -> None:
    ocio = pytest.importorskip("PyOpenColorIO")
    lut = bake(_warm_contrasty, 33)
    path = write_cube(lut, tmp_path / "shot.cube")
    codes = np.random.default_rng(3).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    ours = apply_table(expand_to_table(lut), codes)[..., :3].astype(np.float64)

    config = ocio.Config.CreateRaw()
    transform = ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_LINEAR)
    processor = config.getProcessor(transform).getDefaultCPUProcessor()
    pixels = np.ascontiguousarray((codes / 255.0).astype(np.float32))
    processor.applyRGB(pixels)
    theirs = np.clip(pixels, 0, 1).astype(np.float64) * 255.0
    assert np.abs(ours - theirs).max() <= 1.0  # within 1/255 of OpenColorIO's own evaluation


def test_lut_object_is_plain_data() -> None:
    lut = Lut3D(lut_mod.grid(2))
    assert lut.size == 2 and lut.domain_max == (1.0, 1.0, 1.0)
