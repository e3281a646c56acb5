"""The fixed word lists of the grader: negation triggers, hedges, splitters, stopwords.

Every list goes through the same normalisation as the answers (so "isn't"
and "favour" are written once, in any spelling).
"""

from __future__ import annotations

from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.normalise import words

EMPTY_FEEDBACK = "Please type a diagnosis."
CORRECT_FEEDBACK = "Correct."
WRONG_FEEDBACK = "Not quite — that is not the diagnosis here. Look again at the key findings."


def phrases(*items: str) -> tuple[Phrase, ...]:
    """Normalised phrases, longest first: word lists go through the same
    normalisation as answers."""
    out = {words(item) for item in items}
    return tuple(sorted((p for p in out if p), key=len, reverse=True))


# NegEx-style triggers. Each negates the words after it up to a terminator;
# when nothing follows ("lymphoma unlikely") it negates the words before it.
NEGATIONS = phrases(
    "not", "no", "without", "unlikely", "less likely", "not likely", "negative for", "negative",
    "no evidence of", "no sign of", "no signs of", "absence of", "absent", "exclude",
    "excluded", "excluding", "excludes", "ruled out", "is ruled out",
    "rather than", "instead of", "other than", "never", "neither", "nor", "free of",
    "not seen", "not present", "against", "isn't", "wasn't", "doesn't look like",
    "does not look like", "not consistent with", "not in keeping with", "not favoured",
    # "impending rupture": not (yet) a rupture.
    "impending",
)  # fmt: skip
# ("rules out" is left out: it reads as "rule out", which in a report means
# the diagnosis is being considered, a hedge.)
# Phrases that contain a trigger but affirm, or keep open, what follows:
# hedges, dropped like the others ("cannot exclude EDH" considers an EDH, as
# in a report; "without doubt EDH" is sure of it).
AFFIRMING = (
    "cannot exclude", "can not exclude", "can't exclude", "cannot be excluded",
    "can't be excluded", "not excluded", "cannot rule out", "can not rule out",
    "can't rule out", "cannot be ruled out", "not ruled out", "without doubt",
    "without a doubt", "no doubt", "beyond doubt", "not unlikely", "not impossible",
)  # fmt: skip
# Phrases that contain a trigger but negate nothing.
PSEUDO_NEGATIONS = phrases(
    "not only", "not sure", "no change", "not certain", "no question", "not just", *AFFIRMING
)
# Words that end the scope of a negation going forward ...
FORWARD_STOP = frozenset(
    words("but however although though yet except apart aside which because instead so")
    + words("rather whereas while")
    + words("therefore more likely probably it this is favour favor think")
)
# ... and going backward.
BACKWARD_STOP = frozenset(
    words("but however although though yet which because so therefore rather whereas while")
)

# Hedges and filler, removed before matching (recorded in "why").
HEDGES = phrases(
    "i think it's", "i think it is", "i think", "i believe", "i guess", "i'd say", "i would say",
    "probably", "probable", "likely", "most likely", "more likely", "most probably", "possibly",
    "possible", "maybe", "perhaps", "presumably", "could be", "might be", "may be", "query",
    "consistent with", "suggestive of", "suggests", "suggesting", "in keeping with",
    "keeping with", "compatible with", "looks like", "look like", "looks to be", "appears to be",
    "appearance of", "suspect", "suspected", "suspicious for", "suspicious of", "suspicion of",
    "concerning for", "worrisome for", "favour", "favor", "favoured", "in favour of",
    "dx", "diagnosis", "the diagnosis is", "my diagnosis is", "final diagnosis", "impression",
    "answer", "my answer is", "definitely", "certainly", "clearly", "classic", "classical",
    "typical", "pretty sure", "sure", "not sure", "no doubt", "rule out", "represents",
    "representing", "i'm", "im", "it's", "guess", "think", "hmm", "um", "uh", "ok", "okay",
    "well", "so", "yes", "please", "not sure but", "seen", "see", "showing", "shows", "show",
    "evidence of", "findings of", "features of", "picture of", "case of", *AFFIRMING,
    # Typed on a phone: "prob", "poss" (probably, possibly).
    "prob", "probs", "poss",
)  # fmt: skip


def index(items: tuple[Phrase, ...]) -> dict[str, tuple[Phrase, ...]]:
    """First word -> phrases starting with it (longest first), so scanning an
    answer only tries the phrases that can start at each word."""
    out: dict[str, list[Phrase]] = {}
    for phrase in items:
        out.setdefault(phrase[0], []).append(phrase)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


NEGATION_INDEX = index(NEGATIONS)
PSEUDO_INDEX = index(PSEUDO_NEGATIONS)
HEDGE_INDEX = index(HEDGES)

# Words that split a differential into candidates (besides punctuation).
SPLITTERS = frozenset(words("or vs versus v either ddx differential differentials dd"))
# Words carrying no meaning for matching (both sides drop them).
STOPWORDS = frozenset(
    words("a an the of is are was were be been it this that these those its there here i")
    + words("we my our your his her their he she they has have had and also very quite")
    + words("just on at by as to under")
)
# Generic head nouns left out of matching: "Perthes disease" = "Perthes",
# "Legg-Calve-Perthes dz". (Unlike stopwords they still count as an answer:
# "no disease" rules something out.)
# Anatomical carrier nouns ("middle lobe", "Achilles tendon", "MCA territory"):
# optional beside the site that says it all, harmless anywhere.
STRUCTURES = frozenset(words("lobe tendon ligament territory region area segment"))
# The names of grading scales ("AAST grade III") are generic: the step says it all.
SCALE_NAMES = frozenset(
    words("aast birads lirads pirads tirads bosniak hinchey gustilo garden neer ficat tanner")
    + words("clark breslow gartland frykman schatzker denis weber kellgren spetzler fisher")
    + words("stanford debakey")
)
GENERIC = STOPWORDS | frozenset(words("disease")) | SCALE_NAMES
# Head nouns that name a process, not a place: a diagnosis made of them alone
# ("laceration", "collapse", "fracture") needs its site ("splenic", "middle
# lobe", "radius"), which is then required even when written as a qualifier.
PROCESS_HEADS = frozenset(
    words("fracture laceration rupture perforation tear collapse infarct torsion dislocation")
    + words("injury contusion hematoma abscess mass tumor cyst stenosis obstruction occlusion")
    + words("thrombosis aneurysm dissection effusion hemorrhage consolidation lesion nodule")
    + words("carcinoma metastasis inflammation infection necrosis edema calculus herniation")
)
# Eponyms that name a diagnosis alone, with or without their head noun and
# 's: "Colles" = "Colles' fracture", "Salter-Harris II" = "Salter-Harris type
# II fracture", "Baker's" = "Baker cyst".
EPONYMS = frozenset(
    words("colles smith barton bennett rolando jones maisonneuve chance jefferson hangman")
    + words("galeazzi monteggia segond tillaux salter harris lisfranc hill sachs bankart")
    + words("perthes osgood schlatter sinding larsen kienbock freiberg kohler sever baker")
    + words("scheuermann paget klatskin krukenberg brodie pott boerhaave mallory weiss")
)
EPONYM_HEADS = frozenset(words("fracture disease syndrome tumor cyst abscess lesion deformity"))
# Describing words that name no finding alone ("enlarged", "dilated").
DESCRIPTIVE = frozenset(
    words("enlarged thickened dilated widened narrowed heterogeneous homogeneous hyperdense")
    + words("hypodense isodense hyperechoic hypoechoic hyperintense hypointense increased")
    + words("decreased reduced absent normal abnormal irregular smooth bright dark")
)
# The canonical word of an event of a condition: "ruptured AAA" is the rupture,
# what the patient presents with (a required qualifier when the line names it).
EVENTS = frozenset(words("perforation"))
# Words of degree, number and time that qualify any diagnosis without naming a
# kind of it ("large", "multiple", "recent").
DEGREE = frozenset(
    words("large small big tiny massive huge moderate mild severe significant extensive")
    + words("multiple single solitary multifocal sided side early late old new recent known")
)
# Broader terms and the heads they cover: "stroke" for a cerebral infarct,
# "splenic injury" for a splenic laceration are the category, partial.
_INJURIES = frozenset(words("laceration perforation fracture contusion hematoma dislocation"))
BROADER: dict[str, frozenset[str]] = {
    "stroke": frozenset(words("infarct")),
    "injury": _INJURIES,
    "trauma": _INJURIES,
}
# Connectors after which a diagnosis line names a consequence, a cause or a
# finding ("Acute pulmonary embolism with right heart strain"): the words
# after it are optional in an answer, and alone they are a finding.
TAIL_CONNECTORS = frozenset(
    words("with secondary due caused causing complicating complicated associated resulting")
)
# Connectors after which a cause names its consequence: "gallstones causing
# cholecystitis", "DVT leading to PE". What stands before them is the cause.
CAUSE_BEFORE = frozenset(words("causing leading resulting producing complicated"))
# Connectors after which a consequence names its cause: "SBO due to gallstone
# ileus", "hydronephrosis secondary to a calculus". What stands before them is
# the consequence.
RESULT_OF = frozenset(words("due secondary caused owing because"))
# Detail after these words describes cause or context, not a competing diagnosis.
CONNECTORS = frozenset(
    words("secondary due caused from with in complicating associated setting after following")
    + words("because given underlying background causing resulting leading producing")
)
EXPLICIT_DIFFERENTIAL = frozenset(words("ddx differential differentials dd"))
# Splitters that offer alternatives (a comma may only add detail).
ALTERNATIVES = frozenset(words("or vs versus v"))
# Words never corrected as typos: they carry grammar, not diagnoses.
TRIGGER_WORDS = (
    frozenset(w for p in (*NEGATIONS, *HEDGES, *PSEUDO_NEGATIONS) for w in p)
    | STOPWORDS
    | SPLITTERS
    | CONNECTORS
)
