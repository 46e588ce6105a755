"""The foundation layer: what every lesson and every other layer stands on.

``units`` (SI prefixes, parsing and printing quantities), ``paths`` (where the
course's folders are, with environment overrides), ``data`` (registered data
files, hash-checked), ``hardware`` (the GPU table by number format),
``uncertainty`` (seeded draws, log-normal ranges, 90% intervals), ``arrays``
(input checks and the scalar-or-array result rule), ``plotting`` (house
style) and ``kernel_status`` (no "busy" status for widget messages in the
running kernel). Modules here import only each other and numpy, pandas,
matplotlib (and IPython, inside ``kernel_status``'s one function): never a topic
model, the exercise engine, widgets or the classroom.
"""
