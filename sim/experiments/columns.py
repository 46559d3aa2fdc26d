"""Tables as named NumPy columns, to and from Arrow, without pandas.

`run` keeps, writes and reads its timeseries as columns of numbers and needs no pandas. pyarrow's own
conversions between NumPy and Arrow (`pa.array`, `to_numpy`, `pq.read_table`) import pandas whenever it is
installed, 0.3 to 0.4 s of the interpreter's time that a small run shared with its model; these two functions
move the same bytes through Arrow's buffers instead. Only numbers without missing values are handled, which
is what a timeseries holds.
"""

from __future__ import annotations

import numpy as np


def to_arrow(columns: dict[str, np.ndarray]):
    """An Arrow table of the columns, in order (each a 1-d NumPy array of numbers, all of one length)."""
    import pyarrow as pa

    arrays = []
    for name, values in columns.items():
        values = np.ascontiguousarray(values)
        if values.ndim != 1 or values.dtype.kind not in "iuf":
            raise TypeError(f"column {name!r}: a 1-d array of numbers expected, got {values.dtype} {values.shape}")
        arrays.append(pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                            [None, pa.py_buffer(values)]))
    return pa.Table.from_arrays(arrays, names=list(columns))


def from_arrow(table) -> dict[str, np.ndarray]:
    """The columns of an Arrow table of numbers as NumPy arrays (a copy where a column has several chunks)."""
    return {name: _numpy(table.column(name), name) for name in table.column_names}


def _numpy(column, name: str) -> np.ndarray:
    parts = []
    for chunk in column.chunks:
        dtype = _DTYPES.get(str(chunk.type))
        if dtype is None or chunk.null_count:
            raise TypeError(f"column {name!r}: numbers without missing values expected, got {chunk.type} "
                            f"with {chunk.null_count} missing")
        data = chunk.buffers()[1]
        parts.append(np.frombuffer(data, dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, _DTYPES.get(str(column.type), np.float64))


# Arrow's names of the number types, and NumPy's dtype for each
_DTYPES = {**{name: np.dtype(name) for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                                 "uint64")},
           "float": np.dtype(np.float32), "double": np.dtype(np.float64)}
