// SPDX-License-Identifier: Apache-2.0
//
// schema.cc: workspace tables. Documented for users in docs/formats.md.
//
// key_hi/key_lo on the ingested tables are the 128-bit dedup key (core/hash.h): the hash of
// event_id when one is given, else of the whole normalised row. Ingest checks new rows against
// the keys already stored, so re-ingesting a file inserts nothing.
#include "schema.h"

namespace fw::store {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      // Version 1: the tables of DESIGN.md.
      R"sql(
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS events (
  key_hi UBIGINT NOT NULL, key_lo UBIGINT NOT NULL,
  event_id VARCHAR, user_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, event VARCHAR NOT NULL,
  channel VARCHAR, campaign VARCHAR, revenue DOUBLE, properties VARCHAR);
CREATE TABLE IF NOT EXISTS spend (
  key_hi UBIGINT NOT NULL, key_lo UBIGINT NOT NULL,
  date DATE NOT NULL, channel VARCHAR NOT NULL, campaign VARCHAR, spend DOUBLE NOT NULL,
  impressions BIGINT, clicks BIGINT);
CREATE TABLE IF NOT EXISTS exposures (
  key_hi UBIGINT NOT NULL, key_lo UBIGINT NOT NULL,
  user_id VARCHAR NOT NULL, experiment VARCHAR NOT NULL, variant VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS rejects (
  kind VARCHAR, source VARCHAR, line BIGINT, "column" VARCHAR, reason VARCHAR, message VARCHAR,
  raw VARCHAR, rejected_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS ingest_log (
  kind VARCHAR, source VARCHAR, rows_read BIGINT, inserted BIGINT, duplicates BIGINT,
  rejected BIGINT, started_at TIMESTAMP, seconds DOUBLE);
CREATE TABLE IF NOT EXISTS segments (
  run_id VARCHAR, user_id VARCHAR, segment INTEGER, label VARCHAR);
CREATE TABLE IF NOT EXISTS experiments (
  name VARCHAR PRIMARY KEY, definition VARCHAR, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS bandits (
  name VARCHAR PRIMARY KEY, definition VARCHAR, state VARCHAR, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS decisions (
  decision_id VARCHAR, bandit VARCHAR, user_id VARCHAR, arm VARCHAR, propensity DOUBLE,
  context VARCHAR, ts TIMESTAMP);
CREATE TABLE IF NOT EXISTS rewards (
  decision_id VARCHAR, reward DOUBLE, cost DOUBLE, ts TIMESTAMP);
CREATE TABLE IF NOT EXISTS models (
  name VARCHAR, kind VARCHAR, state VARCHAR, created_at TIMESTAMP);
)sql",
  };
  return kMigrations;
}

}  // namespace fw::store
