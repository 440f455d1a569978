"""Patients like this one: the courses most like a patient's (or a described course), by a Needleman–Wunsch
alignment of event sequences whose costs come from the ontology, each hit with its alignment and what happened
next, with sources.

    events   the events compared and what replacing one by another costs
    course   a course as a clinician writes it ("relapse CD19-negative; inotuzumab; CR")
    align    the alignment: many courses at once with numpy, and one traceback
    read     every patient's course, read from the graph in one pass over the cohort
    index    every course as small integer arrays, built once per graph
    search   the k nearest, with alignments and what followed
"""

from kg.clinical.similar.index import CourseIndex, index_for
from kg.clinical.similar.search import Hit, Similar, search, similar_courses

__all__ = ["CourseIndex", "Hit", "Similar", "index_for", "search", "similar_courses"]
