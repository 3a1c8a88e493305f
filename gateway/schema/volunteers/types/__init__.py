"""The volunteers domain's object types, a module per topic."""
