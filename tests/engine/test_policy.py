"""Policy loading: the project's file is valid; each kind of bad file names its key."""

import copy
from datetime import time

import pytest
import yaml

from tests.conftest import ROOT
from triage.engine.policy import PolicyError, load_policy, parse_policy

RAW = yaml.safe_load((ROOT / "policy.yml").read_text())


def test_project_policy_has_the_domain_defaults(policy):
    assert set(policy.classes) == {
        "infrastructure",
        "server",
        "outage",
        "business-process",
        "component",
        "access",
        "consultation",
        "feedback",
    }
    assert policy.request_class("outage").default_priority == "critical"
    assert policy.request_class("outage").line == "L3"
    assert [policy.target(p).reaction for p in policy.priorities] == [8, 16, 96, 96]
    assert policy.target("critical", "premium").reaction == 2
    assert policy.calendar.hours[0] == (time(8), time(17)) and 5 not in policy.calendar.hours
    assert policy.escalate("L1") == "L2" and policy.escalate("L4") is None
    assert policy.escalate("L2", -1) == "L1"
    assert policy.request_class("nonsense").id == "unknown"


def mutate(path: list, value):
    data = copy.deepcopy(RAW)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value, key",
    [
        (["classes", 0, "default_priority"], "urgent", "classes[0].default_priority"),
        (["classes", 1, "line"], "L9", "classes[1].line"),
        (["calendar", "timezone"], "Mars/Olympus", "calendar.timezone"),
        (["calendar", "hours", "mon"], ["17:00", "08:00"], "calendar.hours"),
        (["calendar", "hours", "mon"], ["8am", "17:00"], "calendar.hours"),
        (["plans", "standard", "targets", "low"], KeyError, "plans.standard.targets"),
        (["desk", "default_plan"], "gold", "desk.default_plan"),
        (
            ["plans", "premium", "targets", "high", "reaction"],
            -1,
            "plans.premium.targets.high.reaction",
        ),
        (["desk", "colour"], "red", "desk.colour"),
        (["calendar", "holidays", "country"], "XX", "calendar.holidays"),
        (["priorities"], KeyError, "priorities"),
    ],
)
def test_bad_policy_names_the_key(path, value, key):
    with pytest.raises(PolicyError) as err:
        parse_policy(mutate(path, value))
    assert err.value.key == key, str(err.value)


def test_duplicate_class_and_missing_file(tmp_path):
    data = copy.deepcopy(RAW)
    data["classes"].append(copy.deepcopy(data["classes"][0]))
    with pytest.raises(PolicyError, match="duplicate class id 'infrastructure'"):
        parse_policy(data)
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.yml")
    (tmp_path / "bad.yml").write_text("classes: [unclosed")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path / "bad.yml")
    assert err.value.key == "(yaml)"
