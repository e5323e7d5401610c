"""LocalRuntime: database, moto, the template's resources, environment, functions, drivers and HTTP in one process."""

from __future__ import annotations

import importlib
import itertools
import logging
import os
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from localrun import aws_resources, database
from localrun.drivers import (
    SCHEDULE_TYPES,
    DriverWiring,
    EventSource,
    QueueDriver,
    ScheduleDriver,
    ScheduleOutcome,
)
from localrun.functions import Function, add_layers_to_path, layer_paths, read_functions
from localrun.gateway import CorsPolicy, Gateway
from localrun.pix_simulator import PixSimulator
from localrun.routes import RouteTable, cors_configuration, routes_from_template
from localrun.server import LocalApiServer
from localrun.storefront import Storefront
from localrun.template import REGION, Resolver, TemplateError, Unresolvable, load_template, scalar_text

log = logging.getLogger("localrun")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
DEFAULT_CORS_ORIGINS = "http://127.0.0.1:3000,http://localhost:3000"
_runtime_numbers = itertools.count(1)


def function_environment(
    functions: dict[str, Function], resolver: Resolver, overrides: dict[str, str]
) -> dict:
    """The one environment all functions share: Globals merged with each function's, then local overrides.

    Two functions giving one name two different values cannot share a process: that fails loudly."""
    values: dict[str, tuple[str, str]] = {}
    unresolved: dict[str, str] = {}
    for function in functions.values():
        variables = (function.properties.get("Environment") or {}).get("Variables") or {}
        for name, raw in variables.items():
            if name in overrides:
                continue
            try:
                value = scalar_text(resolver.resolve(raw))
            except Unresolvable as exc:
                unresolved[name] = str(exc)
                continue
            if name in values and values[name][0] != value:
                raise TemplateError(
                    f"{name} is {values[name][0]!r} for {values[name][1]} but {value!r} for "
                    f"{function.logical_id}: functions sharing one local process need one value"
                )
            values[name] = (value, function.logical_id)
    for name, reason in sorted(unresolved.items()):
        if name not in values:
            log.warning("environment variable left unset locally", extra={"variable": name, "reason": reason})
    environment = {name: value for name, (value, _) in values.items()}
    environment.update(overrides)
    return environment


class LocalRuntime:
    """Everything `make start` runs, usable in-process by tests.

    rt = LocalRuntime(template_path, port=0, database_url=..., env_overrides=...); rt.start(); rt.base_url; rt.stop()

    `timed_schedules=False` is the one switch tests need: no schedule runs on its own, each runs only when
    asked (`run_schedule_now`), so a background run never takes the work a test's own run expects. With it
    on (`make start`), each schedule runs at its template rate, or at the interval its documented variable
    (e.g. EXPIRY_INTERVAL_SECONDS) sets.
    """

    def __init__(
        self,
        template_path: str | Path = DEFAULT_TEMPLATE,
        *,
        port: int = 3000,
        host: str = "127.0.0.1",
        database_url: str | None = None,
        moto_endpoint: str | None = None,
        env_overrides: dict[str, str] | None = None,
        seed: bool = True,
        queue_visibility_seconds: int = 2,
        schedule_retry_delay_seconds: float = 1.0,
        timed_schedules: bool = True,
        data_folder: Path = database.DEFAULT_DATA_FOLDER,
        stack_name: str = "ticketing-local",
    ) -> None:
        self.template_path = Path(template_path).resolve()
        self.host = host
        self.port = port
        self.database_url = database_url
        self.moto_endpoint = moto_endpoint
        self.env_overrides = dict(env_overrides or {})
        self.seed = seed
        self.queue_visibility_seconds = queue_visibility_seconds
        self.schedule_retry_delay_seconds = schedule_retry_delay_seconds
        self.timed_schedules = timed_schedules
        self.data_folder = data_folder
        self.stack_name = stack_name
        self.template: dict = {}
        self.resolver: Resolver | None = None
        self.functions: dict[str, Function] = {}
        self.routes = RouteTable()
        self.environment: dict[str, str] = {}
        self.schedules: dict[str, ScheduleDriver] = {}
        self.queue_drivers: list[QueueDriver] = []
        self._embedded: database.EmbeddedPostgres | None = None
        self._moto: aws_resources.MotoServer | None = None
        self._pix: PixSimulator | None = None
        self.pix_endpoint: str | None = None
        self._server: LocalApiServer | None = None
        self._saved_environ: dict[str, str] | None = None
        self._sqs: Any = None
        self._number = next(_runtime_numbers)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the runtime is not started")
        return f"http://{self.host}:{self._server.port}"

    def physical(self, logical_id: str) -> Any:
        """What `!Ref logical_id` resolves to locally (a queue URL, a pool id...)."""
        assert self.resolver is not None
        return self.resolver.physical[logical_id]

    def start(self) -> LocalRuntime:
        self._saved_environ = dict(os.environ)
        try:
            self._start_database()
            self._start_aws()
            self._start_pix()
            self._load_template()
            self._apply_environment()
            self._warm_functions()
            if self.seed:
                self._seed()
            self._start_drivers()
            self._start_server()
            self._register_pix_webhook()
        except BaseException:
            self.stop()
            raise
        log.info(f"ready on {self.base_url}", extra={"routes": len(self.routes.routes)})
        return self

    def _start_database(self) -> None:
        url = self.database_url or os.environ.get("DATABASE_URL")
        if not url:
            self._embedded = database.EmbeddedPostgres(self.data_folder)
            url = database.with_database(self._embedded.start(), "ticketing")
        database.ensure_database(url)
        database.migrate(url)
        self.database_url = url

    def _start_pix(self) -> None:
        """The API Pix provider: PIX_API_URL when set (a test's simulator, or a real sandbox), else our own
        simulator, which settles devolutions by itself a moment after they are requested."""
        self.pix_endpoint = os.environ.get("PIX_API_URL") or None
        if not self.pix_endpoint:
            settings = {
                "webhook_secret": os.environ.get("PIX_WEBHOOK_SECRET", "local-pix-secret"),
                "auto_settle_seconds": float(os.environ.get("PIX_DEVOLUTION_SECONDS", "3")),
                "pix_key": os.environ.get("PIX_KEY", "pagamentos@ticketing.example.com"),
            }
            port = int(os.environ.get("PIX_SIMULATOR_PORT", "3090"))
            try:
                self._pix = PixSimulator(port=port, **settings).start()
            except OSError:
                # The usual port is taken (another runtime): any free one, named in the log.
                self._pix = PixSimulator(port=0, **settings).start()
            log.info("API Pix simulator ready", extra={"endpoint": self._pix.base_url})
            self.pix_endpoint = self._pix.base_url

    def _register_pix_webhook(self) -> None:
        """Tell the provider where to notify PIX (API Pix PUT /webhook/{chave}), as one does once per key."""
        try:
            from ticketing.config import settings
            from ticketing.payments_provider import ProviderRefused, ProviderUnavailable, provider
        except ImportError:
            return
        try:
            provider().register_webhook(settings().pix_key, f"{self.base_url}/payments/pix/webhook")
        except (ProviderUnavailable, ProviderRefused) as exc:
            log.warning("the PIX webhook could not be registered", extra={"error": str(exc)})

    def _start_aws(self) -> None:
        if not self.moto_endpoint:
            self._moto = aws_resources.MotoServer()
            self.moto_endpoint = self._moto.start()
        aws_resources.use_endpoint(self.moto_endpoint)
        self._sqs = aws_resources.boto_client("sqs", self.moto_endpoint)

    def _load_template(self) -> None:
        self.template = load_template(self.template_path)
        self.resolver = Resolver(self.template, stack_name=self.stack_name)
        aws_resources.ResourceCreator(
            self.resolver, self.moto_endpoint, self.queue_visibility_seconds
        ).create_all()
        self.functions = read_functions(self.template, self.template_path.parent, self.stack_name)
        for function in self.functions.values():
            function.module_prefix = f"localrun_functions_{self._number}"
        self.routes = routes_from_template(self.template)

    def _local_overrides(self) -> dict[str, str]:
        overrides = {
            "DATABASE_URL": self.database_url or "",
            "DB_IAM_AUTH": "false",
            "DB_POOL_MIN": "2",
            "DB_POOL_MAX": "16",
            "STAGE": "local",
            "PAYMENT_WEBHOOK_SECRET": os.environ.get("PAYMENT_WEBHOOK_SECRET", "local-webhook-secret"),
            "CORS_ALLOWED_ORIGINS": os.environ.get("CORS_ALLOWED_ORIGINS", DEFAULT_CORS_ORIGINS),
            "AWS_ENDPOINT_URL": self.moto_endpoint or "",
            **aws_resources.LOCAL_CREDENTIALS,
            # API Pix (issue 20): the provider the runtime started or was given
            "PIX_API_URL": self.pix_endpoint or "",
            "PIX_CLIENT_ID": os.environ.get("PIX_CLIENT_ID", "local-pix-client"),
            "PIX_CLIENT_SECRET": os.environ.get("PIX_CLIENT_SECRET", "local-pix-client-secret"),
            "PIX_WEBHOOK_SECRET": os.environ.get("PIX_WEBHOOK_SECRET", "local-pix-secret"),
        }
        if os.environ.get("PIX_KEY"):
            overrides["PIX_KEY"] = os.environ["PIX_KEY"]
        pools = [
            logical_id
            for logical_id, resource in (self.template.get("Resources") or {}).items()
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Cognito::UserPool"
        ]
        if pools:
            assert self.resolver is not None
            pool_id = self.resolver.physical[pools[0]].ref
            # moto's tokens carry the AWS issuer, but moto itself serves the JWKS.
            overrides["COGNITO_ISSUER"] = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
            overrides["COGNITO_JWKS_URL"] = f"{self.moto_endpoint}/{pool_id}/.well-known/jwks.json"
        overrides.update(self.env_overrides)
        return overrides

    def _apply_environment(self) -> None:
        assert self.resolver is not None
        self.environment = function_environment(self.functions, self.resolver, self._local_overrides())
        os.environ.update(self.environment)
        _refresh_application_state()

    def _warm_functions(self) -> None:
        add_layers_to_path(layer_paths(self.template, self.template_path.parent))
        for function in self.functions.values():
            function.load()

    def _seed(self) -> None:
        email = os.environ.get("ORGANIZER_EMAIL", "organizer@example.com")
        password = os.environ.get("ORGANIZER_PASSWORD", "Organizer-2026!")
        name = os.environ.get("ORGANIZER_NAME", "Organizer")
        users = _optional_module("ticketing.services.users")
        if users is None:
            log.warning("ticketing.services.users does not exist yet: no organizer account created")
            return
        users.ensure_organizer(email, password, name)
        log.info("organizer account ready", extra={"email": email})
        admin_email = os.environ.get("ADMIN_EMAIL", "admin@example.com")
        users.ensure_admin(admin_email, os.environ.get("ADMIN_PASSWORD", "Admin-2026!"))
        log.info("admin account ready", extra={"email": admin_email})
        demo = _optional_module("ticketing.services.demo")
        if demo is None:
            log.info("ticketing.services.demo does not exist yet: no demo event seeded")
            return
        demo.seed_demo_event(email)
        log.info("demo event seeded")

    def _queue_urls_by_arn(self) -> dict[str, str]:
        assert self.resolver is not None
        return {
            physical.attributes["Arn"]: physical.ref
            for physical in self.resolver.physical.values()
            if physical.attributes.get("QueueUrl")
        }

    def _start_drivers(self) -> None:
        assert self.resolver is not None
        wiring = DriverWiring(self.resolver, self._sqs, self._queue_urls_by_arn())
        for function in self.functions.values():
            for event_name, event in function.events.items():
                kind = event.get("Type") if isinstance(event, dict) else None
                properties = (event or {}).get("Properties") or {}
                if kind in SCHEDULE_TYPES:
                    source = EventSource(function, event_name, properties)
                    driver = ScheduleDriver(source, wiring, self.schedule_retry_delay_seconds)
                    self.schedules.setdefault(function.logical_id, driver)
                    if self.timed_schedules:
                        driver.start()
                elif kind == "SQS":
                    queue_driver = QueueDriver(EventSource(function, event_name, properties), wiring)
                    self.queue_drivers.append(queue_driver)
                    queue_driver.start()

    def _start_server(self) -> None:
        origins = [o for o in self.environment.get("CORS_ALLOWED_ORIGINS", "").split(",") if o]
        cors = CorsPolicy.from_configuration(origins, cors_configuration(self.template))
        storefront = Storefront.from_environment(read_image=self._read_image)
        gateway = Gateway(self.routes, self.functions, cors, storefront=storefront)
        self._server = LocalApiServer((self.host, self.port), gateway)
        # Event images are read at the page's own origin, as CloudFront serves them in AWS.
        if self.environment.get("IMAGES_BUCKET") and not self.environment.get("IMAGES_BASE_URL"):
            self.environment["IMAGES_BASE_URL"] = self.base_url
            os.environ["IMAGES_BASE_URL"] = self.base_url
            _refresh_application_state()
        self._server.start_in_thread()

    def _read_image(self, key: str) -> tuple[bytes, str] | None:
        bucket = self.environment.get("IMAGES_BUCKET")
        if not bucket or not self.moto_endpoint:
            return None
        try:
            found = aws_resources.boto_client("s3", self.moto_endpoint).get_object(Bucket=bucket, Key=key)
        except ClientError:
            return None
        return found["Body"].read(), found.get("ContentType", "")

    def run_schedule_now(self, logical_id: str) -> ScheduleOutcome:
        """Invoke a scheduled function now, as its schedule would (retries and DLQ included)."""
        if logical_id not in self.schedules:
            raise KeyError(f"{logical_id} has no schedule event")
        return self.schedules[logical_id].run_now()

    def stop(self) -> None:
        """Stop the HTTP server, the drivers, moto and the database handle; data stays in place."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        for driver in [*self.schedules.values(), *self.queue_drivers]:
            driver.stop()
        self.schedules.clear()
        self.queue_drivers.clear()
        try:
            from ticketing.db import close_pool

            close_pool()
        except Exception:  # the pool may never have opened
            log.debug("closing the pool failed", exc_info=True)
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._pix is not None:
            self._pix.stop()
            self._pix = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
            self._saved_environ = None
            _refresh_application_state()

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _optional_module(name: str) -> Any:
    """The module, or None when it (not one of its own imports) does not exist yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def _refresh_application_state() -> None:
    """Make the shared layer re-read the environment: settings, boto3 clients, the pool, verified tokens."""
    from ticketing import aws, config, db

    config.reload_settings()
    aws.reset_clients()
    db.close_pool()
    try:
        from ticketing.auth import forget_verified_tokens

        forget_verified_tokens()
    except ImportError:
        pass
