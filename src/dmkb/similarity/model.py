"""The compact model the engine ranks with: HPO's structure and every disease's annotations as
flat numpy arrays, saved once under ``DMKB_HOME/similarity`` and loaded in a few milliseconds.

Lists of indices are stored CSR-style: the items of row ``i`` are ``items[ptr[i]:ptr[i + 1]]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from dmkb.fs import write_atomic
from dmkb.settings import dmkb_home

FORMAT = 2  # bump when the arrays change meaning, so that older files are rebuilt
PHENOTYPIC_ABNORMALITY = 118  # HP:0000118


@dataclass(frozen=True, eq=False)
class Model:
    """Terms, their ancestors, diseases and their annotations.

    - ``term_ids``: HPO numbers of current terms, ascending (``HP:0001945`` is 1945).
    - ``anc_ptr``/``anc_idx``: for each term, the indices of its ancestors, itself included.
    - ``ann_ptr``/``ann_term``/``ann_freq``/``ann_patients``: for each disease, its phenotypes,
      their frequency (NaN when unknown) and the number of patients a counted frequency was
      seen in (0 otherwise).
    - ``not_ptr``/``not_term``: phenotypes each disease is known not to have.
    - ``meta``: names, disease ids, MONDO ids, genes, the OMIM twins of Orphanet diseases,
      obsolete-id replacements, releases.
    """

    term_ids: np.ndarray
    anc_ptr: np.ndarray
    anc_idx: np.ndarray
    ann_ptr: np.ndarray
    ann_term: np.ndarray
    ann_freq: np.ndarray
    ann_patients: np.ndarray
    not_ptr: np.ndarray
    not_term: np.ndarray
    meta: dict

    @property
    def term_names(self) -> list[str]:
        return self.meta["term_names"]

    @property
    def disease_ids(self) -> list[str]:
        return self.meta["disease_ids"]

    @property
    def disease_names(self) -> list[str]:
        return self.meta["disease_names"]

    @property
    def disease_mondo(self) -> list[str]:
        return self.meta["disease_mondo"]

    def ancestors(self, term: int) -> np.ndarray:
        return self.anc_idx[self.anc_ptr[term]:self.anc_ptr[term + 1]]

    def annotations(self, disease: int) -> slice:
        return slice(self.ann_ptr[disease], self.ann_ptr[disease + 1])

    def save(self, path: Path) -> None:
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        arrays["meta"] = np.frombuffer(orjson.dumps(self.meta), dtype=np.uint8)
        write_atomic(path, _npz_bytes(arrays))

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _ARRAYS}
            meta = orjson.loads(data["meta"].tobytes())
        return cls(**arrays, meta=meta)


_ARRAYS = ("term_ids", "anc_ptr", "anc_idx", "ann_ptr", "ann_term", "ann_freq", "ann_patients",
           "not_ptr", "not_term")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # uncompressed: loading is then a plain read
    return buffer.getvalue()


def model_path() -> Path:
    return dmkb_home() / "similarity" / "model.npz"


def load_cached(fingerprint: str) -> Model | None:
    """The saved model when it was built from inputs with this fingerprint, else ``None``."""
    path = model_path()
    try:
        model = Model.load(path)
    except (OSError, ValueError, KeyError, orjson.JSONDecodeError):
        return None
    if model.meta.get("format") != FORMAT or model.meta.get("fingerprint") != fingerprint:
        return None
    return model
