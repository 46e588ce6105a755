"""python -m scalecheck.classroom.grading (what ``course.py grade`` runs)."""
from .orchestrate import main

raise SystemExit(main())
