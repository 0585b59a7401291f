"""The guided start's questions, as data: the terminal (`shotcraft new`) and the studio form ask the same.

The order follows the seed "How to Create a Cinematic Video with AI": intention first (the five
answers), then the one-page document (logline, the arc in four blocks, people, place, charters,
prohibitions), then what the format needs (a product and a call to action for an ad, a music file for
a music video). Every question can be skipped: the drafter fills what is missing with a visible
placeholder, and the plan still validates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Answers = dict[str, str]


@dataclass(frozen=True)
class Question:
    key: str  # where the answer goes in Answers
    prompt: str
    help: str = ""
    default: str = ""
    choices: tuple[str, ...] = ()
    section: str = ""
    when: Callable[[Answers], bool] = field(default=lambda answers: True, compare=False)

    def asked(self, answers: Answers) -> bool:
        return self.when(answers)

    def text(self, answers: Answers) -> str:
        """The prompt with earlier answers filled in ("Jack's face, locked")."""
        text = self.prompt
        for n in (1, 2):
            text = text.replace(f"{{character{n}}}", answers.get(f"character{n}.name", "").strip() or f"character {n}")
        return text


def _is(kind: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("kind", "film") == kind


def _has(key: str) -> Callable[[Answers], bool]:
    return lambda answers: bool(answers.get(key, "").strip())


def _two_characters(answers: Answers) -> bool:
    return bool(answers.get("character1.name", "").strip() and answers.get("character2.name", "").strip())


FILM = "The film"
INTENTION = "Intention: five answers before a single pixel"
DOCUMENT = "The one-page document"
PEOPLE = "Characters: locked descriptors, repeated verbatim in every prompt"
PLACE = "The place and its geography"
CHARTERS = "Light, texture, prohibitions"
FORMAT = "What the format needs"

QUESTIONS: tuple[Question, ...] = (
    Question("kind", "What are you making?", "film, music-video or ad", "film", ("film", "music-video", "ad"), FILM),
    Question("title", "Title", default="Untitled", section=FILM),
    Question("intention.feeling", "What does the character feel?", section=INTENTION),
    Question("intention.understanding", "What must the viewer understand?", section=INTENTION),
    Question("intention.light_source", "Where is the dominant light source?", "e.g. a sodium streetlamp above, camera left", section=INTENTION),
    Question("intention.camera_movement", "Which camera movement is plausible?", "e.g. a slow push-in, almost fixed", section=INTENTION),
    Question("intention.emotional_detail", "Which visual detail carries the emotion?", "e.g. the keys in his hand", section=INTENTION),
    Question("logline", "Logline: the whole story in one sentence", section=DOCUMENT),
    Question("platform", "Where will it be seen first?", "web, mobile, social, streaming", "web", ("web", "mobile", "social", "streaming"), DOCUMENT),
    Question("aspect", "Frame", "16:9 for web, 9:16 vertical, 4:5 feed, 7:3 scope", "16:9", ("16:9", "9:16", "4:5", "1:1", "7:3", "2.39:1"), DOCUMENT),
    Question("arc.setup", "Setup: who, where, what is normal", section=DOCUMENT),
    Question("arc.tension", "Tension: what disturbs it", section=DOCUMENT),
    Question("arc.decision", "Decision: what the character chooses", section=DOCUMENT),
    Question("arc.consequence", "Consequence: what that choice changes", section=DOCUMENT),
    Question("character1.name", "Main character's name (blank for none)", section=PEOPLE),
    Question("character1.face", "{character1}'s face, locked", "e.g. sharp jaw, grey eyes, three-day stubble", section=PEOPLE, when=_has("character1.name")),
    Question("character1.hair", "{character1}'s hair", section=PEOPLE, when=_has("character1.name")),
    Question("character1.age", "{character1}'s age and build", section=PEOPLE, when=_has("character1.name")),
    Question("character1.wardrobe", "{character1}'s wardrobe (comma-separated)", section=PEOPLE, when=_has("character1.name")),
    Question("character2.name", "A second character's name (blank for none)", section=PEOPLE, when=_has("character1.name")),
    Question("character2.face", "{character2}'s face, locked", section=PEOPLE, when=_has("character2.name")),
    Question("character2.hair", "{character2}'s hair", section=PEOPLE, when=_has("character2.name")),
    Question("character2.age", "{character2}'s age and build", section=PEOPLE, when=_has("character2.name")),
    Question("character2.wardrobe", "{character2}'s wardrobe (comma-separated)", section=PEOPLE, when=_has("character2.name")),
    Question("exchange", "Do they exchange looks or words?", "yes: shot-reverse-shot close-ups", "yes", ("yes", "no"), PEOPLE, _two_characters),
    Question("contact", "Do they touch (embrace, kiss, handshake)?", "yes: a profile anchor shot, already inches apart", "no", ("yes", "no"), PEOPLE, _two_characters),
    Question("location.description", "Where does it happen?", "e.g. a narrow rain-slicked street at night", section=PLACE),
    Question("location.geography", "What is where in that place?", "e.g. car on the left, door on the right", section=PLACE),
    Question("location.time_of_day", "Time of day", section=PLACE),
    Question("location.weather", "Weather", section=PLACE),
    Question("palette", "Palette (comma-separated)", "e.g. sodium amber, teal shadows", section=CHARTERS),
    Question("skin", "Skin texture", default="natural skin texture, visible pores", section=CHARTERS),
    Question("prohibitions", "Visual prohibitions (comma-separated)", "what must never appear: text, watermark, rain...", "text, watermark", section=CHARTERS),
    Question("product.name", "The product's name", section=FORMAT, when=_is("ad")),
    Question("product.description", "The product, locked (material, colour, label)", "e.g. a frosted glass bottle, gold cap", section=FORMAT, when=_is("ad")),
    Question("cta", "Call to action for the end card", default="Discover it now", section=FORMAT, when=_is("ad")),
    Question("music", "Music file (WAV/FLAC): cuts land on its beats", section=FORMAT, when=_is("music-video")),
)


def pending(answers: Answers) -> list[Question]:
    """Questions still to ask, in order (a question whose condition fails is not asked)."""
    return [q for q in QUESTIONS if q.key not in answers and q.asked(answers)]
