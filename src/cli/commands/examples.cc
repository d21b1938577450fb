// SPDX-License-Identifier: Apache-2.0
//
// examples.cc: an example in every command's --help. Kept in one table, so the examples read as
// one tour and a command file only needs its own footer() to override its line here.
#include <map>
#include <string>

#include "cli_context.h"

namespace fw::cli {
namespace {

// Command path ("experiment analyze") -> example lines.
const std::map<std::string, std::string>& Examples() {
  static const std::map<std::string, std::string> kExamples = {
      {"generate", "flywheel generate --users 20000 --days 90 --seed 42 --out data"},
      {"ingest", "flywheel --db fw.db ingest events data/events.csv\n"
                 "  flywheel --db fw.db ingest spend data/spend.csv --rejects bad_rows.csv"},
      {"info", "flywheel --db fw.db info\n  flywheel --db fw.db info --frame"},
      {"sql", "flywheel --db fw.db sql \"SELECT channel, count(*) FROM events GROUP BY 1\""},
      {"segment", "flywheel --db fw.db segment --k auto --features behaviour\n"
                  "  flywheel segment --input customers.csv --columns income,score --k 5"},
      {"retention", "flywheel --db fw.db retention --period week --periods 8"},
      {"funnel", "flywheel --db fw.db funnel signup view add_to_cart purchase --window 7d"},
      {"lifecycle", "flywheel --db fw.db lifecycle --period week"},
      {"stickiness", "flywheel --db fw.db stickiness"},
      {"acquisition", "flywheel --db fw.db acquisition --attribution linear"},
      {"clv", "flywheel --db fw.db clv --by segment --out clv.csv"},
      {"experiment", "flywheel --db fw.db experiment analyze checkout_v2 --metric conversion:purchase"},
      {"experiment create", "flywheel --db fw.db experiment create checkout_v2 "
                            "--variants control:0.5,treatment:0.5"},
      {"experiment assign", "flywheel --db fw.db experiment assign --experiment checkout_v2 "
                            "--user u0000042"},
      {"experiment analyze", "flywheel --db fw.db experiment analyze checkout_v2 --metric "
                             "conversion:purchase --metric revenue --cuped pre:count:view:14"},
      {"experiment power", "flywheel experiment power --baseline 0.1 --mde 0.05"},
      {"experiment adjust", "flywheel experiment adjust --method holm 0.01,0.04,0.03"},
      {"simulate", "flywheel simulate --scenario ecommerce --policies ts,budgeted-ts,oracle --runs 20"},
      {"ope", "flywheel ope --log logged.csv --policy greedy-dm"},
      {"allocate", "flywheel --db fw.db allocate --budget 10000 --min email:2000 --floor 0.05"},
      {"bandit", "flywheel --db fw.db bandit create promo --arms email,search,social "
                 "--policy budgeted-ts --budget 10000"},
      {"bandit create", "flywheel --db fw.db bandit create promo --arms email,search,social "
                        "--policy budgeted-ts --budget 10000"},
      {"bandit decide", "flywheel --db fw.db bandit decide promo --user u0000042"},
      {"bandit reward", "flywheel --db fw.db bandit reward promo --decision promo-1 --reward 1 "
                        "--cost 0.21"},
      {"bandit show", "flywheel --db fw.db bandit show promo"},
      {"mmm", "flywheel mmm simulate --out mmm.csv && flywheel mmm fit --input mmm.csv "
              "--target sales --channels tv,search"},
      {"mmm fit", "flywheel --db fw.db mmm fit --input weekly.csv --date-col date --target sales "
                  "--channels tv,search,social --controls promo"},
      {"mmm plan", "flywheel --db fw.db mmm plan --budget 130000 --periods 13 --min tv:2000"},
      {"mmm curves", "flywheel --db fw.db mmm curves --format csv --out curves.csv"},
      {"mmm simulate", "flywheel mmm simulate --weeks 156 --channels 4 --out mmm.csv "
                       "--truth mmm_truth.json"},
      {"serve", "flywheel --db fw.db serve --port 8080   (then open http://127.0.0.1:8080/)"},
      {"report", "flywheel --db fw.db report --out report.html"},
      {"demo", "flywheel demo --out demo-out --users 100000"},
  };
  return kExamples;
}

void AddFooters(CLI::App& command, const std::string& path) {
  const auto& examples = Examples();
  const auto it = examples.find(path);
  if (it != examples.end() && command.get_footer().empty()) {
    command.footer("Example:\n  " + it->second);
  }
  for (CLI::App* sub : command.get_subcommands({})) {
    AddFooters(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
  }
}

}  // namespace

void AddExampleFooters(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) AddFooters(*sub, sub->get_name());
  if (app.get_footer().empty()) {
    app.footer("Start with: flywheel demo   (the whole growth loop on generated data, then "
               "open demo-out/report.html)\nEach command: flywheel COMMAND --help");
  }
}

}  // namespace fw::cli
