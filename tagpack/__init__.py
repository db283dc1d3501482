"""GraphSense TagPacks: checking packs of known attributions before we import them."""

from tagpack.validation import (
    TagPackError,
    TagPackSchema,
    check,
    concept_warnings,
    load_schema,
    read_yaml,
    validate,
    validate_file,
)

__all__ = [
    "TagPackError",
    "TagPackSchema",
    "check",
    "concept_warnings",
    "load_schema",
    "read_yaml",
    "validate",
    "validate_file",
]
