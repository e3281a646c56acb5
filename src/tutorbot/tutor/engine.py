"""The tutoring state machine: ``step(state, event) -> (state, actions)``.

Pure: no I/O, no Telegram, no clock. A session walks the history, then for
each stage its images and (on ``Next``) its findings with the annotated
images, then the diagnosis question; answers are graded with up to
``attempts`` tries and a hint between them; then the answer and the teaching
points are revealed and the next case offered.

Taking an answer (:meth:`Tutor.take_answer`) and revealing
(:meth:`Tutor.reveal`) are separate steps so that group play can collect
many participants' answers and reveal once.
"""

from __future__ import annotations

from collections.abc import Callable

from tutorbot.cases.model import Case, DiagnosisSpec, Image, Stage
from tutorbot.grading.verdict import Verdict
from tutorbot.tutor import actions as a
from tutorbot.tutor.events import (
    Answer,
    Event,
    Hint,
    Next,
    Restart,
    Reveal,
    Show,
    Skip,
    SkippedFindings,
)
from tutorbot.tutor.progress import CaseOutcome
from tutorbot.tutor.state import SessionState

Grader = Callable[[str, DiagnosisSpec], Verdict]
Step = tuple[SessionState, list[a.Action]]


class Tutor:
    """Runs one case for one learner; holds no state of its own between calls."""

    def __init__(self, case: Case, grader: Grader, attempts: int = 2) -> None:
        self.case = case
        self.grader = grader
        self.attempts = max(1, attempts)

    # -- entry points -------------------------------------------------------

    def start(self) -> Step:
        """A new session at the history."""
        state = SessionState(case_id=self.case.id, case_version=self.case.version)
        return state, [self._history()]

    def step(self, state: SessionState, event: Event) -> Step:
        """Apply one learner event. Events that make no sense now get a Notice, never an error."""
        state = self._fit(state)
        match event:
            case Restart():
                return self.start()
            case Next():
                return self._next(state)
            case Hint():
                return self._hint(state)
            case Skip():
                return self._skip(state)
            case Reveal():
                if state.phase == "done":
                    return state, self._finished(state)
                return self.reveal(self._skipping(state), "revealed")
            case Show():
                return state, self._current(state)
            case SkippedFindings():
                return self._skipped_findings(state)
            case Answer(text=text):
                return self._answer(state, text)

    def take_answer(self, state: SessionState, text: str) -> tuple[SessionState, Verdict]:
        """Grade an answer at the question and count the attempt (an empty answer counts none)."""
        verdict = self.grader(text, self.case.diagnosis)
        if verdict.empty:
            return state, verdict
        return state.moved(attempts_used=state.attempts_used + 1), verdict

    def reveal(self, state: SessionState, outcome: CaseOutcome) -> Step:
        """End the case: the diagnosis, the teaching points and an offer of the next case."""
        diagnosis = self.case.diagnosis
        shown = a.RevealDiagnosis(
            diagnosis=diagnosis.answer,
            explanation=diagnosis.explanation,
            teaching_points=self.case.teaching_points,
            outcome=outcome,
            source=self.case.source,
        )
        state = state.moved(phase="done", outcome=outcome)
        return state, [shown, self._offer_next(state)]

    # -- a case played together (group rounds) ----------------------------

    def shown_at(self, stage: int) -> a.Action:
        """What a group round posts at ``stage``: 0 the history, ``k`` stage k's plain
        images (their findings wait for the reveal)."""
        if stage <= 0 or not self.case.stages:
            return self._history()
        state = SessionState(case_id=self.case.id, case_version=self.case.version)
        return self._images(state, min(stage, len(self.case.stages)) - 1)[1][0]

    def revealed_all(self) -> list[a.Action]:
        """What a group round's reveal posts: every stage's findings with the annotated
        images, then the diagnosis and teaching points."""
        state = SessionState(case_id=self.case.id, case_version=self.case.version)
        findings: list[a.Action] = [
            self._stage_findings(index, review=True) for index in range(len(self.case.stages))
        ]
        return [*findings, self.reveal(state, "revealed")[1][0]]

    # -- transitions --------------------------------------------------------

    def _current(self, state: SessionState) -> list[a.Action]:
        """What the learner last saw, shown again without changing anything."""
        match state.phase:
            case "history":
                return [self._history()]
            case "images":
                return self._images(state, state.stage)[1]
            case "findings":
                return self._findings(state, state.stage)[1]
            case "question":
                return [self._ask(state)]
            case "done":
                return self.reveal(state, state.outcome or "revealed")[1]

    def _next(self, state: SessionState) -> Step:
        match state.phase:
            case "history":
                return self._images(state, 0)
            case "images":
                return self._findings(state, state.stage)
            case "findings":
                return self._images(state, state.stage + 1)
            case "question":
                return state, [self._ask(state)]
            case "done":
                return state, [a.StartNextCase()]

    def _images(self, state: SessionState, index: int) -> Step:
        if index >= len(self.case.stages):
            return self._question(state)
        stage = self.case.stages[index]
        shown = a.ShowImages(
            stage=index + 1,
            stages=len(self.case.stages),
            title=stage.title,
            images=tuple(self._plain(image) for image in stage.images),
            question=stage.question,
        )
        return state.moved(phase="images", stage=index), [shown]

    def _findings(self, state: SessionState, index: int) -> Step:
        return state.moved(phase="findings", stage=index), [self._stage_findings(index)]

    def _stage_findings(self, index: int, review: bool = False) -> a.ShowFindings:
        stage = self.case.stages[index]
        return a.ShowFindings(
            stage=index + 1,
            stages=len(self.case.stages),
            title=stage.title,
            findings=stage.findings,
            images=self._annotated(stage),
            review=review,
        )

    def _question(self, state: SessionState) -> Step:
        state = state.moved(phase="question", stage=len(self.case.stages))
        return state, [self._ask(state)]

    def _skip(self, state: SessionState) -> Step:
        if state.phase == "question":
            return state, [
                a.Notice("already_asked", "You are at the diagnosis question already."),
                self._ask(state),
            ]
        if state.phase == "done":
            return state, self._finished(state)
        return self._question(self._skipping(state))

    def _hint(self, state: SessionState) -> Step:
        if state.phase == "done":
            return state, self._finished(state)
        hint = self._next_hint(state)
        if hint is None:
            shown: list[a.Action] = [a.Notice("no_hints", "There are no more hints for this case.")]
        else:
            state, shown = state.moved(hints_shown=state.hints_shown + 1), [hint]
        return state, [*shown, *self._continue(state)]

    def _answer(self, state: SessionState, text: str) -> Step:
        if state.phase == "question":
            return self._graded(state, text)
        if state.phase == "images" and self.case.stages[state.stage].question and text.strip():
            state, shown = self._findings(state, state.stage)
            noted = a.Notice("observation", "Noted. Compare what you saw with the findings:")
            return state, [noted, *shown]
        if state.phase == "findings" and state.stage == len(self.case.stages) - 1:
            # Everything has been shown: this is the learner's diagnosis.
            return self._graded(state.moved(phase="question", stage=len(self.case.stages)), text)
        if state.phase == "done":
            return state, self._finished(state)
        notice = a.Notice("not_now", "The diagnosis question comes after the images.")
        return state, [notice, *self._continue(state)]

    def _graded(self, state: SessionState, text: str) -> Step:
        state, verdict = self.take_answer(state, text)
        if verdict.empty:
            told: list[a.Action] = [
                a.Notice("not_now", verdict.feedback or "Please type a diagnosis.")
            ]
            # "I don't know" (no attempt used): the next hint helps more than feedback.
            hint = self._next_hint(state) if verdict.non_answer else None
            if hint is not None:
                state = state.moved(hints_shown=state.hints_shown + 1)
                told.append(hint)
            return state, [*told, self._ask(state, again=state.attempts_used > 0)]
        left = self.attempts - state.attempts_used
        if verdict.verdict == "correct" or left <= 0:
            shown: list[a.Action] = [
                a.ShowVerdict(verdict, 0 if verdict.verdict != "correct" else left)
            ]
            state, revealed = self.reveal(state, verdict.verdict)
            return state, shown + revealed
        shown = [a.ShowVerdict(verdict, left)]
        if verdict.verdict == "wrong":
            hint = self._next_hint(state)
            if hint is not None:
                state = state.moved(hints_shown=state.hints_shown + 1)
                shown.append(hint)
        shown.append(self._ask(state, again=True))
        return state, shown

    # -- helpers ------------------------------------------------------------

    def _fit(self, state: SessionState) -> SessionState:
        """Keep a stored state valid for the case as it is now (it may have been edited)."""
        stages = len(self.case.stages)
        if state.phase in ("images", "findings") and state.stage >= stages:
            return state.moved(phase="question", stage=stages)
        return state

    @property
    def title(self) -> str:
        """The title to show a learner: a title that names the diagnosis (as an
        imported teaching file's often does) would give the answer away."""
        if self.grader(self.case.title, self.case.diagnosis).verdict == "correct":
            return "A new case"
        return self.case.title

    def _continue(self, state: SessionState) -> list[a.Action]:
        """How to go on from a step that a hint or a notice did not move."""
        match state.phase:
            case "history":
                return [a.Continue("images" if self.case.stages else "diagnosis")]
            case "images":
                return [a.Continue("findings")]
            case "findings":
                last = state.stage >= len(self.case.stages) - 1
                return [a.Continue("diagnosis" if last else "next stage")]
            case "question":
                return [self._ask(state, again=state.attempts_used > 0)]
            case "done":
                return []

    def _history(self) -> a.ShowHistory:
        return a.ShowHistory(self.title, self.case.history, len(self.case.stages))

    def _ask(self, state: SessionState, again: bool = False) -> a.AskDiagnosis:
        attempt = min(state.attempts_used + 1, self.attempts)
        return a.AskDiagnosis(self.case.question, attempt, self.attempts, again)

    def _next_hint(self, state: SessionState) -> a.ShowHint | None:
        hints = self.case.hints
        if state.hints_shown >= len(hints):
            return None
        return a.ShowHint(hints[state.hints_shown], state.hints_shown + 1, len(hints))

    def _finished(self, state: SessionState) -> list[a.Action]:
        notice = a.Notice("finished", "This case is finished.")
        return [notice, self._offer_next(state)]

    # -- skipped stages -------------------------------------------------------

    def _skipping(self, state: SessionState) -> SessionState:
        """``state`` about to jump to the question or the answer: remember the first stage
        whose findings the learner has not seen (an earlier skip's stays)."""
        match state.phase:
            case "history":
                unseen = 0
            case "images":
                unseen = state.stage
            case "findings":
                unseen = state.stage + 1
            case "question" | "done":
                return state
        return state.moved(skipped_from=unseen) if unseen < len(self.case.stages) else state

    def _skipped(self, state: SessionState) -> range:
        """The indexes of the stages whose findings were skipped (as the case is now)."""
        start = state.skipped_from
        return range(0) if start is None else range(start, len(self.case.stages))

    def _offer_next(self, state: SessionState) -> a.OfferNextCase:
        return a.OfferNextCase(skipped_stages=len(self._skipped(state)))

    def _skipped_findings(self, state: SessionState) -> Step:
        """After the verdict: the findings and annotated images of the skipped stages."""
        if state.phase != "done":
            later = a.Notice("not_now", "The findings you skipped are shown after the diagnosis.")
            return state, [later, *self._continue(state)]
        skipped = self._skipped(state)
        if not skipped:
            seen = a.Notice("nothing_skipped", "You have seen the findings of every stage.")
            return state, [seen, a.OfferNextCase()]
        shown: list[a.Action] = [self._stage_findings(index, review=True) for index in skipped]
        return state, [*shown, a.OfferNextCase()]

    def _plain(self, image: Image) -> a.ImageView:
        return a.ImageView(self.case.image_path(image.file), image.caption, image.alt)

    def _annotated(self, stage: Stage) -> tuple[a.ImageView, ...]:
        return tuple(
            a.ImageView(
                self.case.image_path(image.annotated),
                image.annotated_caption or image.caption,
                image.alt,
            )
            for image in stage.images
            if image.annotated
        )
