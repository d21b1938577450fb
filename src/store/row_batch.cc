// SPDX-License-Identifier: Apache-2.0
//
// row_batch.cc: clearing a batch while keeping its column definitions.
#include "flywheel/store/row_batch.h"

namespace fw::store {

void RowBatch::Clear() {
  for (auto& column : columns) {
    column.text.clear();
    column.ints.clear();
    column.uints.clear();
    column.doubles.clear();
    column.valid.clear();
  }
  num_rows = 0;
}

}  // namespace fw::store
