"""The OpenAPI 3.1 document for /api/v1/, built from the configuration so its enums stay true."""

from __future__ import annotations

from collections.abc import Mapping

from ugly_mugs import consent
from ugly_mugs.matching.check import CHECK_KINDS
from ugly_mugs.matching.check import MAX_INPUT as CHECK_MAX
from ugly_mugs.reporting import forms
from ugly_mugs.reports import statuses
from ugly_mugs.web import i18n

TEXT = {"type": "string", "maxLength": forms.SHORT}
LONG_TEXT = {"type": "string", "maxLength": forms.LONG}
TEXT_LIST = {
    "description": "A list of strings, or one string with one item per line.",
    "oneOf": [
        {"type": "array", "items": TEXT, "maxItems": forms.LIST_ITEMS},
        LONG_TEXT,
    ],
}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document(config: Mapping[str, object]) -> dict:
    areas = [a.code for a in config["AREAS"]]
    categories = [c.code for c in config["CATEGORIES"]]
    one_line, multi_line = forms.free_text_fields()
    report_properties = {
        **{name: TEXT for name in one_line},
        **{name: LONG_TEXT for name in multi_line},
        "incident_date": {
            "type": "string",
            "format": "date",
            "description": "YYYY-MM-DD; best guess is fine.",
        },
        "part_of_day": {"type": "string", "enum": [v for v, _ in forms.PARTS_OF_DAY]},
        "area": {"type": "string", "enum": areas},
        "categories": {
            "type": "array",
            "items": {"type": "string", "enum": categories},
        },
        "sex": {"type": "string", "enum": [v for v, _ in forms.SEXES]},
        "age_range": {"type": "string", "enum": [v for v, _ in forms.AGE_RANGES]},
        "phone_numbers": TEXT_LIST,
        "emails": TEXT_LIST,
        "usernames": TEXT_LIST,
        "reporter_type": {
            "type": "string",
            "enum": [v for v, _ in forms.REPORTER_CHOICES],
            "default": "self",
        },
        "consent_level": {"$ref": "#/components/schemas/ConsentLevel"},
        "language": {
            "type": "string",
            "enum": [lang.url_code for lang in i18n.LANGUAGES],
            "default": i18n.DEFAULT,
            "description": "The language the report was written in, noted for coordinators.",
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ugly Mugs reporting API",
            "version": "1",
            "description": "Anonymous report submission and receipt-code actions for partner apps, and the "
            "check of an identifier against published alerts for support projects. "
            "Receipt codes travel only in request bodies, never in URLs. Only incident_date, area and "
            "one of what_happened or categories are required.",
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
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("Some fields are missing or wrong; see error.fields."),
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
                        "404": _error_response("No report with that code."),
                        "422": _error_response("No receipt code given."),
                        "429": _error_response("Too many wrong codes; wait and try again."),
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
                        "415": _error_response("The body is not application/json."),
                        "422": _error_response("The identifier is empty, too long or cannot be read."),
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
                        "404": _error_response("No report with that code."),
                        "422": _error_response("A field is missing or wrong."),
                        "429": _error_response("Too many wrong codes; wait and try again."),
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
                                    "title": {"type": "string"},
                                    "body": {"type": "string"},
                                    "areas": {"type": "string"},
                                    "published_at": {"type": "string", "format": "date-time"},
                                },
                                "required": ["reference", "severity", "title", "body", "areas", "published_at"],
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
                "NewReport": {
                    "type": "object",
                    "properties": report_properties,
                    "required": ["incident_date", "area"],
                    "additionalProperties": False,
                },
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
