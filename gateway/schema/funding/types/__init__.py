"""The funding domain's object types, a module per topic."""
