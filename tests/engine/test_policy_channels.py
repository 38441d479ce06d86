"""The policy's channel rules: reminders and alert mapping are read, defaulted and validated."""

import copy

import pytest

from tests.engine.test_policy import RAW, mutate
from triage.engine.policy import PolicyError, parse_policy


def test_project_policy_reminders_and_alerts(policy):
    assert (policy.reminders.every_days, policy.reminders.close_after_days) == (2, 10)
    assert policy.reminders.close_reason in policy.decline_reasons
    assert policy.alerts.priority_of("critical") == "critical"
    assert policy.alerts.priority_of("WARNING") == "high"
    assert policy.alerts.priority_of("info") == "low"
    assert policy.alerts.priority_of("page-everyone") == policy.alerts.default_priority
    assert policy.alerts.priority_of(None) == "medium"


def test_keys_are_optional():
    data = copy.deepcopy(RAW)
    del data["reminders"], data["alerts"]
    p = parse_policy(data)
    assert p.reminders.every_days == 2 and p.alerts.severity["warning"] == "high"


@pytest.mark.parametrize(
    "path, value, key",
    [
        (["reminders", "every_business_days"], 0, "reminders.every_business_days"),
        (["reminders", "close_after_business_days"], 1, "reminders"),
        (["reminders", "close_reason"], "bored", "reminders.close_reason"),
        (["reminders", "often"], True, "reminders.often"),
        (["alerts", "default_class"], "weather", "alerts.default_class"),
        (["alerts", "default_priority"], "urgent", "alerts.default_priority"),
        (["alerts", "severity", "warning"], "panic", "alerts.severity.warning"),
    ],
)
def test_bad_channel_rules_name_the_key(path, value, key):
    with pytest.raises(PolicyError) as err:
        parse_policy(mutate(path, value))
    assert err.value.key == key, str(err.value)
