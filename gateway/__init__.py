"""The GraphQL gateway: one HTTP endpoint in front of the platform's nameko services.

Layout:
- `http.py`       reading requests and building responses (GraphQL over HTTP), pure functions;
- `auth.py`       bearer token → Viewer;
- `guards.py`     parse/validate with limits (depth, cost, aliases, introspection), cached;
- `errors.py`     the one place that turns exceptions into client-visible errors;
- `context.py`    what resolvers see for one request (viewer, service clients, loaders);
- `loaders.py`    loaders declared by key (`batch_loader`), built per request on demand (`loader`);
- `execution.py`  the request pipeline tying the above together, without nameko;
- `schema/`       the GraphQL schema, a package per domain (enums, types, queries, mutations, loaders);
- `service.py`    the thin nameko service;
- `sdl.py`        prints the schema (`python -m gateway.sdl > gateway/schema.graphql`).
"""
