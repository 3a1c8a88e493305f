"""The casework domain's object types, a module per topic."""
