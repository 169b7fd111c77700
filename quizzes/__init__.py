"""Homework and surveys used to be one app, `quizzes`; they are now two apps,
`quizzes.homework` and `quizzes.surveys`. `quizzes` stays installed only so
its migration history (which created the tables both apps still use) keeps
applying on fresh and existing databases. Put no code here."""
