"""Grade a class's exercise notebooks: each in its own sandbox, judged here.

    python3 course.py grade SUBMISSIONS/ --out GRADES/ [--jobs 2]

Every submission runs in a fresh kernel inside its own bubblewrap sandbox
(see ``sandbox.py``: no network, no other submission, no key, an
unprivileged uid, limits on time, memory, processes, files and output).
After the student's cells, one cell of the grader's reads the raw answers
back; they are validated answer by answer and judged **here**, in the
grader's process, against the full key.

Modules: ``discovery`` (what is in the folder), ``sandbox`` (the bwrap
command), ``runner`` (one submission, in a worker), ``kernel_extract`` (the
read-back cell, sent as source), ``scoring`` (validation and judging),
``cache`` (private, verified re-use of executions), and ``..feedback_report``
(the reports).
"""
from __future__ import annotations

from .discovery import Submission, discover
from .orchestrate import GRADER_VERSION, grade, main
from .runner import Limits, run_submission
from .sandbox import SandboxUnavailable
from .scoring import CLOSE_CREDIT, Execution, QuestionResult, decode, score, validate_execution

__all__ = ["CLOSE_CREDIT", "Execution", "GRADER_VERSION", "Limits", "QuestionResult", "SandboxUnavailable",
           "Submission", "decode", "discover", "grade", "main", "run_submission", "score",
           "validate_execution"]
