"""Procedure definitions: schema, validation, BPMN compilation, the catalogue."""

from .bpmn import BpmnError, compile_route, parse_spec
from .catalog import (
    Agency,
    Catalog,
    Division,
    bpmn_xml,
    compiled_spec,
    load_catalog,
    procedure_from_data,
)
from .model import Checkpoint, Duration, Procedure, Step, Variant
from .schema import END, FORMS, PROCEDURE_SCHEMA, ROLES, SUPPLEMENT_OUTCOME, schema_json
from .source import DEFAULT_YAML_LIMITS, Problem, SourceError, YamlLimits, load_yaml, read_yaml

__all__ = [
    "Agency", "BpmnError", "Catalog", "Checkpoint", "Division", "Duration", "END", "FORMS", "PROCEDURE_SCHEMA",
    "Problem", "Procedure", "ROLES", "SUPPLEMENT_OUTCOME", "Step", "Variant", "bpmn_xml", "compile_route",
    "compiled_spec", "load_catalog", "parse_spec", "procedure_from_data", "schema_json",
    "DEFAULT_YAML_LIMITS", "SourceError", "YamlLimits", "load_yaml", "read_yaml",
]
