#!/usr/bin/env bash
# check-includes.sh: enforces the module dependency rules of STYLE.md B1 on #include lines.
#   store -> core; ingest -> store, core; gen -> core;
#   segment, bandit, mmm, experiment -> core only (plus the EventFrame's plain data headers
#     flywheel/store/event_frame.h and dictionary.h, which are structs, not the store);
#   analytics -> store, core; report -> analytics, experiment, segment, bandit, mmm, core;
#   clickhouse -> store, analytics, segment, experiment, core (it computes their per-user inputs
#     in SQL and hands them to their pure functions, e.g. segment::FillFeatureRow);
#   server, cli -> anything.
# Only src/store may include duckdb.h. Prints each violation; exits 1 if there is any.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

allowed() {
  case "$1" in
    core) echo "core" ;;
    store) echo "core store" ;;
    ingest) echo "core store ingest" ;;
    gen) echo "core gen" ;;
    web) echo "core web" ;;
    segment|bandit|mmm|experiment) echo "core $1" ;;
    analytics) echo "core store analytics" ;;
    report) echo "core analytics experiment segment bandit mmm report" ;;
    clickhouse) echo "core store analytics segment experiment clickhouse" ;;
    *) echo "*" ;;
  esac
}

status=0
while IFS= read -r file; do
  case "$file" in
    src/*) module=$(echo "$file" | cut -d/ -f2) ;;
    include/flywheel/*) module=$(echo "$file" | cut -d/ -f3) ;;
    *) continue ;;
  esac
  if grep -qE '#include[[:space:]]*[<"]duckdb\.h[>"]' "$file" && [ "$module" != store ]; then
    echo "$file: only src/store may include duckdb.h"
    status=1
  fi
  ok=$(allowed "$module")
  [ "$ok" = "*" ] && continue
  while IFS= read -r dep; do
    header="flywheel/$dep"
    dep_module=${dep%%/*}
    case " $ok " in *" $dep_module "*) continue ;; esac
    case "$module:$header" in
      segment:flywheel/store/event_frame.h|segment:flywheel/store/dictionary.h) continue ;;
      experiment:flywheel/store/event_frame.h|experiment:flywheel/store/dictionary.h) continue ;;
      bandit:flywheel/store/event_frame.h|mmm:flywheel/store/event_frame.h) continue ;;
    esac
    echo "$file: module '$module' may not include $header (allowed: $ok)"
    status=1
  done < <(grep -oE '#include[[:space:]]*"flywheel/[^"]+"' "$file" | sed -E 's/.*"flywheel\/([^"]+)"/\1/')
done < <(git ls-files 'src/*.h' 'src/*.cc' 'include/*.h' 2>/dev/null; git ls-files --others --exclude-standard 'src/*.h' 'src/*.cc' 'include/*.h' 2>/dev/null)
exit $status
