"""A clip report through the plan-mode cache: the same report back, every series value exact."""

from __future__ import annotations

import json
import math

from shotcraft.qa import analyze_clip
from shotcraft.qa.model import ClipReport


def test_a_cached_report_comes_back_exact_with_its_series_packed(clips) -> None:
    report = analyze_clip(clips.get("clean"))
    report.series["with_gap"] = [0.1, float("nan"), 1 / 3]
    report.series["sides"] = [0, 1, 1]  # not floats: kept as they are
    written = json.dumps(report.to_cache())
    back = ClipReport.from_cache(json.loads(written))
    assert set(back.series) == set(report.series)
    for name, values in report.series.items():
        again = back.series[name]
        assert len(again) == len(values)
        assert all((math.isnan(a) and math.isnan(b)) if isinstance(a, float) and math.isnan(a) else a == b and type(a) is type(b)
                   for a, b in zip(values, again)), name
    assert back.verdict == report.verdict and back.score == report.score and back.flags == report.flags
    assert isinstance(json.loads(written)["series"]["with_gap"], dict)  # packed


def test_a_cache_entry_written_before_packing_still_reads() -> None:
    entry = {"path": "a.mp4", "verdict": "pass", "score": 100.0, "flags": [], "metrics": {}, "series": {"L": [1.5, None, 2.0]},
             "frames": 3, "rate": "24/1", "width": 8, "height": 8, "cuts": [], "expected": None}
    series = ClipReport.from_cache(entry).series["L"]
    assert series[0] == 1.5 and math.isnan(series[1]) and series[2] == 2.0
