"""CLI commands for sound: `shotcraft loudness` (any file) and `shotcraft mix` (a plan's cut)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from shotcraft.cli import app
from shotcraft.cli.common import Format, command, console, echo_json, err_console, format_option
from shotcraft.errors import InputError, ShotcraftError

if TYPE_CHECKING:
    from shotcraft.edit.timeline import Timeline
    from shotcraft.plan.loader import LoadedPlan


def _fmt(value: float | None, unit: str) -> str:
    return "-inf" if value is None or not math.isfinite(value) else f"{value:.1f} {unit}"



@command(
    app, "loudness",
    summary="Measure audio files: integrated, short-term max, LRA, true peak (EBU R128).",
    example="shotcraft loudness out/neo-noir/sound/mix.wav --format json",
)
def loudness_command(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Audio files (WAV, FLAC, AIFF, OGG, MP3)."),
    output_format: Format = format_option(),
    target: float = typer.Option(None, "--target", help="Also check integrated loudness against this target (LUFS)."),
    tolerance: float = typer.Option(0.5, "--tolerance", help="Allowed distance from --target, LU."),
    ceiling: float = typer.Option(None, "--ceiling", help="Also check true peak against this ceiling (dBTP)."),
) -> None:
    """Measure each file per ITU-R BS.1770 / EBU R128 (true peak on a 4x oversampled signal).
    An unreadable file is reported in one line and the others are still measured. Exit 2 when any
    file could not be read, else 1 when any file misses --target or --ceiling."""
    from shotcraft.sound.loudness import measure_file

    rows: list[dict[str, object]] = []
    failed = False
    out_of_spec = False
    for path in files:
        try:
            report = measure_file(path)
        except ShotcraftError as error:
            failed = True
            err_console.print(f"shotcraft: {error}", markup=False)
            rows.append({"file": str(path), "error": str(error)})
            continue
        problems = []
        if target is not None and not (math.isfinite(report.integrated_lufs) and abs(report.integrated_lufs - target) <= tolerance):
            problems.append(f"integrated {_fmt(report.integrated_lufs, 'LUFS')} is not within {tolerance:g} LU of {target:g}")
        if ceiling is not None and report.true_peak_dbtp > ceiling:
            problems.append(f"true peak {_fmt(report.true_peak_dbtp, 'dBTP')} is over the {ceiling:g} dBTP ceiling")
        out_of_spec = out_of_spec or bool(problems)
        rows.append({"file": str(path), **report.to_dict(), **({"problems": problems} if target is not None or ceiling is not None else {})})
        for problem in problems:
            err_console.print(f"{path}: {problem}", markup=False)
        if output_format == "text":
            console.print(
                f"{path}: integrated {_fmt(report.integrated_lufs, 'LUFS')}, "
                f"short-term max {_fmt(report.short_term_max_lufs, 'LUFS')}, "
                f"momentary max {_fmt(report.momentary_max_lufs, 'LUFS')}, LRA {report.lra:.1f} LU, "
                f"true peak {_fmt(report.true_peak_dbtp, 'dBTP')} ({report.seconds:.2f} s, {report.sample_rate} Hz, "
                f"{report.channels} ch)",
                markup=False,
            )
    if output_format == "json":
        echo_json(rows)
    if failed:
        raise typer.Exit(2)
    if out_of_spec:
        raise typer.Exit(1)


@command(
    app, "mix",
    summary="Lay ambience, effects, music and dialogue from the cut and mix to the platform target.",
    example="shotcraft mix examples/neo-noir/film.yaml --out out/neo-noir/sound",
)
def mix_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml."),
    out: Path = typer.Option(None, "--out", help="Output folder (default: PLAN's folder/sound)."),
    cut: str = typer.Option("auto", "--cut", help="rough (the picked takes), plan (shot durations, nothing rendered) or auto."),
    target: float = typer.Option(None, "--target", help="Mix target in LUFS (default: sound.target_lufs, else the first platform's)."),
    strict_rate: bool = typer.Option(False, "--strict-rate", help="Refuse audio files not at 48 kHz instead of resampling them."),
    output_format: Format = format_option(),
) -> None:
    """Write DIR/mix.wav (48 kHz, 24-bit) and DIR/stems/*.wav, each measured, plus DIR/sound.json with the
    checks for the QA report. Exit 1 when the mix misses its loudness target or true-peak ceiling."""
    from shotcraft.fsutil import write_json
    from shotcraft.plan import load_plan

    if cut not in ("auto", "rough", "plan"):
        raise InputError(f"--cut: expected 'auto', 'rough' or 'plan', found {cut!r}")
    if out is not None:
        from shotcraft.outputs import check_output_folder

        check_output_folder(out)
    plan = load_plan(plan_path)
    timeline, source = _timeline(plan, cut)
    out_dir = out if out is not None else plan.root / "sound"
    from shotcraft.sound.mix import mix_film

    result = mix_film(plan, timeline, out_dir, target_lufs=target, strict_rate=strict_rate)
    data = result.to_dict() | {"cut": source}
    write_json(out_dir / "sound.json", data)
    if output_format == "json":
        echo_json(data)
    else:
        console.print(f"cut: {source}, {result.seconds:.2f} s", markup=False)
        console.print(
            f"mix: {result.integrated_lufs:.1f} LUFS (target {result.target_lufs:g}), true peak {result.true_peak_dbtp:.2f} dBTP "
            f"(ceiling {result.ceiling_dbtp:g}), LRA {result.lra:.1f} LU -> {result.mix_path}",
            markup=False,
        )
        for stem in result.stems:
            console.print(f"  stem {stem.name:<9} {_fmt(stem.integrated_lufs, 'LUFS')} (target {stem.target_lufs:.1f}) -> {stem.path}", markup=False)
        for check in result.checks:
            if not check["ok"]:
                console.print(f"  {check['code']} {check['severity']}: {check['message']}", markup=False)
    if not result.ok:
        raise typer.Exit(1)


def _timeline(plan: LoadedPlan, cut: str) -> tuple[Timeline, str]:
    """The rough cut from the picked takes when asked (or available, with auto); else the plan's cut."""
    from shotcraft.edit.build import planned_timeline

    if cut == "plan":
        return planned_timeline(plan), "plan (shot durations)"
    try:
        from shotcraft.edit.build import build_timeline
        from shotcraft.render.store import open_project

        return build_timeline(plan, open_project(plan)), "rough cut (picked takes)"
    except ShotcraftError as error:
        if cut == "rough":
            raise
        err_console.print(f"shotcraft: no rough cut yet ({error}); laying sound on the plan's cut", markup=False)
        return planned_timeline(plan), "plan (shot durations)"
