// SPDX-License-Identifier: Apache-2.0
//
// matrix.h: a row-major float32 matrix, the feature and k-means currency between modules.
//
// float32 halves memory traffic in the distance kernels; accumulators that need it use double.
//
// Thread safety: a value type; concurrent reads are safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace fw {

// A non-owning view of rows x cols floats, row-major. Invariant: data.size() == rows * cols.
struct MatrixView {
  std::span<const float> data;
  size_t rows = 0;
  size_t cols = 0;

  std::span<const float> Row(size_t row_idx) const { return data.subspan(row_idx * cols, cols); }
};

// An owning row-major matrix with optional column names.
struct Matrix {
  std::vector<float> data;
  size_t rows = 0;
  size_t cols = 0;
  std::vector<std::string> column_names;  // empty, or one name per column

  Matrix() = default;
  Matrix(size_t num_rows, size_t num_cols)
      : data(num_rows * num_cols, 0.0f), rows(num_rows), cols(num_cols) {}

  float& At(size_t row_idx, size_t col_idx) { return data[row_idx * cols + col_idx]; }
  float At(size_t row_idx, size_t col_idx) const { return data[row_idx * cols + col_idx]; }
  std::span<float> Row(size_t row_idx) { return {data.data() + row_idx * cols, cols}; }
  std::span<const float> Row(size_t row_idx) const { return {data.data() + row_idx * cols, cols}; }
  MatrixView View() const { return {data, rows, cols}; }
};

}  // namespace fw
