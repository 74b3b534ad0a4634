"""Risk rules: load rules/*.yaml, compile once, evaluate readings through durable-rules."""

from warning.rulebook.compiler import CompiledRule, load_rule_files
from warning.rulebook.evaluator import RuleEvaluator, incident_key

__all__ = ["CompiledRule", "RuleEvaluator", "incident_key", "load_rule_files"]
