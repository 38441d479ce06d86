"""Gap topics: three known topics in mixed languages are found, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triage.kb.gaps import GapQuestion, find_gaps

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

TERRAFORM = [
    ("terraform apply fails with 403 Forbidden on our project", "en", "access", "SUP-000011"),
    ("terraform apply returns 403 Forbidden since yesterday", "en", "access", None),
    ("terraform apply падает с ошибкой 403 Forbidden", "ru", "access", "SUP-000012"),
    ("terraform apply schlägt mit 403 Forbidden fehl", "de", "access", None),
]
IPV6 = [
    ("how to enable IPv6 on the load balancer", "en", "consultation", None),
    ("как включить IPv6 на load balancer?", "ru", "consultation", None),
    ("IPv6 am Load Balancer aktivieren, wie?", "de", "consultation", "SUP-000013"),
    ("load balancer IPv6 support", "en", "consultation", None),
]
INVOICE = [
    ("рахунок PDF не завантажується в особистому кабінеті", "uk", "consultation", "SUP-000014"),
    ("рахунок у PDF не завантажується з кабінету", "uk", "consultation", None),
    ("рахунок PDF не завантажується, кабінет показує помилку", "uk", "consultation", None),
]
NOISE = [
    ("what is the meaning of life", "en", "unknown", None),
    ("Kontingent für GPUs erhöhen", "de", "consultation", None),
    ("kubectl port-forward drops after a minute", "en", "component", None),
]


def questions(*groups):
    """GapQuestions from (text, lang, class, ref) rows, one minute apart."""
    rows = [row for group in groups for row in group]
    return [
        GapQuestion(
            text, lang, klass, "ticket" if ref else "low_score", ref, T0 + timedelta(minutes=i)
        )
        for i, (text, lang, klass, ref) in enumerate(rows)
    ]


def as_sets(gaps):
    return sorted(sorted(t.examples) for t in gaps.topics)


def test_three_known_topics_are_found_exactly():
    gaps = find_gaps(questions(TERRAFORM, IPV6, INVOICE, NOISE), n_examples=10)
    expected = sorted(sorted(r[0] for r in g) for g in (TERRAFORM, IPV6, INVOICE))
    assert as_sets(gaps) == expected
    assert gaps.questions == 14 and gaps.unclustered == 3


def test_topic_details_languages_classes_refs():
    gaps = find_gaps(questions(TERRAFORM, IPV6, INVOICE, NOISE))
    tf = next(t for t in gaps.topics if "terraform" in t.title)
    assert tf.size == 4
    assert dict(tf.langs) == {"en": 2, "ru": 1, "de": 1}
    assert tf.classes == (("access", 4),)
    assert tf.refs == ("SUP-000012", "SUP-000011")  # newest first
    assert dict(tf.sources) == {"ticket": 2, "low_score": 2}
    assert [t.size for t in gaps.topics] == [4, 4, 3]


def test_number_of_topics_is_not_given_in_advance():
    """The same call finds two topics when only two are there, and one with one."""
    assert len(find_gaps(questions(TERRAFORM, INVOICE, NOISE)).topics) == 2
    assert len(find_gaps(questions(IPV6)).topics) == 1
    assert find_gaps(questions(NOISE)).topics == ()


def test_duplicates_count_once_and_empty_input():
    same = questions(TERRAFORM) + questions(TERRAFORM)
    assert find_gaps(same).questions == 4
    assert find_gaps([]).topics == ()
