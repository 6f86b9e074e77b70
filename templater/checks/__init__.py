"""The Python checks that rule packs name with `check:` (the engine layer: they read a template's
LintContext). registry holds them by name; kinds runs any rule (the data kinds requirement and
existence too); importing builtin registers every builtin check (content, program and safety too)."""
