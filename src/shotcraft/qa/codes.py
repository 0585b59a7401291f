"""One documentation page per QA and SND code, like the lint rules' (``shotcraft rules QA112`` prints one).

The pages in ``docs/qa/`` are generated from this table and the thresholds
table (``python -m shotcraft.qa.codes docs/qa``); ``tests/qa/test_codes.py``
keeps them in sync. Each page: what the check measures, why it matters (the
seeds' words where they say it), an example of what it prints, the fix, and
its thresholds with their defaults.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from shotcraft.qa.model import CHECK_NAMES
from shotcraft.qa.thresholds import TABLE, table_markdown


@dataclass(frozen=True)
class CodeDoc:
    code: str
    name: str
    measures: str
    why: str
    example: str
    fix: str

    @property
    def family(self) -> str:
        if self.code.startswith("SND"):
            return "sound (the mix, measured by `shotcraft sound` / `make`)"
        return "per take" if self.code < "QA200" else "continuity across the cut"


_SND_NAMES = {
    "SND101": "stem-loudness", "SND102": "mix-loudness", "SND103": "true-peak", "SND104": "sound-off",
    "SND105": "default-sound-laid", "SND106": "resampled-file", "SND107": "sound-outside-cut",
    "SND108": "cue-after-its-shot", "SND109": "limiter-working-hard", "SND110": "dialogue-not-clear",
    "SND111": "no-production-sound",
}


def _qa(code: str, measures: str, why: str, example: str, fix: str) -> CodeDoc:
    return CodeDoc(code, CHECK_NAMES[code], measures, why, example, fix)


def _snd(code: str, measures: str, why: str, example: str, fix: str) -> CodeDoc:
    return CodeDoc(code, _SND_NAMES[code], measures, why, example, fix)


DOCS: tuple[CodeDoc, ...] = (
    _qa("QA101", "Frame-to-frame brightness (and mean colour) changes that the motion does not explain: each frame is predicted from the previous one along the optical flow, the median residual is compared with its local trend over 9 frames, so a fade or an exposure ramp is not flicker but a pump above it is.",
        "Generators pump exposure between frames; the eye reads it at once as fake. A flicker fired on a cut is a missed cut (see QA206's cut detector).",
        "QA101 flicker: brightness jumps by up to 25.2 luma levels between frames, not explained by motion (frames 20-27)",
        "Re-render the take (another seed), or cut around the frames; a deflicker pass in grading hides small pumps only."),
    _qa("QA102", "Held frames: a run of frames whose grain-filtered picture does not change beyond the grain, compared with the first frame of the run (slow micro-motion accumulates past the limit within a few frames, a held frame never does). Grain, even laid fresh on every frame, is not motion; a blink, a strand of hair or breathing is.",
        "A generator that stalls repeats frames, then jumps on; a clip that never moves is a still. The seeds' tight portrait wants an \"almost fixed camera\": micro-motion, not a freeze.",
        "QA102 frozen frames: the picture stalls for 12 frames mid-shot (0.50 s)",
        "Trim a hold at the head or tail (minor); re-render a stall mid-shot, or give a static shot some life (motion 0.3, a slow push)."),
    _qa("QA103", "Blank frames: luma standard deviation under the limit (black when also dark).",
        "A black or flat frame inside a take is a render or encode failure.",
        "QA103 black frames 30-35 (luma deviation 0.4)",
        "Re-render, or cut the frames out."),
    _qa("QA104", "Mean picture speed of the clip (per frame the larger of the dense optical flow's mean and the speed of a similarity fitted to tracked corners, so a push-in or dolly reads its true speed) against what the take plans: the motion strength's calibrated speed (QA104.speed_per_motion), or, for a take that is only its keyframe moved by the planned camera path (the stills backend: clip_is_camera_move), that path's own speed, so a static shot that breathes is judged against its breath.",
        "The seeds give motion strength 0.35-0.55 and \"a subtle camera\": too much motion is the demonstrative camera, too little a slideshow.",
        "QA104 too much motion: 30.4 % of frame width per second, 10.1x what motion 0.30 plans (3.0 %/s)",
        "Lower (or raise) the shot's motion and re-render; check the camera move in the brief."),
    _qa("QA105", "Camera shake: RMS of the high-frequency part of the global (camera) motion over half a second, with at least four jolts in the window.",
        "Jitter is the signature of an unstable generation; handheld drift is slow and smooth, shake is not.",
        "QA105 camera shake: high-frequency jitter of 1.35 % of frame width per frame (frames 13-46)",
        "Re-render; stabilise in the edit only if the jitter is small."),
    _qa("QA106", "Over-sharpening, relative to the clip's own detail: halo rims beside strong edges that survive a mild blur (sigma 1 px), in absolute terms and as a share of the unblurred overshoot. Fine natural detail (gantries, fur, text) overshoots its envelope too, but a mild blur removes it; the wide rims of an unsharp mask stay.",
        "\"Mistake: a video-game render. Fix: reduce the sharpen, preserve the midtones.\"",
        "QA106 over-sharpened: halo rims of 0.30 of the edge contrast survive a mild blur (18% of the overshoot; natural detail keeps under 10 %)",
        "Remove the sharpen (upscaler or model setting), add a subtle homogeneous grain."),
    _qa("QA107", "Edge acuity: fine detail over coarse detail at the strongest edges.",
        "A soft take next to sharp ones breaks the texture density of the cut.",
        "QA107 soft image: edge acuity 0.10 (sharp footage measures about 0.3)",
        "Re-render at the right size, check the upscaler; a focus pull that is planned is fine (raise QA107 on that shot)."),
    _qa("QA108", "Temporal instability in a border band against the interior, after motion compensation, divided by the band's relative texture; the strip a camera move uncovers at its leading edge is left out (new content is not an artifact).",
        "\"The still is credible. The animation destroys the edges.\" Outpainting and generators boil the frame's edges.",
        "QA108 border artifacts: the right edge is 7.0x less stable than the interior (frames 10-41)",
        "Crop in slightly (reframe), or re-render."),
    _qa("QA109", "Share of pixels at or above luma 250.",
        "\"Fix: headroom on the highlights + subtle grain.\" Clipped areas band and blotch after the platform's compression.",
        "QA109 clipped highlights, no headroom for compression: up to 9.6 % of the frame (frames 0-59)",
        "Lower the exposure in the grade or the prompt's light; keep the highlights under 95 %."),
    _qa("QA110", "Share of pixels at or below luma 3.",
        "Crushed shadows lose the texture the seeds ask to keep, and block after compression.",
        "QA110 crushed blacks: up to 96.7 % of the frame (frames 0-59)",
        "Lift the blacks in the grade; a night shot may legitimately raise QA110 on that shot."),
    _qa("QA111", "The colour of the light sliding within a shot: motion-compensated a*/b* changes, accumulated (content entering the frame does not count).",
        "A white balance that drifts mid-shot cannot be graded out with one correction.",
        "QA111 colour cast drifts 27.0 Lab units towards blue within the shot",
        "Re-render; a keyframed white balance in the grade for small drifts."),
    _qa("QA112", "Face tracks (dlib HOG detector, 68 landmarks, 128-D ResNet descriptor, 4 samples a second, refined frame by frame on a change; profiles found by OpenCV's Haar profile cascade on the frame and its mirror join the same tracks): a face that vanishes mid-shot and comes back, jumps, turns into another face (descriptor distance to what the same track showed; frontal faces only, the descriptor has no profile model), or melts (lost by the detector where it stood while its place turns to a smear). A frontal face that turns to profile is the same face, not a lost one. No face, no flag.",
        "\"Hands merge, faces melt, and limbs tangle.\" The seeds' worst failures: \"unstable faces\", \"the character loses their identity\".",
        "QA112 face turns into another face at frame 27 (identity distance 0.62 from frame 24; the same person stays under 0.50)",
        "Reject the take and re-render (another seed, a locked character sheet, less motion on the face)."),
    _qa("QA113", "Frames the decoder cannot decode, marks as damaged, or that are missing from the timestamps.",
        "A damaged file must not reach the cut.",
        "QA113 corrupt or undecodable frames 24-31: decode: Invalid data found when processing input",
        "Re-download or re-render the take; `shotcraft fsck` checks the store."),
    _qa("QA114", "The clip's frame rate and length against the plan (longer is fine up to a handle allowance).",
        "A short clip shortens the cut; a wrong rate stutters when conformed.",
        "QA114 clip is 40 frames (1.67 s), the plan needs 48 (2.00 s)",
        "Re-render at the plan's rate and length, or change the shot's duration."),
    _qa("QA115", "Each face track's identity descriptor against the character sheet of the shot: the character's reference images in the plan, else the take's locked keyframe (when the shot has one character). Flags a face that is not the character over the whole track, or drifts away from it from a frame on.",
        "\"Mistake: perception of fake casting. Fix: character sheet + seed + constant wardrobe.\"",
        "QA115 the face drifts away from mara from frame 27: identity distance 0.66 (starts at 0.07; the same person stays under 0.60)",
        "Re-render with the character's references (IP-Adapter), the locked seed and a keyframe; give the character a reference image if it has none."),
    _qa("QA116", "Each prop or product the shot lists (`shots[].props`), looked for on sampled frames (640 px; 2 per second while it matches, 4 once it does not) against its sheet: the prop's reference images (`props[].references`), else the centre of the take's locked keyframe when the shot is a detail or insert of that one prop. SIFT features of the sheet are matched to the frame (Lowe's ratio test) and fitted by one RANSAC homography: under `QA116` inliers the prop is not there. Where it is found, the frame is warped back onto the sheet and compared in CIELAB over the matched object after one exposure gain (median CIEDE2000): over `QA116.colour` it is the wrong colour, even with the right shape. Flags a prop never found, one in the wrong colour, and one that matches at the start and is lost from a frame on (two samples in a row, a quarter of a second apart); a prop last seen at the frame's edge that is then gone has left the frame: noted, not judged. A prop slightly out of focus or in motion is also looked for with blurred copies of its sheet; one so blurred that its texture is gone (a hard focus pull, a whip pan) cannot be told from a missing one and reads as lost. A prop judged by the side its sheet shows: one that turns its back to the camera reads as lost, so give a prop that turns one reference image per side (the best-matching one counts on each frame). A sheet with fewer than `QA116.keypoints` keypoints (a plain, textureless object) is noted as unverifiable, never judged; a prop with no sheet is noted as not verified. Animatic (previz) takes draw props as cartoons and are not checked.",
        "Article 001's ad checks \"consistent bottle reflections\": a product that changes colour, label or shape between takes, or vanishes mid-shot, is the first thing a client sees.",
        "QA116 prop the serum bottle matches its sheet at the start, lost from frame 24: 2 features match (the prop shows 10 or more); last seen on frame 18",
        "Re-render with the prop's reference images (IP-Adapter) and the locked seed; give the prop a textured reference image (a packshot) if it has none; a prop that leaves the frame by design is flagged too: pick that take anyway (your pick always wins)."),
    _qa("QA201", "Mean L* of the last half second of the outgoing shot against the first half second of the incoming one, on the graded picture after `make`.",
        "\"An excellent shot can seem fake if the following cut breaks the axis or the texture density.\"",
        "QA201 exposure jumps +14.5 L* from s02 to s03",
        "Match the shots in the grade (grade.match), or re-light one of them."),
    _qa("QA202", "Mean a*/b* (white balance, colour cast) on each side of a cut.",
        "A cast jump at a cut reads as two different places or days.",
        "QA202 colour cast jumps 36.4 Lab a/b units from s04 to s05",
        "grade.match, or a shot's temperature/tint."),
    _qa("QA203", "L* spread (contrast) ratio across a cut.",
        "Contrast is part of the texture density the seeds ask to keep across cuts.",
        "QA203 contrast rises 1.52x from s01 to s02",
        "A shot's grade.contrast."),
    _qa("QA204", "Grain level ratio across a cut (noise in flat areas).",
        "Grain is the film's texture; a clean shot beside a grainy one looks pasted in.",
        "QA204 grain thickens 2.3x from s02 to s03",
        "The film's texture grain (applied by the grade) evens it; re-render a shot that is much noisier."),
    _qa("QA205", "Apparent speed (optical flow) ratio across a cut.",
        "A calm shot cut to a fast one is a rhythm choice only when intended.",
        "QA205 apparent speed jumps up 8.3x from s01 to s02",
        "Change a shot's motion or the order; ignore when the cut is meant to accelerate."),
    _qa("QA206", "More than two of QA201-QA205 at one cut.",
        "\"If three elements change at the same time, the perception of fake increases.\"",
        "QA206 3 things change at once at the cut s04 -> s05 (QA201, QA202, QA205): it will read as fake",
        "Fix the largest jumps (grade first), or put a transition (dip to black) at the cut."),
    _qa("QA207", "The same character's face (mean identity descriptor of its tracks in the chosen take) in two shots of the cut, against its first appearance.",
        "\"Mistake: perception of fake casting.\" Each take may pass QA115 alone and still look like two actors side by side.",
        "QA207 mara in s04 looks like a different actor than in s01: identity distance 0.55 (the same face across shots stays under 0.50)",
        "Pick the take whose face is closest, or re-render with the same references and seed."),
    _qa("QA208", "The same prop's appearance in two shots of the cut (its chosen takes), against its first appearance: both are warped onto the same reference image, averaged on an 8x8 grid of it, and compared cell by cell (median CIEDE2000 after one lightness offset, over the cells both shots show). Props checked against a keyframe are not compared (two keyframes are not one sheet).",
        "Each take may pass QA116 alone (within its tolerance of the sheet) and still show an amber bottle in one shot and a green one in the next.",
        "QA208 prop bottle in s04 does not look as in s01: colour CIEDE2000 17.2 over 15 common parts of its sheet (the same prop across shots stays under 8)",
        "Pick the take whose prop is closest to the first shot's, or re-render with the same references; for an intended change (the prop repainted in the story) raise `qa.thresholds.QA208` for the film."),
    _snd("SND101", "Integrated loudness of each stem (ambience, effects, music, dialogue) against its target.",
         "The seeds' sound recipe: \"ambience at -24 LUFS\"; stems at their levels make a mix that reads.",
         "SND101 ambience stem -30.2 LUFS, target -24.0 ±2 LU", "Give the source a level, or a louder/quieter file."),
    _snd("SND102", "Integrated loudness of the mix against the platform target (±0.5 LU).",
         "Platforms normalise; a mix off target is turned up (noise) or down (weak).", "SND102 mix -16.8 LUFS, target -14.0 ±0.5 LU",
         "The mix stage levels automatically; a miss means the limiter could not reach it (see SND109)."),
    _snd("SND103", "True peak of the mix against the ceiling.", "Inter-sample peaks clip after lossy encoding.",
         "SND103 mix true peak -0.4 dBTP, ceiling -1 dBTP", "Lower the target loudness or the loudest cue."),
    _snd("SND104", "Share of the film that is ambience only with no picture change for a long stretch (a \"sound off\" proxy).",
         "\"Watch with low sound, then sound off\": the film must hold without its sound.", "SND104 42% of the film is ambience only with no picture change for 4 s or more",
         "Cut tighter, or give those stretches a cue."),
    _snd("SND105", "A sound description in which no keyword matched: a default sound (room tone, a soft impact) was laid.",
         "A generic bed is not \"contextualized sound\".", "SND105 location yard: no ambience keyword in 'quiet'; laid room tone",
         "Name the sound (city hum, rain, wind ...) or give the location a file."),
    _snd("SND106", "A sound file resampled to 48 kHz.", "Resampling is fine; it is noted so a wrong file is noticed.",
         "SND106 music: song.wav resampled from 44100 Hz to 48000 Hz", "Nothing, or supply 48 kHz files."),
    _snd("SND107", "A cue, line or music placed outside the cut.", "It would never be heard.", "SND107 cue door: shot s09 is not in the cut; its sound was left out",
         "Move the cue to a shot in the cut."),
    _snd("SND108", "A cue whose time falls after the end of its shot as cut.", "Its action is outside the shot: it plays over the next one.",
         "SND108 cue door: falls 3.20 s into shot s03 as cut (2.50 s long)", "Move the cue's `at`, or lengthen the shot."),
    _snd("SND109", "How much the limiter takes off the loudest peaks.", "A limiter working hard squashes transients: a dull, pumping mix.",
         "SND109 limiter took up to 7.5 dB off the loudest peaks", "Lower the target, or give the film music or dialogue."),
    _snd("SND110", "Dialogue level above the rest of the mix while lines play.", "Dialogue that does not sit above the bed is not understood.",
         "SND110 dialogue sits 3.1 LU above the rest of the mix while it plays (want 6 LU or more)", "Lower the bed under dialogue or raise the lines."),
    _snd("SND111", "`sound.production_sound` is on, but no picked take carries an audio stream to lay as the production stem.",
         "The plan asked for the takes' own voices and room; a mix without them is not the film that was planned.",
         "SND111 sound.production_sound is on but no picked take carries sound (import clips with their audio)",
         "Import the clips with their audio (`shotcraft take add` keeps a clip's sound), pick those takes, or turn `sound.production_sound` off."),
)

BY_CODE = {doc.code: doc for doc in DOCS}


def thresholds_for(code: str) -> list:
    return [row for row in TABLE if row.key.split(".")[0] == code]


def page(doc: CodeDoc) -> str:
    """The Markdown page of one code (what `shotcraft rules CODE` prints)."""
    lines = [f"# {doc.code} {doc.name}", "", f"- Family: {doc.family}"]
    rows = thresholds_for(doc.code)
    severity = next((r.severity for r in rows if r.severity), None)
    if severity:
        lines.append(f"- Severity: {severity}")
    if doc.code.startswith("QA"):
        lines.append(f"- Override: `qa: {{thresholds: {{{doc.code}: ...}}}}` for the film or one shot")
    lines += ["", "## What it measures", "", doc.measures, "", "## Why", "", doc.why, "", "## Example", "", "```", doc.example, "```",
              "", "## Fix", "", doc.fix]
    if rows:
        lines += ["", "## Thresholds", "", "| key | default | unit | meaning |", "|---|---|---|---|"]
        lines += [f"| {r.key} | {r.value:g} | {r.unit} | {r.meaning} |" for r in rows]
    return "\n".join(lines) + "\n"


def index_page() -> str:
    lines = ["# QA and sound codes", "", "Generated by `python -m shotcraft.qa.codes docs/qa`; do not edit by hand.", "",
             "`shotcraft qa` flags takes and cuts with QA codes; the sound stage reports SND codes. "
             "`shotcraft rules QA112` prints one page.", "", "| code | name | family |", "|---|---|---|"]
    lines += [f"| [{d.code}]({d.code}.md) | {d.name} | {d.family} |" for d in DOCS]
    lines += ["", "## Thresholds", "", "Every QA threshold, overridable from the plan (`qa.thresholds`, film or shot):", "", table_markdown()]
    return "\n".join(lines) + "\n"


def generated() -> dict[str, str]:
    """File name -> content of every page in docs/qa."""
    return {"README.md": index_page(), **{f"{d.code}.md": page(d) for d in DOCS}}


def write_docs(folder: str | Path) -> list[Path]:
    from shotcraft.fsutil import write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_text(folder / name, text) for name, text in generated().items()]


if __name__ == "__main__":  # pragma: no cover - the docs generator
    for path in write_docs(sys.argv[1] if len(sys.argv) > 1 else "docs/qa"):
        print(path)
