#!/usr/bin/env bash
# The quick start: install what is missing, then show pg_walrus at work on a throwaway local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run -s demo
