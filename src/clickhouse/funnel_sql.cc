// SPDX-License-Identifier: Apache-2.0
//
// funnel_sql.cc: the funnel of docs/metrics.md as ClickHouse SQL, for the three orders.
//
// Each order contributes WITH items ending in the per-user tuple fw_user: m (the furthest step,
// rule 3), TT (T_1..T_k of the counted attempt, rule 4, meaningful up to m) and the latest
// entry time (rule 6). The common part turns it into one row per (group, step j) with the
// users, the users in progress and the two order statistics of each percentile. ClickHouse
// expands a WITH alias at every use, so every alias here is used a fixed number of times
// (values needed more often are bound to a lambda parameter with Let), and the answer has one
// row per step (an arrayJoin over 1..k) rather than k columns: the SQL grows linearly in k.
#include <algorithm>

#include "flywheel/clickhouse/client.h"
#include "flywheel/clickhouse/metric_sql.h"

namespace fw::clickhouse {
namespace {

// "Not found" for arrayFirst: appended to every candidate list, so a missing step maps to a
// time no window reaches, and every later step of that chain stays unreached too.
constexpr const char* kNever = "toInt64(9223372036854775807)";

// A window longer than 2^62 µs (146,000 years) spans every valid time (years 0 to 9999), so
// the strict order caps it there and `time + window` cannot overflow.
constexpr int64_t kWindowCap = int64_t{1} << 62;

std::string StepTimes(const std::string& event) {
  return "arrayFilter((t, e) -> e = " + QuoteString(event) + ", ts, ev)";
}

// For each time in `from_array`, the first time in `candidates` at or after it (or kNever).
std::string FirstAtOrAfter(const std::string& from_array, const std::string& candidates) {
  return "arrayMap(x -> arrayFirst(y -> y >= x, arrayConcat(" + candidates + ", [" + kNever +
         "])), " + from_array + ")";
}

std::string StepList(const analytics::FunnelDefinition& definition) {
  std::string names;
  for (size_t j = 0; j < definition.steps.size(); ++j) {
    names += (j ? ", " : "") + QuoteString(definition.steps[j]);
  }
  return "[" + names + "]";
}

// Let(name, value, body): `body` with the lambda parameter `name` bound to `value`. ClickHouse
// expands a WITH alias at every use, so an alias used twice doubles the query, and a chain of
// such uses grows exponentially; a lambda parameter is a plain column, so the body may use it
// any number of times while `value` appears once.
std::string Let(const std::string& name, const std::string& value, const std::string& body) {
  return "arrayMap(" + name + " -> " + body + ", [" + value + "])[1]";
}

// What an order adds to the WITH clause: items ending in `fw_user`, the user's
// tuple (m UInt32: the furthest step, rule 3; TT Array(Int64): T_1..T_k of the counted attempt,
// rule 4, meaningful up to m; the latest entry time, rule 6).
using OrderSql = std::string;

// Rule 2, any order: from entry t1 (an event of any step), step s is present when its first
// event at or after t1 is within the window; T_j is the j-th smallest of those times.
OrderSql AnyOrderSql(const analytics::FunnelDefinition& definition, const std::string& w) {
  const size_t k = definition.steps.size();
  std::string with = "arrayFilter((t, e) -> has(" + StepList(definition) + ", e), ts, ev) AS E, ";
  std::string args, arrays;
  for (size_t j = 1; j <= k; ++j) {
    const std::string n = std::to_string(j);
    with += FirstAtOrAfter("E", StepTimes(definition.steps[j - 1])) + " AS F" + n + ", ";
    args += (j > 1 ? ", f" : "f") + n;
    arrays += (j > 1 ? ", F" : "F") + n;
  }
  const std::string list = args;
  // Per entry, the first time of every step at or after it.
  with += "arrayMap((" + args + ") -> [" + list + "], " + arrays + ") AS s_first, ";
  // Rule 3: the counted attempt is the earliest entry reaching the furthest step.
  const std::string reach =
      "arrayMap((t1, fs) -> toUInt32(arrayCount(f -> f <= t1 + " + w + ", fs)), E, Q)";
  with += Let("Q", "s_first",
              Let("R", reach,
                  Let("top", "arrayReduce('max', R)",
                      "(top, arraySort(Q[indexOf(R, top)]), E[-1])"))) +
          " AS fw_user ";
  return with;
}

// Rule 2, ordered: from entry t1 (a step-1 event) the earliest chain takes, for each step, the
// first event of that step at or after the previous step's time (same instant allowed). Each
// entry's chain is an array grown one step at a time.
OrderSql OrderedSql(const analytics::FunnelDefinition& definition, const std::string& w) {
  const size_t k = definition.steps.size();
  std::string with = StepTimes(definition.steps[0]) + " AS s_entry, "
                     "arrayMap(t -> [t], s_entry) AS s_c1, ";
  for (size_t j = 2; j <= k; ++j) {
    with += "arrayMap(c -> arrayPushBack(c, arrayFirst(y -> y >= c[-1], arrayConcat(" +
            StepTimes(definition.steps[j - 1]) + ", [" + kNever + "]))), s_c" +
            std::to_string(j - 1) + ") AS s_c" + std::to_string(j) + ", ";
  }
  // The chain's times never decrease, so the steps it reaches are those within t1 + W.
  const std::string reach =
      "arrayMap(c -> toUInt32(arrayCount(t -> t <= c[1] + " + w + ", c)), C)";
  with += Let("C", "s_c" + std::to_string(k),
              Let("R", reach,
                  Let("top", "arrayReduce('max', R)", "(top, C[indexOf(R, top)], s_entry[-1])"))) +
          " AS fw_user ";
  return with;
}

// Rule 2, strict: no event of the user strictly between consecutive steps. The user's events
// become instants (U: distinct times; M: bit s set when step s+1 occurs there), so a strict
// chain moves from instant q to q or q + 1 only, and a chain that reaches step k spans at most
// k instants. For every start instant p, the attempt from p is run over the instants p..p+k-1
// (unrolled: k is known), as the kernel's ScanAttempt runs it. (Lambda parameters must not be
// named like a WITH alias, m or j, which ClickHouse would substitute into the lambda.)
//   seen  = steps reached at the previous instant of the attempt (at p: none),
//   seeds = steps present here whose previous step was reached at the previous instant (at p:
//           step 1 itself),
//   now   = seeds, extended upwards through consecutive steps present at this instant, which
//           same-instant events allow. With seeds inside mask, adding them to the mask carries
//           through each run of present steps from its lowest seed upwards, so
//           now = ((mask + seeds) XOR mask) AND mask, OR seeds;
//   ever  = steps reached so far, always 1..r; hist records ever after each instant.
// An instant counts only while its time is within t1 + W (c: how many instants from p are).
// Each state array is computed from the previous one alone, so the SQL grows linearly in k.
OrderSql StrictSql(const analytics::FunnelDefinition& definition, int64_t window_us) {
  const size_t k = definition.steps.size();
  const std::string w = std::to_string(std::min(window_us, kWindowCap));
  std::string with = StepTimes(definition.steps[0]) + " AS s_entry, ";
  // Instants. The view sorts a user's rows by (time, event, ...), so the rows of one step at
  // one instant are adjacent, and only the first of them adds the step's bit.
  with += "arrayMap(e -> indexOf(" + StepList(definition) + ", e), ev) AS s_ix, "
          "arrayPushFront(arrayPopBack(ts), ts[1] - 1) AS s_pt, "
          "arrayPushFront(arrayPopBack(ev), '') AS s_pe, "
          "arrayPushBack(arrayPopFront(ts), ts[-1] + 1) AS s_nt, "
          "arrayFilter((t, nt) -> t != nt, ts, s_nt) AS U, "
          "arrayPopFront(arrayDifference(arrayPushFront(arrayFilter((c, t, nt) -> t != nt, "
          "arrayCumSum(arrayMap((t, e, pt, pe, i) -> if(i = 0 OR (t = pt AND e = pe), "
          "toInt64(0), bitShiftLeft(toInt64(1), i - 1)), ts, ev, s_pt, s_pe, s_ix)), ts, "
          "s_nt), toInt64(0)))) AS M, ";
  // c[p] = #{q >= p : U[q] <= U[p] + W}: a sort-merge of the times with the window ends (a
  // time equal to an end sorts first, so it counts: the window is inclusive) and a prefix sum.
  with += "arraySort(arrayConcat(arrayMap(u -> (u, toUInt8(0)), U), arrayMap(u -> (u + " + w +
          ", toUInt8(1)), U))) AS s_mg, "
          "arrayMap((h, i) -> toUInt64(h - i + 1), arrayFilter((h, x) -> tupleElement(x, 2) = 1, "
          "arrayCumSum(arrayMap(x -> toInt64(tupleElement(x, 2) = 0), s_mg)), s_mg), "
          "arrayEnumerate(U)) AS s_c, ";
  // State per start p: (seen, ever, hist, c). The start instant is always inside the window.
  // Within a step's lambda, Let binds the mask and `now`, so that each is written once. (ever
  // is kept apart from hist: 18.16 sends `tupleElement(x, 3)[-1]` to the shards as `x.3[-1]`,
  // which it then cannot parse.)
  auto fill = [](const std::string& mask, const std::string& seeds) {
    return "bitOr(bitAnd(bitXor(" + mask + " + " + seeds + ", " + mask + "), " + mask + "), " +
           seeds + ")";
  };
  with += "arrayMap((f, c) -> (f, f, [f], c), arrayMap(x -> " + fill("x", "bitAnd(x, 1)") +
          ", M), s_c) AS s_x0, ";
  for (size_t o = 1; o < k; ++o) {
    const std::string next =
        Let("mm", "if(" + std::to_string(o) + " < tupleElement(x, 4), b, 0)",
            Let("n", fill("mm", "bitAnd(mm, bitShiftLeft(tupleElement(x, 1), 1))"),
                Let("ev2", "bitOr(tupleElement(x, 2), n)",
                    "(n, ev2, arrayPushBack(tupleElement(x, 3), ev2), tupleElement(x, 4))")));
    // M shifted left by o: the mask of instant p + o at index p (0 past the last instant).
    const std::string shifted = "arrayResize(arraySlice(M, " + std::to_string(o + 1) +
                                "), length(U), toInt64(0))";
    with += "arrayMap((x, b) -> " + next + ", s_x" + std::to_string(o - 1) + ", " + shifted +
            ") AS s_x" + std::to_string(o) + ", ";
  }
  // ever is 2^r - 1 with r the steps the attempt from p reaches, so the largest ever belongs
  // to the furthest attempt and indexOf finds the earliest start that reaches it (rule 3).
  // Rule 4: T_j is the instant where the counted attempt first reaches step j (hist tells).
  std::string powers;
  for (size_t j = 0; j <= k; ++j) powers += (j ? ", " : "") + std::to_string(int64_t{1} << j);
  const std::string kk = std::to_string(k);
  const std::string times =
      "arrayMap((h, su) -> arrayMap(s -> su[arrayFirstIndex(e -> bitTest(e, s), h)], range(" + kk +
      ")), [tupleElement(F[p], 3)], [arraySlice(U, p, " + kk + ")])[1]";
  with += Let("F", "s_x" + std::to_string(k - 1),
              Let("ever", "arrayMap(x -> tupleElement(x, 2), F)",
                  Let("top", "arrayReduce('max', ever)",
                      Let("p", "indexOf(ever, top)",
                          "(toUInt32(indexOf([" + powers + "], top + 1) - 1), " + times +
                              ", s_entry[-1])")))) +
          " AS fw_user ";
  return with;
}

}  // namespace

std::string FunnelSql(const analytics::FunnelDefinition& definition, int64_t data_end_us,
                      const std::string& view, const Breakdown& by) {
  const size_t k = definition.steps.size();
  const std::string w = std::to_string(definition.window_us);
  OrderSql order;
  switch (definition.order) {
    case analytics::FunnelOrder::kAny: order = AnyOrderSql(definition, w); break;
    case analytics::FunnelOrder::kOrdered: order = OrderedSql(definition, w); break;
    case analytics::FunnelOrder::kStrict: order = StrictSql(definition, definition.window_us); break;
  }
  std::string steps;
  for (size_t j = 1; j <= k; ++j) steps += (j > 1 ? ", " : "") + std::to_string(j);
  // --by channel: the channel of the first step-1 event.
  std::string sql = "WITH " + GroupLabelSql(by, definition.steps[0]) + " AS g, " + order + ", ";
  // One row per user and step j: (j, reached j, in progress at j, T_j - T_(j-1)). Rule 6: in
  // progress when the furthest step is j < k and the latest entry's window is still open. (TT
  // is empty for a user who never entered, read with a breakdown: padded to k.)
  sql += "arrayJoin(" +
         Let("u", "fw_user",
             "arrayMap((j1, dt) -> (j1, toUInt8(tupleElement(u, 1) >= j1), toUInt8(tupleElement(u, "
             "1) = j1 AND j1 < " + std::to_string(k) + " AND tupleElement(u, 3) + " + w + " > " +
                 std::to_string(data_end_us) + "), dt), [" + steps +
                 "], arrayDifference(arrayResize(tupleElement(u, 2), " + std::to_string(k) +
                 ", toInt64(0))))") +
         ") AS r, ";
  // Rule 4: the differences of the users reaching step j >= 2, sorted; the quantile's two
  // order statistics are picked here so that only they leave ClickHouse.
  sql += "arraySort(groupArrayIf(tupleElement(r, 4), tupleElement(r, 2) = 1 AND tupleElement(r, "
         "1) >= 2)) AS d ";
  std::string stats = "[toInt64(length(x))";
  for (const char* q : {"0.5", "0.9"}) {
    const std::string lo = "toUInt64(floor(" + std::string(q) + " * (length(x) - 1)))";
    stats += ", x[" + lo + " + 1], x[least(" + lo + " + 2, length(x))]";
  }
  stats += "]";
  sql += "SELECT g, tupleElement(r, 1) AS j, sum(tupleElement(r, 2)), sum(tupleElement(r, 3)), " +
         Let("x", "d", stats) + " FROM " + view + BreakdownJoinSql(by);
  // Without a breakdown only users who entered matter; with one, every user's label is a group.
  if (by.kind == BreakdownKind::kNone) {
    sql += " WHERE arrayExists(e -> " +
           (definition.order == analytics::FunnelOrder::kAny
                ? "has(" + StepList(definition) + ", e)"
                : "e = " + QuoteString(definition.steps[0])) +
           ", ev)";
  }
  return sql + " GROUP BY g, j ORDER BY g, j FORMAT TSV";
}

}  // namespace fw::clickhouse
