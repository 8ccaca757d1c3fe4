"""OpenAPI document additions: the error answers every operation can give, written down once."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` for a general message, or one list of messages per field name.",
    "properties": {
        "detail": {"type": "string"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
        "current_status": {"type": "string"},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ERRORS = {
    "400": "The input was refused; the body has a message per field. Nothing was changed.",
    "401": "Authentication is missing or no longer valid.",
    "403": "Signed in, but this kind of action is not allowed for your role.",
    "404": "Not found, or outside what you may see.",
    "409": "The action is not allowed in the current status, or the record changed meanwhile.",
    "422": "This Idempotency-Key was already used for a different request; nothing was done.",
    "429": "Too many requests; retry later.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the JSON error answers of each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in WRITE_METHODS | {"get"}:
                continue
            codes = ["401", "403", "429"] if operation.get("security") != [{}] else ["429"]
            if method in WRITE_METHODS or operation.get("parameters"):
                codes.append("400")
            # Unknown or out-of-scope ids, and look-ups by a key in the body, answer 404.
            codes.append("404")
            if method in WRITE_METHODS:
                codes.append("409")
            # twp.idempotency: the same key with another request is refused.
            if any(parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key"
                   for parameter in operation.get("parameters", [])):
                codes.append("422")
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {"description": ERRORS[code], "content": {"application/json": {"schema": reference}}},
                )
    return result
