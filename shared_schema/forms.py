"""Form definitions: what fields a record of each entity has, as immutable pydantic models.

The public face of four modules, one idea each, so that callers import forms from one place:

- :mod:`shared_schema.constraints`: limits on a value, and which apply to which field type;
- :mod:`shared_schema.fields`: one field (:class:`FieldDef`), its labels and choices;
- :mod:`shared_schema.form_definition`: a form version (:class:`FormDefinition`) and a set of
  versions (:class:`FormSet`);
- :mod:`shared_schema.form_files`: reading ``<form_id>.v<version>.json`` files, with errors that
  name the file and the field (:class:`FormLoadError`).

A definition that exists is consistent, whatever its source. The rules of a field's values are
:mod:`shared_schema.values`'s, and a whole change's :mod:`shared_schema.validation`'s.
"""

from __future__ import annotations

from shared_schema.constraints import Constraints, Count, FiniteFloat
from shared_schema.fields import FIELD_TYPES, NAME_RE, Choice, FieldDef, FieldType, I18nLabel, Label
from shared_schema.form_definition import FormDefinition, FormLoadError, FormSet
from shared_schema.form_files import load_default_forms, load_form_file, load_forms_dir, parse_form
from shared_schema.media import MEDIA_TYPES

__all__ = [
    "FIELD_TYPES",
    "MEDIA_TYPES",
    "NAME_RE",
    "Choice",
    "Constraints",
    "Count",
    "FieldDef",
    "FieldType",
    "FiniteFloat",
    "FormDefinition",
    "FormLoadError",
    "FormSet",
    "I18nLabel",
    "Label",
    "load_default_forms",
    "load_form_file",
    "load_forms_dir",
    "parse_form",
]
