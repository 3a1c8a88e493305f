"""The supervision domain's object types, a module per topic."""
