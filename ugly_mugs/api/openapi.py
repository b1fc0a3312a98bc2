"""The OpenAPI 3.1 document for /api/v1/: a report's fields from their declaration
(``reports.fields``), the enums from the configuration, so that both stay true."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ugly_mugs import consent
from ugly_mugs.matching.check import CHECK_KINDS
from ugly_mugs.matching.check import MAX_INPUT as CHECK_MAX
from ugly_mugs.reports import fields, statuses
from ugly_mugs.web import i18n

# Fields whose answer is a schema the document also uses elsewhere.
SHARED = {"consent_level": "ConsentLevel"}


def _text(max_length: int | None) -> dict:
    return {"type": "string", "maxLength": max_length}


def _choice_values(declared: fields.Field, config: Mapping[str, object]) -> list[str]:
    if declared.choices_from:
        return [item.code for item in config[declared.choices_from]]
    return [value for value, _label in declared.choices]


def field_schema(declared: fields.Field, config: Mapping[str, object]) -> dict:
    """The JSON schema of one declared field's answer, titled with its (English) label."""
    if declared.name in SHARED:
        schema: dict = {"$ref": f"#/components/schemas/{SHARED[declared.name]}"}
    elif declared.kind == fields.DATE:
        schema = {"type": "string", "format": "date"}
    elif declared.kind in (fields.SELECT, fields.RADIO):
        schema = {"type": "string", "enum": _choice_values(declared, config)}
    elif declared.kind == fields.CHECKBOXES:
        schema = {"type": "array", "items": {"type": "string", "enum": _choice_values(declared, config)}}
    elif declared.kind == fields.LIST:
        schema = {
            "description": "A list of strings, or one string with one item per line.",
            "oneOf": [
                {"type": "array", "items": _text(fields.SHORT), "maxItems": fields.LIST_ITEMS},
                _text(declared.max_length),
            ],
        }
    else:
        schema = _text(declared.max_length)
    schema = {"title": declared.label, **schema}
    if declared.kind == fields.DATE:
        schema["description"] = " ".join(filter(None, ["YYYY-MM-DD (or DD/MM/YYYY).", declared.description]))
    elif declared.description and "description" not in schema:
        schema["description"] = declared.description
    if declared.default is not None and declared.kind != fields.CHECKBOXES:
        schema["default"] = declared.default
    return schema


def report_schema(config: Mapping[str, object], declared: Iterable[fields.Field] | None = None) -> dict:
    """The NewReport schema: every declared field, and the report's language."""
    declared = fields.report_fields(declared)
    properties = {f.name: field_schema(f, config) for f in declared}
    properties["language"] = {
        "type": "string",
        "enum": [lang.url_code for lang in i18n.LANGUAGES],
        "default": i18n.DEFAULT,
        "description": "The language the report was written in, noted for coordinators.",
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in declared if f.required and not f.required_unless],
        "additionalProperties": False,
    }


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document(config: Mapping[str, object], declared: Iterable[fields.Field] | None = None) -> dict:
    """The whole document; ``config`` gives the installation's areas and categories."""
    declared = fields.report_fields(declared)
    required_text = ", ".join(f.name for f in declared if f.required and not f.required_unless)
    either = " and ".join(
        "one of " + " or ".join((f.name, *f.required_unless)) for f in declared if f.required and f.required_unless
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ugly Mugs reporting API",
            "version": "1",
            "description": "Anonymous report submission and receipt-code actions for partner apps, and the "
            "check of an identifier against published alerts for support projects. "
            "Receipt codes travel only in request bodies, never in URLs. Only "
            + " and ".join(filter(None, [required_text, either]))
            + " are required.",
        },
        "paths": {
            "/api/v1/reports": {
                "post": {
                    "summary": "Submit a report anonymously",
                    "operationId": "submitReport",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewReport"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "Stored encrypted. The receipt code is returned only this once.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filed"}}},
                        },
                        "400": _error_response("The body is not a JSON object."),
                        "413": _error_response("The body is too large."),
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("Some fields are missing or wrong; see error.fields."),
                        "429": _error_response("Too many reports from this client or from everyone; see Retry-After."),
                        "503": _error_response("Could not be stored now; send it again later."),
                    },
                }
            },
            "/api/v1/receipt/status": {
                "post": {
                    "summary": "The status of a report, found by its receipt code",
                    "operationId": "receiptStatus",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReceiptCode"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The report's status and consent.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}},
                        },
                        "400": _error_response("The body is not a JSON object."),
                        "404": _error_response("No report with that code."),
                        "410": _error_response("The report was deleted; nothing of it can be opened any more."),
                        "413": _error_response("The body is too large."),
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("No receipt code given."),
                        "429": _error_response("Too many wrong codes; wait and try again."),
                        "503": _error_response("The records cannot be reached just now; try again later."),
                    },
                }
            },
            "/api/v1/check": {
                "post": {
                    "summary": "Check a phone number, plate, email or username against the published alerts",
                    "description": "For support projects' apps, with the project's token "
                    "(flask --app wsgi matching issue-token PROJECT). The answer comes only from published "
                    "alerts; the value checked is not recorded. No warning does not mean safe: every answer "
                    "carries that note.",
                    "operationId": "checkIdentifier",
                    "security": [{"projectToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The published alerts about this identifier (none is not a sign of safety).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckAnswer"}}},
                        },
                        "400": _error_response("The body is not a JSON object."),
                        "401": _error_response("The project token is missing or not valid."),
                        "413": _error_response("The body is too large."),
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("The identifier is empty, too long or cannot be read."),
                        "429": _error_response("Too many checks with this token for now; see Retry-After."),
                        "503": _error_response("Checking is not possible just now."),
                    },
                }
            },
            "/api/v1/receipt/consent": {
                "post": {
                    "summary": "Raise, narrow or withdraw consent, with the receipt code",
                    "operationId": "changeConsent",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConsentChange"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "Saved; it applies from the next request on.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}},
                        },
                        "400": _error_response("The body is not a JSON object."),
                        "404": _error_response("No report with that code."),
                        "410": _error_response("The report was deleted; nothing of it can be opened any more."),
                        "413": _error_response("The body is too large."),
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("A field is missing or wrong."),
                        "429": _error_response("Too many wrong codes; wait and try again."),
                        "503": _error_response("Could not be saved now; try again later."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "projectToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A support project's check token; only its SHA-256 is stored.",
                }
            },
            "schemas": {
                "CheckRequest": {
                    "type": "object",
                    "properties": {
                        "identifier": {"type": "string", "minLength": 1, "maxLength": CHECK_MAX},
                        "kind": {
                            "type": "string",
                            "enum": list(CHECK_KINDS),
                            "description": "Leave out to let the server work out what it is.",
                        },
                    },
                    "required": ["identifier"],
                    "additionalProperties": False,
                },
                "CheckAnswer": {
                    "type": "object",
                    "properties": {
                        "warnings": {"type": "boolean"},
                        "count": {"type": "integer", "minimum": 0},
                        "latest": {"type": ["string", "null"], "format": "date"},
                        "alerts": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "reference": {"type": "string"},
                                    "severity": {"type": "string", "enum": ["urgent", "warning", "information"]},
                                    "title": {"type": "string", "description": "The original warning's title."},
                                    "body": {"type": "string", "description": "The original description of him."},
                                    "areas": {"type": "string"},
                                    "published_at": {
                                        "type": "string",
                                        "format": "date-time",
                                        "description": "When its newest message was published.",
                                    },
                                    "updates": {
                                        "type": "array",
                                        "description": "Updates sent since, oldest first.",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "title": {"type": "string"},
                                                "body": {"type": "string"},
                                                "published_at": {"type": "string", "format": "date-time"},
                                            },
                                            "required": ["title", "body", "published_at"],
                                            "additionalProperties": False,
                                        },
                                    },
                                },
                                "required": [
                                    "reference",
                                    "severity",
                                    "title",
                                    "body",
                                    "areas",
                                    "published_at",
                                    "updates",
                                ],
                                "additionalProperties": False,
                            },
                        },
                        "note": {"type": "string", "description": "No warning does not mean safe."},
                    },
                    "required": ["warnings", "count", "latest", "alerts", "note"],
                    "additionalProperties": False,
                },
                "ConsentLevel": {
                    "type": "string",
                    "enum": list(consent.LEVELS),
                    "description": "alert_only: nothing to police. anonymous_intel: incident and perpetrator "
                    "details to police, nothing identifying the reporter. full: everything, including contact.",
                },
                "NewReport": report_schema(config, declared),
                "Filed": {
                    "type": "object",
                    "properties": {
                        "reference": {"type": "string", "pattern": "^UM-[0-9A-Z]{7}$"},
                        "receipt_code": {
                            "type": "string",
                            "pattern": "^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$",
                        },
                        "status": {"type": "string", "const": statuses.RECEIVED},
                    },
                    "required": ["reference", "receipt_code", "status"],
                    "additionalProperties": False,
                },
                "ReceiptCode": {
                    "type": "object",
                    "properties": {"receipt_code": {"type": "string", "maxLength": 64}},
                    "required": ["receipt_code"],
                },
                "ConsentChange": {
                    "type": "object",
                    "properties": {
                        "receipt_code": {"type": "string", "maxLength": 64},
                        "consent_level": {"$ref": "#/components/schemas/ConsentLevel"},
                    },
                    "required": ["receipt_code", "consent_level"],
                    "additionalProperties": False,
                },
                "Status": {
                    "type": "object",
                    "properties": {
                        "reference": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": [
                                statuses.RECEIVED,
                                statuses.REVIEWED,
                                statuses.ALERT_PUBLISHED,
                                statuses.PASSED_TO_POLICE,
                            ],
                        },
                        "status_text": {"type": "string"},
                        "consent_level": {"$ref": "#/components/schemas/ConsentLevel"},
                        "consent_history": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "consent_level": {"$ref": "#/components/schemas/ConsentLevel"},
                                    "at": {"type": "string", "format": "date-time"},
                                },
                                "required": ["consent_level", "at"],
                            },
                        },
                    },
                    "required": [
                        "reference",
                        "status",
                        "status_text",
                        "consent_level",
                        "consent_history",
                    ],
                    "additionalProperties": False,
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "title": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                },
                            },
                            "required": ["status", "message"],
                        }
                    },
                    "required": ["error"],
                },
            },
        },
    }
