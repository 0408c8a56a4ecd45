"""Well-formed JSON values for the OpenAPI document's schemas, for the proofs that call
every API operation with a body (test_cross_firm.py, test_canaries.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# What a string field gets, by its format.
STRINGS = {
    "email": "exemple@example.test",
    "date": "2024-01-31",
    "date-time": "2024-01-31T12:00:00Z",
    "uri": "https://example.test/",
}


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(
    schema: dict[str, Any],
    components: dict[str, Any],
    integer: Callable[[str], int],
    name: str = "",
    depth: int = 0,
) -> Any:
    """A well-formed value for `schema`; an integer field named `name` gets `integer(name)`
    (so a proof chooses which id each field names)."""
    schema = resolve(schema, components)
    if schema.get("examples") and isinstance(schema["examples"][0], str):
        # A text field with a shape of its own (an amount, a currency) says it by example.
        return schema["examples"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], components, integer, name, depth)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 5:
            return {}
        return {
            prop: example(sub, components, integer, prop, depth + 1)
            for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example(schema.get("items", {}), components, integer, name, depth + 1)]
    if kind == "integer":
        return integer(name)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        return STRINGS.get(schema.get("format", ""), "Exemple")
    return None
