"""The scorer's arrays that depend on HPO's diseases alone (:class:`~dmkb.similarity.score.Prepared`),
kept beside the saved model in ``DMKB_HOME/similarity/prepared.npz``: deriving them takes most of
the time an engine takes to load, and they only change with the model, the params or the code."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from dmkb.fs import write_atomic
from dmkb.signature import code_signature
from dmkb.similarity.candidates import candidates
from dmkb.similarity.model import Model, model_path
from dmkb.similarity.score import Params, Prepared, prepare

FILE = "prepared.npz"


def load_prepared(model: Model, params: Params) -> Prepared:
    """The prepared arrays of ``model``, the model saved at :func:`model_path`: those kept for it, or
    derived now and kept.

    :raises OSError: when the saved model cannot be read.
    """
    key = _key(model_path(), params)
    path = model_path().with_name(FILE)
    with contextlib.suppress(OSError, ValueError, KeyError):
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) == key:
                return Prepared.from_arrays(data)
    prepared = prepare(model, candidates(model, [], lambda _: None), params)
    buffer = io.BytesIO()
    np.savez(buffer, key=np.array(key), **prepared.arrays())  # uncompressed: loading is then a plain read
    with contextlib.suppress(OSError):  # a home we may not write to: derived again next time
        write_atomic(path, buffer.getvalue())
    return prepared


def _key(saved_model: Path, params: Params) -> str:
    """What the arrays are derived from: the saved model (its bytes), the params and the code."""
    digest = hashlib.sha256(saved_model.read_bytes())
    digest.update(json.dumps(asdict(params), sort_keys=True).encode())
    digest.update(code_signature().encode())
    return digest.hexdigest()
