"""Deep RNN Grader: autograded exercises, quizzes and exams for the deep recurrent networks unit."""

__version__ = "0.1.0"
