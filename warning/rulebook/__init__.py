"""Risk rules: load rules/*.yaml, compile once, evaluate readings through durable-rules."""

from warning.rulebook.compiler import CompiledRule, Rulebook, load_rule_files, load_rulebook
from warning.rulebook.evaluator import RuleEvaluator, incident_key

__all__ = ["CompiledRule", "RuleEvaluator", "Rulebook", "incident_key", "load_rule_files", "load_rulebook"]
