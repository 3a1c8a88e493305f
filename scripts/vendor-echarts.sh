#!/usr/bin/env bash
# How gateway/static/echarts/ was made: Apache ECharts from the npm registry, an exact version, with its
# licence and notice, so the dashboard draws its charts with no network beyond the gateway (issue 12).
# The "common" build (line, bar, pie, scatter with grid, tooltip, legend, title, dataZoom, markLine) is
# what the dashboard uses: about 60 % of the full build. Re-run after changing the version, then commit.
set -euo pipefail

ECHARTS_VERSION=6.0.0

here=$(cd "$(dirname "$0")/.." && pwd)
target="$here/gateway/static/echarts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null
mkdir echarts
tar -xzf "echarts-$ECHARTS_VERSION.tgz" -C echarts --strip-components=1

rm -rf "$target" && mkdir -p "$target"
cp echarts/dist/echarts.common.min.js "$target/"
cp echarts/LICENSE "$target/LICENSE.echarts.txt"
cp echarts/NOTICE "$target/NOTICE.echarts.txt"
# No source map is shipped with the minified build's URL comment: drop the comment, not the code.
sed -i 's|^//# sourceMappingURL=.*$||' "$target/echarts.common.min.js"
cat > "$target/VERSIONS.txt" <<VERSIONS
echarts $ECHARTS_VERSION (Apache-2.0, LICENSE.echarts.txt, NOTICE.echarts.txt), dist/echarts.common.min.js
Fetched from the npm registry by scripts/vendor-echarts.sh.
VERSIONS
echo "vendored into $target:"; ls -l "$target"
