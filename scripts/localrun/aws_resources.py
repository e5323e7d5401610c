"""moto in a process of its own, and the AWS resources template.yaml declares, created in it through boto3."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from localrun.template import REGION, Physical, Resolver, TemplateError, references_in, scalar_text

log = logging.getLogger("localrun.aws")

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    # Linux only: moto goes away even when the runtime is killed with SIGKILL.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# Template properties passed on as they are (converted) when set.
USER_POOL_PROPERTIES = (
    "Policies",
    "UsernameAttributes",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "UsernameConfiguration",
    "Schema",
    "MfaConfiguration",
    "AccountRecoverySetting",
    "AdminCreateUserConfig",
)

USER_POOL_CLIENT_PROPERTIES = (
    "ExplicitAuthFlows",
    "GenerateSecret",
    "ReadAttributes",
    "WriteAttributes",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "SupportedIdentityProviders",
)

QUEUE_ATTRIBUTES = (
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "MaximumMessageSize",
)


class MotoServer:
    """`python -m moto.server` on 127.0.0.1, its own process (moto shares no GIL with the API)."""

    def __init__(self, port: int = 0, log_path: Path | None = None) -> None:
        self.requested_port = port
        self.log_path = log_path
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        for _attempt in range(3):
            self.port = self.requested_port or free_port()
            output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
            if output is not subprocess.DEVNULL:
                output.close()
            if self._wait_until_answering(timeout):
                log.info("moto started", extra={"endpoint": self.endpoint, "pid": self._process.pid})
                return self.endpoint
            self.stop()
            if self.requested_port:
                break
        raise RuntimeError("moto server did not start (see its log)")

    def _wait_until_answering(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1):  # noqa: S310
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def use_endpoint(endpoint: str) -> dict[str, str]:
    """Point every boto3 client of this process at `endpoint` (environment only); returns what was set."""
    values = {"AWS_ENDPOINT_URL": endpoint, **LOCAL_CREDENTIALS}
    os.environ.update(values)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    return values


def boto_client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fixed local credentials
    )


class ResourceCreator:
    """Creates, resource by resource, what the template declares and moto can emulate."""

    def __init__(self, resolver: Resolver, endpoint: str, queue_visibility_seconds: int = 2) -> None:
        self.resolver = resolver
        self.endpoint = endpoint
        self.queue_visibility_seconds = queue_visibility_seconds
        self._clients: dict[str, Any] = {}
        self.creators: dict[str, Callable[[str, dict], Physical]] = {
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::SNS::Topic": self._topic,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::S3::Bucket": self._bucket,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::DynamoDB::Table": self._table,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto_client(service, self.endpoint)
        return self._clients[service]

    def create_all(self) -> dict[str, Physical]:
        """Create every supported resource, dependencies first; returns the logical id → physical map."""
        resources = self.resolver.template.get("Resources") or {}
        wanted = {
            logical_id: resource
            for logical_id, resource in resources.items()
            if isinstance(resource, dict) and resource.get("Type") in self.creators
        }
        self._register_functions(resources)
        for logical_id in _creation_order(wanted):
            resource = wanted[logical_id]
            condition = resource.get("Condition")
            if condition and not self.resolver.condition(condition):
                continue
            properties = self.resolver.resolve_properties(resource.get("Properties") or {})
            physical = self.creators[resource["Type"]](logical_id, properties)
            self.resolver.physical[logical_id] = physical
            log.debug("created", extra={"logical_id": logical_id, "ref": physical.ref})
        return self.resolver.physical

    def _register_functions(self, resources: dict) -> None:
        # Functions and APIs are served in-process; give them names so `!Ref`/`!GetAtt` resolve.
        for logical_id, resource in resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                name = (resource.get("Properties") or {}).get("FunctionName")
                name = name if isinstance(name, str) else f"{self.resolver.stack_name}-{logical_id}"
                arn = f"arn:aws:lambda:{REGION}:{self.resolver.account_id}:function:{name}"
                self.resolver.physical[logical_id] = Physical(name, {"Arn": arn})
            elif kind in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api"):
                self.resolver.physical[logical_id] = Physical("local", {})

    def _name(self, logical_id: str, given: Any, lower: bool = False) -> str:
        name = scalar_text(given) if given else f"{self.resolver.stack_name}-{logical_id}"
        return name.lower() if lower else name

    def _user_pool(self, logical_id: str, props: dict) -> Physical:
        arguments: dict[str, Any] = {"PoolName": self._name(logical_id, props.get("UserPoolName"))}
        arguments.update(_given(props, USER_POOL_PROPERTIES))
        pool = self.client("cognito-idp").create_user_pool(**arguments)["UserPool"]
        pool_id = pool["Id"]
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        return Physical(
            pool_id,
            {
                "Arn": pool["Arn"],
                "UserPoolId": pool_id,
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
            },
        )

    def _user_pool_client(self, logical_id: str, props: dict) -> Physical:
        arguments: dict[str, Any] = {
            "UserPoolId": props["UserPoolId"],
            "ClientName": self._name(logical_id, props.get("ClientName")),
        }
        arguments.update(_given(props, USER_POOL_CLIENT_PROPERTIES))
        found = self.client("cognito-idp").create_user_pool_client(**arguments)["UserPoolClient"]
        return Physical(found["ClientId"], {"ClientId": found["ClientId"], "Name": found["ClientName"]})

    def _user_pool_group(self, logical_id: str, props: dict) -> Physical:
        arguments = {"UserPoolId": props["UserPoolId"], "GroupName": props.get("GroupName") or logical_id}
        arguments.update(_given(props, ("Description", "Precedence", "RoleArn")))
        self.client("cognito-idp").create_group(**arguments)
        return Physical(arguments["GroupName"], {})

    def _topic(self, logical_id: str, props: dict) -> Physical:
        name = self._name(logical_id, props.get("TopicName"))
        attributes = {}
        if props.get("FifoTopic"):
            attributes["FifoTopic"] = "true"
            name = name if name.endswith(".fifo") else name + ".fifo"
        if "ContentBasedDeduplication" in props:
            attributes["ContentBasedDeduplication"] = scalar_text(props["ContentBasedDeduplication"])
        arn = self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        return Physical(arn, {"TopicArn": arn, "TopicName": name})

    def _queue(self, logical_id: str, props: dict) -> Physical:
        name = self._name(logical_id, props.get("QueueName"))
        attributes = {"VisibilityTimeout": str(self.queue_visibility_seconds)}
        attributes.update(_given(props, QUEUE_ATTRIBUTES, scalar_text))
        if props.get("FifoQueue"):
            attributes["FifoQueue"] = "true"
            name = name if name.endswith(".fifo") else name + ".fifo"
            if "ContentBasedDeduplication" in props:
                attributes["ContentBasedDeduplication"] = scalar_text(props["ContentBasedDeduplication"])
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": policy["deadLetterTargetArn"],
                    "maxReceiveCount": int(policy.get("maxReceiveCount", 1)),
                }
            )
        sqs = self.client("sqs")
        try:
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
                raise
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Physical(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _subscription(self, logical_id: str, props: dict) -> Physical:
        attributes = {}
        for key in ("RawMessageDelivery", "FilterPolicyScope", "RedrivePolicy", "FilterPolicy"):
            if key in props:
                value = props[key]
                attributes[key] = json.dumps(value) if isinstance(value, dict) else scalar_text(value)
        arn = self.client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return Physical(arn, {})

    def _bucket(self, logical_id: str, props: dict) -> Physical:
        name = self._name(logical_id, props.get("BucketName"), lower=True)
        s3 = self.client("s3")
        try:
            s3.create_bucket(Bucket=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        return Physical(
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            },
        )

    def _table(self, logical_id: str, props: dict) -> Physical:
        """A DynamoDB table with its keys and global secondary indexes (billing and encryption are AWS's)."""
        name = self._name(logical_id, props.get("TableName"))
        arguments: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": _typed(props["AttributeDefinitions"]),
            "KeySchema": _typed(props["KeySchema"]),
            "BillingMode": "PAY_PER_REQUEST",
        }
        indexes = [
            {key: _typed(index[key]) for key in ("IndexName", "KeySchema", "Projection") if key in index}
            for index in props.get("GlobalSecondaryIndexes") or []
        ]
        if indexes:
            arguments["GlobalSecondaryIndexes"] = indexes
        dynamodb = self.client("dynamodb")
        try:
            dynamodb.create_table(**arguments)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        return Physical(name, {"Arn": arn, "StreamArn": f"{arn}/stream/local"})

    def _secret(self, logical_id: str, props: dict) -> Physical:
        name = self._name(logical_id, props.get("Name"))
        value = props.get("SecretString")
        if value is None:
            value = _generated_secret(props.get("GenerateSecretString") or {})
        manager = self.client("secretsmanager")
        try:
            arn = manager.create_secret(Name=name, SecretString=scalar_text(value))["ARN"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceExistsException":
                raise
            arn = manager.describe_secret(SecretId=name)["ARN"]
        return Physical(arn, {"Id": arn})


def _given(props: dict, keys: Iterable[str], convert: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The template properties among `keys` that are set, as the AWS API wants them (_typed unless told)."""
    return {key: (convert or _typed)(props[key]) for key in keys if key in props}


def _typed(value: Any, as_text: bool = False) -> Any:
    # CloudFormation accepts "true"/"8" where the API wants booleans/integers (and 8 where it wants "8").
    if isinstance(value, dict):
        return {
            key: _typed(item, as_text or key.endswith("AttributeConstraints")) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_typed(item, as_text) for item in value]
    if as_text:
        return scalar_text(value)
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        if value.isdigit():
            return int(value)
    return value


def _generated_secret(spec: dict) -> str:
    alphabet = string.ascii_letters + string.digits
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    alphabet = "".join(c for c in alphabet if c not in excluded) or string.ascii_letters
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


def _creation_order(resources: dict[str, dict]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            raise TemplateError(f"circular reference through {logical_id}")
        visiting.add(logical_id)
        resource = resources[logical_id]
        depends = resource.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else depends
        for other in sorted(references_in(resource.get("Properties") or {}) | set(depends)):
            if other in resources:
                visit(other)
        visiting.discard(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order
