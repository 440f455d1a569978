"""Needleman–Wunsch alignment of a course against many courses at once, fitted: the whole asked course must be
aligned, but the other course may begin earlier and go on later at no cost (a course described from a relapse on
is found inside longer ones, and what follows is what happened next).

The distances of one query against every course of one length are computed together with numpy, one query event
(row) at a time; the gaps along a row (a recurrence) become a running minimum: D[j] = min_k (T[k] + (j-k)·gap) =
j·gap + cummin(T[k] - k·gap).

>>> import numpy as np
>>> costs = np.array([[0, 1.5], [1.5, 0]], dtype=np.float32)
>>> courses = np.array([[0, 1, 0], [1, 1, 1]], dtype=np.int16)
>>> distances(np.array([1, 0]), courses, costs, gap=1.0).tolist()
[0.0, 1.0]
>>> [step[:3] for step in traceback([1, 0], [0, 1, 0], costs, gap=1.0)[0]]
[('match', 0, 1), ('match', 1, 2)]
"""

import numpy as np


def distances(query: np.ndarray, courses: np.ndarray, costs: np.ndarray, gap: float) -> np.ndarray:
    """The fitted alignment cost of `query` (codes) against each row of `courses` (n × L codes)."""
    count, length = courses.shape
    steps = np.arange(length + 1, dtype=np.float32) * gap
    previous = np.zeros((count, length + 1), dtype=np.float32)  # free start: no cost before the patient's course
    for row, code in enumerate(query, start=1):
        substitute = costs[code][courses]  # n × L: this query event in place of each event of each course
        best = np.empty_like(previous)
        best[:, 0] = row * gap
        best[:, 1:] = np.minimum(previous[:, :-1] + substitute, previous[:, 1:] + gap)
        previous = steps + np.minimum.accumulate(best - steps, axis=1)
    return previous.min(axis=1)  # free end: the patient's later events cost nothing


def traceback(query, course, costs: np.ndarray, gap: float) -> tuple[list[tuple], int]:
    """One fitted alignment: (what, query index or None, course index or None, cost) per step, and where in the
    course the alignment ends (the index after its last aligned event)."""
    m, n = len(query), len(course)
    table = np.zeros((m + 1, n + 1))
    table[1:, 0] = np.arange(1, m + 1) * gap
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            table[i, j] = min(table[i - 1, j - 1] + costs[query[i - 1], course[j - 1]],
                              table[i - 1, j] + gap, table[i, j - 1] + gap)
    end = int(np.argmin(table[m]))
    steps, i, j = [], m, end
    while i > 0:
        cost = float(costs[query[i - 1], course[j - 1]]) if j > 0 else None
        if j > 0 and np.isclose(table[i, j], table[i - 1, j - 1] + cost):
            steps.append(("match" if cost == 0 else "differs", i - 1, j - 1, cost))
            i, j = i - 1, j - 1
        elif np.isclose(table[i, j], table[i - 1, j] + gap):
            steps.append(("only in the asked course", i - 1, None, gap))
            i -= 1
        else:
            steps.append(("only in this patient's course", None, j - 1, gap))
            j -= 1
    return steps[::-1], end
