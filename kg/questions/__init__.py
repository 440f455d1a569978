"""The named questions: their catalogue (queries/*.rq), the parameters people type, pages, and the answers."""
