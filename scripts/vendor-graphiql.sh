#!/usr/bin/env bash
# How gateway/static/graphiql/ was made: GraphiQL and React from the npm registry, exact versions, with
# their licences, so the development GraphiQL page needs no network beyond the gateway (issue 12).
# Re-run after changing a version below, then commit the result; the gateway serves the files under
# content-hashed URLs, so browsers pick up the new ones at once.
set -euo pipefail

GRAPHIQL_VERSION=3.8.3
REACT_VERSION=18.3.1   # GraphiQL 3 supports React 16-18; React 19 has no UMD builds

here=$(cd "$(dirname "$0")/.." && pwd)
target="$here/gateway/static/graphiql"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
mkdir graphiql react react-dom
tar -xzf "graphiql-$GRAPHIQL_VERSION.tgz" -C graphiql --strip-components=1
tar -xzf "react-$REACT_VERSION.tgz" -C react --strip-components=1
tar -xzf "react-dom-$REACT_VERSION.tgz" -C react-dom --strip-components=1

rm -rf "$target" && mkdir -p "$target"
cp graphiql/graphiql.min.js graphiql/graphiql.min.css "$target/"
cp react/umd/react.production.min.js react-dom/umd/react-dom.production.min.js "$target/"
cp graphiql/LICENSE "$target/LICENSE.graphiql.txt"
cp react/LICENSE "$target/LICENSE.react.txt"
cp react-dom/LICENSE "$target/LICENSE.react-dom.txt"
# Source maps are left out: they double the size and point at sources that are not shipped.
sed -i 's|^//# sourceMappingURL=.*$||; s|/\*# sourceMappingURL=[^*]*\*/||' "$target/graphiql.min.js" "$target/graphiql.min.css"
cat > "$target/VERSIONS.txt" <<VERSIONS
graphiql $GRAPHIQL_VERSION (MIT, LICENSE.graphiql.txt)
react $REACT_VERSION (MIT, LICENSE.react.txt)
react-dom $REACT_VERSION (MIT, LICENSE.react-dom.txt)
Fetched from the npm registry by scripts/vendor-graphiql.sh; the fonts GraphiQL uses are inlined in its CSS.
VERSIONS
echo "vendored into $target:"; ls -l "$target"
