// SPDX-License-Identifier: Apache-2.0
//
// decision_replay.h: moves what `flywheel serve` left in its decision log into the workspace.
//
// The server acknowledges a bandit decision or reward once its record is in the decision log
// (`<db>.decisions/`, see src/server/decision_log.h) and moves records into the `decisions` and
// `rewards` tables in batches. After a kill -9 the newest records may exist only in the log.
// ReplayDecisionLog applies every segment newer than the workspace's `decision_log_state`
// watermark, in order, in one transaction: it inserts the rows, advances each bandit's decision
// counter and applies each reward to its stored state, then records the new watermark and
// deletes the replayed segments. It is idempotent: a segment whose flush committed before the
// kill is at or below the watermark and is skipped, and, as a second guard, a decision or
// reward whose decision_id the tables already hold is not stored or applied again.
// A torn last line (a record whose write the kill interrupted, so never acknowledged) is
// skipped; any other unreadable line is kDataLoss naming file and line.
//
// The server runs it at start; the CLI's bandit commands that write run it before they touch a
// bandit, so decision ids are never reused.
//
// Thread safety: needs exclusive use of `workspace` (the caller's lock).
#pragma once

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

// Replays the log of `workspace` (none for ":memory:"); returns the number of records applied.
Result<int64_t> ReplayDecisionLog(store::Workspace& workspace);

}  // namespace fw::server
