"""The HTTP API routes template.yaml declares, and matching a request against them as API Gateway does.

Literal segments win over `{param}` segments, which win over a greedy `{proxy+}`; `$default` catches the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from localrun.template import TemplateError

ANY = "ANY"
DEFAULT_ROUTE = "$default"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    public: bool
    scopes: tuple[str, ...] = ()
    api: str = ""

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    @property
    def segments(self) -> list[str]:
        return self.path.split("/")[1:]


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: tuple[str, ...]


def _segment_rank(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return 2
    if segment.startswith("{") and segment.endswith("}"):
        return 1
    return 0


def _match_path(template: str, path: str) -> dict[str, str] | None:
    if template == DEFAULT_ROUTE:
        return {}
    wanted = template.split("/")[1:]
    given = path.split("/")[1:]
    parameters: dict[str, str] = {}
    for index, segment in enumerate(wanted):
        rank = _segment_rank(segment)
        if rank == 2:
            rest = given[index:]
            if not rest or rest == [""]:
                return None
            parameters[segment[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(given):
            return None
        if rank == 1:
            if given[index] == "":
                return None
            parameters[segment[1:-1]] = unquote(given[index])
        elif segment != given[index]:
            return None
    return parameters if len(given) == len(wanted) else None


def _specificity(route: Route) -> tuple:
    if route.path == DEFAULT_ROUTE:
        return (9,)
    return tuple(_segment_rank(segment) for segment in route.segments) + (1 if route.method == ANY else 0,)


@dataclass
class RouteTable:
    routes: list[Route] = field(default_factory=list)

    def add(self, route: Route) -> None:
        for existing in self.routes:
            if existing.method == route.method and existing.path == route.path:
                raise TemplateError(
                    f"route {route.route_key} is declared by {existing.function} and {route.function}"
                )
        self.routes.append(route)

    def match(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | None:
        """The route serving `method path`; MethodNotAllowed when only other methods exist; None if no path."""
        candidates = []
        allowed: set[str] = set()
        for route in self.routes:
            parameters = _match_path(route.path, path)
            if parameters is None:
                continue
            if route.method in (method, ANY):
                candidates.append((_specificity(route), route, parameters))
            elif route.path != DEFAULT_ROUTE:
                allowed.add(route.method)
        if candidates:
            _, route, parameters = min(candidates, key=lambda found: found[0])
            return RouteMatch(route, parameters)
        if allowed:
            return MethodNotAllowed(tuple(sorted(allowed)))
        return None


def _authorizer_of(api: dict) -> str | None:
    return ((api.get("Auth") or {}).get("DefaultAuthorizer")) or None


def routes_from_template(template: dict) -> RouteTable:
    """Every HttpApi event of every function, with the authorizer that applies to it."""
    resources = template.get("Resources") or {}
    implicit_api = (template.get("Globals") or {}).get("HttpApi") or {}
    table = RouteTable()
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if not isinstance(event, dict) or event.get("Type") != "HttpApi":
                continue
            properties = event.get("Properties") or {}
            api_ref = properties.get("ApiId")
            api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
            api = ((resources.get(api_id) or {}).get("Properties") or {}) if api_id else {}
            auth = properties.get("Auth") or {}
            authorizer = auth.get("Authorizer") or _authorizer_of(api) or _authorizer_of(implicit_api)
            path = properties.get("Path") or DEFAULT_ROUTE
            method = str(properties.get("Method") or ANY).upper()
            table.add(
                Route(
                    method=method,
                    path=path,
                    function=logical_id,
                    public=authorizer in (None, "NONE"),
                    scopes=tuple(auth.get("AuthorizationScopes") or ()),
                    api=api_id or "",
                )
            )
    return table


def cors_configuration(template: dict) -> dict:
    """The CorsConfiguration of the HTTP API (the first that declares one), {} when none."""
    for resource in (template.get("Resources") or {}).values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::HttpApi":
            found = (resource.get("Properties") or {}).get("CorsConfiguration")
            if found:
                return found if isinstance(found, dict) else {}
    found = ((template.get("Globals") or {}).get("HttpApi") or {}).get("CorsConfiguration")
    return found if isinstance(found, dict) else {}
