"""Rule packs: YAML data loaded into validated signals and rules (see loader and model)."""
from templater.rulepacks.loader import RuleSet, load_ruleset

__all__ = ["RuleSet", "load_ruleset"]
