"""The seeds' "Pro publication checklist", each line ticked from a measurement where one exists.

status: ``ok`` / ``fail`` when measured, ``check`` when it needs a human (or a
stage that is not QA), ``n/a`` when it does not apply to this film.
"""

from __future__ import annotations

from typing import Any

from shotcraft.plan.loader import LoadedPlan

GRAIN_PRESENT = 0.5  # luma levels: "subtle homogeneous grain" is measurable above this


def publication_checklist(plan: LoadedPlan, result: Any) -> list[dict[str, Any]]:
    chosen = [s.chosen for s in result.shots if s.chosen is not None]
    flags = [f for take in chosen for f in take.report.flags]
    codes = {f.code for f in flags}
    items = []

    def item(text: str, status: str, evidence: str) -> None:
        items.append({"item": text, "status": status, "evidence": evidence})

    stacked = [c for c in result.cuts if any(f.code == "QA206" for f in c.flags)]
    shots = len(result.shots)
    if shots < 3:
        item("3 minimum consistent shots", "fail", f"{shots} shot(s) in the film")
    elif result.cut_note:
        item("3 minimum consistent shots", "check", f"{shots} shots; continuity not measured ({result.cut_note})")
    else:
        item("3 minimum consistent shots", "fail" if stacked else "ok",
             f"{shots} shots, {len(stacked)} cut(s) with more than two jumps" + (": " + ", ".join(f"{c.outgoing}->{c.incoming}" for c in stacked) if stacked else ""))
    majors = [f"{t.shot_id}{t.label} {f.code}" for t in chosen for f in t.report.flags if f.severity == "major"]
    missing = [s.shot_id for s in result.shots if s.chosen is None]
    item("no major visible artifact", "fail" if majors or missing else "ok",
         ("major defects in chosen takes: " + ", ".join(majors) if majors else "no major flag in any chosen take")
         + (f"; no usable take for {', '.join(missing)}" if missing else ""))
    grains = [t.report.metrics.get("grain") or 0.0 for t in chosen]
    sharp = sorted({t.shot_id for t in chosen if "QA106" in t.report.codes})
    clean = [t.shot_id for t, g in zip(chosen, grains) if g < GRAIN_PRESENT]
    skin_ok = not sharp and not clean
    item("natural skin texture", "ok" if skin_ok else "fail",
         ("no over-sharpening, grain present in every chosen take (measured); judge the skin itself by eye" if skin_ok else
          "; ".join(filter(None, [f"over-sharpened: {', '.join(sharp)}" if sharp else "", f"no grain: {', '.join(clean)}" if clean else ""]))))
    light_codes = {"QA101", "QA111", "QA109"} & codes
    light_jumps = [f"{c.outgoing}->{c.incoming}" for c in result.cuts if any(f.code in ("QA201", "QA202") for f in c.flags)]
    light_ok = not light_codes and not light_jumps
    item("stable motivated light", "ok" if light_ok else "fail",
         ("no flicker, colour drift or clipping in chosen takes, no exposure/colour jump at cuts (stability measured; motivation by eye)" if light_ok else
          "; ".join(filter(None, [", ".join(sorted(light_codes)) + " in chosen takes" if light_codes else "", "jumps at " + ", ".join(light_jumps) if light_jumps else ""]))))
    has_sound = bool(plan.film.sound.ambience or plan.film.sound.cues or plan.film.sound.music)
    item("contextualized sound", "check" if has_sound else "fail",
         "the plan has location ambience and cues; loudness is measured by the sound stage" if has_sound else "the plan has no sound")
    is_ad = plan.film.production.kind == "ad"
    item("clear narrative CTA if ad format", "check" if is_ad else "n/a", "an ad: judge the last shot's call to action" if is_ad else f"not an ad ({plan.film.production.kind})")
    item("validated mobile version", "check", "watch the mobile export on a small screen (the seeds' last pass)")
    archived = [t for t in chosen if t.report.path.exists()]
    item("archived source file", "ok" if len(archived) == len(chosen) and chosen else "fail",
         f"{len(archived)} of {len(chosen)} chosen takes stored, hash-verified, with their settings log")
    return items


def close_checklist(items: list[dict[str, Any]], *, sound: dict[str, Any] | None, conformance: dict[str, bool] | None) -> list[dict[str, Any]]:
    """Tick the lines later stages measure: the mix against its targets, the mobile export's conformance.

    ``sound`` is the sound stage's result (``MixResult.to_dict()``); ``conformance`` maps each video
    deliverable's path to whether it passed. A line stays ``check`` where nothing was measured.
    """
    closed = []
    for item in items:
        item = dict(item)
        if item["item"] == "contextualized sound" and sound is not None:
            failed = [c["message"] for c in sound.get("checks", []) if not c.get("ok") and c.get("severity") == "error"]
            item["status"] = "fail" if failed else "ok"
            item["evidence"] = "; ".join(failed) if failed else (
                f"mix {sound['integrated_lufs']} LUFS (target {sound['target_lufs']}), true peak {sound['true_peak_dbtp']} dBTP "
                f"(ceiling {sound['ceiling_dbtp']}); location ambience and cues laid from the cut (listen to judge the context)"
            )
        elif item["item"] == "validated mobile version" and conformance:
            mobile = {path: ok for path, ok in conformance.items() if "mobile" in path}
            if mobile:
                ok = all(mobile.values())
                item["status"] = "check" if ok else "fail"
                item["evidence"] = (f"{', '.join(mobile)} conforms (codec, rate, frames, A/V drift); watch it on a small screen"
                                    if ok else f"{', '.join(p for p, good in mobile.items() if not good)} fails conformance")
        closed.append(item)
    return closed
