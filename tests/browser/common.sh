# common.sh: sourced by the run_*_test.sh drivers. Exits 77 (CTest SKIP_RETURN_CODE) when
# chromium, node or playwright-core is absent.   require_browser SOURCE_DIR
require_browser() {
  if [ ! -x /usr/bin/chromium ]; then echo "SKIP: /usr/bin/chromium is absent (scripts/install-deps.sh installs it)"; exit 77; fi
  if ! command -v node >/dev/null 2>&1; then echo "SKIP: node is absent"; exit 77; fi
  if [ ! -d "$1/web/node_modules/playwright-core" ]; then
    echo "SKIP: $1/web/node_modules/playwright-core is absent (npm ci in web/)"; exit 77
  fi
}
