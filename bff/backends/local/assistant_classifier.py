"""The embedded intent classifier: scikit-learn TF-IDF (words and character n-grams) and a logistic regression,
trained from the bot definition's sample utterances.

Each utterance is expanded with sample values of its slots' types (``{category}`` -> "shirt", "boots", ...),
so the model learns the words around a slot rather than one value. Character n-grams (within words) make it
tolerant of typos. Below the definition's confidence threshold the fallback intent answers.
"""

from __future__ import annotations

import random
import re

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bff.domain.assistant import SLOT_REFERENCE, BotDefinition, IntentMatch

# Values put in place of a built-in type's slot while training.
BUILT_IN_SAMPLES = {
    "AMAZON.Number": ("50", "100", "25", "$80", "200"),
    "AMAZON.AlphaNumeric": ("1001", "#48213", "A-99812", "77120"),
    "AMAZON.City": ("Paris", "Chicago", "Berlin", "Lyon", "Leeds", "Toronto"),
    "AMAZON.PostalCode": ("75001", "10115", "SW1A 1AA"),
}
EXPANSIONS_PER_UTTERANCE = 6


def training_set(bot: BotDefinition, seed: int = 7) -> tuple[list[str], list[str]]:
    """(texts, intent names): every utterance, each slot reference replaced by sample values."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not crypto
    texts: list[str] = []
    labels: list[str] = []
    for intent in bot.intents:
        samples: dict[str, list[str]] = {}
        for slot in intent.slots:
            slot_type = bot.slot_type(slot.type)
            if slot_type is not None:
                samples[slot.name] = [v for value in slot_type.values for v in (value.value, *value.synonyms)]
            else:
                samples[slot.name] = list(BUILT_IN_SAMPLES.get(slot.type, ("something",)))
        for utterance in intent.utterances:
            names = SLOT_REFERENCE.findall(utterance)
            if not names:
                texts.append(utterance)
                labels.append(intent.name)
                continue
            combos = [tuple(rng.choice(samples[n]) for n in names) for _ in range(EXPANSIONS_PER_UTTERANCE)]
            for combo in dict.fromkeys(combos):
                values = dict(zip(names, combo, strict=True))
                texts.append(SLOT_REFERENCE.sub(lambda m, v=values: v[m.group(1)], utterance))  # type: ignore[misc]
                labels.append(intent.name)
            # The slot words alone too ("where is my order {orderNumber}" also without the number).
            bare = " ".join(SLOT_REFERENCE.sub(" ", utterance).split())
            if bare:
                texts.append(bare)
                labels.append(intent.name)
    return texts, labels


class IntentClassifier:
    def __init__(self, bot: BotDefinition) -> None:
        self.bot = bot
        self.threshold = bot.confidence_threshold
        texts, labels = training_set(bot)
        self.model = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
                            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
                        ]
                    ),
                ),
                ("classifier", LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced")),
            ]
        )
        self.model.fit(texts, labels)
        self.labels: list[str] = [str(label) for label in self.model.classes_]

    def ranked(self, text: str) -> list[IntentMatch]:
        """Every intent with its probability, most likely first."""
        probabilities = self.model.predict_proba([normalise(text)])[0]
        pairs = sorted(zip(self.labels, probabilities, strict=True), key=lambda p: -p[1])
        return [IntentMatch(name, round(float(p), 4)) for name, p in pairs]

    def classify(self, text: str) -> IntentMatch:
        """The most likely intent, or the fallback intent when it is not likely enough."""
        best = self.ranked(text)[0]
        if (best.confidence or 0) < self.threshold:
            return IntentMatch(self.bot.fallback.name, best.confidence)
        return best


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w$#'-]+", " ", text.lower()).split())
