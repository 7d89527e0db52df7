"""Quizzes and exams for the deep recurrent networks unit.

- :mod:`.bank`: the question bank (every exam-focus topic; five kinds of question).
- :mod:`.variant`: one concrete instance of a question, and the seeded randomness behind it.
- :mod:`.blueprint`: exam blueprints, rosters, and the per-learner paper (a pure function of
  blueprint, seed and learner id).
- :mod:`.grading`: reading answer sheets and scoring them into :class:`grader.model.SubmissionResult`
  (``exercise="exam"``, ``function`` = the question id).
- :mod:`.workflow`: ``generate`` and ``grade`` as used by ``grade exam``.
- :mod:`.render`: papers, answer sheets and reports from ``templates/exam/``.
- :mod:`.export`: Moodle XML and Canvas QTI 1.2.
- :mod:`.quiz`: the interactive practice loop behind ``grade quiz``.
"""
