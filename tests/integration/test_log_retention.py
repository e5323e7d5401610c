"""What the template keeps and for how long: the API's access logs at least six months (Marco Civil da
Internet art. 15) and never indefinitely, whatever value a stage picks; every other log group expires too."""

from __future__ import annotations

from pathlib import Path

from localrun.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
SIX_MONTHS_DAYS = 184  # the longest six calendar months (July to December)


def retention_choices(value: object) -> list[int]:
    """The days a RetentionInDays may resolve to: a number, or every value its parameter allows."""
    if isinstance(value, dict) and "Ref" in value:
        parameter = TEMPLATE["Parameters"][value["Ref"]]
        choices = [int(v) for v in parameter.get("AllowedValues", [])]
        assert choices, f"{value['Ref']} must list its allowed values"
        assert int(parameter["Default"]) in choices
        return choices
    return [int(value)]


def test_access_logs_are_kept_at_least_six_months_and_not_forever():
    group = TEMPLATE["Resources"]["ApiAccessLogGroup"]
    assert "RetentionInDays" in group["Properties"], "no retention means the logs are kept forever"
    choices = retention_choices(group["Properties"]["RetentionInDays"])
    assert min(choices) >= SIX_MONTHS_DAYS and max(choices) <= 731
    assert 180 not in choices  # CloudWatch's 180 days is shorter than six months
    api = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    assert api["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    for stage_file in [ROOT / "samconfig.toml"]:
        for line in stage_file.read_text().splitlines():
            assert "AccessLogRetentionDays=180" not in line


def test_every_log_group_expires():
    for logical_id, group in resources_of_type(TEMPLATE, "AWS::Logs::LogGroup"):
        assert "RetentionInDays" in group["Properties"], logical_id
        assert all(days <= 731 for days in retention_choices(group["Properties"]["RetentionInDays"]))
