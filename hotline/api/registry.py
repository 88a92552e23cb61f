"""``@api_route``: declares an API endpoint once, for Flask and for the OpenAPI document.

The decorator authenticates the bearer token (401), checks the role (403), parses the query string and the
JSON body with the declared pydantic models (422), calls the view with ``user=``, ``query=`` and ``body=``,
and commits once after a successful view. It also records the endpoint, so ``openapi.json`` is generated
from the same declarations that route and validate requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

from flask import abort, g, request
from pydantic import BaseModel, ValidationError

from hotline.accounts.security import authenticate_token
from hotline.api import bp
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext
from hotline.core.urls import MAX_URL_INT
from hotline.extensions import db

#: Larger JSON bodies are refused with 413 before parsing (1 MB text fields still reach the field rules).
MAX_JSON_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Endpoint:
    rule: str
    method: str
    summary: str
    description: str
    tag: str
    auth: bool
    roles: frozenset[str] | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    #: Success status → response model, a raw JSON schema (dict) or None (no body).
    responses: dict[int, type[BaseModel] | dict | None]
    errors: tuple[int, ...]
    headers: dict[str, str] = field(default_factory=dict)
    #: JSON schema of a multipart/form-data body (file uploads); the view reads ``request.files`` itself.
    multipart: dict | None = None
    #: Error status → response model, where an endpoint's error body differs from the shared one (409 + case).
    error_models: dict[int, type[BaseModel]] = field(default_factory=dict)
    #: False: a request without a body is valid and the view gets ``body()`` (the model's defaults).
    body_required: bool = True
    #: Only service accounts (User.is_service) of ``roles`` may call it: a machine's endpoint (the switch's events).
    service_only: bool = False


@dataclass(frozen=True)
class Binary:
    """A response body that is a file, not JSON (``responses={200: Binary("application/pdf", ...)}``)."""

    media_type: str = "application/octet-stream"
    description: str = "The file."


#: Every endpoint declared with @api_route, in declaration order.
ENDPOINTS: list[Endpoint] = []


def _bearer_user():
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        abort(401, description=gettext("Send an API token: Authorization: Bearer <token>."))
    user = authenticate_token(raw.strip())
    if user is None:
        abort(401, description=gettext("The token is invalid, expired or revoked, or its user is deactivated."))
    if user.must_change_password:
        abort(403, description=gettext("An administrator set this account's password: log in to the web pages and "
                                       "choose your own before using the API."))
    return user


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in exc.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "body"
        if item["type"] == "extra_forbidden":
            message = gettext("Unknown field.")
        elif item["type"] == "missing":
            message = gettext("Required.")
        else:
            message = item["msg"].removeprefix("Value error, ")
        errors.setdefault(key, []).append(message)
    return errors


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string as ``model`` (first value of each parameter); ValidationFailed → 422."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(gettext("Invalid query parameters."), _field_errors(exc)) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as ``model``: must be JSON, an object, strict types, no unknown fields."""
    if not request.is_json:
        raise ValidationFailed(gettext("JSON body required."),
                               {"body": [gettext("Send a JSON object (Content-Type: application/json).")]})
    if (request.content_length or 0) > MAX_JSON_BYTES:
        abort(413, description=gettext("JSON bodies are limited to %(mb)d MB.", mb=MAX_JSON_BYTES // (1024 * 1024)))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        abort(413, description=gettext("JSON bodies are limited to %(mb)d MB.", mb=MAX_JSON_BYTES // (1024 * 1024)))
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ValidationFailed(gettext("Invalid request body."), _field_errors(exc)) from None


def api_route(rule: str, method: str, *, summary: str, responses: dict[int, type[BaseModel] | dict | None],
              roles: Iterable[str] | None = None, auth: bool = True, query: type[BaseModel] | None = None,
              body: type[BaseModel] | None = None, errors: Iterable[int] = (), description: str = "",
              tag: str = "calls", headers: dict[str, str] | None = None, multipart: dict | None = None,
              error_models: dict[int, type[BaseModel]] | None = None, body_required: bool = True,
              service_only: bool = False) -> Callable:
    """Route ``method rule`` on the API blueprint and record it for the OpenAPI document.

    :param roles: roles allowed (403 for others); ``None`` lets any authenticated user in.
    :param auth: ``False`` for the few public endpoints (health, openapi.json).
    :param responses: status → response model, raw JSON schema, or ``None`` for no body.
    :param errors: extra error statuses the view itself can produce (404, 409 …) to document.
    :param headers: request headers the endpoint reads (name → description), e.g. If-Match.
    :param multipart: JSON schema of a multipart/form-data body (no JSON parsing; the view reads the form).
    :param error_models: status → model for error bodies that differ from the shared ones.
    :param body_required: ``False`` when the JSON body may be left out (the view then gets ``body()``).
    :param service_only: only service accounts (``User.is_service``) with one of ``roles`` (403 for people).
    """
    allowed = frozenset(str(r) for r in roles) if roles is not None else None

    def decorator(view: Callable) -> Callable:
        endpoint = Endpoint(rule=rule, method=method, summary=summary, description=description or view.__doc__ or "",
                            tag=tag, auth=auth, roles=allowed, query=query, body=body, responses=responses,
                            errors=tuple(errors), headers=headers or {}, multipart=multipart,
                            error_models=dict(error_models or {}), body_required=body_required,
                            service_only=service_only)
        ENDPOINTS.append(endpoint)

        @wraps(view)
        def wrapped(**kwargs):
            if auth:
                user = _bearer_user()
                if allowed is not None and user.role not in allowed:
                    abort(403, description=gettext("Your role may not do this."))
                if service_only and not user.is_service:
                    abort(403, description=gettext("Only a service account may do this."))
                g.api_user = kwargs["user"] = user
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                absent = not request.content_length and "Transfer-Encoding" not in request.headers
                kwargs["body"] = body() if absent and not body_required else parse_body(body)
            response = view(**kwargs)
            # The one commit of the request: the operation's changes, the audit rows and the token's last use.
            db.session.commit()
            return response

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


# OpenAPI ----------------------------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_TEXT = {
    401: "No token, or an expired or revoked token, or a deactivated user (WWW-Authenticate: Bearer).",
    403: "Your role may not do this, or your password was set by an administrator and must be changed first.",
    404: "No such record in your region.",
    409: "Stale version (with the current record) or an action not allowed from the current status.",
    413: "Body too large.",
    422: "Invalid input: field name → messages.",
    429: "Too many requests of this kind: wait for the time Retry-After gives (seconds).",
    503: "A dependency (the database) is unavailable.",
}


def openapi_path(rule: str) -> str:
    """``/calls/<int:call_id>`` → ``/calls/{call_id}`` (under the blueprint prefix)."""
    return bp.url_prefix + _CONVERTER.sub(r"{\2}", rule)


def _path_parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        schema = ({"type": "integer", "minimum": 0, "maximum": MAX_URL_INT} if converter == "int"
                  else {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel], schemas: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = _without_null(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _without_null(prop: dict) -> dict:
    """A query parameter is absent rather than null: ``anyOf [X, null]`` with default null becomes X."""
    prop = dict(prop)
    branches = prop.get("anyOf")
    if branches and {"type": "null"} in branches and len(branches) == 2:
        del prop["anyOf"]
        prop = {**next(b for b in branches if b != {"type": "null"}), **prop}
    if prop.get("default", "absent") is None:
        del prop["default"]
    return prop


def build_openapi(version: str = "1.0.0") -> dict:
    """The OpenAPI 3.1 document of every endpoint declared with @api_route."""
    from pydantic.json_schema import models_json_schema

    models: set[tuple[type[BaseModel], str]] = set()
    error_models = {422: _error_model(422), 409: _error_model(409)}
    for ep in ENDPOINTS:
        if ep.body is not None:
            models.add((ep.body, "validation"))
        for model in ep.responses.values():
            if isinstance(model, type):
                models.add((model, "serialization"))
        for model in ep.error_models.values():
            models.add((model, "serialization"))
    for model in {*error_models.values(), _error_model(0)}:
        models.add((model, "serialization"))
    keys, top = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                   ref_template="#/components/schemas/{model}")
    schemas: dict = dict(top.get("$defs", {}))

    def ref(model: type[BaseModel], mode: str) -> dict:
        return keys[(model, mode)]

    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        op: dict = {
            "operationId": f"{ep.method.lower()}_{openapi_path(ep.rule).strip('/').replace('/', '_')}".replace(
                "{", "").replace("}", ""),
            "summary": ep.summary,
            "tags": [ep.tag],
            "parameters": _path_parameters(ep.rule),
            "responses": {},
        }
        if ep.description:
            op["description"] = " ".join(ep.description.split())
        if ep.roles is not None:
            op["description"] = (op.get("description", "") + f" Roles: {', '.join(sorted(ep.roles))}"
                                 + (" (service accounts only)" if ep.service_only else "") + ".").strip()
        for name, text in ep.headers.items():
            op["parameters"].append({"name": name, "in": "header", "required": False, "description": text,
                                     "schema": {"type": "string"}})
        if ep.query is not None:
            op["parameters"].extend(_query_parameters(ep.query, schemas))
        if not op["parameters"]:
            del op["parameters"]
        if ep.body is not None:
            op["requestBody"] = {"required": ep.body_required,
                                 "content": {"application/json": {"schema": ref(ep.body, "validation")}}}
        if ep.multipart is not None:
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": ep.multipart}}}
        for status, model in ep.responses.items():
            response: dict = {"description": "OK" if status < 300 else "See body"}
            if isinstance(model, Binary):
                response["description"] = model.description
                response["content"] = {model.media_type: {"schema": {
                    "type": "string", "format": "binary", "contentMediaType": model.media_type}}}
            elif model is not None:
                schema = ref(model, "serialization") if isinstance(model, type) else model
                response["content"] = {"application/json": {"schema": schema}}
            op["responses"][str(status)] = response
        statuses = set(ep.errors)
        if ep.auth:
            statuses.add(401)
            if ep.roles is not None:
                statuses.add(403)
        if ep.body is not None or ep.query is not None or ep.multipart is not None:
            statuses.add(422)
        if ep.body is not None or ep.multipart is not None:
            statuses.add(413)
        for status in sorted(statuses):
            model = ep.error_models.get(status) or error_models.get(status, _error_model(0))
            op["responses"][str(status)] = {
                "description": _ERROR_TEXT[status],
                "content": {"application/json": {"schema": ref(model, "serialization")}},
            }
        if not ep.auth:
            op["security"] = []
        paths.setdefault(openapi_path(ep.rule), {})[ep.method.lower()] = op

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "12330 hotline API",
            "version": version,
            "description": "JSON API for integrations (CTI, WeChat backend, 执法通 terminals, reports). Times are "
                           "ISO 8601 with offset (output in Asia/Shanghai, +08:00). Records outside your region "
                           "answer 404. Text is stored as sent (NFC-normalized, trimmed), every character a name may "
                           "hold kept (rare and newer CJK ideographs, private use characters, emoji); only NUL and "
                           "other control characters, bidi controls (overrides, embeddings, isolates, marks) and "
                           "invisible zero-width space, word joiner, BOM, tag characters and noncharacters are "
                           "dropped. One-line fields turn line breaks and tabs into spaces.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(ep.tag for ep in ENDPOINTS)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from `flask users token USERNAME`."}},
        },
    }


def _error_model(status: int) -> type[BaseModel]:
    from hotline.api import schemas

    return {422: schemas.ValidationErrorOut, 409: schemas.ConflictOut}.get(status, schemas.ErrorOut)

