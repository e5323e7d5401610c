"""Template loading (CloudFormation short tags) and local resolution of intrinsic functions."""

from pathlib import Path

import pytest
import yaml

from localrun.aws_resources import _creation_order
from localrun.functions import read_functions
from localrun.runtime import function_environment
from localrun.template import (
    CloudFormationLoader,
    Physical,
    Resolver,
    TemplateError,
    Unresolvable,
    function_properties,
    load_template,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "localrun" / "template.yaml"


def parse(text: str):
    return yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506


def test_every_short_tag_becomes_its_long_form():
    document = parse(
        """
        a: !Ref Pool
        b: !GetAtt Queue.Arn
        c: !GetAtt [Queue, QueueName]
        d: !Sub "${AWS::Region}-x"
        e: !If [IsProd, 1, 2]
        f: !Equals [a, b]
        g: !Select [0, !Split [",", "x,y"]]
        h: !Join ["-", [a, b]]
        i: !FindInMap [M, k, v]
        j: !Not [!Condition C]
        k: !And [true, !Or [false, true]]
        l: !ImportValue Shared
        m: !GetAZs ''
        n: !Base64 text
        o: !Cidr [10.0.0.0/16, 4, 12]
        """
    )
    assert document["a"] == {"Ref": "Pool"}
    assert document["b"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert document["c"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert document["d"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert document["g"] == {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}
    assert document["j"] == {"Fn::Not": [{"Condition": "C"}]}
    assert document["k"] == {"Fn::And": [True, {"Fn::Or": [False, True]}]}
    assert set(document["l"]) == {"Fn::ImportValue"}
    assert set(document["o"]) == {"Fn::Cidr"}


def test_the_loader_stays_safe():
    with pytest.raises(yaml.YAMLError):
        parse("a: !!python/object/apply:os.system ['true']")


def resolver() -> Resolver:
    template = load_template(FIXTURE)
    physical = {
        "FixtureUserPool": Physical("us-east-1_abc", {"Arn": "arn:pool"}),
        "FixtureQueue": Physical("http://q/url", {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}),
    }
    return Resolver(template, physical=physical, stack_name="stack")


def test_refs_getatts_and_subs_resolve_against_created_resources():
    r = resolver()
    assert r.resolve({"Ref": "FixtureUserPool"}) == "us-east-1_abc"
    assert r.resolve({"Fn::GetAtt": ["FixtureQueue", "Arn"]}) == "arn:aws:sqs:us-east-1:123456789012:q"
    assert r.resolve({"Fn::Sub": "${FixtureUserPool}/${FixtureQueue.Arn}@${AWS::Region}"}) == (
        "us-east-1_abc/arn:aws:sqs:us-east-1:123456789012:q@us-east-1"
    )
    assert (
        r.resolve({"Fn::Sub": ["${Name}-${!Literal}", {"Name": {"Ref": "AWS::StackName"}}]})
        == "stack-${Literal}"
    )
    assert r.resolve({"Ref": "Stage"}) == "dev"


def test_conditions_mappings_and_list_functions():
    r = resolver()
    assert r.resolve({"Fn::If": ["IsProd", "strict", "relaxed"]}) == "relaxed"
    assert r.resolve({"Fn::FindInMap": ["Limits", {"Ref": "Stage"}, "MaxTickets"]}) == 4
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::Join": [":", ["a", {"Ref": "AWS::AccountId"}]]}) == "a:123456789012"
    assert r.resolve({"Fn::Not": [{"Fn::Equals": ["x", "y"]}]}) is True
    assert r.resolve({"k": {"Ref": "AWS::NoValue"}, "v": 1}) == {"v": 1}
    production = Resolver(load_template(FIXTURE), parameters={"Stage": "prod"})
    assert production.resolve({"Fn::If": ["IsProd", "strict", "relaxed"]}) == "strict"


def test_what_exists_only_in_aws_is_unresolvable_and_typos_are_errors():
    r = resolver()
    with pytest.raises(Unresolvable):
        r.resolve({"Fn::GetAtt": ["FixtureProxy", "Endpoint"]})
    with pytest.raises(Unresolvable):
        r.resolve({"Ref": "FixtureKey"})
    with pytest.raises(TemplateError):
        r.resolve({"Ref": "NoSuchThing"})
    assert r.resolve_properties({"KmsMasterKeyId": {"Ref": "FixtureKey"}, "Name": "t"}) == {"Name": "t"}


def test_globals_merge_into_each_function():
    template = load_template(FIXTURE)
    merged = function_properties(template, template["Resources"]["EchoFunction"])
    assert merged["CodeUri"] == "handlers/"
    assert merged["Timeout"] == 5
    assert merged["Environment"]["Variables"]["GREETING"] == {"Fn::Sub": "hello-${AWS::Region}-${Stage}"}


def test_queues_are_created_after_their_dead_letter_queue():
    template = load_template(FIXTURE)
    wanted = {
        k: v for k, v in template["Resources"].items() if v["Type"].startswith(("AWS::SQS", "AWS::SNS"))
    }
    order = _creation_order(wanted)
    assert (
        order.index("FixtureDeadLetterQueue")
        < order.index("FixtureQueue")
        < order.index("FixtureSubscription")
    )
    assert order.index("FixtureTopic") < order.index("FixtureSubscription")


def test_one_shared_environment_with_local_overrides_and_conflicts_refused():
    template = load_template(FIXTURE)
    physical = {
        name: Physical(f"ref-{name}", {"Arn": f"arn-{name}"})
        for name in (
            "FixtureUserPool",
            "FixtureUserPoolClient",
            "FixtureTopic",
            "FixtureQueue",
            "FixtureBucket",
        )
    }
    physical["FixtureSecret"] = Physical("arn-secret", {})
    r = Resolver(template, physical=physical)
    functions = read_functions(template, FIXTURE.parent, "stack")
    env = function_environment(functions, r, {"MODE": "local"})
    assert env["GREETING"] == "hello-us-east-1-dev"
    assert env["MAX_TICKETS"] == "4"
    assert env["MODE"] == "local"
    assert env["POOL_ARN"] == "arn-FixtureUserPool"
    assert "DB_HOST" not in env  # an RDS proxy endpoint has no local counterpart
    functions["BoomFunction"].properties["Environment"]["Variables"]["GREETING"] = "something else"
    with pytest.raises(TemplateError, match="GREETING"):
        function_environment(functions, r, {})
