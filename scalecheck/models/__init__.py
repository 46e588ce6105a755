"""The topic models: the arithmetic of each lesson, as small pure functions.

One module per subject, named in its docstring with the lesson that defines it:
``roadmap`` (01), ``cluster`` (02), ``training`` (03), ``scaling`` (04-05),
``trends`` (06), ``datawall`` (07), ``synthetic`` (08), ``agi`` (09),
``forecasts`` (10) and ``ledger`` (the claims, used throughout). A model
imports the foundation layer (:mod:`scalecheck.core`) and models of earlier
lessons (``agi`` reuses ``trends``' growth arithmetic, ``datawall`` the
Chinchilla ratio of ``scaling``), never widgets, the exercise engine or the
classroom, so every function can be tested and reused outside a notebook.
"""
