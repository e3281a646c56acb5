"""Typos and words read in context: a slip is corrected only towards one clearly closest known word."""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutorbot.grading.forms import Compiled, Word
from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.normalise import SEPARATOR, class_token, meaning_prefix
from tutorbot.grading.wordlists import GENERIC


def allowed_edits(length: int) -> int:
    """Typos tolerated in a word of this length: none up to 4 letters, 1 up to 7, then 2."""
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    return 2


def _near(n: int, by_len: dict[int, list[str]], pools: dict[int, list[str]]) -> list[str]:
    # Only words within two letters of the length can be within two edits.
    pool = pools.get(n)
    if pool is None:
        pool = pools[n] = [w for size in range(n - 2, n + 3) for w in by_len.get(size, ())]
    return pool


def typo(word: str, c: Compiled) -> tuple[str, int] | None:
    """The known word ``word`` is a slip of, with the number of edits, or None."""
    if word in c.typos:
        return c.typos[word]
    found: tuple[str, int] | None = None
    if len(word) >= 5 and word.isalpha() and word not in c.vocab and word not in c.trigger_words:
        # The shared lexicon list and the case's own words, merged: the best
        # two over both decide whether the closest word is unique.
        best = sorted(
            [
                *process.extract(
                    word,
                    _near(len(word), c.lexicon.vocabulary_by_length, c.lexicon_pools),
                    scorer=OSA.distance,
                    limit=2,
                    score_cutoff=2,
                ),
                *process.extract(
                    word,
                    _near(len(word), c.case_vocab_by_length, c.case_pools),
                    scorer=OSA.distance,
                    limit=2,
                    score_cutoff=2,
                ),
            ],
            key=lambda hit: (hit[1], hit[0]),
        )
        if best:
            target, edits = str(best[0][0]), int(best[0][1])
            unique = len(best) == 1 or int(best[1][1]) > edits
            if (
                unique
                and edits <= allowed_edits(len(target))
                and target[0] == word[0]
                and meaning_prefix(target) == meaning_prefix(word)
            ):
                found = (target, edits)
    c.typos[word] = found
    return found


def _context_options(word: str, c: Compiled) -> tuple[Phrase, ...]:
    """What ``word`` may stand for when the words around it complete a form."""
    hit = c.context.get(word)
    if hit is not None:
        return hit
    options: tuple[Phrase, ...] = ()
    if word not in c.form_words:
        senses = c.lexicon.meanings.get((word,))
        if senses:
            # An ambiguous abbreviation: "renal cell ca", "type A AD".
            options = tuple(senses)
        elif 3 <= len(word) <= 4 and word.isalpha() and word not in c.vocab:
            # A slip in a short word, never corrected alone: "renal cel carcinoma".
            options = tuple(
                (w,)
                for w in sorted(c.form_words)
                if len(w) >= 3 and w[0] == word[0] and w.isalpha() and OSA.distance(word, w) == 1
            )
        elif (
            len(word) >= 5
            and word.isalpha()
            and word not in c.vocab
            and word not in c.trigger_words
            and typo(word, c) is None
        ):
            # A slip in a longer word that is not corrected alone because two
            # known words are as close ("appendigitis": appendagitis or
            # appendicitis?) or the known word is short ("wilsm": "Wilms" is
            # "wilm" once singular): read as the form word the words around
            # it complete ("epiploic appendigitis", "wilsm tumour").
            limit = allowed_edits(len(word))
            prefix = meaning_prefix(word)
            options = tuple(
                (w,)
                for w in sorted(c.form_words)
                if w[0] == word[0]
                and w.isalpha()
                and abs(len(w) - len(word)) <= limit
                and meaning_prefix(w) == prefix
                and OSA.distance(word, w, score_cutoff=limit) <= limit
            )
    c.context[word] = options
    return options


def read_in_context(items: list[Word], c: Compiled, why: list[str]) -> list[Word]:
    """Ambiguous abbreviations and slips in short words, read in context.

    A word the grader cannot read alone is read as one of its meanings (or as
    the form word one letter away) when the words around it then spell out a
    whole form of the case, and at least one of those words was typed as such.
    """
    context = c.context
    todo = [
        i
        for i, w in enumerate(items)
        if context.get(w.text, None) != () and _context_options(w.text, c)
    ]
    if not todo:
        return items
    out = list(items)
    for i in reversed(todo):
        word = out[i].text
        options = _context_options(word, c)
        # The content words of the run (between separators) around i.
        start = i
        while start > 0 and out[start - 1].text != SEPARATOR:
            start -= 1
        end = i
        while end + 1 < len(out) and out[end + 1].text != SEPARATOR:
            end += 1
        run = [j for j in range(start, end + 1) if out[j].text not in GENERIC or j == i]
        pos = run.index(i)
        replacement = _fits(options, [out[j].text for j in run], pos, c)
        if replacement is not None:
            raw = out[i].raw
            out[i : i + 1] = [Word(w, raw if k == 0 else "") for k, w in enumerate(replacement)]
            why.append(f"read in context: '{raw}' = '{' '.join(replacement)}'")
    return out


def _fits(options: tuple[Phrase, ...], seq: list[str], pos: int, c: Compiled) -> Phrase | None:
    """The one option the words around ``pos`` complete a form with (None if none, or
    if two do: "sigmoid diverticulisis" beside "sigmoid diverticulitis" and
    "sigmoid diverticulosis" stays unread)."""
    fitting = [o for o in dict.fromkeys(options) if _fits_one(o, seq, pos, c)]
    return fitting[0] if len(fitting) == 1 else None


def _fits_one(option: Phrase, seq: list[str], pos: int, c: Compiled) -> bool:
    for form in c.forms:
        core, n = form.core, len(option)
        if core == option and _steps_beside(form.quals, seq, pos):
            # The whole core, beside the form's own class step: "type A AD".
            return True
        if len(core) <= n:
            continue
        for p in range(len(core) - n + 1):
            if core[p : p + n] != option:
                continue
            before, after = core[:p], core[p + n :]
            if (
                pos >= len(before)
                and tuple(seq[pos - len(before) : pos]) == before
                and tuple(seq[pos + 1 : pos + 1 + len(after)]) == after
            ):
                return True
    return False


def _steps_beside(quals: tuple[str, ...], seq: list[str], pos: int) -> bool:
    # A class step ("type_a") is specific enough to read an abbreviation by; a
    # side is not ("left PE" stays ambiguous).
    near = {seq[k] for k in (pos - 1, pos + 1) if 0 <= k < len(seq)}
    return any(q in near and class_token(q) is not None for q in quals)
