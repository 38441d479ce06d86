"""The one decision the product asks for: class, priority, owning line and articles.

``Engine.decide(question)`` classifies the question, suggests articles with the predicted class
as a soft boost, takes the owning line from the policy (the unknown class when the classifier
abstains) and says whether L1 would answer with the top article (``self_service``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from triage.engine.classifier import Classifier
from triage.engine.policy import Policy, load_policy
from triage.engine.search import SearchIndex, Suggestion

# Self-service rule: the top suggestion's share of the top two scores, s1 / (s1 + s2), must
# reach this value (a lone suggestion has share 1). Chosen by 5-fold cross-validation on the
# labelled training rows that name an article (never the held-out file): the smallest share
# at which the top article was the right one for >= 90% of the rows at or above it: 0.55 with
# sentence vectors in the ranking (precision 0.909, coverage 0.754 of 566 rows).
# See bench/suggest.py (`self_service` rows) for the measured precision and coverage.
SELF_SERVICE_SHARE = 0.55
SUGGESTIONS = 5


@dataclass(frozen=True)
class Decision:
    """What the engine decided about one question."""

    question: str
    lang: str
    request_class: str
    confidence: float
    probabilities: dict[str, float]
    priority: str
    line: str
    suggestions: tuple[Suggestion, ...]
    explanation: tuple[str, ...]
    self_service: bool
    abstained: bool

    def to_dict(self) -> dict:
        """A JSON-ready dict (suggestions as dicts, tuples as lists)."""
        out = asdict(self)
        out["suggestions"] = [
            {**asdict(s), "translations": list(s.translations)} for s in self.suggestions
        ]
        out["explanation"] = list(self.explanation)
        return out


def top_share(suggestions: tuple[Suggestion, ...] | list[Suggestion]) -> float:
    """The top suggestion's share of the top two scores (1.0 alone, 0.0 with none)."""
    if not suggestions:
        return 0.0
    first = max(suggestions[0].score, 0.0)
    second = max(suggestions[1].score, 0.0) if len(suggestions) > 1 else 0.0
    return first / (first + second) if first + second > 0 else 0.0


class Engine:
    """Classifier, article index and policy behind one ``decide`` call."""

    def __init__(
        self,
        policy: Policy,
        classifier: Classifier,
        index: SearchIndex,
        self_service_score: float = SELF_SERVICE_SHARE,
    ):
        self.policy = policy
        self.classifier = classifier
        self.index = index
        self.self_service_score = self_service_score

    @classmethod
    def from_config(cls, config: dict) -> Engine:
        """Load the policy (POLICY_FILE), the model (MODEL_DIR) and the index (INDEX_DIR)."""
        return cls(
            load_policy(Path(str(config["POLICY_FILE"]))),
            Classifier.load(Path(str(config["MODEL_DIR"]))),
            SearchIndex.open(Path(str(config["INDEX_DIR"]))),
        )

    def decide(self, question: str, lang: str | None = None) -> Decision:
        """Classify a question, suggest articles and route it to its owning line."""
        pred = self.classifier.predict(question, lang)
        asker = lang or pred.lang
        known = not pred.abstained and pred.request_class in self.policy.classes
        klass = self.policy.classes[pred.request_class] if known else self.policy.unknown_class
        boost = klass.id if known else None
        found = tuple(self.index.suggest(question, asker, boost_class=boost, limit=SUGGESTIONS))
        priority = pred.priority if pred.priority in self.policy.priorities else ""
        return Decision(
            question=question,
            lang=asker,
            request_class=klass.id,
            confidence=round(float(pred.confidence), 4),
            probabilities={k: round(float(v), 4) for k, v in pred.probabilities.items()},
            priority=priority or klass.default_priority,
            line=klass.line,
            suggestions=found,
            explanation=tuple(pred.explanation),
            self_service=bool(found) and top_share(found) >= self.self_service_score,
            abstained=not known,
        )
