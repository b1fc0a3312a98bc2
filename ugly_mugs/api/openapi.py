"""The OpenAPI 3.1 document for /api/v1/: a report's fields from their declaration
(``reports.fields``), the enums from the configuration, so that both stay true."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ugly_mugs import consent
from ugly_mugs.matching.check import CHECK_KINDS
from ugly_mugs.matching.check import MAX_INPUT as CHECK_MAX
from ugly_mugs.reports import fields, idempotency, statuses
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
    count = int(config.get("PHOTO_MAX_COUNT", 3))
    properties["photos"] = {
        "type": "array",
        "maxItems": count,
        "description": (
            f"Up to {count} photos (JPEG, PNG or WebP, each at most {config.get('PHOTO_MAX_BYTES')} bytes before "
            "base64). Each is re-encoded as JPEG with only its pixels: EXIF, GPS and every other metadata are "
            "removed. A photo is kept with the reporter's own details (police see it only at full report) "
            "unless shows_only_him is true."
        ),
        "items": {
            "type": "object",
            "properties": {
                "image": {"type": "string", "contentEncoding": "base64", "description": "The image file, base64."},
                "shows_only_him": {"type": "boolean", "default": False},
            },
            "required": ["image"],
            "additionalProperties": False,
        },
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in declared if f.required and not f.required_unless],
        "additionalProperties": False,
    }


# RFC 9457 problem details: every error of every operation.
PROBLEM_JSON = "application/problem+json"
# Statuses whose answers say when to try again (RFC 9110 §10.2.3).
RETRY_STATUSES = ("429", "503")
# Errors any operation taking a JSON body may give.
COMMON_ERRORS = {
    "400": "The body is not a JSON object.",
    "413": "The body is too large.",
    "415": "The body is not application/json.",
}


def _error_response(description: str, status: str = "") -> dict:
    response: dict = {
        "description": description + " An RFC 9457 problem object.",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in RETRY_STATUSES:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return response


def _errors(specific: Mapping[str, str]) -> dict:
    """The error responses of an operation: the common ones, then ``specific`` (status -> text)."""
    merged = {**COMMON_ERRORS, **specific}
    return {status: _error_response(text, status) for status, text in sorted(merged.items())}


def _receipt_operation(summary: str, operation_id: str, schema: str, ok: str, ok_schema: str, errors: dict) -> dict:
    return {
        "post": {
            "summary": summary,
            "operationId": operation_id,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            "responses": {
                "200": {
                    "description": ok,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ok_schema}"}}},
                },
                **_errors(
                    {
                        "404": "No report with that code.",
                        "410": "The report was deleted; nothing of it can be opened any more.",
                        "429": "Too many wrong codes from this client; wait as long as Retry-After says.",
                        **errors,
                    }
                ),
            },
        }
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
            "Receipt codes travel only in request bodies, never in URLs. Every error is an RFC 9457 "
            "problem object (application/problem+json: type, title, status, detail, and errors by field "
            "name when fields were wrong), 429 and 503 with Retry-After. Only "
            + " and ".join(filter(None, [required_text, either]))
            + " are required.",
        },
        "paths": {
            "/api/v1/reports": {
                "post": {
                    "summary": "Submit a report anonymously",
                    "description": "Send an Idempotency-Key with every report, new for each report and the same "
                    "when the same report is sent again (after a timeout, a dropped connection or a 5xx): the "
                    "retry is answered with the first answer — the same reference and receipt code — and "
                    "nothing is filed twice, for 24 hours. Reports are limited per client and overall "
                    "(429 with Retry-After).",
                    "operationId": "submitReport",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": f"{idempotency.KEY_MIN} to {idempotency.KEY_MAX} visible ASCII "
                            "characters (no spaces), unguessable: a random UUID or 128 random bits, new for "
                            "each report (draft-ietf-httpapi-idempotency-key-header). The server keeps only "
                            "a keyed hash of it, and the answer encrypted under a key derived from it.",
                            "schema": {
                                "type": "string",
                                "minLength": idempotency.KEY_MIN,
                                "maxLength": idempotency.KEY_MAX,
                                "pattern": "^[!-~]+$",
                            },
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewReport"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "Stored encrypted. The receipt code is returned only this once, and "
                            "again to a retry with the same Idempotency-Key and body.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filed"}}},
                        },
                        **_errors(
                            {
                                "400": "The body is not a JSON object, or the Idempotency-Key is malformed.",
                                "409": "A request with this Idempotency-Key is still being worked on; retry.",
                                "422": "Some fields are missing or wrong (see errors), or the Idempotency-Key "
                                "was used with another body.",
                                "429": "Too many reports from this client or overall; see Retry-After.",
                                "503": "Could not be stored now; send it again later (same Idempotency-Key).",
                            }
                        ),
                    },
                }
            },
            "/api/v1/receipt/status": _receipt_operation(
                "The status of a report, found by its receipt code",
                "receiptStatus",
                "ReceiptCode",
                "The report's status and consent.",
                "Status",
                {
                    "422": "No receipt code given, one too long to be a code, or an unknown field.",
                    "503": "The records cannot be reached just now; try again later.",
                },
            ),
            "/api/v1/receipt/consent": _receipt_operation(
                "Raise, narrow or withdraw consent, with the receipt code",
                "changeConsent",
                "ConsentChange",
                "Saved; it applies from the next request on.",
                "Status",
                {"422": "A field is missing or wrong.", "503": "Could not be saved now; try again later."},
            ),
            "/api/v1/receipt/add": _receipt_operation(
                "Add information to a report, with the receipt code",
                "addInformation",
                "Addition",
                "Saved, encrypted like the report and sealed to the same holders.",
                "Status",
                {
                    "422": "Nothing to add, or a field is wrong (see errors).",
                    "503": "Could not be saved now; try again later.",
                },
            ),
            "/api/v1/receipt/erase": _receipt_operation(
                "Delete a report for good, with the receipt code",
                "eraseReport",
                "Erasure",
                "Deleted: nothing of it can be opened any more, by anyone; its code answers 410 from now on.",
                "Erased",
                {"422": 'confirm is not "yes".', "503": "Could not be deleted now; try again later."},
            ),
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
                        **_errors(
                            {
                                "401": "The project token is missing or not valid.",
                                "422": "The identifier is empty, too long or cannot be read.",
                                "429": "Too many checks with this token for now; see Retry-After.",
                                "503": "Checking is not possible just now.",
                            }
                        ),
                    },
                }
            },
        },
        "components": {
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before trying again (RFC 9110 §10.2.3).",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            },
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
                    "additionalProperties": False,
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
                "Addition": {
                    "type": "object",
                    "properties": {
                        "receipt_code": {"type": "string", "maxLength": 64},
                        **{f.name: field_schema(f, config) for f in fields.ADDITION_FIELDS},
                    },
                    "required": ["receipt_code"],
                    "additionalProperties": False,
                    "description": "At least one of "
                    + ", ".join(f.name for f in fields.ADDITION_FIELDS)
                    + " must say something.",
                },
                "Erasure": {
                    "type": "object",
                    "properties": {
                        "receipt_code": {"type": "string", "maxLength": 64},
                        "confirm": {"type": "string", "const": "yes", "description": "Deletion cannot be undone."},
                    },
                    "required": ["receipt_code", "confirm"],
                    "additionalProperties": False,
                },
                "Erased": {
                    "type": "object",
                    "properties": {
                        "reference": {"type": "string"},
                        "status": {"type": "string", "const": statuses.ERASED},
                    },
                    "required": ["reference", "status"],
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
                "Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details, the shape of every error.",
                    "properties": {
                        "type": {"type": "string", "description": "about:blank: the status says what it is."},
                        "title": {"type": "string", "description": "The status code's phrase."},
                        "status": {"type": "integer"},
                        "detail": {"type": "string", "description": "What went wrong and what to do, in English."},
                        "errors": {
                            "type": "object",
                            "description": "Messages by field name, when fields were wrong.",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                        "note": {"type": "string", "description": "The check's reminder that no warning is not safe."},
                    },
                    "required": ["type", "title", "status", "detail"],
                },
            },
        },
    }
